"""Setting a lot's method copies its parameters; bids; the winner's stored advantage; the access guard."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mvimonitor.award import services
from mvimonitor.award.models import AwardKind, Bid, CO2PriceSet
from mvimonitor.award.selectors import award_view, ranking

from .conftest import AwardWorld

pytestmark = pytest.mark.django_db


def _co2_award(world: AwardWorld) -> None:
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700
    )
    services.add_bid(
        user=world.inkoper, method=method, bidder_name="A", price=Decimal(10_000_000), tonnes=Decimal(1000)
    )
    services.add_bid(
        user=world.inkoper, method=method, bidder_name="B", price=Decimal(10_000_000), tonnes=Decimal(1600)
    )


def test_the_winner_stores_its_award_advantage_and_the_others_none(world: AwardWorld) -> None:
    _co2_award(world)

    assert Bid.objects.get(bidder_name="A").award_advantage == Decimal("420000.00")
    assert Bid.objects.get(bidder_name="B").award_advantage is None


def test_changing_or_adding_a_price_set_after_the_method_was_set_leaves_the_stored_award_unchanged(
    world: AwardWorld,
) -> None:
    _co2_award(world)
    method = world.lot.award_method
    before = [(r.bid.bidder_name, r.fictitious_price, r.advantage) for r in ranking(method)]

    CO2PriceSet.objects.filter(pk=world.price_700.pk).update(price_per_tonne=Decimal(50))
    CO2PriceSet.objects.create(
        name=world.price_700.name,
        version="2030",
        price_per_tonne=Decimal(5000),
        price_year=2030,
        source="https://example.org/",
        source_year=2030,
        confidence="low",
    )
    method.refresh_from_db()

    assert method.price_per_tonne == Decimal(700)
    assert [(r.bid.bidder_name, r.fictitious_price, r.advantage) for r in ranking(method)] == before
    assert Bid.objects.get(bidder_name="A").award_advantage == Decimal("420000.00")


def test_the_ladder_method_copies_the_scheme_table_and_ranks_the_worked_example(world: AwardWorld) -> None:
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.LADDER_DISCOUNT, discount_scheme=world.prorail
    )
    services.add_bid(user=world.inkoper, method=method, bidder_name="A", price=Decimal(30_000_000), ladder_level=3)
    services.add_bid(user=world.inkoper, method=method, bidder_name="B", price=Decimal(29_000_000))
    world.prorail.levels.filter(level=3).update(discount_percent=Decimal(0))

    view = award_view(method)

    assert method.discount_table["3"] == "4.00"
    assert [(bid.bidder_name, row.fictitious_price) for row, bid in view.rows] == [
        ("A", Decimal(28_800_000)),
        ("B", Decimal(29_000_000)),
    ]
    assert Bid.objects.get(bidder_name="A").award_advantage == Decimal("1200000.00")


def test_a_bid_without_tonnes_is_refused_under_a_co2_price(world: AwardWorld) -> None:
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700
    )

    with pytest.raises(ValidationError) as error:
        services.add_bid(user=world.inkoper, method=method, bidder_name="A", price=Decimal(100))

    assert "tonnes" in error.value.message_dict
    assert not Bid.objects.exists()


def test_switching_to_a_co2_price_is_refused_while_bids_lack_tonnes(world: AwardWorld) -> None:
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.LADDER_DISCOUNT, discount_scheme=world.prorail
    )
    services.add_bid(user=world.inkoper, method=method, bidder_name="A", price=Decimal(100), ladder_level=2)

    with pytest.raises(ValidationError):
        services.set_method(user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700)

    method.refresh_from_db()
    assert method.kind == AwardKind.LADDER_DISCOUNT


def test_removing_the_winner_moves_the_advantage_to_the_new_winner(world: AwardWorld) -> None:
    method = services.set_method(user=world.inkoper, lot=world.lot, kind=AwardKind.MKI)
    for name, price, mki in [("A", 500, 20_000), ("B", 480, 50_000), ("C", 490, 30_000)]:
        services.add_bid(user=world.inkoper, method=method, bidder_name=name, price=Decimal(price), mki=Decimal(mki))

    services.remove_bid(user=world.inkoper, bid=Bid.objects.get(bidder_name="A"))

    assert dict(Bid.objects.values_list("bidder_name", "award_advantage")) == {"B": None, "C": Decimal("20000.00")}


def test_a_reader_and_another_organisation_may_not_change_the_award(world: AwardWorld) -> None:
    for user in (world.lezer, world.outsider):
        with pytest.raises(PermissionDenied):
            services.set_method(user=user, lot=world.lot, kind=AwardKind.MKI)


@translation.override("en")
def test_quality_criteria_are_set_before_the_bids_and_every_bid_scores_on_each(world: AwardWorld) -> None:
    method = services.set_method(user=world.inkoper, lot=world.lot, kind=AwardKind.MKI)
    plan = services.add_quality_criterion(
        user=world.inkoper, method=method, name="Plan", max_discount=Decimal(1000), max_score=Decimal(5)
    )

    with pytest.raises(ValidationError, match="Plan"):
        services.add_bid(user=world.inkoper, method=method, bidder_name="A", price=Decimal(10_000), mki=Decimal(1))
    with pytest.raises(ValidationError, match="between 0 and 5"):
        services.add_bid(
            user=world.inkoper, method=method, bidder_name="A", price=Decimal(10_000), mki=Decimal(1),
            scores={plan.pk: Decimal(6)},
        )  # fmt: skip
    bid = services.add_bid(
        user=world.inkoper, method=method, bidder_name="A", price=Decimal(10_000), mki=Decimal(1),
        scores={plan.pk: Decimal(4)},
    )  # fmt: skip

    assert bid.scores.get().score == 4
    with pytest.raises(ValidationError, match="before the first bid"):
        services.add_quality_criterion(user=world.inkoper, method=method, name="Later", max_discount=Decimal(1))
    with pytest.raises(ValidationError, match="before the first bid"):
        services.remove_quality_criterion(user=world.inkoper, criterion=plan)
    with pytest.raises(PermissionDenied):
        services.add_quality_criterion(user=world.lezer, method=method, name="X", max_discount=Decimal(1))
