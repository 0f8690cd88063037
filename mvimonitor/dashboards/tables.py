"""Figures -> the tables and Vega-Lite charts of the dashboards (the same rows feed the HTML table, the chart and the
CSV/XLSX export, so they always show the same numbers)."""

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mvimonitor.disclosure import Reason
from mvimonitor.tenders.models import Nature
from mvimonitor.tenders.value_classes import UNKNOWN_VALUE_CLASS, value_classes

from . import targets
from .forms import KIND_LABELS, PROVINCE_LABELS
from .kpis import Breakdown, Kpi, Unit
from .models import TargetScope
from .vocabulary import ALL, CALENDAR_YEAR_ONLY, NATIONAL, ORGANISATION, Figure, Reference, buckets

EMPTY = "\u2013"  # an en dash for "no figure"
DASH = " \u2013 "  # between a figure's name and the part of the breakdown


@dataclass
class CellView:
    text: str
    value: Any = None  # the raw number for exports (None when empty or suppressed)
    href: str = ""
    suppressed: bool = False


@dataclass
class TableView:
    id: str
    title: str
    caption: str
    headers: list[str]
    rows: list[list[CellView]] = field(default_factory=list)
    kpi: Kpi | None = None
    chart: dict[str, Any] | None = None
    note: str = ""
    chart_groups: list[str] = field(default_factory=list)  # the figures to choose from under the chart, if any
    targets: list[str] = field(default_factory=list)  # the KPI's targets of the year, each with its figure and gap

    @property
    def chart_control_id(self) -> str:
        return f"{self.id}-figure"

    @property
    def chart_id(self) -> str:
        return f"{self.id}-spec"


def _english() -> bool:
    return get_language() == "en"


def kpi_name(kpi: Kpi) -> str:
    return kpi.name_en if _english() else kpi.name_nl


def definition_url(kpi: Kpi) -> str:
    return f"{reverse('dashboards:catalogue')}#kpi-{kpi.id}"


def bucket_label(breakdown: str, bucket: str) -> str:
    if bucket == ALL:
        return _("All tenders")
    if breakdown == Breakdown.NATURE:
        return str(dict(Nature.choices).get(bucket, bucket))
    if breakdown == Breakdown.EUROPEAN:
        return _("European") if bucket == "european" else _("National")
    if breakdown == Breakdown.VALUE_CLASS:
        if bucket == UNKNOWN_VALUE_CLASS:
            return _("Value unknown")
        names = {code: (en if _english() else nl) for code, _upper, nl, en in value_classes()}
        return names.get(bucket, bucket)
    return bucket


def geo_label(geo: str) -> str:
    if geo == NATIONAL:
        return _("The Netherlands")
    if geo == ORGANISATION:
        return _("Your organisation")
    level, _sep, code = geo.partition(":")
    if level == "kind":
        return str(KIND_LABELS.get(code, code))
    return str(PROVINCE_LABELS.get(code, code)) if code else _("Province unknown")


def item_labels(kpi: Kpi, reference: Reference) -> dict[str, str]:
    return {item.code: (item.name_en if _english() else item.name_nl) for item in reference.items(kpi)}


def suppressed_cell(reason: str | None) -> CellView:
    texts = {
        Reason.TOO_FEW_ORGANISATIONS.value: _("not shown: fewer organisations than the minimum"),
        Reason.DOMINANCE.value: _("not shown: one organisation dominates"),
        Reason.SECONDARY.value: _("not shown: would reveal another hidden figure"),
        CALENDAR_YEAR_ONLY: _("only per calendar year"),
    }
    return CellView(text=texts.get(reason or "", _("not shown")), suppressed=True)


def format_number(kpi: Kpi, amount: Any, *, is_value: bool) -> str:
    """A numerator/denominator (count or euros) or a KPI value (percent or percentage points)."""
    if amount is None:
        return EMPTY
    if is_value:
        # number_format cuts digits off (66.67 -> "66,6"); round half up to one decimal first
        text = number_format(Decimal(amount).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), 1)
        return f"{text}%" if kpi.unit == Unit.PERCENT else _("%(value)s pp") % {"value": text}
    if kpi.value_based:
        return f"€ {number_format(Decimal(amount).quantize(Decimal(1)), 0, force_grouping=True)}"
    return number_format(amount, 0, force_grouping=True)


