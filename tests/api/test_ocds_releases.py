"""OCDS out: the releases built from the record, their schemas, the bulk file, and reading them back in."""

import dataclasses
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mvimonitor.api import ocds_releases
from mvimonitor.imports.codes import code_mapping
from mvimonitor.imports.detect import detect
from mvimonitor.imports.models import MVIProposal, ProposalStatus
from mvimonitor.imports.notices import ProposalOrigin
from mvimonitor.imports.ocds import iter_ocds
from mvimonitor.organisations.models import Organisation, OrganisationKind
from mvimonitor.tenders.models import (
    AwardCriterionType,
    Confidence,
    MVIApplication,
    Nature,
    Origin,
    ProcedureType,
    Tender,
)
from mvimonitor.themes.models import ApplicationForm, Theme
from tests.factories import (
    AwardCriterionFactory,
    ContractFactory,
    CpvCodeFactory,
    LotFactory,
    OrganisationFactory,
    TenderFactory,
)

SECRET_REFERENCE = "INTERN-GEHEIM-4711"
SECRET_EVIDENCE = "alleen voor de inkoper: notitie over de beoordeling"


@dataclasses.dataclass
class Record:
    organisation: Organisation
    tender: Tender
    unpublished: Tender
    application: MVIApplication


def _application(lot: Any, theme: str, form: str, **fields: Any) -> MVIApplication:
    return MVIApplication.objects.create(  # type: ignore[no-any-return]
        lot=lot,
        theme=Theme.objects.get(code=theme),
        form=ApplicationForm.objects.get(code=form),
        origin=Origin.EXPLICIT_CODE,
        confidence=Confidence.HIGH,
        evidence=SECRET_EVIDENCE,
        **fields,
    )


def make_record() -> Record:
    """A published tender with two lots (one with MVI applications, one confirmed without), award criteria, a
    contract, an open proposal, and an unpublished tender."""
    for code in ("60130000", "34144900", "60100000", "90910000"):
        CpvCodeFactory(code=code)
    organisation = OrganisationFactory(name="Gemeente Voorbeeldstad", kvk_number="12345678")
    tender = TenderFactory(
        organisation=organisation,
        title="Leerlingenvervoer",
        description="Vervoer van leerlingen naar school.",
        internal_reference=SECRET_REFERENCE,
        nature=Nature.SERVICES,
        procedure_type=ProcedureType.OPEN,
        publication_date=dt.date(2025, 3, 1),
        estimated_value=Decimal("300000.00"),
        main_cpv_id="60130000",
        is_sme_friendly=True,
        mvi_confirmed_at=dt.datetime(2025, 4, 1, 12, 0, tzinfo=dt.UTC),
    )
    tender.additional_cpvs.add("34144900")
    first = LotFactory(tender=tender, number="1", title="Vervoer noord", main_cpv_id="60100000")
    second = LotFactory(tender=tender, number="2", title="Vervoer zuid", estimated_value=Decimal("100000.50"))
    AwardCriterionFactory(lot=first, criterion_type=AwardCriterionType.PRICE, name="Prijs", weight=Decimal(60))
    AwardCriterionFactory(lot=first, criterion_type=AwardCriterionType.QUALITY, name="Kwaliteit", weight=Decimal(40))
    klimaat = _application(first, "klimaat", "gunningscriterium", award_weight=Decimal(15))
    reserved = _application(first, "sroi", "selectie")
    _application(first, "sroi", "contractbepaling")
    _application(first, "d_i", "minimumeis")
    MVIProposal.objects.create(
        lot=first,
        theme=reserved.theme,
        form=reserved.form,
        origin=Origin.EXPLICIT_CODE,
        confidence=Confidence.HIGH,
        evidence=SECRET_EVIDENCE,
        rule="BT-71:res-ws",
        status=ProposalStatus.CONFIRMED,
        application=reserved,
    )
    MVIProposal.objects.create(
        lot=first,
        theme=klimaat.theme,
        form=klimaat.form,
        origin=Origin.EXPLICIT_CODE,
        confidence=Confidence.HIGH,
        evidence=SECRET_EVIDENCE,
        rule="BT-774:clim-adapt",
        status=ProposalStatus.CONFIRMED,
        application=klimaat,
    )
    # an open proposal is not an MVI application: never released
    MVIProposal.objects.create(
        lot=second,
        theme=Theme.objects.get(code="circulair"),
        form=ApplicationForm.objects.get(code="minimumeis"),
        origin=Origin.TEXT_DETECTION,
        confidence=Confidence.LOW,
        evidence=SECRET_EVIDENCE,
        rule="terms:circulair",
    )
    ContractFactory(
        lot=first,
        supplier_name="Groen Vervoer B.V.",
        supplier_kvk_number="87654321",
        supplier_is_sme=True,
        value=Decimal("280000.00"),
        conclusion_date=dt.date(2025, 5, 15),
    )
    unpublished = TenderFactory(organisation=organisation, title="Nog niet gepubliceerd", publication_date=None)
    return Record(organisation, tender, unpublished, klimaat)


