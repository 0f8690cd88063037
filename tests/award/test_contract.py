"""The winning promise carried into the contract: a commitment with the award advantage and the sanction rule, made
once, and the sanction effects computes for it shown on the award page."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mvimonitor.award import services
from mvimonitor.award.models import AwardKind, AwardMethod, Bid
from mvimonitor.effects import services as effects_services
from mvimonitor.effects.models import (
    Commitment,
    CommitmentKind,
    EffectCalculation,
    RealisationStatus,
    SanctionRule,
    Unit,
)
from mvimonitor.organisations.models import Role, User
from mvimonitor.reports.readback import docx_text
from mvimonitor.tenders.models import Contract

from ..factories import ContractFactory
from .conftest import AwardWorld

pytestmark = pytest.mark.django_db

SUPPLIER_KVK = "12345678"


@pytest.fixture
def contract_world(world: AwardWorld, make_member: Callable[..., User]) -> tuple[AwardWorld, User, Contract]:
    """The CO2-price example of the award docs (A 1,000 t against B 1,600 t at € 700/t: A's advantage € 420,000),
    a contract with A whose period is over, and a beheerder who may change contracts."""
    call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)
    call_command("load_effects_reference", verbosity=0)
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700
    )
    services.add_bid(
        user=world.inkoper,
        method=method,
        bidder_name="Aannemer A",
        bidder_kvk=SUPPLIER_KVK,
        price=Decimal(10_000_000),
        tonnes=Decimal(1000),
    )
    services.add_bid(
        user=world.inkoper, method=method, bidder_name="Aannemer B", price=Decimal(10_000_000), tonnes=Decimal(1600)
    )
    contract = ContractFactory(
        lot=world.lot,
        supplier_name="Aannemer A B.V.",
        supplier_kvk_number=SUPPLIER_KVK,
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2023, 12, 31),
    )
    return world, make_member(Role.BEHEERDER, world.organisation), contract


def _rws() -> SanctionRule:
    return SanctionRule.objects.get(code="rws-co2-prestatieladder")


def _url(world: AwardWorld, name: str = "award:lot") -> str:
    return reverse(name, args=[world.lot.pk])


def test_a_missed_ex_post_figure_makes_the_sanction_due_at_one_and_a_half_times_the_advantage(
    contract_world: tuple[AwardWorld, User, Contract], logged_in: Callable[[User], Client]
) -> None:
    world, beheerder, contract = contract_world
    client = logged_in(beheerder)

    response = client.post(_url(world, "award:lot-contract"), {"sanction_rule": _rws().pk})

    assert response.status_code == 302
    commitment = Commitment.objects.get(contract=contract)
    assert commitment.kind == CommitmentKind.OTHER
    assert (commitment.quantity, commitment.unit) == (Decimal(600), Unit.TONNE)  # 1,600 - 1,000 t avoided
    assert commitment.reference_quantity == Decimal(1600)
    assert commitment.award_advantage == Decimal("420000.00")
    assert commitment.sanction_rule == _rws()
    assert (commitment.period_start, commitment.period_end) == (dt.date(2021, 1, 1), dt.date(2023, 12, 31))
    assert Bid.objects.get(bidder_name="Aannemer A").commitment == commitment
    # the period is over and nothing was verified: effects computes the sanction
    effect = EffectCalculation.objects.current().get(commitment=commitment)
    assert (effect.sanction_status, effect.sanction_amount) == ("due", Decimal("630000.00"))
    page = client.get("/en" + _url(world)).content.decode()
    assert "Due: € 630,000.00 (1.5 \u00d7 the advantage of € 420,000.00), as effects computes it." in page
    assert "Carry the winning promise into the contract" not in page


def test_the_organisations_own_multiple_overrides_the_rule(contract_world: tuple[AwardWorld, User, Contract]) -> None:
    world, beheerder, _contract = contract_world

    commitment = services.carry_into_contract(
        user=beheerder,
        method=AwardMethod.objects.get(lot=world.lot),
        sanction_rule=_rws(),
        sanction_multiple=Decimal(2),
    )

    effect = EffectCalculation.objects.current().get(commitment=commitment)
    assert effect.sanction_amount == Decimal("840000.00")


def test_a_second_click_does_not_create_a_second_commitment(
    contract_world: tuple[AwardWorld, User, Contract], logged_in: Callable[[User], Client]
) -> None:
    world, beheerder, _contract = contract_world
    method = AwardMethod.objects.get(lot=world.lot)

    first = services.carry_into_contract(user=beheerder, method=method, sanction_rule=_rws())
    second = services.carry_into_contract(user=beheerder, method=method, sanction_rule=_rws())
    posted = logged_in(beheerder).post(_url(world, "award:lot-contract"), {"sanction_rule": _rws().pk})

    assert first.pk == second.pk
    assert posted.status_code == 302
    assert Commitment.objects.count() == 1


def test_once_carried_the_method_and_the_bids_no_longer_change(
    contract_world: tuple[AwardWorld, User, Contract],
) -> None:
    world, beheerder, _contract = contract_world
    method = AwardMethod.objects.get(lot=world.lot)
    services.carry_into_contract(user=beheerder, method=method, sanction_rule=_rws())

    with translation.override("en"), pytest.raises(ValidationError, match="carried into the contract"):
        services.add_bid(user=world.inkoper, method=method, bidder_name="C", price=Decimal(1), tonnes=Decimal(1))
    with translation.override("en"), pytest.raises(ValidationError, match="carried into the contract"):
        services.remove_bid(user=world.inkoper, bid=Bid.objects.get(bidder_name="Aannemer B"))
    assert Bid.objects.get(bidder_name="Aannemer A").award_advantage == Decimal("420000.00")


def test_a_contract_with_another_supplier_is_refused_and_the_page_says_so(
    contract_world: tuple[AwardWorld, User, Contract], logged_in: Callable[[User], Client]
) -> None:
    world, beheerder, contract = contract_world
    Contract.objects.filter(pk=contract.pk).update(supplier_name="Derde BV", supplier_kvk_number="87654321")
    client = logged_in(beheerder)

    page = client.get("/en" + _url(world)).content.decode()
    response = client.post(_url(world, "award:lot-contract"), {"sanction_rule": _rws().pk})

    assert "is not the supplier of this lot" in page
    assert "Carry the winning promise into the contract" not in page
    assert response.status_code == 400
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(("levels", "status", "amount"), [((3, 2), "due", "1800000.00"), ((3, 4), "none", "0.00")])
def test_a_ladder_award_is_carried_as_the_level_held_and_one_period_below_it_makes_the_sanction_due(
    world: AwardWorld, make_member: Callable[..., User], levels: tuple[int, int], status: str, amount: str
) -> None:
    # The worked example of docs/award.md: A at € 30.0 m with level 3 (4%) gets € 28.8 m and beats B at € 29.0 m;
    # A's advantage is € 1.2 m. A level is held, not added up: the lowest verified level of the period is the delivery.
    call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)
    call_command("load_effects_reference", verbosity=0)
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.LADDER_DISCOUNT, discount_scheme=world.prorail
    )
    services.add_bid(user=world.inkoper, method=method, bidder_name="A", price=Decimal(30_000_000), ladder_level=3)
    services.add_bid(user=world.inkoper, method=method, bidder_name="B", price=Decimal(29_000_000))
    ContractFactory(
        lot=world.lot, supplier_name="A", supplier_kvk_number="",
        start_date=dt.date(2021, 1, 1), end_date=dt.date(2022, 12, 31),
    )  # fmt: skip
    beheerder = make_member(Role.BEHEERDER, world.organisation)
    verifier = make_member(Role.CONTRACTMANAGER, world.organisation)

    commitment = services.carry_into_contract(user=beheerder, method=method, sanction_rule=_rws())
    for year, level in zip((2021, 2022), levels, strict=True):
        delivery = effects_services.realisation_submit(
            user=beheerder, commitment=commitment, period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 12, 31), quantity=Decimal(level),
        )  # fmt: skip
        effects_services.realisation_review(user=verifier, realisation=delivery, status=RealisationStatus.VERIFIED)

    assert (commitment.quantity, commitment.unit, commitment.award_advantage) == (
        Decimal(3),
        Unit.LEVEL,
        Decimal("1200000.00"),
    )
    effect = EffectCalculation.objects.current().get(commitment=commitment)
    assert effect.delivered_verified == Decimal(min(levels))
    assert (effect.sanction_status, effect.sanction_amount) == (status, Decimal(amount))


def test_a_ladder_winner_without_a_level_is_not_carried_and_says_why(
    world: AwardWorld, make_member: Callable[..., User]
) -> None:
    call_command("load_effects_reference", verbosity=0)
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.LADDER_DISCOUNT, discount_scheme=world.prorail
    )
    services.add_bid(user=world.inkoper, method=method, bidder_name="A", price=Decimal(29_000_000))
    ContractFactory(lot=world.lot, supplier_name="A", supplier_kvk_number="")

    with translation.override("en"), pytest.raises(ValidationError, match="states no CO2-Prestatieladder level"):
        services.carry_into_contract(
            user=make_member(Role.BEHEERDER, world.organisation), method=method, sanction_rule=_rws()
        )
    assert not Commitment.objects.exists()


def test_the_button_is_offered_in_dutch_to_who_may_change_contracts_only(
    contract_world: tuple[AwardWorld, User, Contract], logged_in: Callable[[User], Client]
) -> None:
    world, beheerder, _contract = contract_world

    for_inkoper = logged_in(world.inkoper).get(_url(world)).content.decode()
    for_beheerder = logged_in(beheerder).get(_url(world)).content.decode()

    assert 'action="' + _url(world, "award:lot-contract") not in for_inkoper
    assert 'action="' + _url(world, "award:lot-contract") in for_beheerder
    assert 'lang="nl"' in for_beheerder
    assert "Aannemer A B.V." in for_beheerder


def test_a_reader_and_an_inkoper_get_403_and_another_organisation_404(
    contract_world: tuple[AwardWorld, User, Contract], logged_in: Callable[[User], Client]
) -> None:
    world, _beheerder, _contract = contract_world
    data = {"sanction_rule": _rws().pk}

    answers = [
        logged_in(user).post(_url(world, "award:lot-contract"), data).status_code
        for user in (world.lezer, world.inkoper, world.outsider)
    ]

    assert answers == [403, 403, 404]
    assert not Commitment.objects.exists()


def test_the_award_report_shows_the_sanction_due_as_the_page_does(
    contract_world: tuple[AwardWorld, User, Contract], logged_in: Callable[[User], Client]
) -> None:
    world, beheerder, _contract = contract_world
    client = logged_in(beheerder)
    client.post(_url(world, "award:lot-contract"), {"sanction_rule": _rws().pk})

    text = docx_text(client.get("/en" + reverse("award:lot-report", args=[world.lot.pk, "docx"])).content)

    assert "The winning promise in the contract" in text
    assert "Award advantage\t€ 420,000.00" in text
    assert "Sanction\tDue" in text
    assert "Sanction amount\t€ 630,000.00" in text  # 1.5 x the advantage


def test_an_mki_award_is_carried_as_the_environmental_cost_avoided(
    world: AwardWorld, make_member: Callable[..., User]
) -> None:
    call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)
    call_command("load_effects_reference", verbosity=0)
    method = services.set_method(user=world.inkoper, lot=world.lot, kind=AwardKind.MKI)
    services.add_bid(
        user=world.inkoper,
        method=method,
        bidder_name="Aannemer A",
        bidder_kvk=SUPPLIER_KVK,
        price=Decimal(5_000_000),
        mki=Decimal(200_000),
    )
    services.add_bid(
        user=world.inkoper, method=method, bidder_name="Aannemer B", price=Decimal(5_100_000), mki=Decimal(450_000)
    )
    ContractFactory(
        lot=world.lot,
        supplier_name="Aannemer A",
        supplier_kvk_number=SUPPLIER_KVK,
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2023, 12, 31),
    )

    commitment = services.carry_into_contract(
        user=make_member(Role.BEHEERDER, world.organisation), method=method, sanction_rule=_rws()
    )

    assert (commitment.quantity, commitment.unit) == (Decimal(250_000), Unit.EUR)  # 450,000 - 200,000 avoided
    assert (commitment.reference_quantity, commitment.theme.code) == (Decimal(450_000), "milieu")
    assert commitment.award_advantage == Decimal("250000.00")
    effect = EffectCalculation.objects.current().get(commitment=commitment)
    assert (effect.sanction_status, effect.sanction_amount) == ("due", Decimal("375000.00"))  # 1.5 x