# --- drill-down -----------------------------------------------------------------------------------------------------


def drill_down(
    kpi: Kpi, item: str, breakdown: str, bucket: str, *, year: int, dates: tuple[Any, Any] | None, numerator: bool
) -> str:
    """The tender list filtered to exactly the tenders counted in this number."""
    query: dict[str, Any] = {"year": year}
    if dates is not None:
        query["date_from"], query["date_to"] = dates[0].isoformat(), dates[1].isoformat()
    if bucket != ALL:
        if breakdown == Breakdown.NATURE:
            query["nature"] = bucket
        elif breakdown == Breakdown.EUROPEAN:
            query["european"] = "yes" if bucket == "european" else "no"
        elif breakdown == Breakdown.VALUE_CLASS:
            query["value_class"] = bucket
    base_filters = {
        "mvi_n": {"mvi": "yes"},
        "pg_n": {"in_product_group": "yes"},
        "aw_n": {"form": "gunningscriterium"},
    }
    query |= base_filters.get(kpi.base, {})
    if numerator:
        if kpi.per == "theme":
            query["theme"] = item
        elif kpi.per == "form":
            query["form"] = item
        elif kpi.per == "ambition":
            query["ambition"] = item
        elif kpi.per == "theme_count":
            query["theme_count"] = item
        elif kpi.measure in {"mvi_n", "mvi_v", "pg_app_n"}:
            query["mvi"] = "yes"
        elif kpi.measure == "pg_high_n":
            query["ambition_min"] = "significant"
        elif kpi.measure == "conf_n":
            query["mvi_confirmed"] = "yes"
    return f"{reverse('tenders:list')}?{urlencode(query)}"


# --- charts ---------------------------------------------------------------------------------------------------------

# At most this many series (colours) in one chart; more become one figure at a time, chosen under the chart.
MAX_SERIES = 6
# Okabe & Ito's colour-blind-safe colours that reach 3:1 contrast on white (WCAG 1.4.11), and Tol's wine as a sixth.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#882255", "#000000")
SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down")
LABEL_WIDTH = 24  # characters per line of an axis label; longer names wrap instead of being cut off
LEGEND_WIDTH = 40
GROUP = "group"  # the chart parameter set by the selector under the chart
CHART_CONFIG: dict[str, Any] = {
    "axis": {
        "labelFontSize": 13,
        "titleFontSize": 13,
        "labelLimit": 0,
        "labelColor": "#1a1a1a",
        "titleColor": "#1a1a1a",
    },
    "legend": {
        "orient": "bottom",
        "direction": "vertical",
        "labelFontSize": 13,
        "labelLimit": 0,
        "labelColor": "#1a1a1a",
        "symbolSize": 120,
        "symbolStrokeWidth": 2.5,
        # under the chart from its left edge (not from the plot's, which long axis labels push to the right)
        "layout": {"bottom": {"anchor": "start", "bounds": "full"}},
    },
    "style": {"guide-label": {"lineBreak": "\n"}},  # axis and legend labels: one line per "\n"
    "view": {"stroke": None},
}
# the value axis always spans at least 0 to 10, so a chart of zeros still has a readable axis
VALUE_SCALE = {"domain": {"unionWith": [0, 10]}}
BAR_STEP = 22  # pixels per bar
MIN_BARS_HEIGHT = 3 * BAR_STEP
LINE_HEIGHT = 320


@dataclass
class ChartRow:
    """One number of a chart: the figure (item) it belongs to, the part of the breakdown ("" if none), the series
    (whose figure: your organisation, a kind, a province...) and the value."""

    group: str
    part: str
    series: str
    value: float


