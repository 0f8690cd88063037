import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from mvimonitor.imports import notices as n
from mvimonitor.imports.models import ImportedTender, ImportFailure, MVIProposal, RunStatus, SourceRecord
from mvimonitor.organisations.models import Organisation, OrganisationStatus
from mvimonitor.tenders.models import AwardCriterion, Contract, Lot, Tender
from tests.factories import MVIApplicationFactory, OrganisationFactory

from .conftest import make_notice, raw

pytestmark = pytest.mark.usefixtures("shipped_reference")


def _history_rows() -> int:
    return (
        Tender.history.count()  # type: ignore[attr-defined]
        + Lot.history.count()  # type: ignore[attr-defined]
        + AwardCriterion.history.count()  # type: ignore[attr-defined]
        + Contract.history.count()  # type: ignore[attr-defined]
    )


def test_a_new_notice_creates_tender_lots_criteria_proposal_and_source_record(run_import):
    report = run_import([raw(make_notice())])

    run = report.run
    assert (run.status, run.seen, run.created, run.failed) == (RunStatus.DONE, 1, 1, 0)
    tender = Tender.objects.get()
    assert tender.title == "Schoonmaak gemeentehuis"
    assert tender.main_cpv_id == "90910000"
    lot = tender.lots.get()
    assert lot.number == "LOT-0001"
    assert [(c.criterion_type, c.name, c.weight) for c in lot.award_criteria.order_by("id")] == [
        ("price", "Prijs", Decimal(60)),
        ("quality", "Duurzaamheid", Decimal(40)),
    ]
    proposal = MVIProposal.objects.get()
    assert (proposal.theme.code, proposal.form, proposal.status) == ("milieu", None, "proposed")
    assert "BT-774" in proposal.evidence
    assert lot.mvi_applications.count() == 0  # proposals are not registrations until confirmed
    record = SourceRecord.objects.get()
    assert record.raw == repr(make_notice()).encode()
    assert record.tender == tender
    assert len(record.sha256) == 64


def test_importing_the_same_notice_again_changes_nothing_not_even_history(run_import):
    run_import([raw(make_notice())])
    history_before = _history_rows()

    report = run_import([raw(make_notice())])

    assert (report.run.seen, report.run.created, report.run.updated, report.run.unchanged) == (1, 0, 0, 1)
    assert _history_rows() == history_before
    assert SourceRecord.objects.count() == 1
    assert Tender.objects.count() == 1


def test_a_newer_version_updates_the_tender(run_import):
    run_import([raw(make_notice())])
    newer = make_notice(version="02", title="Schoonmaak gemeentehuis en stadskantoor", estimated_value=Decimal(150000))

    report = run_import([raw(newer)])

    assert (report.run.updated, report.run.created) == (1, 0)
    tender = Tender.objects.get()
    assert tender.title == "Schoonmaak gemeentehuis en stadskantoor"
    assert tender.estimated_value == Decimal(150000)
    assert SourceRecord.objects.filter(tender=tender).count() == 2


def test_a_corrigendum_updates_the_notice_it_changes(run_import):
    run_import([raw(make_notice(procedure_id=""))])
    corrigendum = make_notice(
        notice_id="22222222-2222-2222-2222-222222222222",
        procedure_id="",
        family=n.NoticeFamily.CHANGE,
        changes_notice_id="11111111-1111-1111-1111-111111111111",
        description="Gewijzigde omschrijving",
    )

    report = run_import([raw(corrigendum)])

    assert report.run.updated == 1
    assert Tender.objects.get().description == "Gewijzigde omschrijving"


def test_a_result_notice_attaches_to_its_procedure_and_creates_the_contract(run_import):
    run_import([raw(make_notice())])
    result = make_notice(
        notice_id="33333333-3333-3333-3333-333333333333",
        family=n.NoticeFamily.RESULT,
        notice_type="can-standard",
        results=[
            n.LotResult(
                lot_id="LOT-0001",
                winners=[n.Party(name="Schoon BV", kvk_number="12345678", size="small")],
                value=Decimal("95000"),
                currency="EUR",
                conclusion_date=date(2025, 6, 1),
            )
        ],
    )

    report = run_import([raw(result)])

    assert report.run.updated == 1
    assert Tender.objects.count() == 1
    contract = Contract.objects.get()
    assert (contract.supplier_name, contract.supplier_kvk_number, contract.supplier_is_sme) == (
        "Schoon BV",
        "12345678",
        True,
    )
    assert contract.value == Decimal(95000)
    assert contract.conclusion_date == date(2025, 6, 1)
    assert contract.lot.tender == Tender.objects.get()


