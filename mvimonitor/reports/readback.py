"""Read generated documents back as text, and PDF pages as images: for tests and for checking a report by eye.

``pdftotext`` and ``pdftoppm`` come from Debian's poppler-utils (installed by ``make test-deps``).
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path


def docx_text(data: bytes) -> str:
    """Every paragraph and every table cell of a DOCX, one per line, in document order."""
    from docx import Document as Docx

    docx = Docx(io.BytesIO(data))
    body = docx.element.body
    lines: list[str] = []
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(node.text or "" for node in child.iter() if node.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = [
                        "".join(node.text or "" for node in cell.iter() if node.tag.endswith("}t"))
                        for cell in row.iterchildren()
                        if cell.tag.endswith("}tc")
                    ]
                    lines.append("\t".join(cells))
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    """The text of a PDF as ``pdftotext -layout`` reads it."""
    command = ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"]  # Debian's poppler-utils
    result = subprocess.run(command, input=data, capture_output=True, check=True)  # noqa: S603
    return result.stdout.decode("utf-8")


def pdf_pages_as_png(data: bytes, directory: Path, resolution: int = 60) -> list[Path]:
    """Each page of the PDF as a PNG file in ``directory`` (``page-1.png``, ...)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(data)
        source.flush()
        subprocess.run(  # noqa: S603 - fixed program and arguments
            ["pdftoppm", "-png", "-r", str(resolution), source.name, str(directory / "page")],  # noqa: S607
            check=True,
            capture_output=True,
        )
    return sorted(directory.glob("page-*.png"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))
