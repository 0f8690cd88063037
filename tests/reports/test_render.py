import re

import pytest
from django.utils import translation
from PIL import Image

from mvimonitor.reports.document import Chart, Document, Heading, PageBreak, Paragraph, Series, Table, format_number
from mvimonitor.reports.readback import docx_text, pdf_pages_as_png, pdf_text
from mvimonitor.reports.render import document_html, render_docx, render_pdf

NUMBER = re.compile(r"[\u2212-]?\d{1,3}(?:\.\d{3})*(?:,\d+)?")


def sample(language: str = "nl") -> Document:
    return Document(
        title="Jaarrapportage MVI 2025",
        subtitle="Gemeente Voorbeeld",
        language=language,
        blocks=[
            Heading("Klimaat"),
            Paragraph("De organisatie paste in 12 van 40 aanbestedingen MVI toe.", notes=("KPI mvi-share v2",)),
            Chart(
                "Vermeden uitstoot",
                ["Klimaat", "Circulair"],
                [Series("2024", [1234.5, None]), Series("2025", [2000.0, -300.26])],
                "t CO2-eq",
                notes=("Methode effecten v3; factorset 2026",),
                decimals=1,
                category_label="Thema",
            ),
            PageBreak(),
            Table(
                "Doelen",
                ["Doel", "Waarde", "Doelwaarde"],
                [["Aandeel MVI", "45,0", "50,0"], ["CO2", "1.234.567", "2.000.000"]],
                numeric_columns=frozenset({1, 2}),
                notes=("volledigheid 80%",),
            ),
        ],
        colophon=[("Gegevens van", "2026-12-03 09:00")],
    )


def test_numbers_are_formatted_in_the_document_language():
    assert format_number(1234567.5, 1, "nl") == "1.234.567,5"
    assert format_number(1234567.5, 1, "en") == "1,234,567.5"
    assert format_number(-0.04, 1, "nl") == "0,0"
    assert format_number(-12, 0, "nl") == "\u221212"


def test_a_row_or_series_of_the_wrong_length_is_refused_with_where():
    with pytest.raises(ValueError, match="row 2 has 1 cells for 2 columns"):
        Table("T", ["a", "b"], [["1", "2"], ["3"]])
    with pytest.raises(ValueError, match="series 'x' has 1 values for 2 categories"):
        Chart("C", ["a", "b"], [Series("x", [1.0])], "t")


def test_docx_and_pdf_carry_the_same_numbers_in_the_same_order():
    document = sample()
    docx_numbers = NUMBER.findall(docx_text(render_docx(document)))
    pdf_numbers = NUMBER.findall(pdf_text(render_pdf(document)))
    for expected in ["1.234,5", "2.000,0", "\u2212300,3", "45,0", "1.234.567", "2.000.000"]:
        assert expected in docx_numbers
        assert expected in pdf_numbers

    # every formatted figure as often in one file as in the other (page numbers and note markers have no separator)
    def figures(numbers: list[str]) -> list[str]:
        return sorted(number for number in numbers if "," in number or "." in number)

    assert figures(docx_numbers) == figures(pdf_numbers)


def test_notes_are_numbered_in_order_and_listed_in_both_files():
    document = sample()
    docx = docx_text(render_docx(document))
    pdf = pdf_text(render_pdf(document))
    for number, note in enumerate(document.notes(), start=1):
        assert f"[{number}] {note}" in docx
        assert f"[{number}] {note}" in pdf
    assert "Notes" not in docx  # Dutch document: its own captions are Dutch
    with translation.override("en"):
        assert "Notes" in docx_text(render_docx(sample("en")))


def test_the_chart_is_an_image_with_its_values_as_text_alternative():
    html = document_html(sample())
    assert 'src="data:image/png;base64,' in html
    assert 'alt="Vermeden uitstoot (t CO2-eq). Klimaat: 2024 1.234,5, 2025 2.000,0; Circulair: 2024 ' in html
    assert '<html lang="nl">' in html


def test_text_is_escaped_in_the_pdf_source():
    document = Document("<b>Titel</b>", "", "nl", [Paragraph("<script>alert(1)</script>")])
    html = document_html(document)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_the_pdf_renders_to_pages(tmp_path):
    pages = pdf_pages_as_png(render_pdf(sample()), tmp_path)
    assert len(pages) == 2  # the page break
    with Image.open(pages[0]) as image:
        width, height = image.size
        assert height > width  # A4 portrait
        # the chart drew coloured bars: the first series' blue is on page one
        colours = {colour for _count, colour in image.convert("RGB").getcolors(1 << 20) or []}
        assert any(blue - red > 60 and blue - green > 30 for red, green, blue in colours)
