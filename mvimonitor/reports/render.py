"""Render a ``Document`` to DOCX (python-docx) or PDF (WeasyPrint, which lays out HTML with Pango).

Both renderers walk the same blocks in the same order and number the notes the same way, so the two files carry
the same words and numbers. In the PDF the notes are footnotes at the foot of their page; python-docx cannot write
Word footnotes, so the DOCX lists them, numbered, at the end under "Notes".
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from html import escape

from django.utils import translation
from django.utils.translation import gettext as _

from .charts import chart_description, chart_png
from .document import Block, Chart, Document, Heading, PageBreak, Paragraph, Table


def _missing() -> str:
    return _("not available")


def _chart_table_caption(chart: Chart) -> str:
    return _("%(title)s: the figures") % {"title": chart.title}


def _numbered(document: Document) -> Iterator[tuple[Block, list[int]]]:
    """Every block with the numbers of its notes."""
    number = 0
    for block in document.blocks:
        notes = getattr(block, "notes", ())
        numbers = list(range(number + 1, number + len(notes) + 1))
        number += len(notes)
        yield block, numbers


def render_docx(document: Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    with translation.override(document.language):
        docx = Docx()
        docx.core_properties.title = document.title
        docx.core_properties.language = document.language
        docx.add_heading(document.title, level=0)
        if document.subtitle:
            docx.add_paragraph(document.subtitle, style="Subtitle")

        def add_markers(paragraph: object, numbers: list[int]) -> None:
            for number in numbers:
                paragraph.add_run(f"[{number}]").font.superscript = True  # type: ignore[attr-defined]

        def add_table(table: Table, numbers: list[int]) -> None:
            caption = docx.add_paragraph(table.caption, style="Caption")
            add_markers(caption, numbers)
            grid = docx.add_table(rows=1, cols=len(table.columns))
            grid.style = "Table Grid"
            for index, title in enumerate(table.columns):
                cell = grid.rows[0].cells[index]
                cell.text = title
                cell.paragraphs[0].runs[0].font.bold = True
            for row in table.rows:
                cells = grid.add_row().cells
                for index, value in enumerate(row):
                    cells[index].text = value
                    if index in table.numeric_columns:
                        cells[index].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            docx.add_paragraph()

        for block, numbers in _numbered(document):
            if isinstance(block, Heading):
                docx.add_heading(block.text, level=min(max(block.level, 1), 4))
            elif isinstance(block, Paragraph):
                add_markers(docx.add_paragraph(block.text), numbers)
            elif isinstance(block, Table):
                add_table(block, numbers)
            elif isinstance(block, Chart):
                add_markers(docx.add_paragraph(block.title, style="Caption"), numbers)
                docx.add_picture(io.BytesIO(chart_png(block, document.language, _missing())), width=Cm(16))
                picture = docx.inline_shapes[-1]
                picture._inline.docPr.set("descr", chart_description(block, document.language, _missing()))
                add_table(block.as_table(document.language, _missing(), _chart_table_caption(block)), [])
            elif isinstance(block, PageBreak):
                docx.add_page_break()  # type: ignore[no-untyped-call]

        notes = document.notes()
        if notes:
            docx.add_heading(_("Notes"), level=1)
            for number, note in enumerate(notes, start=1):
                docx.add_paragraph(f"[{number}] {note}")
        if document.colophon:
            docx.add_heading(_("Colophon"), level=1)
            for label, value in document.colophon:
                paragraph = docx.add_paragraph()
                paragraph.add_run(f"{label}: ").font.bold = True
                paragraph.add_run(value)
        out = io.BytesIO()
        docx.save(out)
        return out.getvalue()


STYLE = """
@page { size: A4; margin: 2cm 2cm 2.5cm 2cm;
  @bottom-left { content: string(title); font: 8pt "DejaVu Sans", sans-serif; color: #444; }
  @bottom-right { content: counter(page) " / " counter(pages); font: 8pt "DejaVu Sans", sans-serif; color: #444; } }
body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 10pt; line-height: 1.4; color: #000; }
h1.title { string-set: title content(); font-size: 20pt; margin-bottom: 0.2em; }
p.subtitle { font-size: 12pt; color: #333; margin-top: 0; }
h2 { font-size: 14pt; margin-top: 1.4em; } h3 { font-size: 12pt; } h4, h5 { font-size: 10pt; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0 1em 0; font-size: 9pt; break-inside: avoid; }
thead { display: table-header-group; } tr { break-inside: avoid; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
th, td { border: 0.5pt solid #666; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #e8edf3; } td.number { text-align: right; white-space: nowrap; }
img.chart { width: 100%; }
.note { float: footnote; font-size: 8pt; font-weight: normal; }
figure { margin: 0.5em 0 0.2em 0; break-inside: avoid; } figcaption { font-weight: bold; padding-bottom: 0.3em; }
h2, h3, h4, h5 { break-after: avoid; }
::footnote-call { content: "[" counter(footnote) "]"; vertical-align: super; font-size: 7pt; }
::footnote-marker { content: "[" counter(footnote) "] "; }
.break { break-after: page; }
dl.colophon dt { font-weight: bold; } dl.colophon dd { margin: 0 0 0.4em 0; }
"""


def _notes_html(notes: tuple[str, ...]) -> str:
    return "".join(f'<span class="note">{escape(note)}</span>' for note in notes)


def _table_html(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(column)}</th>' for column in table.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="number">{escape(value)}</td>'
            if index in table.numeric_columns
            else f"<td>{escape(value)}</td>"
            for index, value in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    return (
        f"<table><caption>{escape(table.caption)}{_notes_html(table.notes)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def document_html(document: Document) -> str:
    """The document as one HTML page (the PDF's source)."""
    with translation.override(document.language):
        parts = [f'<h1 class="title">{escape(document.title)}</h1>']
        if document.subtitle:
            parts.append(f'<p class="subtitle">{escape(document.subtitle)}</p>')
        for block, _numbers in _numbered(document):
            if isinstance(block, Heading):
                level = min(max(block.level, 1), 4) + 1
                parts.append(f"<h{level}>{escape(block.text)}</h{level}>")
            elif isinstance(block, Paragraph):
                parts.append(f"<p>{escape(block.text)}{_notes_html(block.notes)}</p>")
            elif isinstance(block, Table):
                parts.append(_table_html(block))
            elif isinstance(block, Chart):
                png = base64.b64encode(chart_png(block, document.language, _missing())).decode("ascii")
                alt = escape(chart_description(block, document.language, _missing()))
                parts.append(
                    f"<figure><figcaption>{escape(block.title)}{_notes_html(block.notes)}</figcaption>"
                    f'<img class="chart" src="data:image/png;base64,{png}" alt="{alt}"></figure>'
                )
                parts.append(_table_html(block.as_table(document.language, _missing(), _chart_table_caption(block))))
            elif isinstance(block, PageBreak):
                parts.append('<div class="break"></div>')
        if document.colophon:
            parts.append(f'<h2>{escape(_("Colophon"))}</h2><dl class="colophon">')
            parts.extend(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in document.colophon)
            parts.append("</dl>")
        language = escape(document.language)
        return (
            f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
            f"<title>{escape(document.title)}</title><style>{STYLE}</style></head>"
            f"<body>{''.join(parts)}</body></html>"
        )


def render_pdf(document: Document) -> bytes:
    from weasyprint import HTML

    pdf: bytes | None = HTML(string=document_html(document)).write_pdf(pdf_tags=True)
    if pdf is None:  # write_pdf returns bytes when no target is given
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf
