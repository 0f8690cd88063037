"""Every page of the UI in a real browser: WCAG 2.1 AA with axe-core, no CSP violations, working log-in.

One chromium for the whole session (conftest.py), one page per test. The walk runs as a beheerder of an
organisation with a tender, a lot, an award criterion, an MVI application, a colleague and an open invitation,
in Dutch and in English.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from mvimonitor.organisations.models import Invitation, Organisation, Role, User
from tests.factories import (
    PASSWORD,
    AwardCriterionFactory,
    LotFactory,
    MembershipFactory,
    MVIApplicationFactory,
    OrganisationFactory,
    TenderFactory,
    make_catalogue,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
INVITATION_TOKEN = "browser-test-invitation-token"


@dataclass(frozen=True)
class Data:
    user: User
    organisation: Organisation
    ids: dict[str, int]


@dataclass(frozen=True)
class UIPage:
    name: str
    url: Callable[[Data], str]
    anonymous: bool = False
    status: int = 200
    superuser: bool = False


def _tender(name: str, *keys: str) -> Callable[[Data], str]:
    return lambda data: reverse(f"tenders:{name}", kwargs={key: data.ids[key] for key in keys})


PAGES = [
    UIPage("login", lambda data: reverse("login"), anonymous=True),
    UIPage("api-documentation", lambda data: reverse("api-docs"), anonymous=True),
    UIPage("api-tokens", lambda data: reverse("api-tokens")),
    UIPage("home", lambda data: reverse("home")),
    UIPage("tender-list", lambda data: reverse("tenders:list")),
    UIPage("tender-detail", _tender("detail", "tender_id")),
    UIPage("tender-create", lambda data: reverse("tenders:create")),
    UIPage("tender-edit", _tender("edit", "tender_id")),
    UIPage("lot-create", _tender("lot-create", "tender_id")),
    UIPage("lot-edit", _tender("lot-edit", "tender_id", "lot_id")),
    UIPage("lot-delete", _tender("lot-delete", "tender_id", "lot_id")),
    UIPage("award-criterion-create", _tender("award-criterion-create", "tender_id", "lot_id")),
    UIPage("mvi-application-create", _tender("mvi-application-create", "tender_id", "lot_id")),
    UIPage("lot-criteria", _tender("lot-criteria", "tender_id", "lot_id")),
    UIPage("criteria-use", lambda data: reverse("dashboards:criteria-use")),
    UIPage("award-lot", lambda data: reverse("award:lot", args=[data.ids["lot_id"]])),
    UIPage("rules", lambda data: reverse("rules:index")),
    UIPage("award-overview", lambda data: reverse("award:overview")),
    UIPage("data-quality", lambda data: reverse("dataquality:overview")),
    UIPage("mvi-application-edit", _tender("mvi-application-edit", "tender_id", "application_id")),
    UIPage("mvi-application-delete", _tender("mvi-application-delete", "tender_id", "application_id")),
    UIPage("organisation", lambda data: reverse("organisations:members")),
    UIPage("organisation-edit", lambda data: reverse("organisations:edit")),
    UIPage("invite", lambda data: reverse("organisations:invite")),
    UIPage("member-remove", lambda data: reverse("organisations:member-remove", args=[data.ids["membership_id"]])),
    UIPage(
        "invitation-accept",
        lambda data: reverse("organisations:invitation-accept", args=[INVITATION_TOKEN]),
        anonymous=True,
    ),
    UIPage("catalogue", lambda data: reverse("themes:index")),
    *(
        UIPage(f"catalogue-{name}", lambda data, name=name: reverse(f"themes:{name}"))  # type: ignore[misc]
        for name in [
            "themes",
            "application-forms",
            "ambition-levels",
            "product-groups",
            "criteria",
            "isv-risk-categories",
            "eu-thresholds",
            "cpv-codes",
        ]
    ),
    UIPage("import-worker-status", lambda data: reverse("imports:status"), superuser=True),
    UIPage("not-found", lambda data: "/does-not-exist/", status=404),
]


@pytest.fixture
def data() -> Data:
    make_catalogue()
    organisation = OrganisationFactory(name="Gemeente Voorbeeld", oin="00000001001234567000", kvk_number="12345678")
    user = MembershipFactory(
        user__username="beheerder", user__first_name="Bea", organisation=organisation, role=Role.BEHEERDER
    ).user
    MembershipFactory(user=user, organisation=OrganisationFactory(name="Waterschap Voorbeeld"), role=Role.LEZER)
    colleague = MembershipFactory(organisation=organisation, role=Role.INKOPER)
    Invitation.objects.create(
        organisation=organisation,
        email="nieuw@example.org",
        role=Role.LEZER,
        token=INVITATION_TOKEN,
        invited_by=user,
        expires_at=timezone.now() + dt.timedelta(days=14),
    )
    tender = TenderFactory(organisation=organisation, main_cpv_id="90910000")
    lot = LotFactory(tender=tender)
    AwardCriterionFactory(lot=lot)
    application = MVIApplicationFactory(lot=lot)
    return Data(
        user=user,
        organisation=organisation,
        ids={
            "tender_id": tender.pk,
            "lot_id": lot.pk,
            "application_id": application.pk,
            "membership_id": colleague.pk,
        },
    )


def _log_in(page: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _axe_violations(page: Any) -> list[dict[str, Any]]:
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return result["violations"]  # type: ignore[no-any-return]


def _readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def _csp_messages(page: Any) -> list[str]:
    return [m for m in page.console_messages_seen if "Content Security Policy" in m or "Content-Security-Policy" in m]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("ui_page", PAGES, ids=[p.name for p in PAGES])
def test_page_is_accessible_and_csp_clean(
    page: Any, live_server: Any, data: Data, ui_page: UIPage, language: str
) -> None:
    if ui_page.superuser:
        data.user.is_superuser = True
        data.user.save(update_fields=["is_superuser"])
    if not ui_page.anonymous:
        _log_in(page, live_server, data.user)
    with translation.override(language):
        path = ui_page.url(data)
    if language == "en" and not path.startswith("/en/"):
        path = f"/en{path}"

    response = page.goto(live_server.url + path)

    assert response is not None
    assert response.status == ui_page.status, f"{path} answered {response.status}"
    assert page.evaluate("document.documentElement.lang") == language
    violations = _axe_violations(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {path}:\n{_readable(violations)}"
    assert _csp_messages(page) == [], f"CSP violations on {path}: {_csp_messages(page)}"


def test_pages_send_a_content_security_policy(page: Any, live_server: Any, data: Data) -> None:
    response = page.goto(live_server.url + reverse("login"))

    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_login_in_the_browser(page: Any, live_server: Any, data: Data) -> None:
    page.goto(live_server.url + reverse("login"))

    page.fill("#id_username", data.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()

    assert page.url == live_server.url + reverse("home")  # the task list
    assert data.user.username in page.inner_text("header")
    assert _csp_messages(page) == []


def test_failed_login_shows_an_error(page: Any, live_server: Any, data: Data) -> None:
    page.goto(live_server.url + reverse("login"))

    page.fill("#id_username", data.user.username)
    page.fill("#id_password", "wrong-password-entirely")
    page.click("main button[type=submit]")
    page.wait_for_load_state()

    assert page.url.startswith(live_server.url + reverse("login"))
    alert = page.locator("main [role=alert]")
    assert alert.count() == 1
    assert alert.inner_text().strip() != ""


def test_switch_organisation_in_the_header(page: Any, live_server: Any, data: Data) -> None:
    _log_in(page, live_server, data.user)
    page.goto(live_server.url + reverse("organisations:members"))

    page.select_option("#mvim-switch-organisation", label="Waterschap Voorbeeld")
    page.click(".mvim-user-menu__organisation button[type=submit]")
    page.wait_for_load_state()

    assert page.inner_text("main h1") == "Waterschap Voorbeeld"