@pytest.fixture
def record(reference_data: None) -> Record:
    return make_record()


def package(tenders: Any = None, **head: Any) -> dict[str, Any]:
    tenders = Tender.objects.all() if tenders is None else tenders
    out = io.StringIO()
    defaults = {"uri": "urn:mvimonitor:ocds:test", "published": ocds_releases.published_date(tenders)}
    ocds_releases.write_package(
        out, ocds_releases.package_head(**{**defaults, **head}), ocds_releases.iter_releases(tenders)
    )
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_a_release_holds_the_tender_its_lots_awards_and_the_confirmed_applications(record: Record) -> None:
    (release,) = package()["releases"]
    ocid = f"ocds-mvimon-{record.tender.pk}"
    assert release["ocid"] == ocid
    assert release["id"].startswith(f"{ocid}-")
    assert release["tag"] == ["tender", "award", "contract"]
    assert release["buyer"] == {"id": "NL-KVK-12345678", "name": "Gemeente Voorbeeldstad"}
    buyer, supplier = release["parties"]
    assert buyer["identifier"] == {"scheme": "NL-KVK", "id": "12345678", "legalName": "Gemeente Voorbeeldstad"}
    assert buyer["details"] == {"classifications": [{"scheme": "eu-buyer-legal-type", "id": "la"}]}
    assert (supplier["id"], supplier["roles"], supplier["details"]) == (
        "NL-KVK-87654321",
        ["supplier"],
        {"scale": "sme"},
    )
    tender = release["tender"]
    assert (tender["mainProcurementCategory"], tender["procurementMethod"], tender["value"]) == (
        "services",
        "open",
        {"amount": 300000, "currency": "EUR"},
    )
    assert tender["items"] == [
        {
            "id": "tender",
            "classification": {"scheme": "CPV", "id": "60130000"},
            "additionalClassifications": [{"scheme": "CPV", "id": "34144900"}],
        },
        {"id": "lot-1", "classification": {"scheme": "CPV", "id": "60100000"}, "relatedLot": "1"},
    ]
    first, second = tender["lots"]
    assert first["hasSustainability"] is True
    # the climate goal the buyer confirmed from BT-774 clim-adapt, not the theme's default
    assert first["sustainability"] == [
        {"goal": "environmental.climateChangeAdaptation", "strategies": ["awardCriteria"]},
        {"goal": "social.accessibility", "strategies": ["technicalSpecifications"]},
        {"goal": "social.disadvantagedEmploymentOpportunities", "strategies": ["selectionCriteria"]},
        {"goal": "social.disadvantagedEmploymentOpportunities", "strategies": ["contractPerformanceConditions"]},
    ]
    assert first["otherRequirements"] == {"reservedParticipation": ["shelteredWorkshop"]}
    assert "contractTerms" not in first
    assert "coveredBy" not in first
    assert first["suitability"] == {"sme": True}
    assert first["awardCriteria"] == {
        "criteria": [
            {"type": "price", "name": "Prijs", "numbers": [{"number": 60, "weight": "percentageExact"}]},
            {"type": "quality", "name": "Kwaliteit", "numbers": [{"number": 40, "weight": "percentageExact"}]},
        ]
    }
    # confirmed registration, no applications: the buyer says this lot has none (not "unknown")
    assert (second["hasSustainability"], "sustainability" in second) == (False, False)
    assert second["value"] == {"amount": 100000.5, "currency": "EUR"}
    (award,) = release["awards"]
    (contract,) = release["contracts"]
    assert award["relatedLots"] == ["1"]
    assert award["suppliers"] == [{"id": "NL-KVK-87654321", "name": "Groen Vervoer B.V."}]
    assert contract["awardID"] == award["id"]
    assert contract["dateSigned"] == "2025-05-15T00:00:00Z"
    assert contract["period"] == {"startDate": "2025-06-01T00:00:00Z", "endDate": "2027-05-31T00:00:00Z"}


