"""National effect figures: observed totals through disclosure control, extrapolated per figure with the ratio
estimator of `estimator` (reporters defined per figure), with diagnostics, per calendar year and per RIVM period.

Read through `selectors.national_summary`; docs/effects.md, "Uncertainty and the national estimate" and "Effects per
year"; ADR 0016 and ADR 0037.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from mvimonitor import disclosure
from mvimonitor.organisations.models import Organisation, OrganisationKind
from mvimonitor.tenders.models import Contract

from . import estimator, periods
from .figures import (
    FIGURES,
    INDICATOR_FIGURES,
    Figure,
    KindRow,
    Summary,
    _public_factor_set_labels,
    _reasons,
    figure_label,
    figure_reference,
)
from .figures import (
    _kind_label as _commitment_kind_label,
)
from .models import EffectCalculation
from .yearly import SPREAD_FIGURES, PeriodCell, PeriodRow, covered_years, effect_table, split

CELL_SCALE = 1000  # contributions to the disclosure cells in thousandths of the figure's unit (kg for tonnes)


def national_summary(*, draws: int, seed: int) -> Summary:
    """Observed totals of reporting organisations (through disclosure control) and the national extrapolation."""
    population = list(Organisation.objects.active().order_by("pk").values_list("pk", "kind"))
    ids = np.array([pk for pk, _kind in population], dtype=np.int64)
    kinds = np.array([kind for _pk, kind in population], dtype=str)
    size_by_org = dict(
        Contract.objects.values_list("lot__tender__organisation_id")
        .annotate(total=Sum("value"))
        .values_list("lot__tender__organisation_id", "total")
    )
    sizes = np.array([float(size_by_org.get(pk) or 0) for pk in ids.tolist()])
    classes = estimator.size_classes(sizes)
    effects = EffectCalculation.objects.current()
    labels = _public_factor_set_labels(effects)
    table = effect_table(effects)
    years = covered_years(table)
    rivm = periods.rivm_periods(years)
    columns: list[tuple[str, Any]] = [("total", None)]
    columns += [("year", year) for year in years] + [("period", period) for period in rivm]
    org_ids, org_of_row = np.unique(table.organisations, return_inverse=True)
    position = np.searchsorted(ids, org_ids)  # each stored organisation's place among the active ones, or -1
    if len(ids):
        position = np.where((position < len(ids)) & (ids[np.minimum(position, len(ids) - 1)] == org_ids), position, -1)
    else:
        position = np.full(len(org_ids), -1)

    cells: list[disclosure.Cell] = []
    relations: list[disclosure.Relation] = []
    per_figure: dict[str, Any] = {}
    for key, *_rest in FIGURES:
        calculable = int((table.relevant[key] & ~np.isnan(table.values[key])).sum())
        missing = int((table.relevant[key] & np.isnan(table.values[key])).sum())
        ok = table.reports[key]
        value = table.values[key][ok]
        by_year = split(table, key, ok, years) if key in SPREAD_FIGURES else np.zeros((len(value), len(years)))
        by_period = np.zeros((len(value), len(rivm)))
        for index, (first, last) in enumerate(rivm):
            by_period[:, index] = by_year[:, [years.index(y) for y in range(first, last + 1)]].sum(axis=1)
        rows = np.column_stack([value, by_year, by_period])  # (rows, 1 + years + periods)
        per_org = np.zeros((len(org_ids), rows.shape[1]))
        np.add.at(per_org, org_of_row[ok], rows)
        reporters = np.bincount(org_of_row[ok], minlength=len(org_ids)) > 0
        per_figure[key] = (per_org, reporters, calculable, missing)
        if calculable or key not in INDICATOR_FIGURES:  # an indicator no one has a figure of: no cells
            cells += _cells(key, org_ids, per_org, reporters, columns, years, rivm, relations)
    kind_cells, kind_rows = _national_kind_cells(effects)
    protected = disclosure.protect(cells + kind_cells, relations)

    figures: list[Figure] = []
    suppressed: list[str] = []
    period_rows = [
        PeriodRow(str(what) if kind == "year" else periods.period_label(what), kind == "period", [])
        for kind, what in columns[1:]
    ]
    period_keys = [key for key, *_rest in FIGURES if key in SPREAD_FIGURES]
    estimates = _estimates(
        {
            key: entry[:2]
            for key, entry in per_figure.items()
            if (entry[2] or key not in INDICATOR_FIGURES) and protected.shown(key)
        },
        position, kinds, sizes, classes, draws=draws, seed=seed,
    )  # fmt: skip
    for key, _label, unit, _column, _scale in FIGURES:
        per_org, reporters, ok, missing = per_figure[key]
        if not ok and key in INDICATOR_FIGURES:
            figures.append(
                Figure(key, figure_label(key), unit, None, None, None, 0, missing, figure_reference(key), [],
                       note=_("Not calculable: no commitment has a calculable figure of this indicator."))
            )  # fmt: skip
            for row in period_rows:
                row.cells.append(PeriodCell(None, None, None))
            continue
        if not protected.shown(key):
            suppressed.append(figure_label(key))
            figures.append(
                Figure(key, figure_label(key), unit, None, None, None, ok, missing, figure_reference(key), [],
                       note=_("Not shown: too few organisations contribute, or one dominates (disclosure control)."))
            )  # fmt: skip
            for row in period_rows if key in SPREAD_FIGURES else []:
                row.cells.append(PeriodCell(None, None, None))
            continue
        result = estimates[key]
        observed = float(per_org[reporters, 0].sum())
        note = _("Extrapolated from %(n)s of %(N)s organisations; observed total of the reporting ones: %(obs)s.") % {
            "n": result.reporting,
            "N": result.population,
            "obs": f"{observed:,.1f}",
        }
        text = describe(result.diagnostics, result.reporting, result.population)
        figures.append(
            Figure(
                key, figure_label(key), unit, float(result.values[0]), _finite(result.low[0]),
                _finite(result.high[0]), ok, missing, figure_reference(key),
                labels if key.startswith("co2") else [], note=note, diagnostics=text,
            )
        )  # fmt: skip
        if key in SPREAD_FIGURES:
            for index, (row, column) in enumerate(zip(period_rows, columns[1:], strict=True), start=1):
                cell = _cell_key(key, column)
                shown = protected.shown(cell) if cell in protected else True  # not a cell: zero by definition
                row.cells.append(
                    PeriodCell(float(result.values[index]), _finite(result.low[index]), _finite(result.high[index]))
                    if shown
                    else PeriodCell(None, None, None)
                )
    shown_kinds = [row for row in kind_rows if protected.shown(("kind", row.kind, row.unit))]
    hidden = len(kind_rows) - len(shown_kinds)
    if hidden:
        suppressed.append(_("%(n)s commitment kind(s) in the delivered-against-promised table") % {"n": hidden})
    shown_reasons = protected.shown("calculable")
    counts = {"n": len(table.calculable), "ok": int(table.calculable.sum())}
    reporting_any = set(table.organisations.tolist()) & set(ids.tolist())
    return Summary(
        figures=figures,
        kinds=shown_kinds,
        reasons=_reasons(effects) if shown_reasons else [],
        calculable=counts["ok"] if shown_reasons else 0,
        not_calculable=counts["n"] - counts["ok"] if shown_reasons else 0,
        factor_sets=labels,
        reporting=len(reporting_any),
        population=len(ids),
        suppressed=suppressed,
        periods=period_rows,
        period_keys=period_keys,
    )


def _estimates(
    per_figure: dict[str, tuple[Any, Any]],
    position: Any,
    kinds: Any,
    sizes: Any,
    classes: Any,
    *,
    draws: int,
    seed: int,
) -> dict[str, estimator.NationalEstimate]:
    """The national estimate of each figure (its per-organisation columns and reporters), one estimator run per set of
    figures with the same reporting organisations: the resamples depend only on who reports, so a run over their
    columns side by side gives each figure exactly what a run of its own gives (the indicators beyond CO2 mostly
    share the CO2 figures' reporters)."""
    active = position >= 0
    by_reporters: dict[bytes, list[tuple[str, Any]]] = {}
    reporting_of: dict[bytes, Any] = {}
    for key, (per_org, reporters) in per_figure.items():
        y = np.zeros((len(sizes), per_org.shape[1]))
        reporting = np.zeros(len(sizes), dtype=bool)
        y[position[active]] = per_org[active]
        reporting[position[active]] = reporters[active]
        mask = np.packbits(reporting).tobytes()
        by_reporters.setdefault(mask, []).append((key, y))
        reporting_of[mask] = reporting
    out: dict[str, estimator.NationalEstimate] = {}
    for mask, members in by_reporters.items():
        widths = [y.shape[1] for _key, y in members]
        result = estimator.estimate_totals(
            kinds, sizes, np.hstack([y for _key, y in members]), reporting_of[mask], draws=draws, seed=seed,
            classes=classes,
        )  # fmt: skip
        start = 0
        for (key, _y), width in zip(members, widths, strict=True):
            part = slice(start, start + width)
            out[key] = estimator.NationalEstimate(
                result.values[part], result.low[part], result.high[part], result.reporting, result.population,
                result.diagnostics,
            )  # fmt: skip
            start += width
    return out


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _cell_key(key: str, column: tuple[str, Any]) -> Any:
    kind, what = column
    if kind == "total":
        return key
    return (key, kind, what)


def _cells(
    key: str,
    org_ids: Any,
    per_org: Any,
    reporters: Any,
    columns: list[tuple[str, Any]],
    years: list[int],
    rivm: list[tuple[int, int]],
    relations: list[disclosure.Relation],
) -> list[disclosure.Cell]:
    """The observed cells of one figure: its total, and where it is spread, each year and each RIVM period.

    Contributions are magnitudes (the module takes non-negative ones) in whole thousandths: per year |y|, and for the
    total and the periods the sum of the organisation's yearly magnitudes, so that the relations total = Σ years and
    period = Σ its years hold exactly and a year left out cannot be derived from the others."""
    units = np.rint(np.abs(np.where(reporters[:, None], per_org, 0.0)) * CELL_SCALE).astype(np.int64)

    def amounts(column: Any) -> disclosure.Amounts:
        return disclosure.Amounts(org_ids, np.ascontiguousarray(column), CELL_SCALE)

    if key not in SPREAD_FIGURES or not years:
        return [disclosure.Cell(key, amounts(units[:, 0]))]
    yearly = {year: units[:, 1 + i] for i, year in enumerate(years)}
    # a year no organisation's figure reaches is zero by definition: no cell (disclosure module docstring)
    years = [year for year in years if yearly[year].any()]
    out = [disclosure.Cell((key, "year", year), amounts(yearly[year])) for year in years]
    out.append(disclosure.Cell(key, amounts(sum((yearly[year] for year in years), np.zeros(len(org_ids), np.int64)))))
    if years:
        relations.append(disclosure.Relation(key, tuple((key, "year", year) for year in years)))
    for period in rivm:
        inside = [year for year in years if period[0] <= year <= period[1]]
        if not inside:
            continue
        total = sum((yearly[y] for y in inside), np.zeros(len(org_ids), np.int64))
        out.append(disclosure.Cell((key, "period", period), amounts(total)))
        relations.append(disclosure.Relation((key, "period", period), tuple((key, "year", y) for y in inside)))
    return out


def _national_kind_cells(effects: QuerySet[EffectCalculation]) -> tuple[list[disclosure.Cell], list[KindRow]]:
    """The promised totals per kind (cells with each organisation's part) and the rows of the delivered-against-
    promised table, from one query per organisation and kind."""
    per_org = effects.values("kind", "unit", "organisation_id").annotate(
        n=Count("pk"), promised=Sum("promised"), delivered=Sum("delivered_verified"),
        submitted=Sum("delivered_submitted"),
    )  # fmt: skip
    contributions: dict[tuple[str, str, str], dict[int, Decimal]] = defaultdict(dict)
    counts: dict[int, Decimal] = {}
    totals: dict[tuple[str, str], list[Any]] = {}
    for row in per_org:
        contributions[("kind", row["kind"], row["unit"])][row["organisation_id"]] = row["promised"] or Decimal(0)
        counts[row["organisation_id"]] = counts.get(row["organisation_id"], Decimal(0)) + row["n"]
        total = totals.setdefault((row["kind"], row["unit"]), [0, None, None, None])
        total[0] += row["n"]
        for index, amount in enumerate((row["promised"], row["delivered"], row["submitted"]), start=1):
            if amount is not None:
                total[index] = (total[index] or Decimal(0)) + amount
    cells = [disclosure.Cell(key, value) for key, value in contributions.items()]
    cells.append(disclosure.Cell("calculable", counts))
    rows = [
        KindRow(kind, _commitment_kind_label(kind), unit, n, promised, delivered, submitted)
        for (kind, unit), (n, promised, delivered, submitted) in sorted(totals.items())
    ]
    return cells, rows


# --- diagnostics in words --------------------------------------------------------------------------------------------


@dataclass
class StratumLine:
    kind: str
    size_class: str
    organisations: int
    reporters: int
    share: float
    estimated_with: str


@dataclass
class DiagnosticsText:
    """A national figure's diagnostics as the page and the export show them."""

    coverage: str
    collapsing: str
    selection: str
    warning: bool
    strata: list[StratumLine]


def _size_label(size: str) -> str:
    labels = {
        "small": _("small"),
        "medium": _("medium"),
        "large": _("large"),
        estimator.NO_SIZE: _("no contract value"),
    }
    return labels.get(size, size)


def _kind_label(kind: str) -> str:
    return str(OrganisationKind(kind).label) if kind in OrganisationKind.values else kind


def _group_label(group: estimator.Group) -> str:
    if group.national_ratio:
        return _("ratio of all reporters (too few reporters even pooled)")
    if len(group.kinds) > 1:
        return _("pooled with other kinds with fewer than 2 reporters")
    if len(group.strata) == 1:
        return _("own stratum")
    return _("merged size classes: %(classes)s") % {
        "classes": " + ".join(_size_label(size) for size in group.size_classes)
    }


def describe(diagnostics: estimator.Diagnostics, reporting: int, population: int) -> DiagnosticsText:
    """The diagnostics in sentences: reporting share, value covered, collapsing and the self-selection test."""
    covered = diagnostics.value_covered
    coverage = _(
        "%(n)s of %(N)s organisations report a calculable figure (%(share)s); they hold %(value)s of the contract "
        "value in the system."
    ) % {
        "n": reporting,
        "N": population,
        "share": f"{reporting / population:.0%}" if population else "–",
        "value": f"{covered:.0%}" if covered is not None else "–",
    }
    merged = diagnostics.collapsed
    collapsing = (
        _("%(n)s strata with fewer than 2 reporters were merged (see the table).") % {"n": merged}
        if merged
        else _("Every stratum has at least 2 reporters.")
    )
    balance = diagnostics.balance
    reasons = []
    if balance.size_differs:
        reasons.append(
            _("reporters are %(which)s than non-reporters (standardised difference of log contract value %(smd)s)")
            % {"which": _("larger") if (balance.size_smd or 0) > 0 else _("smaller"), "smd": f"{balance.size_smd:.2f}"}
        )
    if balance.kind_differs:
        reasons.append(
            _("reporting depends on the kind of organisation (Cramér's V %(v)s)") % {"v": f"{balance.kind_v:.2f}"}
        )
    if reasons:
        selection = _(
            "Warning, possible self-selection: %(reasons)s. Organisations that choose to report may differ in their "
            "effects too; the interval does not include the bias this can cause."
        ) % {"reasons": "; ".join(reasons)}
    else:
        selection = _(
            "Reporters do not differ measurably from non-reporters in size or kind. Selection on what the data do not "
            "show (such as keenness) cannot be detected and is not in the interval."
        )
    strata = [
        StratumLine(
            _kind_label(s.kind),
            _size_label(s.size_class),
            s.organisations,
            s.reporters,
            s.share,
            _group_label(diagnostics.groups[s.group]),
        )
        for s in diagnostics.strata
    ]
    return DiagnosticsText(coverage, collapsing, selection, bool(reasons), strata)
