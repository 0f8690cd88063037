"""Every eForms notice subtype read as the SDK defines it: which fields each subtype makes mandatory or forbids
(derived from the SDK's fields.json), parts of prior information notices, lot groups, award criteria without a
type, languages, selection criteria marked as not used, and exclusion grounds."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from mvimonitor.imports import eforms_rules
from mvimonitor.imports.detect import detect
from mvimonitor.imports.eforms import read_eforms
from mvimonitor.imports.models import MVIProposal, RunStatus
from mvimonitor.imports.notices import Notice, NoticeFamily, RawNotice, ReadError
from mvimonitor.imports.services import RunReport, import_run_create, import_run_execute
from mvimonitor.imports.sources import read_paths
from mvimonitor.tenders.models import AwardCriterion, Lot, Tender

ROOT = Path(__file__).resolve().parents[2]
PIN_ONLY = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "E1", "E2"]


def read(path: Path) -> Notice:
    return read_eforms(path.read_bytes(), file=str(path))


def with_subtype(data: bytes, subtype: str) -> bytes:
    return data.replace(b">4</cbc:SubTypeCode>", f">{subtype}</cbc:SubTypeCode>".encode(), 1)


def import_with_detector(items: list[RawNotice]) -> RunReport:
    """Import through the import service with the project's own detector (real notices carry real codes)."""
    run = import_run_create(source_description="eForms subtypes")
    return import_run_execute(run=run, raw_notices=items, detector=detect)


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eforms_field_rules", ROOT / "scripts" / "eforms_field_rules.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the rules -------------------------------------------------------------------------------------------------------
@pytest.mark.shared
def test_the_shipped_rules_are_what_the_script_derives_from_the_sdk(shared_data: Path) -> None:
    document = json.loads((shared_data / "eforms" / "fields" / "fields.json").read_text(encoding="utf-8"))
    module = script()
    assert module.render(module.derive(document)) == eforms_rules.RULES_FILE.read_text(encoding="utf-8")


def test_the_rules_say_where_they_come_from() -> None:
    rules = eforms_rules.field_rules()
    assert (rules["sdkVersion"], rules["licence"]) == ("eforms-sdk-1.15.1", "EUPL-1.2")
    assert "eForms-SDK" in rules["source"]


@pytest.mark.parametrize("subtype", PIN_ONLY)
def test_bt04_is_forbidden_for_prior_information_notices(subtype: str) -> None:
    assert eforms_rules.forbidden("BT-04-notice", subtype)
    assert not eforms_rules.mandatory("BT-04-notice", subtype)


@pytest.mark.parametrize("subtype", ["10", "16", "29", "38", "E3", "E4", "CEI"])
def test_bt04_is_mandatory_for_competition_and_result_notices(subtype: str) -> None:
    assert eforms_rules.mandatory("BT-04-notice", subtype)
    assert not eforms_rules.forbidden("BT-04-notice", subtype)


def test_an_unknown_subtype_needs_only_what_every_subtype_needs() -> None:
    assert eforms_rules.mandatory("BT-701-notice", "")
    assert eforms_rules.mandatory("BT-02-notice", "99")
    assert not eforms_rules.mandatory("BT-04-notice", "")
    assert not eforms_rules.forbidden("BT-04-notice", "")


def test_parts_are_mandatory_for_subtypes_4_to_6_and_e2_and_forbidden_elsewhere() -> None:
    assert [s for s in ("3", "4", "5", "6", "7", "E2") if eforms_rules.mandatory("BT-137-Part", s)] == [
        "4",
        "5",
        "6",
        "E2",
    ]
    assert eforms_rules.forbidden("BT-137-Part", "16")
    assert eforms_rules.forbidden("BT-137-Lot", "4")


