"""The import pages in a real browser: WCAG 2.1 AA with axe-core, no CSP violations, live progress, review.

Reuses the fixtures of conftest.py (one chromium, a fresh context and tab per test) and the helpers of the main
accessibility walk. Data: a beheerder's organisation with one finished run (a failure and a warning), one running
run, and an imported tender with proposals and a difference between a manual value and the notice.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from mvimonitor.imports.models import ImportRun, MVIProposal, RunStatus
from mvimonitor.imports.notices import Code
from mvimonitor.imports.services import import_run_create, import_run_execute
from mvimonitor.organisations.models import Role, User
from mvimonitor.tenders.models import Tender
from tests import snapshots
from tests.factories import CpvCodeFactory, MembershipFactory, OrganisationFactory
from tests.imports.conftest import code_detector, make_notice, raw

from .test_accessibility import _axe_violations, _csp_messages, _log_in, _readable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Data:
    user: User
    ids: dict[str, int]


@pytest.fixture
def data(settings: Any) -> Data:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    snapshots.sample_release()
    CpvCodeFactory(code="90910000")
    organisation = OrganisationFactory(name="Gemeente Voorbeeld")
    user = MembershipFactory(role=Role.BEHEERDER, organisation=organisation).user
    notice = make_notice()
    notice.lots[0].codes.append(Code("BT-805", "gunningscriterium", "circulair", "/efbc:GreenCriteria"))
    first = import_run_create(source_description="notices.zip", user=user, organisation=organisation)
    import_run_execute(
        run=first,
        raw_notices=[raw(notice), raw(make_notice(notice_id="x", procedure_id="y", title=""), file="kapot.xml")],
        detector=code_detector,
    )
    Tender.objects.update(title="Mijn eigen titel")
    second = import_run_create(source_description="update.xml", user=user, organisation=organisation)
    import_run_execute(
        run=second,
        raw_notices=[raw(make_notice(version="02", main_cpv="99999999"), file="update.xml")],
        detector=code_detector,
    )
    running = import_run_create(source_description="groot.tar.gz", user=user, organisation=organisation)
    ImportRun.objects.filter(pk=running.pk).update(status=RunStatus.RUNNING, seen=120, created=100)
    tender = Tender.objects.get()
    assert MVIProposal.objects.filter(lot__tender=tender).count() == 2
    return Data(
        user=user,
        ids={"run": first.pk, "second": second.pk, "running": running.pk, "tender": tender.pk},
    )


PAGES: list[tuple[str, Callable[[Data], str]]] = [
    ("import-list", lambda d: reverse("imports:list")),
    ("upload", lambda d: reverse("imports:upload")),
    ("run-report", lambda d: reverse("imports:run-detail", args=[d.ids["run"]])),
    ("run-report-with-warning", lambda d: reverse("imports:run-detail", args=[d.ids["second"]])),
    ("run-running", lambda d: reverse("imports:run-detail", args=[d.ids["running"]])),
    ("review", lambda d: reverse("imports:review", args=[d.ids["tender"]])),
]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(("name", "url"), PAGES, ids=[name for name, _url in PAGES])
def test_import_page_is_accessible_and_csp_clean(
    page: Any, live_server: Any, data: Data, name: str, url: Callable[[Data], str], language: str
) -> None:
    _log_in(page, live_server, data.user)
    with translation.override(language):
        path = url(data)
    if language == "en" and not path.startswith("/en/"):
        path = f"/en{path}"

    response = page.goto(live_server.url + path)

    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    assert page.evaluate("document.documentElement.lang") == language
    violations = _axe_violations(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {path}:\n{_readable(violations)}"
    assert _csp_messages(page) == [], f"CSP violations on {path}: {_csp_messages(page)}"


def test_the_running_run_page_updates_its_counts_and_shows_the_report_when_done(
    page: Any, live_server: Any, data: Data
) -> None:
    _log_in(page, live_server, data.user)
    from playwright.sync_api import expect

    page.goto(live_server.url + reverse("imports:run-detail", args=[data.ids["running"]]))
    assert page.locator("[data-field=created]").inner_text() == "100"

    ImportRun.objects.filter(pk=data.ids["running"]).update(created=110, seen=130)
    expect(page.locator("[data-field=created]")).to_have_text("110", timeout=10000)
    ImportRun.objects.filter(pk=data.ids["running"]).update(status=RunStatus.DONE)
    expect(page.locator("#mvim-run-progress")).to_have_attribute("data-finished", "true", timeout=10000)  # reloaded
    expect(page.get_by_role("heading", name="Verslag")).to_be_visible()

    assert _csp_messages(page) == []


def test_confirm_a_proposal_in_the_browser(page: Any, live_server: Any, data: Data) -> None:
    _log_in(page, live_server, data.user)
    page.goto(live_server.url + reverse("imports:review", args=[data.ids["tender"]]))
    proposal = MVIProposal.objects.get(theme__code="circulair")

    form = page.locator(f"form[action$='/{proposal.pk}/']")
    form.get_by_role("button", name="Bevestigen").click()
    page.wait_for_load_state()

    proposal.refresh_from_db()
    assert proposal.status == "confirmed"
    assert proposal.application is not None
    assert proposal.application.theme.code == "circulair"
