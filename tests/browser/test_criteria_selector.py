"""The criterion selector in a real browser: an inkoper filters the sample criteria of their lot's product group by
ambition level, ticks two, applies them and finds them on the tender page; axe-core finds nothing on the selector in
Dutch or in English, and the page breaks no rule of the content security policy."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from mvimonitor.organisations.models import Role, User
from mvimonitor.tenders.models import Lot, MVIApplication, Origin, Tender
from mvimonitor.themes.models import CriteriaRelease, Criterion, ProductGroup
from tests import snapshots
from tests.factories import LotFactory, MembershipFactory, OrganisationFactory, TenderFactory

from .test_accessibility import _axe_violations, _csp_messages, _log_in, _readable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class World:
    inkoper: User
    tender: Tender
    lot: Lot


@pytest.fixture
def world() -> Iterator[World]:
    cache.clear()
    snapshots.sample_release()  # with the sample release of criteria
    release = CriteriaRelease.objects.get(version="sample-2026")
    furniture = ProductGroup.objects.get(product_group_set=release, code="kantoormeubilair")
    organisation = OrganisationFactory(name="Gemeente Voorbeeldstad")
    inkoper = MembershipFactory(user__username="inkoper", organisation=organisation, role=Role.INKOPER).user
    tender = TenderFactory(organisation=organisation, title="Kantoormeubilair stadhuis", product_group=furniture)
    yield World(inkoper=inkoper, tender=tender, lot=LotFactory(tender=tender, number="1", title="Bureaus"))
    cache.clear()


def _selector(live_server: Any, world: World, language: str) -> str:
    with translation.override(language):
        return str(live_server.url + reverse("tenders:lot-criteria", args=[world.tender.pk, world.lot.pk]))


def _assert_clean(page: Any, where: str) -> None:
    violations = _axe_violations(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {where}:\n{_readable(violations)}"
    assert _csp_messages(page) == [], f"CSP violations on {where}: {_csp_messages(page)}"


def _rows(page: Any) -> set[str]:
    """The codes of the criteria the table offers to tick."""
    table = page.locator("main table").filter(has=page.locator("input[name=criteria]"))
    codes = table.locator("tbody tr").filter(has=page.locator("input[name=criteria]")).locator("td:nth-child(2)")
    return {code.strip() for code in codes.all_inner_texts()}


def test_inkoper_filters_ticks_two_criteria_and_finds_them_on_the_tender_page(
    page: Any, live_server: Any, world: World
) -> None:
    _log_in(page, live_server, world.inkoper)
    response = page.goto(_selector(live_server, world, "nl"))

    assert response is not None
    assert response.status == 200
    assert page.evaluate("document.documentElement.lang") == "nl"
    assert len(_rows(page)) == 15  # every criterion of the tender's product group
    page.locator("main details summary").first.click()  # one text shown, so axe reads it too
    _assert_clean(page, "the selector in Dutch")

    filters = page.locator("main form[method=get]")
    filters.locator("[name=level]").select_option(value="significant")
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    assert "level=significant" in page.url
    assert _rows(page) == {f"KM-S-{kind}" for kind in ("GE", "SC", "EI", "GC", "CB")}

    chosen = list(
        Criterion.objects.filter(
            product_group__product_group_set__version="sample-2026", code__in=["KM-S-GE", "KM-S-GC"]
        )
    )
    for criterion in chosen:
        page.locator(f"label[for='mvim-criterion-{criterion.pk}']").click()  # the title is the checkbox's label
    apply_form = page.locator("main form[method=post]")
    with page.expect_navigation():
        apply_form.locator("button[type=submit]").click()

    assert page.url.endswith(f"/tenders/{world.tender.pk}/#mvim-lot-{world.lot.pk}")
    lot_section = page.locator(f"section[aria-labelledby='mvim-lot-{world.lot.pk}']")
    table_text = lot_section.locator("table").first.inner_text()
    for criterion in chosen:
        assert criterion.code in table_text
    assert page.locator(".utrecht-alert--ok").count() == 1
    applications = MVIApplication.objects.filter(lot=world.lot)
    assert {a.criterion_id for a in applications} == {c.pk for c in chosen}
    assert {a.origin for a in applications} == {Origin.CATALOGUE}
    _assert_clean(page, "the tender page after applying")


def test_selector_in_english_is_accessible(page: Any, live_server: Any, world: World) -> None:
    _log_in(page, live_server, world.inkoper)
    response = page.goto(_selector(live_server, world, "en"))

    assert response is not None
    assert response.status == 200
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Environmental management at the supplier" in page.inner_text("main")
    page.locator("main details summary").first.click()
    _assert_clean(page, "the selector in English")
