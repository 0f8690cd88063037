"""The RIVM-style national table (`rivm.RivmTable`) as the page shows it, as export rows (CSV/XLSX) and as Vega-Lite
charts of the CO2 figures per period with their intervals (drawn by `charts.js` without eval, ADR 0014). The page,
the export and the charts read the same table, so they show the same numbers."""

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .rivm import RivmCell, RivmTable, reason_text

EMPTY = "\u2013"
BAR_COLOUR = "#0072B2"
RULE_COLOUR = "#1a1a1a"
BAR_STEP = 36
CHART_CONFIG: dict[str, Any] = {
    "axis": {"labelFontSize": 13, "titleFontSize": 13, "labelLimit": 0, "labelColor": "#1a1a1a",
             "titleColor": "#1a1a1a"},
    "view": {"stroke": None},
}  # fmt: skip


def number(value: float | None) -> str:
    """A figure in the reader's notation, with at least three significant digits for small values."""
    if value is None:
        return EMPTY
    size = abs(value)
    places = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 or size == 0 else 3 if size >= 0.1 else 6
    return number_format(round(value, places), places, use_l10n=True, force_grouping=True)


@dataclass
class CellText:
    value: str
    interval: str
    counts: str
    suppressed: str  # the reason in words, when the cell is not shown


def cell_text(cell: RivmCell) -> CellText:
    if cell.suppressed:
        return CellText(EMPTY, "", "", _("Not shown: %(reason)s.") % {"reason": reason_text(cell.suppressed)})
    interval = f"{number(cell.low)} – {number(cell.high)}" if cell.low is not None else ""
    if cell.value is None and not cell.organisations:
        return CellText(EMPTY, "", "", "")
    commitments = EMPTY if cell.commitments is None else str(cell.commitments)
    counts = _("%(commitments)s commitments, %(organisations)s organisations") % {
        "commitments": commitments,
        "organisations": cell.organisations,
    }
    return CellText(number(cell.value), interval, counts, "")


# --- export ----------------------------------------------------------------------------------------------------------


def export_rows(table: RivmTable) -> list[list[Any]]:
    """Our table (raw numbers in display units), then RIVM's published results, each with its period."""
    header: list[Any] = [_("RIVM period"), _("product group")]
    for column in table.columns:
        header += [
            f"{column.label} ({column.unit})",
            _("lower bound (95%)"),
            _("upper bound (95%)"),
            _("calculable commitments"),
            _("reporting organisations"),
            _("not shown because"),
        ]
    rows: list[list[Any]] = [header]
    for period in table.periods:
        for row in period.rows:
            line: list[Any] = [period.label, row.name]
            for cell in row.cells:
                line += [cell.value, cell.low, cell.high, cell.commitments, cell.organisations,
                         reason_text(cell.suppressed)]  # fmt: skip
            rows.append(line)
    rows += [[], [_("RIVM published (context, other method and scope)")]]
    rows.append(
        [_("RIVM period"), _("indicator"), _("value"), _("unit"), _("product groups"), _("basis"), _("source"),
         _("source address"), _("source year"), _("confidence"), _("note")]
    )  # fmt: skip
    for period in table.periods:
        for result in period.published:
            rows.append(
                [period.label, result.indicator_label, result.value, result.unit, result.product_groups, result.basis,
                 result.source_title, result.source_url, result.source_year, result.get_confidence_display(),
                 result.note]
            )  # fmt: skip
    return rows


# --- charts ----------------------------------------------------------------------------------------------------------


@dataclass
class Chart:
    id: str
    caption: str
    spec: dict[str, Any]

    @property
    def spec_id(self) -> str:
        return f"{self.id}-spec"


def charts(table: RivmTable) -> list[Chart]:
    """One bar chart per CO2 column: the national total of each period, with its 95% interval as a line through the
    bar. No chart for a column without a shown total."""
    out = []
    for index, column in enumerate(table.columns):
        if not column.key.startswith("co2"):
            continue
        values = []
        for period in table.periods:
            total = next((row.cells[index] for row in period.rows if row.is_total), None)
            if total is None or total.value is None:
                continue
            point: dict[str, Any] = {"period": period.label, "value": total.value}
            if total.low is not None and total.high is not None:
                point |= {"low": total.low, "high": total.high}
            values.append(point)
        if not values:
            continue
        caption = _("%(figure)s per RIVM period, national estimate with its 95%% interval (%(unit)s)") % {
            "figure": column.label,
            "unit": column.unit,
        }
        out.append(Chart(f"rivm-chart-{column.key}", caption, _spec(caption, values, column.unit)))
    return out


def _spec(title: str, values: list[dict[str, Any]], unit: str) -> dict[str, Any]:
    y = {"field": "period", "type": "nominal", "sort": None, "title": _("RIVM period")}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": title,
        "width": "container",
        "height": max(len(values), 2) * BAR_STEP,
        "config": CHART_CONFIG,
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "bar", "color": BAR_COLOUR},
                "encoding": {"y": y, "x": {"field": "value", "type": "quantitative", "title": unit}},
            },
            {
                "transform": [{"filter": "isValid(datum.low)"}],
                "mark": {"type": "rule", "color": RULE_COLOUR, "strokeWidth": 2},
                "encoding": {"y": y, "x": {"field": "low", "type": "quantitative"}, "x2": {"field": "high"}},
            },
        ],
        "usermeta": {"categories": [value["period"] for value in values]},
    }
