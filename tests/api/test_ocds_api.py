"""GET /api/v1/ocds/releases: who sees which releases, the filters, the pages and the package around them."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from mvimonitor.organisations.models import Organisation, Role, User
from tests.api.test_ocds_releases import SECRET_EVIDENCE, SECRET_REFERENCE, Record, make_record, schema_errors
from tests.factories import MembershipFactory, TenderFactory

URL = "/api/v1/ocds/releases"
Client = Callable[[User | None], APIClient]


@pytest.fixture
def record(reference_data: None) -> Record:
    return make_record()


@pytest.fixture
def reader(record: Record) -> User:
    return MembershipFactory(organisation=record.organisation, role=Role.LEZER).user  # type: ignore[no-any-return]


def titles(body: dict[str, Any]) -> list[str]:
    return [release["tender"]["title"] for release in body["releases"]]


def test_without_login_there_are_no_releases(api_client: Client, record: Record) -> None:
    response = api_client(None).get(URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_member_sees_the_releases_of_their_organisations_only(
    api_client: Client, record: Record, reader: User, other_organisation: Organisation
) -> None:
    TenderFactory(organisation=other_organisation, title="Van een ander")
    response = api_client(reader).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert titles(body) == ["Leerlingenvervoer"]  # not the other organisation's, not the unpublished one
    assert (body["count"], body["next"], body["previous"], body["links"]) == (1, None, None, {})
    assert (body["version"], body["publisher"], body["uri"]) == (
        "1.1",
        {"name": "MVI Monitor"},
        "http://testserver/api/v1/ocds/releases",
    )
    assert body["publishedDate"] == body["releases"][0]["date"]
    assert response["API-Version"]
    for secret in (SECRET_REFERENCE, SECRET_EVIDENCE):
        assert secret not in response.content.decode()


def test_a_national_analyst_sees_no_releases(api_client: Client, record: Record, national_analyst: User) -> None:
    body = api_client(national_analyst).get(URL).json()
    assert (body["count"], body["releases"]) == (0, [])


def test_filters(api_client: Client, record: Record, reader: User) -> None:
    TenderFactory(organisation=record.organisation, title="Vorig jaar", publication_date=dt.date(2024, 11, 2))
    client = api_client(reader)

    def get(**query: Any) -> list[str]:
        response = client.get(URL, query)
        assert response.status_code == 200, response.content
        return titles(response.json())

    assert get() == ["Vorig jaar", "Leerlingenvervoer"]  # oldest first
    assert get(year=2025) == ["Leerlingenvervoer"]
    assert get(dateFrom="2024-11-02", dateTo="2024-11-02") == ["Vorig jaar"]
    assert get(dateFrom="2024-11-03") == ["Leerlingenvervoer"]
    assert get(organisation=record.organisation.pk) == ["Vorig jaar", "Leerlingenvervoer"]
    assert get(organisation=record.organisation.pk + 1000) == []


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "1800"}, "year"),
        ({"dateFrom": "2025-13-01"}, "dateFrom"),
        ({"dateFrom": "2025-02-01", "dateTo": "2025-01-01"}, "dateTo"),
        ({"organisation": "0"}, "organisation"),
        ({"page": "2"}, "page"),
        ({"pageSize": "501"}, "pageSize"),
    ],
)
def test_invalid_queries_name_the_key(
    api_client: Client, record: Record, reader: User, query: dict[str, str], name: str
) -> None:
    response = api_client(reader).get(URL, query)
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == [name]


def test_pages(api_client: Client, record: Record, reader: User) -> None:
    TenderFactory(organisation=record.organisation, title="Tweede", publication_date=dt.date(2025, 9, 1))
    client = api_client(reader)
    first = client.get(URL, {"pageSize": 1}).json()
    assert (titles(first), first["count"]) == (["Leerlingenvervoer"], 2)
    assert first["next"] == first["links"]["next"] == "http://testserver/api/v1/ocds/releases?page=2&pageSize=1"
    second = client.get(first["next"]).json()
    assert titles(second) == ["Tweede"]
    assert (second["next"], second["links"]) == (None, {"prev": second["previous"]})


@pytest.mark.shared
def test_a_page_is_a_valid_release_package(
    api_client: Client, record: Record, reader: User, shared_data: Path
) -> None:
    body = api_client(reader).get(URL).json()
    assert schema_errors(body, shared_data) == {"ocds-1.1.5": [], "sustainability": [], "eforms-profile": []}
