"""The definitions register: figures of version 1 are reproduced exactly after version 2 of a definition is
published (organisation and national, through the selector and the API), and the register is exported as JSON and
CSV with every KPI version, method, date and change note."""

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client
from django.utils.translation import gettext_lazy

from mvimonitor.dashboards import definitions, selectors
from mvimonitor.dashboards.kpis import BY_ID, CATALOGUE
from mvimonitor.dashboards.vocabulary import NATIONAL, Figure
from mvimonitor.organisations.models import Organisation, Role, User
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

# Version 2 of a definition, as a later publication would bring it: "significant or ambitious within product groups"
# counted among the tenders that apply criteria there (the JBR's base) instead of among all tenders in the groups.
HIGH_V2 = dataclasses.replace(
    BY_ID["product-group-high"],
    version=2,
    base="pg_app_n",
    effective="2027-01-01",
    change_note=gettext_lazy("Counted among the tenders in a product group that apply criteria."),
)


@pytest.fixture
def country(make_tender: Callable[..., object], refresh: Callable[[], int]) -> Organisation:
    """Seven municipalities alike (so national figures are shown): each one tender in a product group with a
    significant application, one in a product group without MVI, one outside the groups with MVI."""
    organisations = [OrganisationFactory(kind="gemeente", province="UT") for _ in range(7)]
    for number, org in enumerate(organisations):
        make_tender(org, value=str(100_000 + number), lots=[(None, [("milieu", "minimumeis", "significant", None)])],
                    product_group=True)  # fmt: skip
        make_tender(org, value=str(200_000 + number), lots=[(None, [])], product_group=True)
        make_tender(org, value=str(300_000 + number), lots=[(None, [("sroi", "contractbepaling", "basis", None)])])
    refresh()
    return organisations[0]


@pytest.fixture
def second_publication(monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue = tuple(HIGH_V2 if kpi.id == HIGH_V2.id else kpi for kpi in CATALOGUE)
    published = definitions.Publication(2, dt.date(2027, 1, 1), gettext_lazy("Version 2 of product-group-high."),
                                        catalogue)  # fmt: skip
    monkeypatch.setattr(definitions, "PUBLICATIONS", (*definitions.PUBLICATIONS, published))


def _member(org: Organisation) -> User:
    user: User = MembershipFactory(organisation=org, role=Role.LEZER).user
    return user


def _all(user: User, org: Organisation, version: int | None = None) -> tuple[list[Figure], list[Figure]]:
    own = selectors.kpi_values(
        user, scope=selectors.ORGANISATION_SCOPE, organisation=org, years=[2024], definition_version=version
    )
    national = selectors.kpi_values(AnonymousUser(), years=[2024], definition_version=version)
    return own, national


def _one(figures: list[Figure], kpi: str, geo: str) -> Figure:
    (figure,) = [f for f in figures if f.kpi == kpi and f.geo == geo and f.item == "all" and f.bucket == "all"]
    return figure


def test_version_1_figures_are_reproduced_exactly_after_version_2_is_published(
    country: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _member(country)
    own_before, national_before = _all(user, country)
    assert any(f.value is not None for f in national_before if f.geo == NATIONAL)  # something national is shown

    catalogue = tuple(HIGH_V2 if kpi.id == HIGH_V2.id else kpi for kpi in CATALOGUE)
    published = definitions.Publication(2, dt.date(2027, 1, 1), gettext_lazy("v2"), catalogue)
    monkeypatch.setattr(definitions, "PUBLICATIONS", (*definitions.PUBLICATIONS, published))
    cache.clear()  # computed again, not read back

    own_v1, national_v1 = _all(user, country, 1)
    own_now, national_now = _all(user, country)

    assert own_v1 == own_before
    assert national_v1 == national_before
    old, new = _one(own_v1, "product-group-high", "organisation"), _one(own_now, "product-group-high", "organisation")
    assert (old.version, old.numerator, old.denominator, old.value) == (1, 1, 2, 50)
    assert (new.version, new.numerator, new.denominator, new.value) == (2, 1, 1, 100)
    assert _one(national_now, "product-group-high", NATIONAL).version == 2


def test_the_api_reproduces_version_1_and_refuses_an_unpublished_version(
    country: Organisation, client: Client, second_publication: None
) -> None:
    url = "/api/v1/kpi-values"
    older = client.get(url, {"year": 2024, "kpi": "product-group-high", "definitionVersion": 1}).json()["results"]
    newer = client.get(url, {"year": 2024, "kpi": "product-group-high"}).json()["results"]
    unknown = client.get(url, {"year": 2024, "definitionVersion": 3})

    assert [(row["kpiVersion"], row["denominator"]) for row in older] == [(1, 14.0)]
    assert [(row["kpiVersion"], row["denominator"]) for row in newer] == [(2, 7.0)]
    assert unknown.status_code == 400
    assert "definitionVersion" in {param["name"] for param in unknown.json()["invalidParams"]}


def test_the_register_lists_every_version_with_its_date_and_note_as_json_and_csv(
    client: Client, second_publication: None
) -> None:
    document = client.get("/monitoring/definitions/", {"format": "json"}).json()
    text = client.get("/monitoring/definitions/", {"format": "csv"}).content.decode()
    page = client.get("/monitoring/definitions/")

    assert [p["version"] for p in document["publications"]] == [1, 2]
    high = [d for d in document["definitions"] if d["id"] == "product-group-high"]
    assert [(d["version"], d["effective"], d["publications"]) for d in high] == [
        ("1", "2026-11-25", [1]),
        ("2", "2027-01-01", [2]),
    ]
    assert {d["kind"] for d in document["definitions"]} >= {"kpi", "method"}
    assert all(d["effective"] and d["changeNote"] for d in document["definitions"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(document["definitions"])
    assert {"sme-contracts", "disclosure-control", "targets"} <= {row["id"] for row in rows}
    assert page.status_code == 200


def test_the_dashboards_compute_under_the_chosen_version(
    country: Organisation, client: Client, logged_in: Callable[[User], Client], second_publication: None
) -> None:
    browser = logged_in(_member(country))
    link = '#kpi-product-group-high">'

    older = browser.get("/monitoring/organisation/", {"year": 2024, "definitionVersion": 1}).content.decode()
    newer = browser.get("/monitoring/organisation/", {"year": 2024}).content.decode()
    national = client.get("/monitoring/national/", {"year": 2024, "definitionVersion": 1}).content.decode()
    unknown = browser.get("/monitoring/organisation/", {"year": 2024, "definitionVersion": 9}).content.decode()

    def version_of(page: str) -> str:
        return page.split(link, 1)[1].split(")", 1)[0]

    assert version_of(older).endswith("1")
    assert version_of(newer).endswith("2")
    assert version_of(national).endswith("1")
    assert "definitionVersion=1" in older  # the export links keep the version
    assert version_of(unknown).endswith("2")
    assert "definitieversie 9; gepubliceerd: 1, 2" in unknown  # said (in Dutch, the default), and the newest used
