from decimal import Decimal

import pytest
from django.urls import reverse

from mvimonitor.imports.models import ImportFailure, MVIProposal, ProposalStatus
from mvimonitor.imports.services import import_run_create
from mvimonitor.organisations.models import Role
from mvimonitor.tenders.models import MVIApplication, Tender
from mvimonitor.themes.models import ApplicationForm, Theme
from tests.factories import OrganisationFactory

from .conftest import make_notice, raw

pytestmark = pytest.mark.usefixtures("shipped_reference")


@pytest.fixture
def imported(run_import):
    """One imported tender of 'Gemeente Voorbeeld' with one proposal (milieu, form not stated)."""
    organisation = OrganisationFactory(name="Gemeente Voorbeeld")
    report = run_import([raw(make_notice())], organisation=organisation)
    return report.run, Tender.objects.get(), MVIProposal.objects.get()


def test_the_run_list_shows_only_runs_of_my_organisations(make_member, logged_in, imported):
    run, tender, _proposal = imported
    mine = make_member(Role.LEZER, tender.organisation)
    stranger = make_member(Role.INKOPER)

    own_page = logged_in(mine).get(reverse("imports:list"))
    assert reverse("imports:run-detail", args=[run.pk]) in own_page.content.decode()

    other_page = logged_in(stranger).get(reverse("imports:list"))
    assert reverse("imports:run-detail", args=[run.pk]) not in other_page.content.decode()