def wrap(text: str, width: int = LABEL_WIDTH) -> str:
    """Break a label into lines at spaces (never inside a word), joined with a newline for the chart's lineBreak."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) or text


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _spec(title: str, values: list[dict[str, Any]], groups: Sequence[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": title,
        "width": "container",
        "config": CHART_CONFIG,
        "data": {"values": values},
    }
    if groups:
        spec["params"] = [{"name": GROUP, "value": groups[0]}]
        spec["transform"] = [{"filter": f"datum.group === {GROUP}"}]
    return spec


def _series_scale(series: Sequence[str], palette: Sequence[str]) -> dict[str, Any]:
    return {"domain": list(series), "range": list(palette[: len(series)])}


def bar_chart(title: str, rows: Sequence[ChartRow], unit: str) -> tuple[dict[str, Any] | None, list[str]]:
    """Horizontal bars, and the figures to choose from under the chart (empty: everything is shown at once).

    Up to MAX_SERIES series: grouped bars, one colour per series, with a legend naming every series; with a breakdown,
    one figure at a time (its parts on the axis). More series: one bar per series, named on the axis, one figure at a
    time. No chart (None) without a number to draw."""
    if not rows:
        return None, []
    series = _distinct(r.series for r in rows)
    figures = _distinct(r.group for r in rows)
    parts = any(r.part for r in rows)
    if len(series) > MAX_SERIES:
        named = [(f"{r.group}{DASH}{r.part}" if r.part else r.group, r.series, r) for r in rows]
        groups = _distinct(figure for figure, _category, _row in named)
    else:
        named = [(r.group, r.part if parts else r.group, r) for r in rows]
        groups = figures if parts else []
    groups = groups if len(groups) > 1 else []
    values = [
        {"group": group, "category": wrap(category), "series": wrap(r.series, LEGEND_WIDTH), "value": r.value}
        for group, category, r in named
    ]
    spec = _spec(title, values, groups)
    categories = _distinct(wrap(category) for _group, category, _row in named)
    # a fixed height for the most bars one figure has (a step height would drop the container width's "fit")
    shown = max(len({c for g, c, _row in named if not groups or g == group}) for group in groups or [""])
    x = {"field": "value", "type": "quantitative", "title": unit, "scale": VALUE_SCALE}
    y = {"field": "category", "type": "nominal", "sort": None, "title": None}
    if len(series) > MAX_SERIES:
        spec |= {
            "height": max(shown * BAR_STEP, MIN_BARS_HEIGHT),
            "mark": {"type": "bar", "color": PALETTE[0]},
            "encoding": {"y": y, "x": x},
        }
        legend: list[str] = []
    else:
        legend = [wrap(s, LEGEND_WIDTH) for s in series]
        spec |= {
            "height": max(shown * len(legend) * BAR_STEP, MIN_BARS_HEIGHT),
            "mark": {"type": "bar"},
            "encoding": {
                "y": y,
                "yOffset": {"field": "series", "type": "nominal", "sort": None, "scale": {"domain": legend}},
                "x": x,
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": _series_scale(legend, PALETTE),
                },
            },
        }
    spec["usermeta"] = {"categories": categories, "legend": legend, "groups": groups}
    return spec, groups


def line_chart(title: str, rows: Sequence[ChartRow], unit: str) -> tuple[dict[str, Any] | None, list[str]]:
    """Lines over the years (ChartRow.part is the year), and the figures to choose from under the chart.

    Up to MAX_SERIES lines in all: every line at once, named "figure, series" when there are several series.
    More: one figure at a time, a line per series. No chart (None) without a number to draw."""
    if not rows:
        return None, []
    figures = _distinct(r.group for r in rows)
    series = _distinct(r.series for r in rows)
    everything = len(figures) * len(series) <= MAX_SERIES
    groups = [] if everything or len(figures) < 2 else figures

    def name(row: ChartRow) -> str:
        if groups or len(figures) == 1:
            return row.series
        return row.group if len(series) == 1 else f"{row.group}{DASH}{row.series}"

    legend = [wrap(n, LEGEND_WIDTH) for n in _distinct(name(r) for r in rows)]
    values = [
        {"group": r.group, "year": r.part, "series": wrap(name(r), LEGEND_WIDTH), "value": r.value} for r in rows
    ]
    spec = _spec(title, values, groups)
    spec |= {
        "height": LINE_HEIGHT,
        "mark": {"type": "line", "point": {"filled": True, "size": 80}, "strokeWidth": 2.5},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": _("Year"), "axis": {"labelAngle": 0}},
            "y": {"field": "value", "type": "quantitative", "title": unit, "scale": VALUE_SCALE},
            "color": {"field": "series", "type": "nominal", "title": None, "scale": _series_scale(legend, PALETTE)},
            "shape": {"field": "series", "type": "nominal", "title": None, "scale": _series_scale(legend, SHAPES)},
        },
        "usermeta": {"categories": _distinct(r.part for r in rows), "legend": legend, "groups": groups},
    }
    return spec, groups


def _unit_label(kpi: Kpi) -> str:
    return _("percent") if kpi.unit == Unit.PERCENT else _("percentage points")


# --- organisation dashboard -----------------------------------------------------------------------------------------


def organisation_kpi_table(
    kpi: Kpi,
    figures: Iterable[Figure],
    national: Iterable[Figure],
    *,
    kind: str,
    year: int,
    breakdown: Breakdown,
    dates: tuple[Any, Any] | None,
    reference: Reference,
    organisation_id: int | None = None,
) -> TableView:
    own = {(f.item, f.bucket): f for f in figures if f.kpi == kpi.id and f.breakdown == breakdown.value}
    nat = {
        (f.item, f.bucket, f.geo): f
        for f in national
        if f.kpi == kpi.id and f.breakdown == breakdown.value and f.geo in {NATIONAL, f"kind:{kind}"}
    }
    labels = item_labels(kpi, reference)
    kind_header = _("National, %(kind)s") % {"kind": KIND_LABELS.get(kind, kind)}
    table = TableView(
        id=f"org-{kpi.id}",
        title=kpi_name(kpi),
        caption=_("%(kpi)s, %(year)s") % {"kpi": kpi_name(kpi), "year": year},
        headers=[_("Figure"), _("Counted"), _("Out of"), kpi_name(kpi), kind_header, _("National, all organisations")],
        kpi=kpi,
    )
    chart_rows: list[ChartRow] = []
    bucket_list = [ALL] if breakdown == Breakdown.ALL else [ALL, *buckets(breakdown)]
    for item in [i.code for i in reference.items(kpi)]:
        for bucket in bucket_list:
            figure = own.get((item, bucket))
            if figure is None:
                continue
            label = labels[item] if kpi.per or item != ALL else kpi_name(kpi)
            group, part = label, "" if breakdown == Breakdown.ALL else bucket_label(breakdown, bucket)
            if bucket != ALL:
                label = f"{label}{DASH}{bucket_label(breakdown, bucket)}"
            numerator_link = denominator_link = ""
            if kpi.id != "coverage" and kpi.drill_down:
                numerator_link = drill_down(kpi, item, breakdown, bucket, year=year, dates=dates, numerator=True)
                denominator_link = drill_down(kpi, item, breakdown, bucket, year=year, dates=dates, numerator=False)
            if figure.suppressed == CALENDAR_YEAR_ONLY:  # coverage of a half or a quarter: there is no such figure
                row = [CellView(text=label), *(suppressed_cell(CALENDAR_YEAR_ONLY) for _cell in range(3))]
            else:
                row = [
                    CellView(text=label),
                    CellView(format_number(kpi, figure.numerator, is_value=False), figure.numerator, numerator_link),
                    CellView(
                        format_number(kpi, figure.denominator, is_value=False), figure.denominator, denominator_link
                    ),
                    CellView(format_number(kpi, figure.value, is_value=True), figure.value),
                ]
            for geo in (f"kind:{kind}", NATIONAL):
                other = nat.get((item, bucket, geo))
                if other is None or other.suppressed is not None or other.value is None:
                    row.append(suppressed_cell(other.suppressed if other else None))
                else:
                    row.append(CellView(format_number(kpi, other.value, is_value=True), other.value))
            table.rows.append(row)
            for series, cell in ((_("Your organisation"), row[3]), (kind_header, row[4]), (_("National"), row[5])):
                if cell.value is not None:
                    chart_rows.append(ChartRow(group, part, series, float(cell.value)))
    table.chart, table.chart_groups = bar_chart(table.caption, chart_rows, _unit_label(kpi))
    judged = [
        (target, _value(own.get((target.item, ALL))), _("Your organisation"))
        for target in targets.for_organisation(kpi, year, organisation_id=organisation_id, kind=kind)
    ] + [
        (target, _value(nat.get((target.item, ALL, NATIONAL))), _("National, all organisations"))
        for target in targets.for_country(kpi, year)
        if target.scope == TargetScope.NATIONAL
    ]
    table.targets = targets.lines(judged, year)
    return table


def _value(figure: Figure | None) -> Decimal | None:
    """A figure's value for judging a target: None when there is none or disclosure control hides it."""
    return None if figure is None or figure.suppressed is not None else figure.value


