"""Coverage is defined per calendar year (a spend total is yearly): a half or a quarter has no coverage figure, on
the page, in the export and in the API, and says why."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mvimonitor.dashboards.kpis import BY_ID
from mvimonitor.dashboards.models import SpendTotal
from mvimonitor.dashboards.organisation import organisation_figures
from mvimonitor.dashboards.vocabulary import CALENDAR_YEAR_ONLY, period_dates
from mvimonitor.organisations.models import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation(make_tender: Callable[..., object], refresh: Callable[[], int]):  # type: ignore[no-untyped-def]
    org = OrganisationFactory(kind="gemeente", province="UT")
    make_tender(org, published=dt.date(2024, 2, 1), value="100000")
    make_tender(org, published=dt.date(2024, 8, 1), value="300000")
    SpendTotal.objects.create(organisation=org, year=2024, amount=Decimal("1000000"))
    refresh()
    return org


def _coverage(org, period: str):  # type: ignore[no-untyped-def]
    dates = period_dates(2024, period) if period != "year" else (None, None)
    figures = organisation_figures(
        organisation=org, years=[2024], kpis=[BY_ID["coverage"]], date_from=dates[0], date_to=dates[1]
    )
    (figure,) = figures
    return figure


def test_coverage_of_the_whole_year_divides_the_year_by_its_spend(organisation) -> None:  # type: ignore[no-untyped-def]
    figure = _coverage(organisation, "year")

    assert (figure.numerator, figure.denominator, figure.value) == (
        Decimal("400000.00"),
        Decimal("1000000"),
        Decimal("40.00"),
    )
    assert figure.suppressed is None


@pytest.mark.parametrize("period", ["h1", "h2", "q1", "q3"])
def test_a_part_of_the_year_has_no_coverage_figure(organisation, period: str) -> None:  # type: ignore[no-untyped-def]
    figure = _coverage(organisation, period)

    # before: the quarter's value divided by the whole year's spend (10% for q1), a figure that means nothing
    assert (figure.numerator, figure.denominator, figure.value) == (None, None, None)
    assert figure.suppressed == CALENDAR_YEAR_ONLY


def test_the_api_and_the_page_say_only_per_calendar_year(organisation) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role=Role.LEZER)
    client = Client()
    client.force_login(user)

    response = client.get(
        "/api/v1/kpi-values",
        {"kpi": "coverage", "year": 2024, "period": "q1", "scope": "organisation", "organisation": organisation.pk},
    )
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    assert row["value"] is None
    assert row["suppressed"] == CALENDAR_YEAR_ONLY

    with translation.override("en"):
        page = client.get(
            reverse("dashboards:organisation"), {"year": 2024, "period": "q1"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert page.status_code == 200
    assert "only per calendar year" in page.content.decode()