# -- prior information notices ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("subtype", PIN_ONLY)
def test_a_prior_information_notice_without_procedure_identifier_is_read(fixtures: Path, subtype: str) -> None:
    data = with_subtype((fixtures / "eforms_pin_parts.xml").read_bytes(), subtype)
    notice = read_eforms(data, file="pin.xml")
    assert notice.notice_subtype == subtype
    assert notice.family == NoticeFamily.PLANNING
    # no procedure yet: the notice's own identifier groups its versions
    assert notice.procedure_id == notice.notice_id == "3c9d2b61-7777-4a1e-9f0b-000000000004"
    assert notice.warnings == []


def test_a_change_of_a_prior_information_notice_joins_the_notice_it_changes(fixtures: Path) -> None:
    data = (fixtures / "eforms_pin_parts.xml").read_bytes()
    changes = (
        b"<efac:Changes><efbc:ChangedNoticeIdentifier>3c9d2b61-7777-4a1e-9f0b-000000000004-01"
        b"</efbc:ChangedNoticeIdentifier></efac:Changes>"
    )
    data = data.replace(b"<efac:NoticeSubType>", changes + b"<efac:NoticeSubType>", 1).replace(
        b"3c9d2b61-7777-4a1e-9f0b-000000000004</cbc:ID>", b"0d4e5f60-7777-4b1e-8f0b-000000000044</cbc:ID>"
    )
    notice = read_eforms(data, file="pin-change.xml")
    assert (notice.family, notice.notice_id) == (NoticeFamily.CHANGE, "0d4e5f60-7777-4b1e-8f0b-000000000044")
    assert notice.procedure_id == "3c9d2b61-7777-4a1e-9f0b-000000000004"


def test_a_competition_notice_without_procedure_identifier_is_still_refused(fixtures: Path) -> None:
    data = with_subtype((fixtures / "eforms_pin_parts.xml").read_bytes(), "16")
    with pytest.raises(ReadError) as error:
        read_eforms(data, file="cn.xml")
    assert (error.value.field, error.value.message) == ("BT-04-notice", "the procedure identifier is missing")


def test_a_notice_without_subtype_and_procedure_identifier_is_read_with_warnings(fixtures: Path) -> None:
    data = (fixtures / "eforms_pin_parts.xml").read_bytes()
    data = data.replace(b'<cbc:SubTypeCode listName="notice-subtype">4</cbc:SubTypeCode>', b"")
    notice = read_eforms(data, file="pin.xml")
    assert notice.procedure_id == notice.notice_id
    assert notice.warnings == [
        "field OPP-070-notice: the notice subtype is missing; only fields every subtype needs are required",
        "field BT-04-notice: the procedure identifier is missing; the notice identifier is used instead",
    ]


def test_parts_are_read_like_lots(fixtures: Path) -> None:
    notice = read(fixtures / "eforms_pin_parts.xml")
    assert [lot.lot_id for lot in notice.lots] == ["PAR-0001", "PAR-0002"]
    first, second = notice.lots
    assert (first.title, first.main_cpv, first.additional_cpvs) == ("Groenonderhoud bermen", "77310000", ["77312000"])
    assert str(first.estimated_value) == "800000"
    assert {(c.field, c.value) for c in first.codes} == {("BT-726", "true"), ("BT-71", "res-ws"), ("BT-736", "yes")}
    reserved = next(c for c in first.codes if c.field == "BT-71")
    assert reserved.path.startswith("/*/cac:ProcurementProjectLot[cbc:ID/@schemeName='Part'][cbc:ID='PAR-0001']")
    assert [(t.field, t.language) for t in first.texts] == [("BT-24", "NLD"), ("BT-24", "ENG")]
    assert {(c.field, c.value) for c in second.codes} == {("BT-726", "false")}
    assert second.description.startswith("Onderhoud van de asfaltverharding")


@pytest.mark.usefixtures("shipped_reference")
def test_a_prior_information_notice_imports_with_its_parts_and_their_proposals(fixtures: Path) -> None:
    report = import_with_detector(list(read_paths([fixtures / "eforms_pin_parts.xml"])))
    assert [f.message for f in report.failures if f.severity == "error"] == []
    assert (report.run.created, report.run.failed) == (1, 0)
    tender = Tender.objects.get()
    assert sorted(tender.lots.values_list("number", flat=True)) == ["PAR-0001", "PAR-0002"]
    proposals = MVIProposal.objects.filter(lot__number="PAR-0001").values_list("theme__code", "form__code")
    assert set(proposals) >= {("sroi", "selectie"), ("sroi", "contractbepaling")}


