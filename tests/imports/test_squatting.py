"""An upload made for one organisation can never claim or block a notice whose buyer is another organisation: the
genuine notice, imported later by its buyer or by the national import, still gets a tender of its own, and nothing
of what the upload stored is replaced."""

import pytest

from mvimonitor.imports import notices as n
from mvimonitor.imports.models import ImportedTender, SourceRecord
from mvimonitor.imports.values import uploaded_key
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import Tender
from tests.factories import OrganisationFactory

from .conftest import make_notice, raw

pytestmark = pytest.mark.usefixtures("shipped_reference")

GENUINE_ID = "11111111-1111-1111-1111-111111111111"  # make_notice's notice id; its procedure is aaaa-procedure-1


def squat(run_import, squatter: Organisation, **changes):  # type: ignore[no-untyped-def]
    """The squatter uploads a notice with the genuine notice's id, version and procedure, naming itself as buyer."""
    forged = make_notice(buyer=n.Party(name=squatter.name), title="Geclaimd", **changes)
    report = run_import([raw(forged, content=b"forged bytes")], organisation=squatter)
    assert report.run.created == 1
    return Tender.objects.get(organisation=squatter)


def test_the_national_import_of_the_genuine_notice_succeeds_after_an_upload_took_its_id(run_import):
    squatter = OrganisationFactory(name="Eigen gemeente")
    squatted = squat(run_import, squatter)

    report = run_import([raw(make_notice())])  # no organisation: buyer Gemeente Voorbeeld, not known yet

    assert (report.run.created, report.run.failed) == (1, 0), report.failures
    genuine = Tender.objects.get(organisation__name="Gemeente Voorbeeld")
    assert genuine.title == "Schoonmaak gemeentehuis"
    assert SourceRecord.objects.get(notice_id=GENUINE_ID).tender == genuine
    assert ImportedTender.objects.get(procedure_id="aaaa-procedure-1").tender == genuine
    squatted.refresh_from_db()  # the upload's tender is left as it was, under its own organisation's key
    assert (squatted.organisation, squatted.title) == (squatter, "Geclaimd")
    assert squatted.import_link.procedure_id == uploaded_key("aaaa-procedure-1", squatter.pk)


def test_the_buyers_own_upload_succeeds_after_another_upload_took_its_id(run_import):
    squatter = OrganisationFactory(name="Eigen gemeente")
    owner = OrganisationFactory(name="Gemeente Voorbeeld")
    squatted = squat(run_import, squatter)

    report = run_import([raw(make_notice())], organisation=owner)

    assert (report.run.created, report.run.failed) == (1, 0), report.failures
    assert Tender.objects.get(organisation=owner).title == "Schoonmaak gemeentehuis"
    squatted.refresh_from_db()
    assert squatted.title == "Geclaimd"
    # and afterwards the national import of the same notice finds the owner's tender: nothing new, nothing refused
    report = run_import([raw(make_notice())])
    assert (report.run.created, report.run.unchanged, report.run.failed) == (0, 1, 0), report.failures
    assert Tender.objects.count() == 2


def test_an_upload_of_a_notice_naming_another_known_organisation_is_refused_by_notice_and_buyer(run_import):
    own = OrganisationFactory(name="Eigen gemeente")
    OrganisationFactory(name="Gemeente Voorbeeld")

    report = run_import([raw(make_notice())], organisation=own)

    (failure,) = report.failures
    assert (failure.notice, failure.field) == (GENUINE_ID, "buyer")
    assert GENUINE_ID in failure.message
    assert "Gemeente Voorbeeld" in failure.message
    assert Tender.objects.count() == 0


def test_a_firm_tender_of_another_organisation_is_never_taken_by_an_upload(run_import):
    run_import([raw(make_notice())])  # the national import: Gemeente Voorbeeld's tender
    genuine = Tender.objects.get()
    squatter = OrganisationFactory(name="Eigen gemeente")

    forged = make_notice(buyer=n.Party(name=squatter.name), version="02", title="Overgenomen")
    report = run_import([raw(forged, content=b"forged v2")], organisation=squatter)

    assert report.failures[0].field == "buyer"
    genuine.refresh_from_db()
    assert (genuine.title, genuine.organisation.name) == ("Schoonmaak gemeentehuis", "Gemeente Voorbeeld")
    assert not Tender.objects.filter(organisation=squatter).exists()


def test_an_upload_stays_idempotent_and_updates_its_own_tender(run_import):
    own = OrganisationFactory(name="Eigen gemeente")
    notice = make_notice(buyer=n.Party(name=own.name))
    run_import([raw(notice)], organisation=own)
    record = SourceRecord.objects.get()
    assert record.notice_id == uploaded_key(GENUINE_ID, own.pk)

    again = run_import([raw(notice)], organisation=own)
    changed = run_import([raw(notice, content=b"other bytes")], organisation=own)
    newer = run_import([raw(make_notice(buyer=n.Party(name=own.name), version="02", title="Nieuw"))], organisation=own)

    assert (again.run.unchanged, again.run.created, again.run.failed) == (1, 0, 0)
    assert changed.failures[0].field == "version"
    assert (newer.run.updated, newer.run.created) == (1, 0)
    assert Tender.objects.get().title == "Nieuw"


def test_after_losing_its_procedure_an_upload_still_updates_its_own_tender(run_import):
    squatter = OrganisationFactory(name="Eigen gemeente")
    squatted = squat(run_import, squatter)
    run_import([raw(make_notice())])  # the genuine notice takes the procedure

    newer = make_notice(buyer=n.Party(name=squatter.name), version="02", title="Eigen versie 2")
    report = run_import([raw(newer, content=b"forged v2")], organisation=squatter)

    assert (report.run.updated, report.run.created, report.run.failed) == (1, 0, 0), report.failures
    squatted.refresh_from_db()
    assert squatted.title == "Eigen versie 2"
    assert Tender.objects.get(organisation__name="Gemeente Voorbeeld").title == "Schoonmaak gemeentehuis"