def test_only_public_fields_and_no_open_proposals(record: Record) -> None:
    text = json.dumps(package())
    for secret in (SECRET_REFERENCE, SECRET_EVIDENCE, "Nog niet gepubliceerd", "circularEconomy", "confidence"):
        assert secret not in text
    assert "terms:" not in text
    assert "origin" not in text


def test_unconfirmed_registration_leaves_has_sustainability_out(record: Record) -> None:
    Tender.objects.filter(pk=record.tender.pk).update(mvi_confirmed_at=None)
    (release,) = package()["releases"]
    assert "hasSustainability" not in release["tender"]["lots"][1]


def test_releases_are_deterministic_and_their_id_follows_the_content(record: Record) -> None:
    first, again = package(), package()
    assert first == again
    (before,) = first["releases"]
    assert first["publishedDate"] == before["date"]
    MVIApplication.objects.filter(pk=record.application.pk).update(award_weight=Decimal(20))  # not released
    assert package()["releases"][0]["id"] == before["id"]
    record.application.delete()
    (after,) = package()["releases"]
    assert (after["ocid"], after["id"] != before["id"]) == (before["ocid"], True)


def test_the_ocid_prefix_is_a_setting(record: Record, settings: Any) -> None:
    settings.MVIMONITOR_OCDS_PREFIX = "ocds-abc123"
    assert package()["releases"][0]["ocid"] == f"ocds-abc123-{record.tender.pk}"
    settings.MVIMONITOR_OCDS_PREFIX = "ocds-toolong1"
    with pytest.raises(Exception, match="MVIMONITOR_OCDS_PREFIX"):
        ocds_releases.ocid_prefix()


def test_every_goal_written_reads_back_as_its_theme() -> None:
    themes = {r["code"]: r["theme"] for r in code_mapping()["rows"] if r["list"] == "ocds-sustainability-goal"}
    assert {theme: themes.get(goal) for theme, goal in ocds_releases.THEME_GOALS.items()} == {
        theme: theme for theme in ocds_releases.THEME_GOALS
    }
    rule_themes = {r["rule"]: r["theme"] for r in code_mapping()["rows"]}
    assert {rule: themes.get(goal) for rule, goal in ocds_releases.RULE_GOALS.items()} == {
        rule: rule_themes[rule] for rule in ocds_releases.RULE_GOALS
    }
    strategy_forms = {r["code"]: r["form"] for r in code_mapping()["ocds_strategy_forms"]}
    assert {form: strategy_forms[s] for form, s in ocds_releases.FORM_STRATEGIES.items()} == {
        form: form for form in ocds_releases.FORM_STRATEGIES
    }


def _themes(notice: Any) -> set[tuple[str, str, str]]:
    proposals, _signals = detect(notice)
    return {(p.lot_id, p.theme, p.form) for p in proposals if p.origin != ProposalOrigin.TEXT_DETECTION}