def test_run_detail_shows_the_report_with_failures(make_member, logged_in, run_import):
    organisation = OrganisationFactory(name="Gemeente Voorbeeld")
    report = run_import(
        [raw(make_notice()), raw(make_notice(notice_id="x", procedure_id="y", title=""), file="bad.xml")],
        organisation=organisation,
    )
    user = make_member(Role.LEZER, organisation)

    page = logged_in(user).get(reverse("imports:run-detail", args=[report.run.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "bad.xml" in html
    assert ImportFailure.objects.get().message in html
    assert reverse("imports:review", args=[Tender.objects.get().pk]) in html


def test_progress_json_gives_the_counts(make_member, logged_in, imported):
    run, tender, _proposal = imported
    user = make_member(Role.LEZER, tender.organisation)

    data = logged_in(user).get(reverse("imports:run-progress", args=[run.pk])).json()

    assert data["status"] == "done"
    assert (data["seen"], data["created"], data["finished"]) == (1, 1, True)


def test_another_organisation_cannot_see_a_run_its_progress_or_a_review_page(make_member, logged_in, imported):
    run, tender, proposal = imported
    client = logged_in(make_member(Role.BEHEERDER))

    assert client.get(reverse("imports:run-detail", args=[run.pk])).status_code == 404
    assert client.get(reverse("imports:run-progress", args=[run.pk])).status_code == 404
    assert client.get(reverse("imports:review", args=[tender.pk])).status_code == 404
    response = client.post(reverse("imports:review-proposal", args=[tender.pk, proposal.pk]), {"action": "reject"})
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_a_reader_sees_the_review_page_but_cannot_confirm(make_member, logged_in, imported):
    _run, tender, proposal = imported
    client = logged_in(make_member(Role.LEZER, tender.organisation))

    page = client.get(reverse("imports:review", args=[tender.pk]))
    assert page.status_code == 200
    assert "BT-774" in page.content.decode()
    response = client.post(reverse("imports:review-proposal", args=[tender.pk, proposal.pk]), {"action": "reject"})
    assert response.status_code == 403


def test_confirming_a_corrected_proposal_registers_the_mvi_application(make_member, logged_in, imported):
    _run, tender, proposal = imported
    client = logged_in(make_member(Role.INKOPER, tender.organisation))
    prefix = f"p{proposal.pk}"

    response = client.post(
        reverse("imports:review-proposal", args=[tender.pk, proposal.pk]),
        {
            "action": "confirm",
            f"{prefix}-theme": Theme.objects.get(code="klimaat").pk,
            f"{prefix}-form": ApplicationForm.objects.get(code="gunningscriterium").pk,
            f"{prefix}-award_weight": "12.5",
        },
    )

    assert response.status_code == 302
    application = MVIApplication.objects.get()
    assert (application.theme.code, application.form.code, application.award_weight) == (
        "klimaat",
        "gunningscriterium",
        Decimal("12.5"),
    )
    assert application.origin == "explicit_code"
    assert "BT-774" in application.evidence
    proposal.refresh_from_db()
    assert (proposal.status, proposal.application) == (ProposalStatus.CONFIRMED, application)


def test_confirming_without_a_form_asks_for_one(make_member, logged_in, imported):
    _run, tender, proposal = imported
    client = logged_in(make_member(Role.INKOPER, tender.organisation))

    response = client.post(
        reverse("imports:review-proposal", args=[tender.pk, proposal.pk]),
        {"action": "confirm", f"p{proposal.pk}-theme": proposal.theme_id},
    )

    assert response.status_code == 400
    assert MVIApplication.objects.count() == 0


def test_rejecting_a_proposal(make_member, logged_in, imported):
    _run, tender, proposal = imported
    client = logged_in(make_member(Role.COORDINATOR, tender.organisation))

    client.post(reverse("imports:review-proposal", args=[tender.pk, proposal.pk]), {"action": "reject"})

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert MVIApplication.objects.count() == 0


def test_the_review_page_shows_the_difference_between_manual_and_notice(make_member, logged_in, run_import):
    organisation = OrganisationFactory(name="Gemeente Voorbeeld")
    run_import([raw(make_notice())], organisation=organisation)
    Tender.objects.update(title="Mijn titel")
    run_import([raw(make_notice(version="02", title="Titel volgens aankondiging"))], organisation=organisation)
    tender = Tender.objects.get()

    page = logged_in(make_member(Role.LEZER, organisation)).get(reverse("imports:review", args=[tender.pk]))

    html = page.content.decode()
    assert "Titel volgens aankondiging" in html
    assert "Mijn titel" in html


def test_a_reader_may_not_upload(make_member, logged_in):
    organisation = OrganisationFactory()
    client = logged_in(make_member(Role.LEZER, organisation))

    assert client.get(reverse("imports:upload")).status_code == 403


def test_the_service_refuses_a_run_for_an_organisation_where_the_user_may_not_edit(make_member):
    from django.core.exceptions import PermissionDenied

    organisation = OrganisationFactory()
    reader = make_member(Role.LEZER, organisation)

    with pytest.raises(PermissionDenied):
        import_run_create(source_description="x", user=reader, organisation=organisation)


def test_uploading_a_notice_runs_the_import_and_shows_the_report(make_member, logged_in, fixtures):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mvimonitor.imports.models import ImportRun, ImportUpload

    organisation = OrganisationFactory(name="Gemeente Voorbeeldstad", kvk_number="12345678")  # the notice's buyer
    client = logged_in(make_member(Role.INKOPER, organisation))
    content = (fixtures / "eforms_bt805.xml").read_bytes()

    response = client.post(
        reverse("imports:upload"),
        {"files": [SimpleUploadedFile("eforms_bt805.xml", content), SimpleUploadedFile("empty.xml", b" ")]},
    )

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:run-detail", args=[run.pk])
    assert (run.status, run.created, run.failed, run.organisation) == ("done", 1, 1, organisation)
    assert ImportUpload.objects.get(name="eforms_bt805.xml").content == content  # the raw input is kept
    tender = Tender.objects.get()
    assert tender.organisation == organisation
    page = client.get(response["Location"])
    assert "empty.xml" in page.content.decode()
    assert reverse("imports:review", args=[tender.pk]) in page.content.decode()


def test_uploading_a_file_of_another_type_is_refused_with_a_message(make_member, logged_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    organisation = OrganisationFactory()
    client = logged_in(make_member(Role.INKOPER, organisation))

    response = client.post(reverse("imports:upload"), {"files": [SimpleUploadedFile("report.pdf", b"%PDF")]})

    assert response.status_code == 400
    assert "report.pdf" in response.content.decode()  # named in the error next to the field
