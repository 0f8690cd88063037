"""The review of imported proposals: no confirmed registration while proposals are open, duplicates settled by one
confirmation, evidence shown by business term, code label and excerpt, and warnings that never read as failures."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from mvimonitor.imports import notices as n
from mvimonitor.imports.models import ImportFailure, MVIProposal, ProposalStatus
from mvimonitor.imports.review import evidence_items, proposal_confirm, proposal_reject
from mvimonitor.organisations.models import Role
from mvimonitor.tenders.models import MVIApplication, Tender
from mvimonitor.tenders.services import tender_confirm_mvi
from mvimonitor.themes.models import ApplicationForm
from tests.factories import OrganisationFactory

from .conftest import make_notice, raw

pytestmark = pytest.mark.usefixtures("shipped_reference")

CODE_PATH = "/*/cac:ProcurementProjectLot[cbc:ID='LOT-0001']/cac:ProcurementProject/cbc:ProcurementTypeCode"


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Gemeente Voorbeeld")


def _tender(run_import, organisation, codes: list[n.Code]) -> Tender:
    notice = make_notice()
    notice.lots[0].codes = codes
    run_import([raw(notice)], organisation=organisation)
    return Tender.objects.get()


def test_the_registration_cannot_be_confirmed_while_proposals_are_open(run_import, make_member, organisation):
    tender = _tender(run_import, organisation, [n.Code("BT-774", "environmental-impact", "milieu", CODE_PATH)])
    user = make_member(Role.INKOPER, organisation)

    with pytest.raises(ValidationError) as error:
        tender_confirm_mvi(user=user, tender=tender)

    assert "1" in " ".join(error.value.messages)
    tender.refresh_from_db()
    assert tender.mvi_confirmed_at is None
    proposal_reject(user=user, proposal=MVIProposal.objects.get())
    tender_confirm_mvi(user=user, tender=tender)  # every proposal decided: now it may be confirmed
    tender.refresh_from_db()
    assert tender.mvi_confirmed_at is not None


def test_the_confirm_button_says_why_it_refused(run_import, make_member, logged_in, organisation):
    tender = _tender(run_import, organisation, [n.Code("BT-774", "environmental-impact", "milieu", CODE_PATH)])
    client = logged_in(make_member(Role.INKOPER, organisation))

    response = client.post(reverse("tenders:confirm-mvi", args=[tender.pk]), follow=True)

    assert response.status_code == 200
    (message,) = response.context["messages"]
    assert message.level_tag == "error"
    assert "1" in message.message
    tender.refresh_from_db()
    assert tender.mvi_confirmed_at is None


def test_confirming_one_of_two_proposals_for_the_same_lot_and_theme_settles_the_other(
    run_import, make_member, organisation
):
    tender = _tender(
        run_import,
        organisation,
        [
            n.Code("BT-774", "environmental-impact", "milieu", CODE_PATH),  # form not stated
            n.Code("BT-805", "gunningscriterium", "milieu", CODE_PATH),  # as an award criterion
        ],
    )
    user = make_member(Role.INKOPER, organisation)
    award = ApplicationForm.objects.get(code="gunningscriterium")
    without_form = MVIProposal.objects.get(form__isnull=True)
    with_form = MVIProposal.objects.get(form=award)
    assert (without_form.form, with_form.form) == (None, award)

    application = proposal_confirm(user=user, proposal=with_form)

    without_form.refresh_from_db()
    assert (without_form.status, without_form.application) == (ProposalStatus.CONFIRMED, application)
    assert MVIApplication.objects.count() == 1
    tender_confirm_mvi(user=user, tender=tender)  # nothing is left open


def test_a_proposal_whose_application_exists_is_linked_to_it_instead_of_failing(run_import, make_member, organisation):
    _tender(run_import, organisation, [n.Code("BT-774", "environmental-impact", "milieu", CODE_PATH)])
    user = make_member(Role.INKOPER, organisation)
    award = ApplicationForm.objects.get(code="gunningscriterium")
    first = MVIProposal.objects.get()
    application = proposal_confirm(user=user, proposal=first, form=award)  # the buyer chose the form
    second = MVIProposal.objects.create(
        lot=first.lot, theme=first.theme, form=award, origin=first.origin, confidence=first.confidence, evidence="y"
    )

    assert proposal_confirm(user=user, proposal=second) == application

    second.refresh_from_db()
    assert (second.status, second.application) == (ProposalStatus.CONFIRMED, application)
    assert MVIApplication.objects.count() == 1


def test_evidence_shows_the_business_term_the_code_label_and_the_excerpt():
    evidence = (
        f"BT-805 gpp-criteria=eu ({CODE_PATH})\n"
        "award criterion /*/cac:AwardingCriterion/cac:SubordinateAwardingCriterion[2]: “CO2-reductieplan” "
        "(weight 35%) [strong term in an award criterion]"
    )

    with translation.override("en"):  # the names of the business terms are translated; these are the English ones
        code, text = evidence_items(evidence)

    assert code["term"] == "BT-805 Green Procurement Criteria"
    assert code["label"] == "EU Green Public Procurement criteria"
    assert code["path"] == CODE_PATH
    assert text["excerpt"] == "CO2-reductieplan"
    assert "35%" in text["note"]
    assert text["path"].endswith("SubordinateAwardingCriterion[2]")


def test_the_review_page_shows_the_path_only_as_a_detail(run_import, make_member, logged_in, organisation):
    tender = _tender(run_import, organisation, [n.Code("BT-805", "gpp-criteria", "milieu", CODE_PATH)])
    MVIProposal.objects.update(evidence=f"BT-805 gpp-criteria=eu ({CODE_PATH})")
    client = logged_in(make_member(Role.LEZER, organisation))

    with translation.override("en"):  # the English page: the business term's name is translated
        html = client.get(reverse("imports:review", args=[tender.pk])).content.decode()

    assert "<strong>BT-805 Green Procurement Criteria</strong>: EU Green Public Procurement criteria" in html
    assert "<details>" in html
    assert f"({CODE_PATH})" not in html  # not the raw evidence line


def test_an_older_notice_kept_as_source_is_a_warning_not_a_failure(run_import, make_member, logged_in, organisation):
    run_import([raw(make_notice(version="02", title="Nieuw"))], organisation=organisation)
    report = run_import([raw(make_notice(version="01"))], organisation=organisation)
    assert (report.run.unchanged, report.run.failed) == (1, 0)
    client = logged_in(make_member(Role.LEZER, organisation))

    page = client.get(reverse("imports:run-detail", args=[report.run.pk])).content.decode()
    csv = b"".join(client.get(reverse("imports:run-detail", args=[report.run.pk]), {"download": "csv"})).decode(
        "utf-8-sig"
    )

    row = next(line for line in csv.splitlines()[1:] if line)
    assert row.split(";")[0] == str(_label("Warning (imported)"))
    assert str(_label("Not imported")) not in csv
    assert f'id="warnings">{_label("Warnings")}</h3>' in page
    warning = ImportFailure.objects.get(run=report.run)
    assert warning.severity == "warning"
    assert page.index(escape(warning.message)) > page.index('id="warnings"')  # not among the notices not imported


def _label(text: str) -> str:
    from django.utils.translation import gettext

    return gettext(text)
