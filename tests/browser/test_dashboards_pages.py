"""The monitoring pages in a real browser: WCAG 2.1 AA with axe-core, no CSP violations, charts drawn."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.organisations.models import Role, User
from mvimonitor.tenders.models import Lot, MVIApplication, Tender
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, Theme
from tests import snapshots
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .test_accessibility import AXE_TAGS, _csp_messages, _readable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("organisation", "/monitoring/organisation/?year=2024", "member"),
    ("organisation-breakdown", "/monitoring/organisation/?year=2024&breakdown=nature&period=q2", "member"),
    ("spend-totals", "/monitoring/organisation/spend-totals/", "member"),
    ("national", "/monitoring/national/?year=2024", None),
    ("national-by-kind", "/monitoring/national/?year=2024&geo=kind", "analyst"),
    ("catalogue", "/monitoring/kpis/", None),
]


@pytest.fixture
def users() -> dict[str, User]:
    cache.clear()
    snapshots.reference_data()
    sroi, milieu = Theme.objects.get(code="sroi"), Theme.objects.get(code="milieu")
    clause = ApplicationForm.objects.get(code="contractbepaling")
    basis = AmbitionLevel.objects.get(code="basis")
    organisations = [OrganisationFactory(kind="gemeente", province="UT") for _ in range(6)]
    for number, organisation in enumerate(organisations):
        for month in (2, 5, 9):
            tender = Tender.objects.create(
                organisation=organisation,
                title=f"Aanbesteding {number}-{month}",
                publication_date=dt.date(2024, month, 1),
                nature="services" if month != 9 else "works",
                procedure_type="open",
                is_european=month == 5,
                estimated_value=Decimal(100_000 * (month + number)),
            )
            lot = Lot.objects.create(tender=tender, number="1", title="Perceel")
            theme = sroi if month != 9 else milieu
            MVIApplication.objects.create(lot=lot, theme=theme, form=clause, ambition_level=basis)
    facts_refresh()
    member = MembershipFactory(organisation=organisations[0], role=Role.BEHEERDER).user
    analyst = UserFactory(national_analyst=True)
    return {"member": member, "analyst": analyst}


def _log_in(page: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(("name", "path", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_monitoring_page_is_accessible_and_csp_clean(
    page: Any, live_server: Any, users: dict[str, User], name: str, path: str, who: str | None, language: str
) -> None:
    if who is not None:
        _log_in(page, live_server, users[who])
    if language == "en":
        path = f"/en{path}"

    response = page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")

    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )["violations"]
    assert violations == [], f"axe found WCAG 2.1 AA violations on {path}:\n{_readable(violations)}"
    assert _csp_messages(page) == [], f"CSP violations on {path}: {_csp_messages(page)}"


def test_charts_are_drawn_without_eval(page: Any, live_server: Any, users: dict[str, User]) -> None:
    # the organisation's own figures: national ones of six organisations are mostly hidden (and hidden ones get no
    # chart, only the table)
    _log_in(page, live_server, users["member"])
    page.goto(live_server.url + "/monitoring/organisation/?year=2024")
    page.wait_for_selector("[data-mvim-chart] canvas", timeout=15_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-mvim-chart]')].every("
        "e => e.hasAttribute('data-mvim-chart-drawn') || e.hasAttribute('data-mvim-chart-error'))",
        timeout=15_000,
    )

    charts = page.locator("[data-mvim-chart]").count()
    drawn = page.locator("[data-mvim-chart] canvas").count()
    errors = page.locator("[data-mvim-chart-error]").count()

    assert charts > 0
    assert drawn == charts
    assert errors == 0
    assert _csp_messages(page) == []
