"""Figures on CO2 in award: the active organisation's lots with the advantage granted and kept after delivery, and
the national counts per method under disclosure control."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from mvimonitor.award import figures, services
from mvimonitor.award.models import AwardKind, AwardMethod, CO2PriceSet
from mvimonitor.effects import services as effects_services
from mvimonitor.effects.models import RealisationStatus, SanctionRule
from mvimonitor.organisations.models import Organisation, Role, User

from ..factories import ContractFactory, LotFactory, OrganisationFactory
from .conftest import AwardWorld

pytestmark = pytest.mark.django_db


def _priced_lot(organisation: Organisation, inkoper: User, price_set: CO2PriceSet) -> AwardMethod:
    """The CO2-price example on a new lot of the organisation: A wins with an advantage of € 420,000."""
    method = services.set_method(
        user=inkoper, lot=LotFactory(tender__organisation=organisation), kind=AwardKind.CO2_PRICE, price_set=price_set
    )
    for name, tonnes in (("Aannemer A", 1000), ("Aannemer B", 1600)):
        services.add_bid(
            user=inkoper, method=method, bidder_name=name, price=Decimal(10_000_000), tonnes=Decimal(tonnes)
        )
    return method


def test_the_advantage_is_kept_when_the_delivery_is_verified_and_lost_when_it_is_missing(
    world: AwardWorld, make_member: Callable[..., User]
) -> None:
    call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)
    call_command("load_effects_reference", verbosity=0)
    beheerder = make_member(Role.BEHEERDER, world.organisation)
    rule = SanctionRule.objects.get(code="rws-co2-prestatieladder")
    kept, missed = (_priced_lot(world.organisation, world.inkoper, world.price_700) for _ in range(2))
    for method in (kept, missed):
        ContractFactory(
            lot=method.lot, supplier_name="Aannemer A", supplier_kvk_number="",
            start_date=dt.date(2021, 1, 1), end_date=dt.date(2023, 12, 31),
        )  # fmt: skip
    commitment = services.carry_into_contract(user=beheerder, method=kept, sanction_rule=rule)
    services.carry_into_contract(user=beheerder, method=missed, sanction_rule=rule)
    delivery = effects_services.realisation_submit(
        user=beheerder,
        commitment=commitment,
        period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2023, 12, 31),
        quantity=Decimal(600),  # 1,600 t of the worst bid - 1,000 t emitted
    )
    verifier = make_member(Role.CONTRACTMANAGER, world.organisation)  # four eyes: not who submitted
    effects_services.realisation_review(user=verifier, realisation=delivery, status=RealisationStatus.VERIFIED)

    own = figures.organisation_figures(world.organisation.pk)

    by_method = {lot.method.pk: (lot.advantage, lot.kept, lot.sanction_status) for lot in own.lots}
    assert by_method == {
        kept.pk: (Decimal("420000.00"), Decimal("420000.00"), "none"),
        missed.pk: (Decimal("420000.00"), Decimal(0), "due"),
    }
    assert (own.advantage_granted, own.advantage_kept) == (Decimal("840000.00"), Decimal("420000.00"))


def test_the_national_count_is_shown_only_when_enough_organisations_contribute(
    world: AwardWorld, make_member: Callable[..., User]
) -> None:
    _priced_lot(world.organisation, world.inkoper, world.price_700)

    alone = {row.key: row.value for row in figures.national_counts()}
    for _ in range(5):
        organisation = OrganisationFactory()
        _priced_lot(organisation, make_member(Role.INKOPER, organisation), world.price_700)
    many = {row.key: row.value for row in figures.national_counts()}

    assert alone[AwardKind.CO2_PRICE] is None
    assert alone[figures.TOTAL] is None
    # the total is shown; the per-method cells are not, since the empty ones have too few organisations and
    # the CO2-price count would give them away as total minus the others
    assert many == {AwardKind.CO2_PRICE: None, AwardKind.LADDER_DISCOUNT: None, AwardKind.MKI: None, figures.TOTAL: 6}


def test_the_page_shows_the_own_lots_in_dutch_and_english_and_never_another_organisations(
    world: AwardWorld, logged_in: Callable[[User], Client], make_member: Callable[..., User]
) -> None:
    own = _priced_lot(world.organisation, world.inkoper, world.price_700)
    other_organisation = OrganisationFactory()
    other = _priced_lot(other_organisation, make_member(Role.INKOPER, other_organisation), world.price_700)
    client = logged_in(world.lezer)

    dutch = client.get(reverse("award:overview")).content.decode()
    english = client.get("/en" + reverse("award:overview")).content.decode()

    assert 'lang="nl"' in dutch
    assert "€ 420.000,00" in dutch
    assert "€ 420,000.00" in english
    assert "Advantage granted" in english
    assert reverse("award:lot", args=[own.lot.pk]) in english
    assert reverse("award:lot", args=[other.lot.pk]) not in english
    assert other.lot.tender.title not in english


def test_the_national_advantage_is_shown_when_enough_organisations_granted_one(
    world: AwardWorld, make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    _priced_lot(world.organisation, world.inkoper, world.price_700)
    alone = {row.key: row.value for row in figures.national_amounts()}
    for _ in range(5):
        organisation = OrganisationFactory()
        _priced_lot(organisation, make_member(Role.INKOPER, organisation), world.price_700)

    many = {row.key: row.value for row in figures.national_amounts()}

    assert alone == {figures.GRANTED: None, figures.KEPT_AMOUNT: None}
    # six organisations with € 420,000 each; nothing was kept yet (no contract): too few organisations for that cell
    assert many == {figures.GRANTED: Decimal("2520000.00"), figures.KEPT_AMOUNT: None}
    page = logged_in(world.lezer).get("/en" + reverse("award:overview")).content.decode()
    assert "€ 2,520,000.00" in page