@pytest.mark.usefixtures("shipped_reference")
@pytest.mark.parametrize("subtype", ["1", "2", "3"])
def test_a_prior_information_notice_without_lots_or_parts_imports(fixtures: Path, subtype: str) -> None:
    """Subtypes 1-3 (buyer profile, reduced time limits) describe neither lots nor parts: the SDK forbids both."""
    data = with_subtype((fixtures / "eforms_pin_parts.xml").read_bytes(), subtype)
    data = data[: data.index(b"<cac:ProcurementProjectLot>")] + b"</PriorInformationNotice>\n"
    notice = read_eforms(data, file="pin.xml")
    assert (notice.lots, notice.warnings) == ([], [])
    report = import_with_detector([RawNotice(file="pin.xml", locator="", raw=data, notice=notice)])
    assert [f.message for f in report.failures if f.severity == "error"] == []
    assert (report.run.created, report.run.failed) == (1, 0)


# -- languages -------------------------------------------------------------------------------------------------------
def test_the_notice_lists_all_its_languages_and_every_text_has_one(fixtures: Path) -> None:
    notice = read(fixtures / "eforms_pin_parts.xml")
    assert (notice.language, notice.languages) == ("NLD", ["NLD", "ENG"])
    # PAR-0002's description has no languageID: the notice's language (BT-702 a) is taken
    assert [(t.text[:9], t.language) for t in notice.lots[1].texts] == [("Onderhoud", "NLD")]
    odd = read(fixtures / "eforms_odd_criteria.xml")
    assert odd.languages == ["NLD", "FRA"]
    assert all(text.language for lot in odd.lots for text in lot.texts)
    assert ("BT-70", "FRA") in {(t.field, t.language) for t in odd.lots[0].texts}


@pytest.mark.shared
def test_every_real_example_has_languages_and_texts_in_a_language(shared_data: Path) -> None:
    paths = sorted((shared_data / "eforms" / "examples").glob("*.xml"))
    paths += sorted((shared_data / "ted" / "converted-eforms").glob("*.xml"))
    for path in paths:
        notice = read(path)
        assert notice.languages, path.name
        assert notice.languages[0] == notice.language, path.name
        assert all(text.language for lot in notice.lots for text in lot.texts), path.name


# -- award criteria without a type -----------------------------------------------------------------------------------
def test_an_award_criterion_without_type_is_kept_as_text_with_a_warning(fixtures: Path) -> None:
    notice = read(fixtures / "eforms_odd_criteria.xml")
    (lot,) = notice.lots
    assert [(c.criterion_type, c.name) for c in lot.award_criteria] == [("quality", "Plan van aanpak")]
    (kept,) = [t for t in lot.texts if t.field == "BT-540"]
    assert kept.text == "Prijs is niet het enige gunningscriterium; zie de aanbestedingsstukken."
    assert kept.path.endswith("cac:SubordinateAwardingCriterion[1]/cbc:Description")
    assert notice.warnings == [
        "field BT-539-Lot: award criterion 1 of LOT-0001 has no type (its text is kept, not as an award criterion)"
    ]


def test_an_award_criterion_of_an_unknown_type_is_named_in_the_warning(fixtures: Path) -> None:
    data = (fixtures / "eforms_bt805.xml").read_bytes()
    data = data.replace(b'listName="award-criterion-type">price<', b'listName="award-criterion-type">other<', 1)
    notice = read_eforms(data, file="x.xml")
    assert notice.warnings == [
        "field BT-539-Lot: award criterion 1 of LOT-0001 has unknown type 'other' "
        "(its text is kept, not as an award criterion)"
    ]
    assert ("BT-734", "Prijs") in {(t.field, t.text) for t in notice.lots[0].texts}
    assert len(notice.lots[0].award_criteria) == 2