def test_round_trip_through_our_own_reader(record: Record) -> None:
    data = json.dumps(package()).encode()
    (raw,) = iter_ocds(io.BytesIO(data), file="export.json")
    notice = raw.notice
    assert notice is not None, raw.error
    tender = record.tender
    assert (notice.title, notice.description, notice.nature, notice.procedure_type) == (
        tender.title,
        tender.description,
        tender.nature,
        tender.procedure_type,
    )
    # the reader counts the lots' CPV codes among the tender's further codes (as for OCDS from TenderNed)
    assert (notice.estimated_value, notice.main_cpv, notice.additional_cpvs) == (
        tender.estimated_value,
        "60130000",
        ["34144900", "60100000"],
    )
    assert notice.buyer is not None
    assert (notice.buyer.name, notice.buyer.kvk_number, notice.buyer.legal_type) == (
        "Gemeente Voorbeeldstad",
        "12345678",
        "la",
    )
    assert [(lot.lot_id, lot.title, lot.estimated_value, lot.main_cpv) for lot in notice.lots] == [
        (lot.number, lot.title, lot.estimated_value, lot.main_cpv_id or "") for lot in tender.lots.order_by("number")
    ]
    assert [(c.criterion_type, c.name, c.weight) for c in notice.lots[0].award_criteria] == [
        ("price", "Prijs", Decimal(60)),
        ("quality", "Kwaliteit", Decimal(40)),
    ]
    record_themes = {
        (a.lot.number, a.theme.code, a.form.code) for a in MVIApplication.objects.filter(lot__tender=tender)
    }
    assert _themes(notice) == record_themes
    (result,) = notice.results
    assert (result.lot_id, result.winners[0].name, result.winners[0].size, result.value) == (
        "1",
        "Groen Vervoer B.V.",
        "sme",
        Decimal(280000),
    )


def test_export_command_writes_a_year(record: Record, tmp_path: Path, reference_data: None) -> None:
    other = TenderFactory(title="Ander jaar", publication_date=dt.date(2024, 12, 31))
    synthetic = TenderFactory(title="Demo", publication_date=dt.date(2025, 6, 1), is_synthetic=True)
    target = tmp_path / "ocds-2025.json"
    out = io.StringIO()
    call_command("export_ocds", "--year", "2025", "--output", str(target), stdout=out)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [r["ocid"] for r in data["releases"]] == [f"ocds-mvimon-{record.tender.pk}"]
    assert (data["uri"], data["version"]) == ("urn:mvimonitor:ocds:2025", "1.1")
    assert "1 releases written" in out.getvalue()
    assert not (tmp_path / "ocds-2025.json.partial").exists()
    call_command("export_ocds", "--year", "2025", "--output", str(target), "--include-synthetic", stdout=out)
    assert len(json.loads(target.read_text())["releases"]) == 2
    call_command(
        "export_ocds",
        "--year",
        "2024",
        "--output",
        str(target),
        "--organisation",
        str(other.organisation_id),
        stdout=out,
    )
    assert [r["tender"]["title"] for r in json.loads(target.read_text())["releases"]] == ["Ander jaar"]
    err = io.StringIO()
    call_command("export_ocds", "--year", "2023", "--output", str(target), stdout=out, stderr=err)
    assert json.loads(target.read_text())["releases"] == []
    assert "no published tenders in 2023" in err.getvalue()
    assert synthetic.pk


@pytest.mark.django_db
def test_the_bulk_file_is_streamed_in_chunks(reference_data: None) -> None:
    """Fetched a chunk of tenders at a time (the same queries per chunk), written one release at a time."""
    organisation = OrganisationFactory(kind=OrganisationKind.GEMEENTE)
    for number in range(12):
        lot = LotFactory(tender=TenderFactory(organisation=organisation, title=f"Opdracht {number}"), number="1")
        _application(lot, "klimaat", "minimumeis")
    tenders = Tender.objects.all()
    with CaptureQueriesContext(connection) as queries:
        releases = ocds_releases.iter_releases(tenders, chunk=4)
        first = next(releases)
    assert first["tender"]["title"] == "Opdracht 0"
    per_chunk = len(queries) - 1  # the id list is read once
    with CaptureQueriesContext(connection) as queries:
        rest = list(releases)
    assert len(rest) == 11
    assert len(queries) == 2 * per_chunk
    out = io.StringIO()
    count = ocds_releases.write_package(out, {"uri": "urn:x"}, ocds_releases.iter_releases(tenders, chunk=4))
    assert count == 12
    assert json.loads(out.getvalue())["releases"][11]["tender"]["title"] == "Opdracht 11"


