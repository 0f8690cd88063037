"""TenderNed CSV and XLSX reader: columns by name, known variants, unknown columns, missing mandatory columns."""

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from mvimonitor.imports.notices import NoticeFamily
from mvimonitor.imports.tenderned import iter_csv, iter_xlsx


def test_csv_rows(fixtures: Path) -> None:
    with (fixtures / "tenderned.csv").open("rb") as stream:
        raws = list(iter_csv(stream, file="tenderned.csv"))
    assert [r.locator for r in raws] == ["row 2", "row 3", "row 4", "row 5", "row 6"]
    assert raws[0].warnings == ("unknown column 'Kleur van de maan' ignored",)
    assert all(r.warnings == () for r in raws[1:])
    first = raws[0].notice
    assert first is not None
    assert (first.notice_id, first.procedure_id, first.tenderned_publication_id) == ("300100", "250001", "300100")
    assert (first.family, first.nature, first.procedure_type, first.is_european) == (
        NoticeFamily.COMPETITION,
        "supplies",
        "open",
        True,
    )
    assert (first.estimated_value, first.currency) == (Decimal("1250000.00"), "EUR")  # "1.250.000,00"
    assert (first.main_cpv, first.additional_cpvs) == ("34144910", ["34121100"])
    assert first.buyer is not None
    assert (first.buyer.name, first.buyer.kvk_number) == ("Gemeente Voorbeeldstad", "12345678")
    assert json.loads(raws[0].raw)["Naam aanbesteding"] == "Levering elektrische bussen"

    award = raws[1].notice
    assert award is not None
    assert award.family == NoticeFamily.RESULT
    assert award.publication_date == date(2024, 9, 12)  # dd-mm-yyyy
    (result,) = award.results
    assert (result.value, result.tenders_received, result.conclusion_date) == (
        Decimal("1180000.00"),
        3,
        date(2024, 9, 1),
    )
    assert [(w.name, w.kvk_number, w.size) for w in result.winners] == [("Bus & Co B.V.", "87654321", "sme")]
    assert [(c.criterion_type, c.weight) for c in award.lots[0].award_criteria] == [("price", Decimal(100))]

    innovation = raws[2].notice
    assert innovation is not None
    assert innovation.procedure_type == "innovation"
    assert [(c.list_name, c.value) for c in innovation.codes] == [("procurement-procedure-type", "innovation")]

    assert raws[3].error is not None
    assert (raws[3].error.notice, raws[3].error.field) == ("row 5", "ID publicatie")
    national = raws[4].notice
    assert national is not None
    assert (national.is_european, national.procedure_type) == (False, "nationaal-openbaar")


def test_column_variants_and_missing_mandatory_column() -> None:
    header = "Id publicatie,Officiele naam aanbestedende dienst,Naam aanbesteding,Type opdracht"
    variant = header + "\n1,Gemeente X,Titel,Diensten\n"
    (raw,) = iter_csv(io.BytesIO(variant.encode("utf-8-sig")), file="variant.csv")
    assert raw.notice is not None
    assert (raw.notice.notice_id, raw.notice.nature, raw.notice.buyer.name) == ("1", "services", "Gemeente X")  # type: ignore[union-attr]
    missing = "ID publicatie;Naam aanbesteding\n1;Titel\n"
    (raw,) = iter_csv(io.BytesIO(missing.encode()), file="missing.csv")
    assert raw.error is not None
    assert raw.error.field == "Naam aanbestedende dienst"
    assert "mandatory column" in raw.error.message


def test_windows_1252_csv() -> None:
    data = "ID publicatie;Naam aanbestedende dienst;Naam aanbesteding\n7;Gemeente Súdwest-Fryslân;Café\n".encode(
        "cp1252"
    )
    (raw,) = iter_csv(io.BytesIO(data), file="ansi.csv")
    assert raw.notice is not None
    assert raw.notice.title == "Café"


def test_xlsx_generated_in_the_test() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "OpenData sheet"
    sheet.append(
        [
            "ID publicatie",
            "TenderNed kenmerk",
            "Publicatiedatum",
            "Naam aanbestedende dienst",
            "Naam aanbesteding",
            "Type opdracht",
            "Procedure",
            "Nationaal of Europees",
            "Oorspronkelijk geraamde waarde - bedrag",
            "Extra kolom",
        ]
    )
    sheet.append(
        [
            400001,
            9001,
            date(2024, 2, 1),
            "Provincie Voorbeeld",
            "Onderhoud wegen",
            "Werken",
            "Niet-openbaar",
            "EU",
            1500000.5,
            "x",
        ]
    )
    sheet.append([None, None, None, None, None, None, None, None, None, None])
    sheet.append(
        [
            400002,
            9002,
            "2024-02-02",
            "Provincie Voorbeeld",
            "Circulair meubilair",
            "Leveringen",
            "Openbaar",
            "NA",
            50000,
            "y",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    raws = list(iter_xlsx(buffer, file="dataset.xlsx"))
    assert [r.locator for r in raws] == ["sheet 'OpenData sheet' row 2", "sheet 'OpenData sheet' row 4"]
    assert raws[0].warnings == ("unknown column 'Extra kolom' ignored",)
    first, second = (r.notice for r in raws)
    assert first is not None
    assert second is not None
    assert (first.notice_id, first.procedure_id, first.publication_date) == ("400001", "9001", date(2024, 2, 1))
    assert (first.nature, first.procedure_type, first.estimated_value) == ("works", "restricted", Decimal("1500000.5"))
    assert (second.procedure_type, second.is_european) == ("nationaal-openbaar", False)


def test_xlsx_without_tenderned_columns() -> None:
    workbook = Workbook()
    workbook.active.append(["a", "b"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    (raw,) = iter_xlsx(buffer, file="other.xlsx")
    assert raw.error is not None
    assert raw.error.field == "ID publicatie"