@pytest.mark.usefixtures("shipped_reference")
def test_a_notice_with_an_award_criterion_without_type_imports(fixtures: Path) -> None:
    report = import_with_detector(list(read_paths([fixtures / "eforms_odd_criteria.xml"])))
    assert [f.message for f in report.failures if f.severity == "error"] == []
    assert any(f.message.startswith("field BT-539-Lot") for f in report.failures)
    assert (report.run.status, report.run.created, report.run.failed) == (RunStatus.DONE, 1, 0)
    lot = Lot.objects.get(tender__title="Onderhoud gemalen")
    assert list(AwardCriterion.objects.filter(lot=lot).values_list("criterion_type", "name")) == [
        ("quality", "Plan van aanpak")
    ]


# -- lot groups ------------------------------------------------------------------------------------------------------
def test_a_lot_group_gives_its_signals_to_its_lots(fixtures: Path) -> None:
    notice = read(fixtures / "eforms_lot_groups.xml")
    assert [lot.lot_id for lot in notice.lots] == ["LOT-0001", "LOT-0002", "LOT-0003"]  # the group is not a lot
    first, second, third = notice.lots
    group_path = "/*/cac:ProcurementProjectLot[cbc:ID/@schemeName='LotsGroup'][cbc:ID='GLO-0001']"
    # LOT-0001 says nothing itself: everything comes from the group, with the group's paths as evidence
    assert {(c.field, c.value) for c in first.codes} == {("BT-726", "true"), ("BT-06", "env-imp")}
    assert all(c.path.startswith(group_path) for c in first.codes)
    assert {t.field for t in first.texts} == {"BT-777", "BT-24"}
    assert [(c.criterion_type, c.weight) for c in first.award_criteria] == [("price", 40), ("quality", 60)]
    # LOT-0002's own values win: not suitable for SMEs, its own award criterion, its own description
    assert ("BT-726", "false") in {(c.field, c.value) for c in second.codes}
    assert ("BT-726", "true") not in {(c.field, c.value) for c in second.codes}
    assert ("BT-06", "env-imp") in {(c.field, c.value) for c in second.codes}
    assert [c.name for c in second.award_criteria] == ["Laagste prijs"]
    assert [t.text for t in second.texts if t.field == "BT-24"] == ["Schoonmaak van drie sporthallen."]
    # LOT-0003 is in no group
    assert (third.codes, third.texts, third.award_criteria) == ([], [], [])
    assert notice.warnings == []


def test_an_untyped_award_criterion_of_a_group_names_the_group_field(fixtures: Path) -> None:
    data = (fixtures / "eforms_lot_groups.xml").read_bytes()
    data = data.replace(b'listName="award-criterion-type">quality<', b'listName="award-criterion-type"><', 1)
    notice = read_eforms(data, file="groups.xml")
    assert notice.warnings == [
        "field BT-539-LotsGroup: award criterion 2 of GLO-0001 has no type "
        "(its text is kept, not as an award criterion)"
    ]
    first = notice.lots[0]
    assert [c.name for c in first.award_criteria] == ["Prijs"]
    assert ("BT-734", "Duurzame schoonmaakmiddelen") in {(t.field, t.text) for t in first.texts}


@pytest.mark.shared
def test_the_sdk_example_lot_group_award_criteria_reach_a_lot_without_its_own(shared_data: Path) -> None:
    path = shared_data / "eforms" / "examples" / "can_24_maximal.xml"
    data = path.read_bytes()
    notice = read_eforms(data, file=str(path))
    assert "GLO-0001" not in {lot.lot_id for lot in notice.lots}
    own = {lot.lot_id: lot.award_criteria for lot in notice.lots}
    # drop LOT-0001's own award criteria: the group's (GLO-0001 has LOT-0001 and LOT-0002) take their place
    first_lot = data.index(b'<cbc:ID schemeName="Lot">LOT-0001</cbc:ID>', data.index(b"<cac:ProcurementProjectLot>"))
    start = data.index(b"<cac:AwardingTerms>", first_lot)
    end = data.index(b"</cac:AwardingTerms>", start) + len(b"</cac:AwardingTerms>")
    without = read_eforms(data[:start] + data[end:], file=str(path))
    lot = next(lot for lot in without.lots if lot.lot_id == "LOT-0001")
    assert lot.award_criteria
    assert lot.award_criteria != own["LOT-0001"]
    assert all("schemeName='LotsGroup'" in c.path for c in lot.award_criteria)


