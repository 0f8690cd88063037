from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from mvimonitor.organisations.models import Role, User
from mvimonitor.themes.models import (
    CpvCode,
)
from mvimonitor.themes.views import CATALOGUE, PAGE_SIZE
from tests.factories import CATALOGUE_SOURCE

pytestmark = pytest.mark.django_db

SOURCE = CATALOGUE_SOURCE
Login = Callable[[User], Client]


@pytest.fixture
def reader(make_member: Callable[..., User], logged_in: Login) -> Client:
    return logged_in(make_member(Role.LEZER))


def test_index_links_every_catalogue_page(reader: Client) -> None:
    page = reader.get(reverse("themes:index")).content.decode()

    for name in [*CATALOGUE, "product-groups"]:
        assert f'href="{reverse(f"themes:{name}")}"' in page


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("themes", "2021"),
        ("application-forms", "2022"),
        ("ambition-levels", "2023"),
        ("product-groups", "2024"),
        ("criteria", "2025"),
        ("isv-risk-categories", "2019"),
        ("eu-thresholds", "2018"),
        ("cpv-codes", "2008"),
    ],
)
def test_catalogue_page_shows_source_and_year(reader: Client, name: str, year: str) -> None:
    response = reader.get(reverse(f"themes:{name}"))

    assert response.status_code == 200
    page = response.content.decode()
    assert SOURCE in page
    assert year in page


@pytest.mark.usefixtures("catalogue")
def test_product_groups_page_shows_clusters_groups_and_cpv_prefixes(reader: Client) -> None:
    page = reader.get(reverse("themes:product-groups")).content.decode()

    assert "Grond-, weg- en waterbouw" in page
    assert "Schoonmaakdiensten" in page
    assert "9091" in page


def test_catalogue_needs_login(client: Client) -> None:
    response = client.get(reverse("themes:cpv-codes"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _cpv_codes(count: int) -> None:
    CpvCode.objects.bulk_create(
        CpvCode(
            code=f"{30000000 + i:08d}",
            label_nl=f"Kantoormachine {i}",
            label_en=f"Office machine {i}",
            source=SOURCE,
            source_year=2008,
        )
        for i in range(count)
    )
    CpvCode.objects.create(
        code="90910000", label_nl="Reinigingsdiensten", label_en="Cleaning services", source=SOURCE, source_year=2008
    )


def test_cpv_codes_are_paginated(reader: Client) -> None:
    _cpv_codes(PAGE_SIZE + 10)

    first = reader.get(reverse("themes:cpv-codes"))
    second = reader.get(reverse("themes:cpv-codes"), {"page": 2})

    assert len(first.context["rows"]) == PAGE_SIZE
    assert len(second.context["rows"]) == 11
    assert 'rel="next"' in first.content.decode()


def test_cpv_search_by_code_prefix(reader: Client) -> None:
    _cpv_codes(5)

    response = reader.get(reverse("themes:cpv-codes"), {"q": "9091"})

    assert [row[0] for row in response.context["rows"]] == ["90910000"]


def test_cpv_search_by_label_words(reader: Client) -> None:
    _cpv_codes(5)

    response = reader.get(reverse("themes:cpv-codes"), {"q": "reiniging"})

    assert [row[0] for row in response.context["rows"]] == ["90910000"]
    assert response.context["total"] == 1


def test_cpv_search_keeps_query_in_pagination_links(reader: Client) -> None:
    _cpv_codes(PAGE_SIZE + 10)

    page = reader.get(reverse("themes:cpv-codes"), {"q": "kantoormachine"}).content.decode()

    assert "?q=kantoormachine&amp;page=2" in page


def test_bad_page_number_does_not_fail(reader: Client) -> None:
    _cpv_codes(3)

    response = reader.get(reverse("themes:cpv-codes"), {"page": "abc"})

    assert response.status_code == 200
    assert len(response.context["rows"]) == 4