# --- the schemas in ../shared/data/ocds -------------------------------------------------------------------------


def _merge(base: Any, patch: Any) -> Any:
    """JSON Merge Patch (RFC 7386), how OCDS extensions patch the release schema."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge(merged.get(key), value)
    return merged


def schema_errors(data: dict[str, Any], shared_data: Path) -> dict[str, list[str]]:
    """Errors of a release package against OCDS 1.1.5, the Sustainability extension and the eForms profile."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    def load(path: str) -> dict[str, Any]:
        return json.loads((shared_data / "ocds" / path).read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def errors(package_schema: dict[str, Any], release_schema: dict[str, Any], document: Any) -> list[str]:
        registry: Registry[Any] = Registry().with_resource(
            release_schema["id"], Resource.from_contents(release_schema, default_specification=DRAFT4)
        )
        validator = Draft4Validator(package_schema, registry=registry)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]

    core = load("standard-1.1.5/release-schema.json")
    sustainability = _merge(core, load("sustainability-extension/release-schema.json"))
    lots_schema = {"definitions": sustainability["definitions"], "$ref": "#/definitions/Lot"}
    lot_validator = Draft4Validator(lots_schema)
    return {
        "ocds-1.1.5": errors(load("standard-1.1.5/release-package-schema.json"), core, data),
        "sustainability": errors(load("standard-1.1.5/release-package-schema.json"), sustainability, data)
        + [
            f"lot {lot.get('id')} {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for release in data["releases"]
            for lot in release.get("tender", {}).get("lots", [])
            for e in lot_validator.iter_errors(lot)
        ],
        "eforms-profile": errors(
            load("eforms-profile/release-package-schema-patched.json"),
            load("eforms-profile/release-schema-patched.json"),
            data,
        ),
    }


def codelist(shared_data: Path, path: str) -> set[str]:
    lines = (shared_data / "ocds" / path).read_text(encoding="utf-8").splitlines()[1:]
    return {line.split(",", 1)[0] for line in lines if line}


@pytest.mark.shared
def test_the_package_is_valid_ocds_with_the_extension_and_the_profile(record: Record, shared_data: Path) -> None:
    TenderFactory(organisation=record.organisation, title="Zonder percelen", publication_date=dt.date(2025, 7, 1))
    data = package()
    assert len(data["releases"]) == 2
    assert schema_errors(data, shared_data) == {"ocds-1.1.5": [], "sustainability": [], "eforms-profile": []}
    # the schemas leave codelists to the reader: the codes written are the lists' own
    entries = [
        e for r in data["releases"] for lot in r["tender"].get("lots", []) for e in lot.get("sustainability", [])
    ]
    assert {e["goal"] for e in entries} <= codelist(
        shared_data, "sustainability-extension/codelists/sustainabilityGoal.csv"
    )
    assert {s for e in entries for s in e["strategies"]} <= codelist(
        shared_data, "sustainability-extension/codelists/sustainabilityStrategy.csv"
    )
    assert set(ocds_releases.THEME_GOALS.values()) | set(ocds_releases.RULE_GOALS.values()) <= codelist(
        shared_data, "sustainability-extension/codelists/sustainabilityGoal.csv"
    )
    assert {"shelteredWorkshop"} <= codelist(shared_data, "eforms-profile/codelists/reservedParticipation.csv")
    assert {"EU-CVD"} <= codelist(shared_data, "eforms-profile/codelists/coveredBy.csv")
    assert {"sme", "large"} <= codelist(shared_data, "eforms-profile/codelists/partyScale.csv")
    assert set(ocds_releases.METHODS.values()) <= codelist(shared_data, "standard-1.1.5/codelists/method.csv")


@pytest.mark.shared
def test_the_schema_check_finds_errors(record: Record, shared_data: Path) -> None:
    """The validation above can fail: a wrong type and a missing field are reported by each schema."""
    data = package()
    data["releases"][0]["tender"]["lots"][0]["sustainability"] = [{"goal": "", "strategies": []}]
    del data["releases"][0]["date"]
    found = schema_errors(data, shared_data)
    assert all(found.values()), found
    assert any("sustainability" in message for message in found["sustainability"])
