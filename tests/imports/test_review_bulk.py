"""Deciding several proposals at once on the review page: ticked ones or all of a lot, confirmed as proposed or
rejected with one reason, through the review services, all or nothing, with a summary."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from mvimonitor.imports.models import MVIProposal, ProposalStatus
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import Lot, MVIApplication, Tender
from tests.factories import Catalogue, LotFactory, OrganisationFactory, TenderFactory

pytestmark = pytest.mark.django_db


def _proposal(lot: Lot, catalogue: Catalogue, *, theme=None, form="award") -> MVIProposal:  # type: ignore[no-untyped-def]
    return MVIProposal.objects.create(
        lot=lot,
        theme=theme or catalogue.klimaat,
        form=getattr(catalogue, form) if form else None,
        origin="explicit_code",
        confidence="high",
        evidence="BT-805 green-procurement-criteria=eu (/x)",
    )


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory()


@pytest.fixture
def tender(organisation: Organisation) -> Tender:
    return TenderFactory(organisation=organisation, title="Wagenpark")


@pytest.fixture
def buyer(organisation: Organisation, make_member: Callable[..., User]) -> User:
    return make_member(Role.INKOPER, organisation)


def _statuses(*proposals: MVIProposal) -> list[str]:
    return [MVIProposal.objects.get(pk=p.pk).status for p in proposals]


def test_the_page_offers_a_checkbox_per_open_proposal_and_per_lot(
    tender: Tender, catalogue: Catalogue, buyer: User, logged_in: Callable[[User], Client]
) -> None:
    lot = LotFactory(tender=tender)
    first = _proposal(lot, catalogue)
    html = logged_in(buyer).get(reverse("imports:review", args=[tender.pk])).content.decode()
    assert f'name="proposals" value="{first.pk}" form="mvim-bulk"' in html
    assert f'name="lots" value="{lot.pk}" form="mvim-bulk"' in html
    assert 'id="mvim-bulk"' in html


def test_ticked_proposals_are_confirmed_as_proposed(
    tender: Tender, catalogue: Catalogue, buyer: User, logged_in: Callable[[User], Client]
) -> None:
    first, second = _proposal(LotFactory(tender=tender), catalogue), _proposal(LotFactory(tender=tender), catalogue)
    untouched = _proposal(LotFactory(tender=tender), catalogue, theme=catalogue.sroi)
    client = logged_in(buyer)
    response = client.post(
        reverse("imports:review", args=[tender.pk]),
        {"proposals": [first.pk, second.pk], "decision": "confirm"},
        follow=True,
    )
    assert response.status_code == 200
    assert _statuses(first, second, untouched) == ["confirmed", "confirmed", "proposed"]
    assert MVIApplication.objects.filter(lot__tender=tender).count() == 2
    (message,) = response.context["messages"]
    assert "2" in str(message)


def test_all_of_a_lot_is_rejected_with_one_reason_kept_in_the_history(
    tender: Tender, catalogue: Catalogue, buyer: User, logged_in: Callable[[User], Client]
) -> None:
    lot, other = LotFactory(tender=tender), LotFactory(tender=tender)
    in_lot = [_proposal(lot, catalogue), _proposal(lot, catalogue, theme=catalogue.sroi)]
    elsewhere = _proposal(other, catalogue)
    response = logged_in(buyer).post(
        reverse("imports:review", args=[tender.pk]),
        {"lots": [lot.pk], "decision": "reject", "reason": "Alleen prijs gegund"},
    )
    assert response.status_code == 302
    assert _statuses(*in_lot, elsewhere) == ["rejected", "rejected", "proposed"]
    reviewed = MVIProposal.objects.filter(pk__in=[p.pk for p in in_lot])
    assert set(reviewed.values_list("review_note", "reviewed_by")) == {("Alleen prijs gegund", buyer.pk)}


def test_a_rejection_needs_a_reason(
    tender: Tender, catalogue: Catalogue, buyer: User, logged_in: Callable[[User], Client]
) -> None:
    proposal = _proposal(LotFactory(tender=tender), catalogue)
    response = logged_in(buyer).post(
        reverse("imports:review", args=[tender.pk]), {"proposals": [proposal.pk], "decision": "reject", "reason": ""}
    )
    assert response.status_code == 400
    assert _statuses(proposal) == ["proposed"]
    assert f'value="{proposal.pk}" form="mvim-bulk" id="mvim-select-{proposal.pk}" aria-describedby' in (
        response.content.decode()
    )
    assert "checked" in response.content.decode().split(f'id="mvim-select-{proposal.pk}"', 1)[1][:80]


def test_one_refusal_changes_nothing(
    tender: Tender, catalogue: Catalogue, buyer: User, logged_in: Callable[[User], Client]
) -> None:
    fine = _proposal(LotFactory(tender=tender), catalogue)
    without_form = _proposal(LotFactory(tender=tender), catalogue, form=None)  # cannot be confirmed as proposed
    response = logged_in(buyer).post(
        reverse("imports:review", args=[tender.pk]),
        {"proposals": [fine.pk, without_form.pk], "decision": "confirm"},
    )
    assert response.status_code == 400
    assert _statuses(fine, without_form) == ["proposed", "proposed"]
    assert not MVIApplication.objects.filter(lot__tender=tender).exists()
    assert response.context["bulk_form"].non_field_errors()


def test_duplicates_of_one_lot_and_theme_are_settled_by_the_first_confirmation(
    tender: Tender, catalogue: Catalogue, buyer: User, logged_in: Callable[[User], Client]
) -> None:
    lot = LotFactory(tender=tender)
    without_form, with_form = _proposal(lot, catalogue, form=None), _proposal(lot, catalogue)  # the formless first
    response = logged_in(buyer).post(
        reverse("imports:review", args=[tender.pk]), {"lots": [lot.pk], "decision": "confirm"}
    )
    assert response.status_code == 302
    assert _statuses(with_form, without_form) == ["confirmed", "confirmed"]
    assert MVIApplication.objects.filter(lot=lot).count() == 1


def test_proposals_of_another_tender_cannot_be_decided_here(
    tender: Tender, catalogue: Catalogue, buyer: User, logged_in: Callable[[User], Client]
) -> None:
    _proposal(LotFactory(tender=tender), catalogue)
    foreign = _proposal(LotFactory(tender=TenderFactory(organisation=tender.organisation)), catalogue)
    response = logged_in(buyer).post(
        reverse("imports:review", args=[tender.pk]), {"proposals": [foreign.pk], "decision": "confirm"}
    )
    assert response.status_code == 400
    assert _statuses(foreign) == ["proposed"]


def test_a_reader_may_not_decide(
    tender: Tender, catalogue: Catalogue, organisation: Organisation, make_member: Callable[..., User], logged_in
) -> None:  # type: ignore[no-untyped-def]
    proposal = _proposal(LotFactory(tender=tender), catalogue)
    client = logged_in(make_member(Role.LEZER, organisation))
    page = client.get(reverse("imports:review", args=[tender.pk]))
    assert 'id="mvim-bulk"' not in page.content.decode()
    response = client.post(
        reverse("imports:review", args=[tender.pk]), {"proposals": [proposal.pk], "decision": "confirm"}
    )
    assert response.status_code == 403
    assert _statuses(proposal) == [ProposalStatus.PROPOSED]
