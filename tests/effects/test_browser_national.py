"""The national effects page with shown figures, their diagnostics (strata table opened) and the table per year, in a
real browser: WCAG 2.1 AA with axe-core and no CSP violations, in Dutch and English."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from mvimonitor.effects import recalculation, services
from mvimonitor.effects.loaders import factor_sets_json_load
from mvimonitor.organisations.models import Role, User
from mvimonitor.themes.models import Theme
from tests import snapshots
from tests.browser.test_accessibility import _axe_violations, _csp_messages, _log_in, _readable
from tests.effects.conftest import TEST_FACTORS
from tests.factories import ContractFactory, LotFactory, MembershipFactory, OrganisationFactory, TenderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader() -> User:
    """Seven municipalities with electricity commitments (enough to pass disclosure control), two without."""
    snapshots.effects_reference()
    factor_sets_json_load(TEST_FACTORS)
    users = []
    for index in range(9):
        organisation = OrganisationFactory(name=f"Gemeente {index}")
        user = MembershipFactory(organisation=organisation, role=Role.BEHEERDER).user
        users.append(user)
        contract = ContractFactory(
            lot=LotFactory(tender=TenderFactory(organisation=organisation)), value=Decimal(400000 + index * 50000),
            start_date=dt.date(2023, 7, 1), end_date=dt.date(2025, 6, 30),
        )  # fmt: skip
        if index < 7:
            services.commitment_create(
                user=user, contract=contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
                description="Groene stroom", quantity=Decimal(100000 + index * 1000), unit="kWh",
                factor_code="green-power-government-average", reference_factor_code="electricity-nl-mix-2021",
            )  # fmt: skip
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))
    return users[0]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_national_page_with_diagnostics_and_years_is_accessible(
    page: Any,
    live_server: Any,
    reader: User,
    language: str,
) -> None:
    _log_in(page, live_server, reader)
    with translation.override(language):
        path = reverse("effects:national")
    if language == "en" and not path.startswith("/en/"):
        path = f"/en{path}"

    response = page.goto(live_server.url + path)

    assert response is not None
    assert response.status == 200
    assert page.evaluate("document.documentElement.lang") == language
    for summary in page.locator("details > summary").all():
        summary.click()

    assert page.locator("#mvim-diagnostics").count() == 1
    assert page.locator("#mvim-dashboard-3").count() == 1
    assert page.locator("details[open]").count() >= 1
    violations = _axe_violations(page)
    assert not violations, _readable(violations)
    assert not _csp_messages(page)