def test_a_lot_group_without_composition_is_a_warning(fixtures: Path) -> None:
    data = (fixtures / "eforms_lot_groups.xml").read_bytes()
    start = data.index(b"<cac:LotDistribution>")
    end = data.index(b"</cac:LotDistribution>") + len(b"</cac:LotDistribution>")
    notice = read_eforms(data[:start] + data[end:], file="groups.xml")
    assert notice.warnings == ["field BT-330-Procedure: lot group GLO-0001 names no lot of the notice"]
    assert notice.lots[0].codes == []


# -- selection criteria not used, exclusion grounds ------------------------------------------------------------------
def test_a_selection_criterion_marked_not_used_gives_no_code_and_no_text(fixtures: Path) -> None:
    (lot,) = read(fixtures / "eforms_odd_criteria.xml").lots
    assert [(c.field, c.value) for c in lot.codes] == [("BT-809", "slc-abil-ref-services")]
    assert [t.text[:16] for t in lot.texts if t.field == "BT-750"] == ["Twee referenties"]
    assert not any("ISO 14001" in t.text for t in lot.texts)


def test_exclusion_grounds_are_not_read_as_texts(fixtures: Path) -> None:
    notice = read(fixtures / "eforms_odd_criteria.xml")
    texts = [t.text for lot in notice.lots for t in lot.texts]
    assert not any("schending" in text for text in texts)
    assert notice.description == "Preventief en correctief onderhoud van de gemalen."  # the procedure's own


@pytest.mark.shared
def test_the_sdk_example_exclusion_grounds_are_not_texts(shared_data: Path) -> None:
    notice = read(shared_data / "eforms" / "examples" / "cn_24_maximal.xml")
    assert not any(
        "Exclusion Ground" in t.text or t.field.startswith("BT-67") for lot in notice.lots for t in lot.texts
    )


# -- every real notice imports ---------------------------------------------------------------------------------------
REAL_NOTICES = [
    *(
        f"eforms/examples/{name}.xml"
        for name in (
            "can-social_24",
            "can_23_contracts",
            "can_24_maximal",
            "can_24_minimal",
            "cn-social_25",
            "cn_24_maximal",
            "cn_24_minimal",
            "cn_24_open",
            "pin-cfc_25",
            "subco_81",
        )
    ),
    # the three OP conversions share one placeholder notice id: each is imported on its own
    *(f"ted/converted-eforms/{name}-001-EXP.xml" for name in ("20-377805", "21-000061", "21-064844")),
]


@pytest.mark.shared
def test_the_list_of_real_notices_is_complete(shared_data: Path) -> None:
    found = sorted((shared_data / "eforms" / "examples").glob("*.xml"))
    found += sorted((shared_data / "ted" / "converted-eforms").glob("*.xml"))
    assert sorted(str(path.relative_to(shared_data)) for path in found) == sorted(REAL_NOTICES)


@pytest.mark.shared
@pytest.mark.usefixtures("shipped_reference")
@pytest.mark.parametrize("name", REAL_NOTICES)
def test_every_real_eforms_notice_imports(shared_data: Path, name: str) -> None:
    items = list(read_paths([shared_data / name]))
    assert [(item.error, item.notice is not None) for item in items] == [(None, True)]
    report = import_with_detector(items)
    assert [f.message for f in report.failures if f.severity == "error"] == []
    assert (report.run.created, report.run.failed) == (1, 0)
    assert Tender.objects.count() == 1