def trend_table(
    kpis: Sequence[Kpi], own: Iterable[Figure], national: Iterable[Figure], *, years: Sequence[int], kind: str | None
) -> TableView:
    """Headline KPIs per year: the organisation (if any) and the national figure (its kind and all)."""
    values = {(f.kpi, f.year, f.geo): f for f in [*own, *national] if f.bucket == ALL and f.item == ALL}
    geos = ([ORGANISATION] if kind else []) + ([f"kind:{kind}"] if kind else []) + [NATIONAL]
    headers = [_("Year")]
    for kpi in kpis:
        headers += [f"{kpi_name(kpi)}{DASH}{geo_label(geo)}" for geo in geos]
    table = TableView(
        id="trend",
        title=_("Trend over the years"),
        caption=_("Headline figures per year"),
        headers=headers,
    )
    chart_rows: list[ChartRow] = []
    for year in sorted(years):
        row = [CellView(str(year), year)]
        for kpi in kpis:
            for geo in geos:
                figure = values.get((kpi.id, year, geo))
                if figure is None or figure.value is None:
                    row.append(
                        suppressed_cell(figure.suppressed if figure else None)
                        if geo != ORGANISATION or (figure and figure.suppressed)
                        else CellView(EMPTY)
                    )
                else:
                    row.append(CellView(format_number(kpi, figure.value, is_value=True), figure.value))
                    chart_rows.append(ChartRow(kpi_name(kpi), str(year), geo_label(geo), float(figure.value)))
        table.rows.append(row)
    table.chart, table.chart_groups = line_chart(table.caption, chart_rows, _("percent"))
    return table