def test_a_manual_change_survives_a_new_version_and_the_difference_is_recorded(run_import):
    run_import([raw(make_notice())])
    tender = Tender.objects.get()
    tender.title = "Mijn eigen titel"
    tender.save()

    run_import([raw(make_notice(version="02", title="Nieuwe titel uit de aankondiging", description="Nieuw"))])

    tender.refresh_from_db()
    assert tender.title == "Mijn eigen titel"
    assert tender.description == "Nieuw"  # untouched fields still follow the notice
    differences = ImportedTender.objects.get(tender=tender).differences
    assert {
        "field": "title",
        "notice": "Nieuwe titel uit de aankondiging",
        "current": "Mijn eigen titel",
    } in differences


def test_manually_changed_award_criteria_are_kept(run_import):
    run_import([raw(make_notice())])
    AwardCriterion.objects.filter(name="Duurzaamheid").update(weight=Decimal(30))
    notice = make_notice(version="02")
    notice.lots[0].award_criteria = [n.AwardCriterion("price", "Prijs", weight=Decimal(50))]

    run_import([raw(notice)])

    assert AwardCriterion.objects.count() == 2
    assert AwardCriterion.objects.get(name="Duurzaamheid").weight == Decimal(30)
    assert any(d["field"] == "award criteria lot LOT-0001" for d in ImportedTender.objects.get().differences)


def test_a_proposal_never_replaces_an_existing_mvi_application(run_import):
    run_import([raw(make_notice())])
    lot = Lot.objects.get()
    MVIProposal.objects.all().delete()
    MVIApplicationFactory(lot=lot, theme__code="milieu")

    run_import([raw(make_notice(version="02"))])

    assert MVIProposal.objects.count() == 0


def test_a_rejected_proposal_is_not_proposed_again_for_the_same_evidence(run_import):
    run_import([raw(make_notice())])
    MVIProposal.objects.update(status="rejected")

    run_import([raw(make_notice(version="02"))])

    assert list(MVIProposal.objects.values_list("status", flat=True)) == ["rejected"]


@pytest.mark.parametrize(
    ("party", "expected"),
    [
        (n.Party(name="Other name", national_id="NL-REG-1"), "by national id"),
        (n.Party(name="Other name", kvk_number="87654321"), "by kvk"),
        (n.Party(name="Other name", oin="00000001002220647000"), "by oin"),
        (n.Party(name="  GEMEENTE   by-name "), "by name"),
    ],
)
def test_buyers_are_matched_by_national_id_kvk_oin_then_name(run_import, party, expected):
    OrganisationFactory(name="by national id", national_id="NL-REG-1")
    OrganisationFactory(name="by kvk", kvk_number="87654321")
    OrganisationFactory(name="by oin", oin="00000001002220647000")
    OrganisationFactory(name="Gemeente By Name")
    names = {"by name": "Gemeente By Name"}

    run_import([raw(make_notice(buyer=party))])

    assert Tender.objects.get().organisation.name == names.get(expected, expected)


def test_national_id_wins_over_name(run_import):
    OrganisationFactory(name="Gemeente Voorbeeld")
    by_id = OrganisationFactory(name="Gemeente Voorbeeld (officieel)", national_id="NL-REG-9")

    run_import([raw(make_notice(buyer=n.Party(name="Gemeente Voorbeeld", national_id="NL-REG-9")))])

    assert Tender.objects.get().organisation == by_id


def test_an_unknown_buyer_is_created_pending(run_import):
    run_import([raw(make_notice(buyer=n.Party(name="Waterschap Nieuw", kvk_number="11223344", legal_type="body-pl")))])

    organisation = Tender.objects.get().organisation
    assert organisation.name == "Waterschap Nieuw"
    assert organisation.status == OrganisationStatus.PENDING
    assert organisation.kvk_number == "11223344"


