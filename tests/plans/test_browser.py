"""The plan pages in a real browser: WCAG 2.1 AA with axe-core and no CSP violations, in Dutch and English; the public
page of a published plan also logged out. Reuses the browser fixtures and helpers of tests/browser."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.organisations.models import Role, User
from mvimonitor.plans import services
from mvimonitor.plans.models import Period
from mvimonitor.themes.models import Theme
from tests import snapshots
from tests.browser.test_accessibility import _axe_violations, _csp_messages, _log_in, _readable
from tests.factories import MembershipFactory, OrganisationFactory

from .conftest import World, adopted_plan, draft_plan, make_tender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Data:
    user: User
    ids: dict[str, int]


@pytest.fixture
def data() -> Data:
    snapshots.reference_data()
    call_command("load_plans_reference", verbosity=0)
    organisation = OrganisationFactory(name="Gemeente Planstad")
    for themes in (["sroi"], ["milieu", "klimaat"], []):
        make_tender(organisation, 2025, themes)
    facts_refresh()
    user = MembershipFactory(user__username="coordinator", organisation=organisation, role=Role.COORDINATOR).user
    from mvimonitor.plans.models import LadderStep as Step

    world = World(
        organisation,
        user,
        user,
        user,
        {t.code: t for t in Theme.objects.all()},
        {s.step: s for s in Step.objects.all()},
    )
    plan = adopted_plan(world)
    report = services.report_create(user=user, plan=plan, year=2025)
    draft = draft_plan(world, Period.MVOI_2026_2030)
    return Data(user, {"plan": plan.pk, "draft": draft.pk, "report": report.pk})


PAGES: list[tuple[str, Callable[[Data], str]]] = [
    ("index", lambda d: reverse("plans:index")),
    ("plan-create", lambda d: reverse("plans:plan-create")),
    ("plan-draft", lambda d: reverse("plans:plan-detail", args=[d.ids["draft"]])),
    ("plan-published", lambda d: reverse("plans:plan-detail", args=[d.ids["plan"]])),
    ("report", lambda d: reverse("plans:report-detail", args=[d.ids["report"]])),
    ("plan-public", lambda d: reverse("plans:plan-public", args=[d.ids["plan"]])),
    ("annual", lambda d: reverse("plans:annual")),
    ("national", lambda d: reverse("plans:national")),
]


def _check(page: Any, live_server: Any, path: str, language: str) -> None:
    if language == "en" and not path.startswith("/en/"):
        path = f"/en{path}"
    response = page.goto(live_server.url + path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    assert page.evaluate("document.documentElement.lang") == language
    violations = _axe_violations(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {path}:\n{_readable(violations)}"
    assert _csp_messages(page) == [], f"CSP violations on {path}: {_csp_messages(page)}"


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(("name", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_plan_page_is_accessible_and_csp_clean(
    page: Any,
    live_server: Any,
    data: Data,
    name: str,
    url: Callable[[Data], str],
    language: str,
) -> None:
    _log_in(page, live_server, data.user)
    with translation.override(language):
        path = url(data)
    _check(page, live_server, path, language)


def test_the_public_page_logged_out(page: Any, live_server: Any, data: Data) -> None:
    _check(page, live_server, reverse("plans:plan-public", args=[data.ids["plan"]]), "nl")
    assert "Meer MVI" in page.inner_text("main")

    response = page.goto(live_server.url + reverse("plans:plan-public", args=[data.ids["draft"]]))
    assert response is not None
    assert response.status == 404


def test_a_refused_goal_is_announced_on_the_form(page: Any, live_server: Any, data: Data) -> None:
    _log_in(page, live_server, data.user)
    page.goto(live_server.url + reverse("plans:plan-detail", args=[data.ids["draft"]]))

    page.fill("#id_goal-title", "Doel zonder meting")
    page.select_option("#id_goal-indicator_kind", "not_measured")
    page.click("form[aria-labelledby=mvim-goal-form-heading] button[type=submit]")
    page.wait_for_load_state()

    assert page.locator(".utrecht-form-field--invalid").count() >= 1
    assert _axe_violations(page) == []
