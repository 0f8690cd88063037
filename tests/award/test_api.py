"""API v1 for award: the ranking of a visible lot equals the page's, parameters as stored, other lots invisible."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from mvimonitor.award import services
from mvimonitor.award.models import AwardKind
from mvimonitor.organisations.models import User

from .conftest import AwardWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_for() -> Callable[[User], APIClient]:
    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def _co2_example(world: AwardWorld) -> None:
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700
    )
    for name, price, tonnes in [("Aannemer A", 1_000_000, 1000), ("Aannemer B", 900_000, 1600)]:
        services.add_bid(
            user=world.inkoper, method=method, bidder_name=name, price=Decimal(price), tonnes=Decimal(tonnes)
        )


def test_the_award_method_of_a_lot_carries_the_ranking_and_the_swap_point(
    world: AwardWorld, api_for: Callable[[User], APIClient]
) -> None:
    _co2_example(world)

    response = api_for(world.lezer).get("/api/v1/award-methods", {"lot": world.lot.pk})

    assert response.status_code == 200
    [method] = response.json()["results"]
    assert (method["kind"], method["pricePerTonne"]) == ("co2_price", "700.00")
    first, second = method["ranking"]
    assert (first["bidderName"], first["advantage"], first["fictitiousPrice"]) == (
        "Aannemer A",
        "420000.00",
        "580000.00",
    )
    assert (second["bidderName"], second["advantage"], second["fictitiousPrice"]) == (
        "Aannemer B",
        "0.00",
        "900000.00",
    )
    assert method["swapPoint"]["pricePerTonne"] == "166.67"  # (900,000 - 1,000,000) / (1,000 - 1,600)


def test_a_price_set_changed_after_award_leaves_the_stored_ranking(
    world: AwardWorld, api_for: Callable[[User], APIClient]
) -> None:
    _co2_example(world)
    world.price_700.price_per_tonne = Decimal(1)
    world.price_700.save()

    [method] = api_for(world.lezer).get("/api/v1/award-methods").json()["results"]

    assert method["pricePerTonne"] == "700.00"
    assert method["ranking"][0]["advantage"] == "420000.00"
    price_sets = api_for(world.lezer).get("/api/v1/co2-price-sets").json()["results"]
    assert any(row["pricePerTonne"] == "1.00" for row in price_sets)  # the reference row itself did change


def test_other_organisations_lots_are_not_listed_nor_readable(
    world: AwardWorld, api_for: Callable[[User], APIClient]
) -> None:
    _co2_example(world)
    client = api_for(world.outsider)
    method_id = world.lot.award_method.pk

    assert client.get("/api/v1/award-methods").json()["results"] == []
    assert client.get(f"/api/v1/award-methods/{method_id}").status_code == 404


def test_discount_schemes_list_their_levels_with_the_source(
    world: AwardWorld, api_for: Callable[[User], APIClient]
) -> None:
    schemes = api_for(world.lezer).get("/api/v1/discount-schemes").json()["results"]

    prorail = next(row for row in schemes if row["id"] == world.prorail.pk)
    assert prorail["source"].startswith("http")
    assert {"level": 3, "discountPercent": "4.00", "confidence": prorail["levels"][2]["confidence"]} in prorail[
        "levels"
    ]


def test_quality_criteria_and_scores_are_part_of_the_ranking(
    world: AwardWorld, api_for: Callable[[User], APIClient]
) -> None:
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700
    )
    plan = services.add_quality_criterion(
        user=world.inkoper, method=method, name="Plan", max_discount=Decimal(500_000)
    )
    for name, price, tonnes, score in [("A", 10_000_000, 1000, 4), ("B", 9_800_000, 1600, 10)]:
        services.add_bid(
            user=world.inkoper, method=method, bidder_name=name, price=Decimal(price), tonnes=Decimal(tonnes),
            scores={plan.pk: Decimal(score)},
        )  # fmt: skip

    [row] = api_for(world.lezer).get("/api/v1/award-methods").json()["results"]

    assert row["qualityCriteria"] == [{"id": plan.pk, "name": "Plan", "maxDiscount": "500000.00", "maxScore": "10.00"}]
    first, second = row["ranking"]
    assert (first["bidderName"], first["qualityDiscount"], first["fictitiousPrice"]) == (
        "B",
        "500000.00",
        "9300000.00",
    )
    assert second["scores"] == [{"criterion": plan.pk, "score": "4.00"}]
    assert (second["advantage"], second["fictitiousPrice"]) == ("420000.00", "9380000.00")