def test_one_bad_notice_fails_alone_and_leaves_nothing_half_written(run_import):
    good_1 = make_notice(notice_id="a1", procedure_id="p1")
    bad = make_notice(notice_id="bad", procedure_id="p2", buyer=n.Party(name="Nieuwe Dienst"))
    bad.lots[0].award_criteria = [n.AwardCriterion("beauty", "Schoonheid")]  # not a criterion type
    good_2 = make_notice(notice_id="a2", procedure_id="p3")
    unreadable = n.RawNotice(
        file="broken.xml", locator="", raw=b"<x", error=n.ReadError("not well-formed", file="broken.xml", field="/")
    )

    report = run_import([raw(good_1), raw(bad, file="bad.xml"), unreadable, raw(good_2)])

    assert (report.run.created, report.run.failed, report.run.status) == (2, 2, RunStatus.DONE)
    failure = ImportFailure.objects.get(file="bad.xml")
    assert (failure.notice, failure.field) == ("bad", "lot LOT-0001 award criterion")
    assert "beauty" in failure.message
    assert ImportFailure.objects.filter(file="broken.xml", field="/").exists()
    assert Tender.objects.count() == 2
    assert not SourceRecord.objects.filter(notice_id="bad").exists()
    assert not Organisation.objects.filter(name="Nieuwe Dienst").exists()  # its pending buyer was rolled back too


def test_a_notice_without_title_fails_naming_the_field(run_import):
    report = run_import([raw(make_notice(title=""))])

    assert report.failures[0].field == "title"
    assert Tender.objects.count() == 0


def test_an_unknown_cpv_code_is_left_out_with_a_warning(run_import):
    report = run_import([raw(make_notice(main_cpv="99999999"))])

    assert (report.run.created, report.run.failed) == (1, 0)
    assert Tender.objects.get().main_cpv_id is None
    warning = ImportFailure.objects.get(severity="warning")
    assert warning.field == "main_cpv"


def test_a_dry_run_writes_nothing(run_import):
    report = run_import([raw(make_notice())], dry_run=True)

    assert (report.run.seen, report.run.created) == (1, 1)
    assert Tender.objects.count() == 0
    assert SourceRecord.objects.count() == 0
    assert Organisation.objects.count() == 0
    from mvimonitor.imports.models import ImportRun

    assert ImportRun.objects.count() == 0


def test_an_import_for_one_organisation_refuses_another_known_buyer(run_import):
    own = OrganisationFactory(name="Eigen gemeente")
    OrganisationFactory(name="Gemeente Voorbeeld")

    report = run_import([raw(make_notice())], organisation=own)

    assert report.failures[0].field == "buyer"
    assert Tender.objects.count() == 0


def test_an_import_for_one_organisation_never_files_an_unknown_buyer_under_it(run_import):
    own = OrganisationFactory(name="Eigen gemeente")

    report = run_import([raw(make_notice(buyer=n.Party(name="Onbekende naam")))], organisation=own)

    assert report.failures[0].field == "buyer"  # no user who may add organisations: refused (see test_buyers.py)
    assert not Tender.objects.exists()
    assert Organisation.objects.count() == 1


def test_same_version_with_other_bytes_is_reported_not_applied(run_import):
    run_import([raw(make_notice())])

    report = run_import([raw(make_notice(title="Anders"), content=b"other bytes")])

    assert report.failures[0].field == "version"
    assert Tender.objects.get().title == "Schoonmaak gemeentehuis"


def test_sme_signal_sets_the_tender_attribute(run_import):
    notice = make_notice()
    notice.lots[0].codes.append(n.Code("BT-726", "indicator", "true", "/cbc:SMESuitableIndicator"))

    run_import([raw(notice)])

    assert Tender.objects.get().is_sme_friendly is True


def test_proposals_for_the_same_theme_and_form_are_merged_with_all_evidence(run_import):
    notice = make_notice()
    notice.lots[0].codes.append(n.Code("BT-805", "green-criteria", "milieu", "/efbc:GreenCriteria"))

    run_import([dataclasses.replace(raw(notice))])

    proposal = MVIProposal.objects.get()
    assert "BT-774" in proposal.evidence
    assert "BT-805" in proposal.evidence


def test_imported_and_updated_tenders_count_in_the_monitoring_facts(run_import):
    from mvimonitor.dashboards.models import TenderFact

    run_import([raw(make_notice())])
    tender = Tender.objects.get()
    assert TenderFact.objects.get(tender=tender).value == Decimal(100000)

    run_import([raw(make_notice(version="02", estimated_value=Decimal(150000)))])

    assert TenderFact.objects.get(tender=tender).value == Decimal(150000)


def test_a_dry_run_leaves_no_monitoring_facts(run_import):
    from mvimonitor.dashboards.models import TenderFact

    run_import([raw(make_notice())], dry_run=True)

    assert TenderFact.objects.count() == 0