# --- national view --------------------------------------------------------------------------------------------------


def national_kpi_table(
    kpi: Kpi,
    figures: Iterable[Figure],
    *,
    year: int,
    breakdown: Breakdown,
    geos: Sequence[str],
    reference: Reference,
) -> TableView:
    """Rows: items x buckets. With one geography: counted / out of / value; with several: the value per geography."""
    relevant = {(f.item, f.bucket, f.geo): f for f in figures if f.kpi == kpi.id and f.breakdown == breakdown.value}
    labels = item_labels(kpi, reference)
    single = len(geos) == 1
    headers = [_("Figure")] + (
        [_("Counted"), _("Out of"), kpi_name(kpi)] if single else [geo_label(geo) for geo in geos]
    )
    table = TableView(
        id=f"national-{kpi.id}",
        title=kpi_name(kpi),
        caption=_("%(kpi)s, %(year)s") % {"kpi": kpi_name(kpi), "year": year},
        headers=headers,
        kpi=kpi,
    )
    chart_rows: list[ChartRow] = []
    bucket_list = [ALL] if breakdown == Breakdown.ALL else [ALL, *buckets(breakdown)]
    for item in [i.code for i in reference.items(kpi)]:
        for bucket in bucket_list:
            label = labels[item] if kpi.per or item != ALL else kpi_name(kpi)
            group, part = label, "" if breakdown == Breakdown.ALL else bucket_label(breakdown, bucket)
            if bucket != ALL:
                label = f"{label}{DASH}{bucket_label(breakdown, bucket)}"
            row = [CellView(text=label)]
            for geo in geos:
                figure = relevant.get((item, bucket, geo))
                if figure is None:
                    continue
                if single:
                    numerator_cell = (
                        suppressed_cell(figure.suppressed)
                        if figure.numerator is None
                        else CellView(format_number(kpi, figure.numerator, is_value=False), figure.numerator)
                    )
                    denominator_cell = (
                        suppressed_cell(Reason.SECONDARY.value)
                        if figure.denominator is None
                        else CellView(format_number(kpi, figure.denominator, is_value=False), figure.denominator)
                    )
                    row += [numerator_cell, denominator_cell]
                if figure.value is None:
                    row.append(suppressed_cell(figure.suppressed))
                else:
                    row.append(CellView(format_number(kpi, figure.value, is_value=True), figure.value))
                    chart_rows.append(ChartRow(group, part, geo_label(geo), float(figure.value)))
            table.rows.append(row)
    table.chart, table.chart_groups = bar_chart(table.caption, chart_rows, _unit_label(kpi))
    judged = []
    for target in targets.for_country(kpi, year):
        geo = NATIONAL if target.scope == TargetScope.NATIONAL else f"kind:{target.organisation_kind}"
        judged.append((target, _value(relevant.get((target.item, ALL, geo))), geo_label(geo)))
    table.targets = targets.lines(judged, year)
    return table
