"""The home page's task list: per role the work waiting in the active organisation, counted with the same rights as
the pages its links open, with the four-eyes rule, without withdrawn tenders, and an empty state in words."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mvimonitor.effects.models import Commitment, Realisation, RealisationStatus
from mvimonitor.imports.models import MVIProposal, ProposalStatus
from mvimonitor.organisations.models import Invitation, Organisation, Role, User
from mvimonitor.tenders.models import Contract, Tender
from mvimonitor.worklist.selectors import reports_due, tasks_for
from tests.factories import Catalogue, ContractFactory, LotFactory, OrganisationFactory, TenderFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _proposal(tender: Tender, catalogue: Catalogue, *, status: str = ProposalStatus.PROPOSED) -> MVIProposal:
    return MVIProposal.objects.create(
        lot=LotFactory(tender=tender),
        theme=catalogue.klimaat,
        form=catalogue.award,
        origin="explicit_code",
        confidence="high",
        evidence="BT-805 green-procurement-criteria=eu (/x)",
        status=status,
    )


def _commitment(contract: Contract, catalogue: Catalogue) -> Commitment:
    return Commitment.objects.create(
        contract=contract,
        theme=catalogue.klimaat,
        kind="electricity",
        description="Groene stroom",
        quantity=Decimal(100),
        unit="kWh",
        period_start=contract.start_date,
        period_end=contract.end_date,
    )


def _realisation(commitment: Commitment, by: User | None, status: str = RealisationStatus.SUBMITTED) -> Realisation:
    return Realisation.objects.create(
        commitment=commitment,
        period_start=commitment.period_start,
        period_end=commitment.period_end,
        quantity=Decimal(10),
        status=status,
        submitted_by=by,
    )


def _ended_contract(organisation: Organisation, title: str = "Stroom") -> Contract:
    lot = LotFactory(tender=TenderFactory(organisation=organisation, title=title))
    return ContractFactory(
        lot=lot,
        supplier_name="Energie BV",
        start_date=TODAY - dt.timedelta(days=400),
        end_date=TODAY - dt.timedelta(days=1),
    )


def _counts(user: User, organisation: Organisation) -> dict[str, int]:
    return {task.key: task.count for task in tasks_for(user, organisation)}


def test_a_buyer_sees_open_proposals_per_tender_and_unconfirmed_registrations(
    catalogue: Catalogue, make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    organisation = OrganisationFactory()
    busy = TenderFactory(organisation=organisation, title="Wagenpark")
    _proposal(busy, catalogue)
    _proposal(busy, catalogue)
    _proposal(busy, catalogue, status=ProposalStatus.REJECTED)
    withdrawn = TenderFactory(
        organisation=organisation, title="Ingetrokken", withdrawn_at=timezone.now(), withdrawal_reason="Vervalt"
    )
    _proposal(withdrawn, catalogue)
    TenderFactory(organisation=organisation, mvi_confirmed_at=timezone.now())
    _proposal(TenderFactory(), catalogue)  # another organisation's
    buyer = make_member(Role.INKOPER, organisation)

    assert _counts(buyer, organisation) == {"proposals": 2, "registrations": 1}

    page = logged_in(buyer).get(reverse("home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("imports:review", args=[busy.pk]) in html
    assert reverse("imports:review", args=[withdrawn.pk]) not in html
    assert reverse("tenders:list") + "?mvi_confirmed=no" in html


def test_four_eyes_hides_the_users_own_deliveries(catalogue: Catalogue, make_member: Callable[..., User]) -> None:
    organisation = OrganisationFactory(four_eyes_verification=True)
    manager = make_member(Role.CONTRACTMANAGER, organisation)
    colleague = make_member(Role.CONTRACTMANAGER, organisation)
    commitment = _commitment(_ended_contract(organisation), catalogue)
    _realisation(commitment, manager)
    _realisation(commitment, manager)
    _realisation(commitment, colleague)
    _realisation(commitment, colleague, status=RealisationStatus.VERIFIED)

    assert _counts(manager, organisation)["deliveries"] == 1  # only the colleague's, not their own two
    assert _counts(colleague, organisation)["deliveries"] == 2

    organisation.four_eyes_verification = False
    organisation.save()
    assert _counts(manager, organisation)["deliveries"] == 3


def test_reports_are_due_for_ended_contracts_without_a_verified_delivery(
    catalogue: Catalogue, make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    organisation = OrganisationFactory()
    ended = _ended_contract(organisation)
    due = _commitment(ended, catalogue)
    _realisation(due, None, status=RealisationStatus.REJECTED)  # a rejected delivery does not count
    done = _commitment(ended, catalogue)
    _realisation(done, None, status=RealisationStatus.VERIFIED)
    running = ContractFactory(
        lot=LotFactory(tender=TenderFactory(organisation=organisation)),
        start_date=TODAY - dt.timedelta(days=10),
        end_date=TODAY + dt.timedelta(days=300),
    )
    _commitment(running, catalogue)

    task = reports_due(organisation)
    assert task.count == 1
    assert [item.url for item in task.items] == [reverse("effects:contract-detail", args=[ended.pk])]

    manager = make_member(Role.CONTRACTMANAGER, organisation)
    html = logged_in(manager).get(reverse("home")).content.decode()
    assert reverse("effects:contract-detail", args=[ended.pk]) in html
    assert reverse("effects:contract-detail", args=[running.pk]) not in html


def test_an_administrator_sees_pending_invitations_but_not_expired_or_accepted_ones(
    make_member: Callable[..., User],
) -> None:
    organisation = OrganisationFactory()
    admin = make_member(Role.BEHEERDER, organisation)
    later = timezone.now() + dt.timedelta(days=3)
    for n, (expires, accepted) in enumerate(
        [(later, None), (later, timezone.now()), (timezone.now() - dt.timedelta(days=1), None)]
    ):
        Invitation.objects.create(
            organisation=organisation,
            email=f"collega{n}@example.org",
            role=Role.LEZER,
            token=f"t{n}",
            invited_by=admin,
            expires_at=expires,
            accepted_at=accepted,
        )
    assert _counts(admin, organisation) == {"invitations": 1}


def test_a_reader_has_no_tasks_and_reads_so_in_words(
    catalogue: Catalogue, make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    organisation = OrganisationFactory()
    _proposal(TenderFactory(organisation=organisation), catalogue)
    reader = make_member(Role.LEZER, organisation)
    assert tasks_for(reader, organisation) == []
    page = logged_in(reader).get(reverse("home"))
    assert page.status_code == 200
    assert 'id="mvim-no-tasks"' in page.content.decode()
    assert page.context["tasks"] == []


def test_a_national_analyst_lands_on_the_national_figures(logged_in: Callable[[User], Client]) -> None:
    analyst = UserFactory(national_analyst=True)
    response = logged_in(analyst).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:national")


def test_a_visitor_is_asked_to_sign_in(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
