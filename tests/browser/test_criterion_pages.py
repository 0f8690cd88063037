"""The criterion page and a tender's product-group suggestions in a real browser: axe-core finds nothing on either in
Dutch or in English, and neither breaks a rule of the content security policy. The buyer assigns a suggested group
with its button and lands on the tender page."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from mvimonitor.organisations.models import Role, User
from mvimonitor.tenders.models import MVIApplication, Tender
from mvimonitor.themes.models import (
    KIND_FORMS,
    ApplicationForm,
    CpvCode,
    CriteriaRelease,
    Criterion,
    MappingStatus,
    ProductGroup,
    ProductGroupCpvMapping,
)
from tests import snapshots
from tests.factories import LotFactory, MembershipFactory, OrganisationFactory, TenderFactory

from .test_accessibility import _axe_violations, _csp_messages, _log_in, _readable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class World:
    inkoper: User
    tender: Tender
    criterion: Criterion
    furniture: ProductGroup


@pytest.fixture
def world() -> Iterator[World]:
    cache.clear()
    snapshots.sample_release()  # with the sample release of criteria
    release = CriteriaRelease.objects.get(version="sample-2026")
    furniture = ProductGroup.objects.get(product_group_set=release, code="kantoormeubilair")
    ProductGroupCpvMapping.objects.create(
        product_group=furniture,
        cpv_prefix="39130000",
        status=MappingStatus.PROPOSED,
        source="Criteriadocument Kantoormeubilair 2011",
        source_year=2011,
    )
    cpv, _created = CpvCode.objects.get_or_create(
        code="39130000", defaults={"label_nl": "Kantoormeubilair", "source": "test", "source_year": 2008}
    )
    organisation = OrganisationFactory(name="Gemeente Voorbeeldstad")
    inkoper = MembershipFactory(user__username="inkoper", organisation=organisation, role=Role.INKOPER).user
    tender = TenderFactory(
        organisation=organisation, title="Bureaus stadhuis", nature="supplies", main_cpv=cpv, product_group=None
    )
    criterion = Criterion.objects.get(product_group=furniture, code="KM-B-GE")
    for _ in range(2):
        lot = LotFactory(tender=TenderFactory(organisation=organisation, publication_date=dt.date(2025, 3, 1)))
        MVIApplication.objects.create(
            lot=lot,
            criterion=criterion,
            theme=criterion.theme,
            form=ApplicationForm.objects.get(code=KIND_FORMS[criterion.kind]),
            ambition_level=criterion.ambition_level,
        )
    yield World(inkoper=inkoper, tender=tender, criterion=criterion, furniture=furniture)
    cache.clear()


def _address(live_server: Any, name: str, pk: int, language: str) -> str:
    with translation.override(language):
        return str(live_server.url + reverse(name, args=[pk]))


def _assert_clean(page: Any, where: str) -> None:
    violations = _axe_violations(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {where}:\n{_readable(violations)}"
    assert _csp_messages(page) == [], f"CSP violations on {where}: {_csp_messages(page)}"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_criterion_page_is_accessible(page: Any, live_server: Any, world: World, language: str) -> None:
    _log_in(page, live_server, world.inkoper)
    response = page.goto(_address(live_server, "dashboards:criterion", world.criterion.pk, language))

    assert response is not None
    assert response.status == 200
    assert page.evaluate("document.documentElement.lang") == language
    assert "KM-B-GE" in page.inner_text("h1")
    assert page.locator("#mvim-criterion-use-caption").count() == 1  # the table of use is there for axe to read
    _assert_clean(page, f"the criterion page in {language}")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_suggestions_are_accessible_and_a_click_assigns_the_group(
    page: Any, live_server: Any, world: World, language: str
) -> None:
    _log_in(page, live_server, world.inkoper)
    response = page.goto(_address(live_server, "tenders:product-group", world.tender.pk, language))

    assert response is not None
    assert response.status == 200
    assert page.evaluate("document.documentElement.lang") == language
    assert "Criteriadocument Kantoormeubilair 2011" in page.inner_text("main")
    _assert_clean(page, f"the product-group suggestions in {language}")

    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").first.click()

    assert page.url.endswith(f"/tenders/{world.tender.pk}/")
    world.tender.refresh_from_db()
    assert world.tender.product_group_id == world.furniture.pk
    _assert_clean(page, f"the tender page after assigning, in {language}")
