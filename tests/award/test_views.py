"""The award page of a lot: renders in Dutch and English, changes through the forms, and who may do what."""

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from mvimonitor.award import services
from mvimonitor.award.models import AwardKind, AwardMethod, Bid
from mvimonitor.organisations.models import User

from .conftest import AwardWorld

pytestmark = pytest.mark.django_db


def _url(world: AwardWorld, name: str = "award:lot") -> str:
    return reverse(name, args=[world.lot.pk])


def _ladder_example(world: AwardWorld) -> None:
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.LADDER_DISCOUNT, discount_scheme=world.prorail
    )
    services.add_bid(
        user=world.inkoper, method=method, bidder_name="Aannemer A", price=Decimal(30_000_000), ladder_level=3
    )
    services.add_bid(user=world.inkoper, method=method, bidder_name="Aannemer B", price=Decimal(29_000_000))


def test_the_page_shows_the_ranking_in_dutch_by_default(
    world: AwardWorld, logged_in: Callable[[User], Client]
) -> None:
    _ladder_example(world)

    response = logged_in(world.lezer).get(_url(world))

    html = response.content.decode()
    assert response.status_code == 200
    assert "€ 28.800.000,00" in html
    assert html.index("Aannemer A") < html.index("Aannemer B")
    assert 'lang="nl"' in html
    assert "Set method" not in html  # a reader gets no forms
    assert 'action="' + _url(world, "award:lot-bid") not in html


def test_the_page_renders_in_english_with_the_forms_for_an_editor(
    world: AwardWorld, logged_in: Callable[[User], Client]
) -> None:
    _ladder_example(world)

    response = logged_in(world.inkoper).get("/en" + _url(world))

    html = response.content.decode()
    assert response.status_code == 200
    assert "€ 28,800,000.00" in html
    assert "Fictitious price" in html
    assert "Set method" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # strict CSP: no inline script
    assert " style=" not in html  # nor inline style
    assert "<style" not in html


def test_an_editor_sets_a_co2_price_and_enters_bids_through_the_forms(
    world: AwardWorld, logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(world.inkoper)

    set_response = client.post(_url(world, "award:lot-method"), {"kind": "co2_price", "price_set": world.price_700.pk})
    for name, tonnes in (("A", "1000"), ("B", "1600")):
        bid_response = client.post(
            _url(world, "award:lot-bid"), {"bidder_name": name, "price": "10000000", "tonnes": tonnes}
        )
        assert bid_response.status_code == 302
    page = client.get("/en" + _url(world)).content.decode()

    assert set_response.status_code == 302
    assert AwardMethod.objects.get(lot=world.lot).price_per_tonne == Decimal(700)
    assert Bid.objects.get(bidder_name="A").award_advantage == Decimal("420000.00")
    assert "€ 420,000.00" in page
    assert 'id="mvim-award-sensitivity"' in page


def test_a_bid_without_tonnes_under_a_co2_price_answers_400_with_the_reason(
    world: AwardWorld, logged_in: Callable[[User], Client]
) -> None:
    services.set_method(user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700)

    response = logged_in(world.inkoper).post("/en" + _url(world, "award:lot-bid"), {"bidder_name": "A", "price": "5"})

    assert response.status_code == 400
    assert "State the tonnes CO2-eq" in response.content.decode()
    assert not Bid.objects.exists()


def test_a_reader_gets_403_on_every_post(world: AwardWorld, logged_in: Callable[[User], Client]) -> None:
    _ladder_example(world)
    client = logged_in(world.lezer)
    bid = Bid.objects.first()
    assert bid is not None

    answers = [
        client.post(_url(world, "award:lot-method"), {"kind": "mki"}).status_code,
        client.post(_url(world, "award:lot-bid"), {"bidder_name": "X", "price": "1"}).status_code,
        client.post(reverse("award:lot-bid-delete", args=[world.lot.pk, bid.pk])).status_code,
    ]

    assert answers == [403, 403, 403]
    assert Bid.objects.count() == 2
    assert AwardMethod.objects.get(lot=world.lot).kind == AwardKind.LADDER_DISCOUNT


def test_another_organisation_gets_404_on_the_page_and_on_posts(
    world: AwardWorld, logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(world.outsider)

    assert client.get(_url(world)).status_code == 404
    assert client.post(_url(world, "award:lot-method"), {"kind": "mki"}).status_code == 404
    assert not AwardMethod.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(world: AwardWorld, client: Client) -> None:
    response = client.get(_url(world))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
