"""The ISV pages in a real browser: a buyer confirms a lot's risk category, and the lot's page, the contract's
due-diligence case with an overdue deliverable and a risk, and the overview have no WCAG 2.1 AA violation (axe-core)
and no CSP violation, in Dutch and English."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from mvimonitor.isv import services
from mvimonitor.isv.models import DeliverableKind, LotRiskCategory
from mvimonitor.organisations.models import Role
from tests.browser.test_accessibility import _axe_violations, _csp_messages, _log_in, _readable
from tests.factories import MembershipFactory

from .conftest import IsvWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_isv_pages_are_accessible(page: Any, live_server: Any, world: IsvWorld, language: str) -> None:
    user = MembershipFactory(user__username="beheerder", organisation=world.organisation, role=Role.BEHEERDER).user
    case = services.open_case(user=user, contract=world.contract)
    services.add_deliverable(user=user, case=case, kind=DeliverableKind.RISK_ANALYSIS, due_date=dt.date(2020, 1, 31))
    services.add_deliverable(user=user, case=case, kind=DeliverableKind.YEARLY_REPORT, due_date=dt.date(2099, 1, 31))
    services.add_risk(
        user=user,
        case=case,
        country="BD",
        ilo_issue=world.issue,
        description="Kinderarbeid",
        found_on=dt.date(2020, 2, 1),
    )
    _log_in(page, live_server, user)
    prefix = "" if language == "nl" else "/en"
    lot_url = live_server.url + prefix + reverse("isv:lot", args=[world.lot.pk])
    page.goto(lot_url)
    page.select_option("#id_category", str(world.lists.clothing.pk))
    with page.expect_navigation():
        page.locator("#id_category").evaluate("field => field.form.requestSubmit()")
    assert page.url == lot_url
    assert LotRiskCategory.objects.get(lot=world.lot).category == world.lists.clothing

    for url in [
        lot_url,
        live_server.url + prefix + reverse("isv:case", args=[world.contract.pk]),
        live_server.url + prefix + reverse("isv:overview"),
    ]:
        page.goto(url)
        violations = _axe_violations(page)
        assert violations == [], f"{url}: {_readable(violations)}"
        assert _csp_messages(page) == [], url
    page.goto(live_server.url + prefix + reverse("isv:case", args=[world.contract.pk]))
    assert page.locator(".mvim-overdue").count() == 1
