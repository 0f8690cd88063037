"""The targets page, the dashboard with its targets and the definitions register in a real browser: axe-core finds
nothing in Dutch or English, no rule of the content security policy breaks, and a coordinator adds an own target
with the form."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.dashboards.target_services import targets_load
from mvimonitor.organisations.models import Role, User
from tests.browser.test_accessibility import _axe_violations, _csp_messages, _log_in, _readable
from tests.factories import LotFactory, MembershipFactory, OrganisationFactory, TenderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coordinator() -> Iterator[User]:
    cache.clear()
    call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)
    targets_load()
    organisation = OrganisationFactory(name="Ministerie van Voorbeelden", kind="rijk")
    user: User = MembershipFactory(user__username="coordinator", organisation=organisation, role=Role.COORDINATOR).user
    for flagged in (True, False):
        LotFactory(
            tender=TenderFactory(
                organisation=organisation, publication_date=dt.date(2025, 3, 1), is_sme_friendly=flagged
            )
        )
    facts_refresh()
    yield user
    cache.clear()


def _assert_clean(page: Any, where: str) -> None:
    violations = _axe_violations(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {where}:\n{_readable(violations)}"
    assert _csp_messages(page) == [], f"CSP violations on {where}: {_csp_messages(page)}"


def _address(live_server: Any, name: str, language: str) -> str:
    with translation.override(language):
        return str(live_server.url + reverse(name))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_targets_page_is_accessible_and_adds_a_target(
    page: Any,
    live_server: Any,
    coordinator: User,
    language: str,
) -> None:
    _log_in(page, live_server, coordinator)
    response = page.goto(_address(live_server, "dashboards:targets", language))

    assert response is not None
    assert response.status == 200
    assert page.evaluate("document.documentElement.lang") == language
    _assert_clean(page, f"the targets page in {language}")

    page.select_option("#id_kpi", "sme-suitable")
    page.fill("#id_year_from", "2025")
    page.fill("#id_value", "40")
    page.fill("#id_name_nl", "Half MKB-vriendelijk")
    page.fill("#id_source", "Actieplan MVOI 2025")
    page.fill("#id_source_year", "2025")
    with page.expect_navigation():
        page.locator("main form[method=post] button.utrecht-button--primary-action").click()

    row = page.locator("tr", has_text="Half MKB-vriendelijk")
    assert row.count() == 1
    assert "50" in row.inner_text()  # the figure of 2025: one of two tenders is SME-friendly
    _assert_clean(page, f"the targets page with an own target in {language}")

    page.goto(_address(live_server, "dashboards:organisation", language))
    assert "Half MKB-vriendelijk" in page.inner_text("main")
    _assert_clean(page, f"the organisation dashboard with targets in {language}")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_definitions_register_is_accessible(
    page: Any,
    live_server: Any,
    language: str,
) -> None:
    response = page.goto(_address(live_server, "dashboards:definitions", language))

    assert response is not None
    assert response.status == 200
    assert "sme-contracts" in page.inner_text("main")
    _assert_clean(page, f"the definitions register in {language}")
