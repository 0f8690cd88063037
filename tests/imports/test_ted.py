"""TED R2.0.9 reader: the five real notices of shared/data/ted/r2.0.9 and the project's hand-made one.

Expected values were read from the XML files (NO_DOC_OJS, OFFICIALNAME, AC_WEIGHTING, NB_TENDERS_RECEIVED, ...).
"""

from decimal import Decimal
from pathlib import Path

import pytest

from mvimonitor.imports.notices import NoticeFamily, ReadError
from mvimonitor.imports.ted import read_ted


def read(path: Path):  # type: ignore[no-untyped-def]
    return read_ted(path.read_bytes(), file=str(path))


@pytest.mark.shared
def test_dutch_street_lighting_notice(shared_data: Path) -> None:
    notice = read(shared_data / "ted/r2.0.9/21-064844-001-EXP.xml")
    assert notice.notice_id == "067028-2021"
    assert notice.ted_notice_id == "67028-2021"
    assert notice.procedure_id == "2021/S 027-067028"
    assert (notice.family, notice.notice_type, notice.language) == (NoticeFamily.COMPETITION, "F02", "NL")
    assert str(notice.publication_date) == "2021-02-09"
    assert notice.title == "Raamovereenkomst onderhoud openbare verlichting gemeenten Bloemendaal en Heemstede"
    assert (notice.nature, notice.procedure_type, notice.main_cpv) == ("services", "open", "50232100")
    assert notice.buyer is not None
    assert (notice.buyer.name, notice.buyer.national_id, notice.buyer.country, notice.buyer.legal_type) == (
        "Stichting Regionaal Inkoopbureau IJmond & Kennemerland",
        "262273306",
        "NL",
        "ra",
    )
    (lot,) = notice.lots
    assert [(c.criterion_type, c.weight) for c in lot.award_criteria] == [("price", None)]
    assert ("LEFTI/TECHNICAL_PROFESSIONAL_INFO", "— Referentieverklaring.") in {(t.field, t.text) for t in lot.texts}


@pytest.mark.shared
def test_wageningen_notice(shared_data: Path) -> None:
    notice = read(shared_data / "ted/r2.0.9/20-377805-001-EXP.xml")
    assert (notice.notice_id, notice.procedure_id) == ("365590-2020", "2020/S 149-365590")
    assert notice.buyer is not None
    assert (notice.buyer.name, notice.buyer.kvk_number, notice.buyer.legal_type) == (
        "Wageningen University and Research",
        "09215846",
        "body-pl",
    )
    assert (notice.estimated_value, notice.currency) == (Decimal("15000000.00"), "EUR")
    assert notice.lots[0].additional_cpvs == ["71610000", "71900000"]


@pytest.mark.shared
def test_award_notice_with_weighted_criteria_and_sme_flags(shared_data: Path) -> None:
    notice = read(shared_data / "ted/r2.0.9/21-000061-001-EXP.xml")
    assert notice.family == NoticeFamily.RESULT
    assert notice.procedure_id == "2019/S 176-428607"  # PROCEDURE/NOTICE_NUMBER_OJ: the contract notice
    assert [lot.lot_id for lot in notice.lots] == ["1", "2"]
    criteria = notice.lots[0].award_criteria
    assert next((c.criterion_type, c.name, c.weight) for c in criteria) == (
        "quality",
        "Health, safety and wellbeing (HS&W)",
        Decimal("10.08"),
    )
    assert criteria[-1].criterion_type == "price"
    assert criteria[-1].weight == Decimal(30)
    assert sum(c.weight for c in criteria if c.weight is not None) == Decimal("100.00")
    assert len(notice.results) == 12  # AWARD_CONTRACT 1A-1F and 2A-2F
    first = notice.results[0]
    assert (first.lot_id, first.contract_number, first.tenders_received, first.sme_tenders_received) == (
        "1",
        "1A",
        7,
        1,
    )
    assert (first.value, first.currency, str(first.conclusion_date)) == (Decimal(250000000), "GBP", "2020-09-09")
    assert [(w.name, w.size) for w in first.winners] == [("Amey OW Ltd", "large")]
    sme_winners = [w.name for r in notice.results for w in r.winners if w.size == "sme"]
    assert sme_winners == ["Rowsell Wright Ltd"]


@pytest.mark.shared
def test_performance_conditions_and_selection_text(shared_data: Path) -> None:
    danish = read(shared_data / "ted/r2.0.9/20-587026-001-EXP.xml")
    assert danish.procedure_type == "neg-w-call"
    assert danish.buyer is not None
    assert danish.buyer.kvk_number == ""  # 8 digits, but a Danish CVR number
    conditions = [t.text for t in danish.lots[0].texts if t.field == "LEFTI/PERFORMANCE_CONDITIONS"]
    assert conditions
    assert conditions[0].startswith("Kontrakt punkt 7.3 - Miljø")
    norwegian = read(shared_data / "ted/r2.0.9/20-320448-001-EXP.xml")
    assert [lot.lot_id for lot in norwegian.lots] == ["A", "B"]
    selection = next(t.text for t in norwegian.lots[0].texts if t.field == "LEFTI/TECHNICAL_PROFESSIONAL_INFO")
    assert "environmental management" in selection


