"""The dashboard charts as drawn in a real browser, wide and narrow: every series has a legend entry (or its own axis
label), no label is cut off or drawn outside the canvas, the chart fills its column, and the selector under a chart
with more figures than it shows at once switches the figure."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.organisations.models import OrganisationKind, Province, Role, User
from mvimonitor.tenders.models import Lot, MVIApplication, Tender
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, Theme
from tests import snapshots
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .test_accessibility import AXE_TAGS, _readable
from .test_dashboards_pages import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(settings: Any) -> dict[str, User]:
    """Eight organisations of every kind in eight provinces, three years of tenders with two themes, and disclosure
    control at its loosest, so charts have several series (the organisation, its kind, the country; kinds; provinces)
    and the trend has more figures than it shows at once."""
    settings.MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS = 1
    settings.MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT = 100
    settings.MVIMONITOR_DISCLOSURE_PROTECTION_PERCENT = 0
    cache.clear()
    snapshots.reference_data()
    sroi, milieu = Theme.objects.get(code="sroi"), Theme.objects.get(code="milieu")
    clause = ApplicationForm.objects.get(code="contractbepaling")
    basis = AmbitionLevel.objects.get(code="basis")
    kinds = [*OrganisationKind.values, OrganisationKind.GEMEENTE]
    organisations = [
        OrganisationFactory(kind=kind, province=province)
        for kind, province in zip(kinds, Province.values[:8], strict=True)
    ]
    for number, organisation in enumerate(organisations):
        for year in (2022, 2023, 2024):
            for month, nature in ((2, "services"), (5, "supplies"), (9, "works")):
                tender = Tender.objects.create(
                    organisation=organisation,
                    title=f"Aanbesteding {number}-{year}-{month}",
                    publication_date=dt.date(year, month, 1),
                    nature=nature,
                    procedure_type="open",
                    is_european=month == 5,
                    estimated_value=Decimal(100_000 * (month + number)),
                )
                lot = Lot.objects.create(tender=tender, number="1", title="Perceel")
                if (number + month + year) % 3:  # MVI in some tenders, not all
                    theme = sroi if month != 9 else milieu
                    MVIApplication.objects.create(lot=lot, theme=theme, form=clause, ambition_level=basis)
    facts_refresh()
    member = MembershipFactory(organisation=organisations[-1], role=Role.BEHEERDER).user
    return {"member": member, "analyst": UserFactory(national_analyst=True)}


PAGES = [
    ("organisation", "/monitoring/organisation/?year=2024", "member"),
    ("organisation-by-nature", "/monitoring/organisation/?year=2024&breakdown=nature", "member"),
    ("national", "/monitoring/national/?year=2024", None),
    ("national-by-value-class", "/monitoring/national/?year=2024&breakdown=value_class", None),
    ("national-by-kind", "/monitoring/national/?year=2024&geo=kind", "analyst"),
    ("national-by-province", "/monitoring/national/?year=2024&geo=province", "analyst"),
]
WIDTHS = [1280, 390]


ALL_DRAWN = """() => [...document.querySelectorAll('[data-mvim-chart]')].every(
    e => e.hasAttribute('data-mvim-chart-drawn') || e.hasAttribute('data-mvim-chart-error'))"""

# What one chart shows for the figure chosen now: the labels of its SVG (as the string renderer draws them, cut off
# with "…" where a label is longer than its limit), every text's box on the canvas, and the sizes.
INSPECT = """async (element) => {
  const view = element.mvimChartView;
  const svg = new DOMParser().parseFromString(await view.toSVG(), 'image/svg+xml');
  const lines = t => {
    const spans = [...t.querySelectorAll('tspan')];
    return spans.length ? spans.map(s => s.textContent).join('\\n') : t.textContent;
  };
  const texts = role => [...svg.querySelectorAll(`g.role-${role} text`)].map(lines);
  const boxes = [];
  const walk = (node, dx, dy) => {
    for (const item of node.items || []) {
      if (node.marktype === 'text' && item.bounds && item.text !== undefined && item.text !== '') {
        boxes.push({text: String(item.text), role: node.role, x1: item.bounds.x1 + dx, x2: item.bounds.x2 + dx,
                    y1: item.bounds.y1 + dy, y2: item.bounds.y2 + dy, limit: item.limit || 0});
      }
      if (node.marktype === 'group') {
        walk({items: item.items}, dx + (item.x || 0), dy + (item.y || 0));
      }
      if (item.marktype) {
        walk(item, dx, dy);
      }
    }
  };
  const origin = view.origin();
  walk({items: [view.scenegraph().root]}, origin[0], origin[1]);
  const canvas = element.querySelector('canvas');
  const spec = JSON.parse(document.getElementById(element.getAttribute('data-mvim-chart')).textContent);
  const group = spec.params ? view.signal('group') : null;
  const shown = spec.data.values.filter(v => group === null || v.group === group);
  return {
    id: element.getAttribute('data-mvim-chart'),
    legend: texts('legend-label'),
    symbols: svg.querySelectorAll('g.role-legend-symbol path').length,
    axis: texts('axis-label'),
    boxes: boxes,
    usermeta: spec.usermeta,
    categories: [...new Set(shown.map(v => v.category ?? v.year))],
    canvas: {width: canvas.getBoundingClientRect().width, height: canvas.getBoundingClientRect().height},
    column: element.clientWidth,
  };
}"""


def _check(chart: dict[str, Any], where: str) -> None:
    name = f"{chart['id']} on {where}"
    legend = chart["usermeta"]["legend"]
    assert chart["legend"] == legend, f"{name}: legend {chart['legend']} is not every series {legend}"
    assert chart["symbols"] == len(legend), f"{name}: {chart['symbols']} legend symbols for {len(legend)} series"
    missing = [c for c in chart["categories"] if c not in chart["axis"]]
    assert missing == [], f"{name}: categories not drawn whole on the axis: {missing}; axis shows {chart['axis']}"
    cut = [t for t in chart["axis"] + chart["legend"] if "…" in t]
    assert cut == [], f"{name}: labels cut off: {cut}"
    width, height = chart["canvas"]["width"], chart["canvas"]["height"]
    outside = [
        b["text"]
        for b in chart["boxes"]
        if b["x1"] < -1 or b["y1"] < -1 or b["x2"] > width + 1 or b["y2"] > height + 1
    ]
    assert outside == [], f"{name}: text drawn outside the {width}x{height} canvas: {outside} {chart['boxes']}"
    assert abs(width - chart["column"]) <= 2, f"{name}: the chart is {width}px wide in a {chart['column']}px column"
    assert height >= 90, f"{name}: the chart is only {height}px high"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "path", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_charts_name_every_series_and_cut_no_label(
    page: Any, live_server: Any, people: dict[str, User], name: str, path: str, who: str | None, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    if who is not None:
        _log_in(page, live_server, people[who])
    response = page.goto(live_server.url + path)
    assert response is not None
    assert response.status == 200
    page.wait_for_function(ALL_DRAWN, timeout=30_000)

    charts = page.locator("[data-mvim-chart]")
    assert charts.count() > 0
    assert page.locator("[data-mvim-chart-error]").count() == 0, page.locator("[data-mvim-chart-error]").first
    switched = 0
    for index in range(charts.count()):
        element = charts.nth(index)
        chart = element.evaluate(INSPECT)
        assert len(chart["usermeta"]["legend"]) <= 6, f"{chart['id']}: more than six series in one chart"
        _check(chart, f"{name} at {width}px")
        groups = chart["usermeta"]["groups"]
        if groups:
            control = page.locator(f'[data-mvim-chart-control="{chart["id"]}"]')
            assert control.is_visible(), f"{chart['id']}: the selector of the figure is not shown"
            select = control.locator("select")
            assert select.locator("option").all_inner_texts() == groups
            for group in groups[1:]:
                select.select_option(group)
                page.wait_for_function(
                    "([e, g]) => e.mvimChartView.signal('group') === g", arg=[element.element_handle(), group]
                )
                after = element.evaluate(INSPECT)
                _check(after, f"{name} at {width}px, {group}")
                assert group in (element.get_attribute("aria-label") or "")
                switched += 1
    if name in {"organisation", "organisation-by-nature"}:
        assert switched > 0, "the trend and breakdown charts have more figures than they show at once"
    # with the selectors shown (axe on the other monitoring pages' tests sees them hidden)
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )["violations"]
    assert violations == [], f"axe found WCAG 2.1 AA violations on {path}:\n{_readable(violations)}"
