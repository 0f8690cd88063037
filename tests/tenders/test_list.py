"""The tender list: own organisation only, search, filters, unknown values, sorting, pagination, query count."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mvimonitor.organisations.models import Role, User
from mvimonitor.tenders.views import PAGE_SIZE
from tests.factories import (
    Catalogue,
    LotFactory,
    MVIApplicationFactory,
    OrganisationFactory,
    ProductGroupFactory,
    TenderFactory,
    UserFactory,
)

from .conftest import World

pytestmark = pytest.mark.django_db


def _list(client: Client, **params: str) -> str:
    response = client.get(reverse("tenders:list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_list_shows_only_the_active_organisations_tenders(world: World, inkoper_client: Client) -> None:
    html = _list(inkoper_client)

    assert "Schoonmaak stadhuis" in html
    assert "Geheime aanbesteding" not in html


def test_list_table_has_caption_and_header_scopes(world: World, inkoper_client: Client) -> None:
    html = _list(inkoper_client)

    assert '<caption class="utrecht-table__caption">' in html
    assert 'scope="col"' in html
    assert 'scope="row"' in html


@pytest.mark.parametrize(
    ("field", "value", "query"),
    [
        ("title", "Inzameling bedrijfsafval", "bedrijfsafval"),
        ("description", "Inclusief elektrische voertuigen", "elektrische"),
        ("internal_reference", "INK-2025-042", "2025-042"),
        ("ted_notice_id", "654321-2025", "654321"),
    ],
)
def test_search_matches_title_description_and_references(
    world: World, inkoper_client: Client, field: str, value: str, query: str
) -> None:
    fields = {"title": "Gevonden", field: value}
    TenderFactory(organisation=world.own, **fields)

    html = _list(inkoper_client, q=query)

    assert fields["title"] in html
    assert "Schoonmaak stadhuis" not in html


def test_search_does_not_reach_other_organisations(world: World, inkoper_client: Client) -> None:
    html = _list(inkoper_client, q="Geheime")

    assert "Geheime aanbesteding" not in html
    assert "Geen aanbestedingen gevonden met deze zoekopdracht en filters." in html


def test_filter_by_year(world: World, inkoper_client: Client) -> None:
    TenderFactory(organisation=world.own, title="Oud", publication_date=dt.date(2023, 5, 1))

    html = _list(inkoper_client, year="2023")

    assert "Oud" in html
    assert "Schoonmaak stadhuis" not in html


def test_filter_by_nature(world: World, inkoper_client: Client) -> None:
    TenderFactory(organisation=world.own, title="Rotonde", nature="works")

    html = _list(inkoper_client, nature="works")

    assert "Rotonde" in html
    assert "Schoonmaak stadhuis" not in html


def test_filter_by_procedure_type(world: World, inkoper_client: Client) -> None:
    TenderFactory(organisation=world.own, title="Onderhands", procedure_type="meervoudig-onderhands")

    html = _list(inkoper_client, procedure_type="meervoudig-onderhands")

    assert "Onderhands" in html
    assert "Schoonmaak stadhuis" not in html


def test_filter_by_product_group(world: World, inkoper_client: Client) -> None:
    group = ProductGroupFactory(name_nl="Schoonmaakdiensten")
    TenderFactory(organisation=world.own, title="Met productgroep", product_group=group)

    html = _list(inkoper_client, product_group=str(group.pk))

    assert "Met productgroep" in html
    assert "Schoonmaak stadhuis" not in html


def test_filter_by_theme_keeps_the_full_theme_count(
    world: World, catalogue: Catalogue, inkoper_client: Client
) -> None:
    lot = world.tender.lots.get()
    MVIApplicationFactory(lot=lot, theme=catalogue.klimaat, form=catalogue.minimum, award_weight=None)
    TenderFactory(organisation=world.own, title="Zonder klimaat")

    html = _list(inkoper_client, theme="klimaat")

    assert "Schoonmaak stadhuis" in html
    assert "Zonder klimaat" not in html
    assert 'utrecht-table__cell--numeric-data">2</td>' in html  # sroi and klimaat, not just the filtered theme


@pytest.mark.parametrize(
    ("value", "shown", "hidden"),
    [("yes", "Bevestigd", "Schoonmaak stadhuis"), ("no", "Schoonmaak stadhuis", "Bevestigd")],
)
def test_filter_by_mvi_confirmation(world: World, inkoper_client: Client, value: str, shown: str, hidden: str) -> None:
    TenderFactory(organisation=world.own, title="Bevestigd", mvi_confirmed_at=timezone.now())

    html = _list(inkoper_client, mvi_confirmed=value)

    assert shown in html
    assert hidden not in html


def test_newest_first_by_default_and_oldest_first_on_request(world: World, inkoper_client: Client) -> None:
    TenderFactory(organisation=world.own, title="Vroeg", publication_date=dt.date(2020, 1, 1))

    newest = _list(inkoper_client)
    oldest = _list(inkoper_client, sort="date")

    assert newest.index("Schoonmaak stadhuis") < newest.index("Vroeg")
    assert oldest.index("Vroeg") < oldest.index("Schoonmaak stadhuis")
    assert 'aria-sort="ascending"' in oldest


@pytest.mark.parametrize(
    ("param", "value", "label"),
    [
        ("theme", "bestaat-niet", "MVI-thema"),
        ("year", "twintig", "Jaar van publicatie"),
        ("year", "1850", "Jaar van publicatie"),
        ("nature", "magic", "Soort opdracht"),
        ("product_group", "999999", "Productgroep"),
        ("procedure_type", "geheim", "Procedure"),
        ("mvi_confirmed", "misschien", "MVI-registratie bevestigd"),
        ("sort", "title", "Sorteren op"),
    ],
)
def test_unknown_filter_value_gives_a_message_not_an_error(
    world: World, inkoper_client: Client, param: str, value: str, label: str
) -> None:
    html = _list(inkoper_client, **{param: value})

    assert f"Het filter “{label}” heeft een onbekende waarde en is genegeerd" in html
    assert "Schoonmaak stadhuis" in html  # the other filters (none) still apply


def test_unknown_filter_value_does_not_drop_valid_filters(world: World, inkoper_client: Client) -> None:
    TenderFactory(organisation=world.own, title="Rotonde", nature="works")

    html = _list(inkoper_client, nature="works", theme="bestaat-niet")

    assert "Rotonde" in html
    assert "Schoonmaak stadhuis" not in html


def test_pagination_splits_the_list_and_links_pages(world: World, inkoper_client: Client) -> None:
    TenderFactory.create_batch(PAGE_SIZE, organisation=world.own, publication_date=dt.date(2024, 1, 1))

    first = _list(inkoper_client, nature="services")
    second = _list(inkoper_client, nature="services", page="2")

    assert "Schoonmaak stadhuis" in first  # newest
    assert "Schoonmaak stadhuis" not in second
    assert 'aria-current="page"' in second
    assert "nature=services&amp;page=2" in first  # page links keep the filters
    assert 'rel="prev"' in second


@pytest.mark.parametrize("page", ["999", "abc", "-1"])
def test_odd_page_numbers_do_not_fail(world: World, inkoper_client: Client, page: str) -> None:
    html = _list(inkoper_client, page=page)

    assert "Schoonmaak stadhuis" in html


def test_synthetic_tenders_carry_the_demo_data_label(world: World, inkoper_client: Client) -> None:
    TenderFactory(organisation=world.own, title="Demo-aanbesteding", is_synthetic=True)

    html = _list(inkoper_client)

    assert html.count('class="mvim-synthetic-badge"') == 1
    assert "synthetische demodata" in html


def test_inkoper_sees_the_new_tender_button(world: World, inkoper_client: Client) -> None:
    assert reverse("tenders:create") in _list(inkoper_client)


def test_lezer_sees_no_new_tender_button(world: World, logged_in: Callable[[User], Client]) -> None:
    assert reverse("tenders:create") not in _list(logged_in(world.lezer))


def test_user_without_organisation_gets_an_explanation(db: None, logged_in: Callable[[User], Client]) -> None:
    user = UserFactory()

    html = _list(logged_in(user))

    assert "U bent nog geen lid van een organisatie" in html


def test_query_count_does_not_grow_with_the_number_of_tenders(
    catalogue: Catalogue,
    make_member: Callable[..., User],
    logged_in: Callable[[User], Client],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    organisation = OrganisationFactory()
    client = logged_in(make_member(Role.INKOPER, organisation))
    group = ProductGroupFactory()
    for i in range(PAGE_SIZE):
        lot = LotFactory(tender=TenderFactory(organisation=organisation, product_group=group, title=f"T{i}"))
        MVIApplicationFactory(lot=lot, theme=catalogue.sroi, form=catalogue.award)

    # 13, plus 3 for the choices of the monitoring filters (forms of application, ambition levels twice).
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        html = _list(client, theme="sroi", nature="services")

    assert html.count('href="/tenders/') >= PAGE_SIZE