def test_hand_made_reserved_contract(fixtures: Path) -> None:
    notice = read(fixtures / "ted_r209_reserved.xml")
    assert notice.buyer is not None
    assert notice.buyer.name == "Gemeente Voorbeeldstad"  # the ORIGINAL form, not the translation
    assert notice.buyer.oin == "00000001234567890000"
    assert notice.procedure_type == "innovation"
    assert {(c.field, c.list_name, c.value) for c in notice.codes} == {
        ("LEFTI/RESTRICTED_SHELTERED_WORKSHOP", "reserved-procurement", "res-ws"),
        ("PROCEDURE/PT_INNOVATION_PARTNERSHIP", "procurement-procedure-type", "innovation"),
    }
    first, second = notice.lots
    assert [(c.name, c.weight) for c in first.award_criteria] == [
        ("Duurzaamheid: CO2-reductie in het vervoer van schoonmakers", Decimal(20)),
        ("Kwaliteit van het werkplan", Decimal(30)),
        ("Price", Decimal(50)),
    ]
    # "60 punten" and "zie aanbestedingsstukken" are no percentages: kept as unknown weights, with a warning
    assert [c.weight for c in second.award_criteria] == [None, None]
    assert len(notice.warnings) == 2
    assert "lot 2" in notice.warnings[0]
    assert any(t.field == "LEFTI/PERFORMANCE_CONDITIONS" and "Social return" in t.text for t in first.texts)


def test_unknown_form_is_an_error(fixtures: Path) -> None:
    data = (fixtures / "ted_r209_reserved.xml").read_bytes().replace(b"F02_2014", b"F99_2014")
    with pytest.raises(ReadError) as error:
        read_ted(data, file="f99.xml")
    assert error.value.field == "FORM_SECTION"
    assert error.value.notice == "012345-2022"


def test_a_2017_notice_in_the_relative_r209_s02_namespace_is_read(fixtures: Path) -> None:
    notice = read(fixtures / "ted_r209_s02.xml")
    assert (notice.notice_id, notice.ted_notice_id) == ("123456-2017", "123456-2017")
    assert (notice.title, notice.nature, notice.main_cpv) == (
        "Levering elektrische dienstauto's",
        "supplies",
        "34144900",
    )
    assert notice.buyer is not None
    assert notice.buyer.name == "Gemeente Oudstad"
    assert [(c.criterion_type, c.weight) for c in notice.lots[0].award_criteria] == [
        ("quality", Decimal(40)),
        ("price", Decimal(60)),
    ]


S02 = b'xmlns="ted/R2.0.9.S02/publication"'


@pytest.mark.parametrize(
    "namespace",
    [
        b'xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9/publication"',
        b'xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9.S01/publication"',
        b'xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9.S02/publication"',
        b'xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9.S03/publication"',
        b'xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9.S04/publication"',
        b'xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9.S05/publication"',
        b'xmlns="http://formex.publications.europa.eu/ted/schema/export/R2.0.9.S01.E01"',
        b'xmlns="ted/R2.0.9.S03/publication"',
    ],
)
def test_every_r209_namespace_variant_is_read(fixtures: Path, namespace: bytes) -> None:
    data = (fixtures / "ted_r209_s02.xml").read_bytes().replace(S02, namespace)
    assert read_ted(data, file="variant.xml").title == "Levering elektrische dienstauto's"


@pytest.mark.parametrize(
    ("namespace", "version", "named"),
    [
        (b'xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.8/publication"', b"R2.0.8.S04.E01", "R2.0.8"),
        (b'xmlns="http://publications.europa.eu/TED_schema/Export"', b"R2.0.8.S02.E01", "R2.0.8.S02.E01"),
        (b'xmlns="http://publications.europa.eu/TED_schema/Export"', b"R2.0.7.S03.E01", "R2.0.7.S03.E01"),
    ],
)
def test_an_older_schema_is_refused_naming_its_version(
    fixtures: Path, namespace: bytes, version: bytes, named: str
) -> None:
    data = (fixtures / "ted_r209_s02.xml").read_bytes().replace(S02, namespace).replace(b"R2.0.9.S02.E01", version)
    with pytest.raises(ReadError) as error:
        read_ted(data, file="old.xml")
    assert f"unsupported TED schema version {named}" in error.value.message
    assert "not a TED_EXPORT" not in error.value.message
    assert error.value.notice == "123456-2017"


def test_a_ted_export_of_another_publisher_is_not_read(fixtures: Path) -> None:
    data = (fixtures / "ted_r209_s02.xml").read_bytes().replace(S02, b'xmlns="urn:example:other"')
    with pytest.raises(ReadError) as error:
        read_ted(data, file="other.xml")
    assert "urn:example:other" in error.value.message
