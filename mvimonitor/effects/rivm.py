"""The RIVM-style national effects table: per RIVM monitoring period and per product group, the national estimate of
each declared figure with its interval and the counts behind it, a total row per period, and beside it (never mixed
in) RIVM's own published results for the period (docs/effects.md, "RIVM-style national table"; ADR 0043).

- Figures come from the stored current effects read as the organisation and national pages read them
  (`yearly.effect_table`), split per calendar year as they split them (`yearly.split`: pro rata by days over the
  commitment period, social-return FTE-years per reported year); a period's value is the sum of its years.
- A commitment's product group is its tender's (commitment → contract → lot → tender.product_group); a tender without
  one is the row "no product group".
- Each cell is estimated with `estimator.estimate_totals`, run per product group: its reporters are the organisations
  with a calculable commitment of the figure in that group, its size `x` the organisation's contract value in that
  group. The total row is estimated as `national` does (all reporters, total contract value), so it is the national
  page's RIVM-period figure; the groups' estimates need not add up to it (each has its own auxiliary).
- Disclosure control: the national page's cells of each figure (`national._cells`) are protected first, exactly as
  that page does; then this table's cells (per group and period, the total of the period = the sum of its groups, and
  the counts of commitments likewise), with each total fixed to the national page's decision for the same period, so
  a period hidden there is hidden here. A group's estimate is shown only when its observed cell is.

Columns are declared in `RIVM_COLUMNS`; a declared key that `figures.FIGURES` does not (yet) have is skipped.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from mvimonitor import disclosure
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import Contract
from mvimonitor.themes.models import ProductGroup

from . import estimator, periods, yearly
from .figures import DRAWS, FIGURES, SEED
from .models import EffectCalculation, PublishedEffectResult
from .national import CELL_SCALE
from .national import _cells as national_cells

# (key of figures.FIGURES, display unit, scale from the figure's FIGURES unit to the display unit)
RIVM_COLUMNS: list[tuple[str, str, float]] = [
    ("co2ExAnteTonnes", "Mt CO2-eq", 1e-6),  # FIGURES: tonnes
    ("co2ExPostTonnes", "Mt CO2-eq", 1e-6),
    ("socialReturnFteYears", "FTE-years", 1.0),  # a year's FTE-years are FTE in that year; a period sums its years
    ("noxExAnte", "t NOx", 1e-3),  # FIGURES: kg (RIVM publishes tonnes)
    ("pm10ExAnte", "t PM10", 1e-3),
    ("pm25ExAnte", "t PM2.5", 1e-3),
    ("rawMaterialsExAnte", "kt", 1e-3),  # FIGURES: t
    ("waterExAnte", "m3", 1.0),
]
NO_GROUP = -1  # the row of commitments whose tender has no product group
TOTAL = "total"


@dataclass(frozen=True)
class RivmColumn:
    key: str
    label: str
    unit: str
    scale: float


@dataclass
class RivmCell:
    """One figure of one row: the estimate and its interval (display unit), the calculable commitments and the
    organisations with one in the period, or `suppressed` (a `disclosure.Reason` value) when it may not be shown.
    Nothing to show (no calculable commitment reaches the period): value None, suppressed None."""

    value: float | None
    low: float | None
    high: float | None
    commitments: int | None
    organisations: int | None
    suppressed: str | None = None


@dataclass
class RivmRow:
    product_group: int | None  # None: no product group, or the total row
    name: str
    is_total: bool
    cells: list[RivmCell]


@dataclass
class RivmPeriod:
    start: int
    end: int
    rows: list[RivmRow]
    published: list[PublishedEffectResult]

    @property
    def label(self) -> str:
        return periods.period_label((self.start, self.end))


@dataclass
class RivmTable:
    columns: list[RivmColumn]
    periods: list[RivmPeriod]
    reporting: int  # organisations with a calculable commitment of any column
    population: int  # active organisations the estimate speaks for


def declared_columns() -> list[RivmColumn]:
    """The declared columns whose key `figures.FIGURES` has, in the declared order."""
    labels = {key: label for key, label, *_rest in FIGURES}
    return [RivmColumn(key, _(labels[key]), unit, scale) for key, unit, scale in RIVM_COLUMNS if key in labels]


def reason_text(reason: str | None) -> str:
    texts = {
        disclosure.Reason.TOO_FEW_ORGANISATIONS: _("too few organisations"),
        disclosure.Reason.DOMINANCE: _("one organisation dominates"),
        disclosure.Reason.SECONDARY: _("hidden so that another hidden cell cannot be derived"),
    }
    return texts.get(reason, "") if reason else ""  # type: ignore[call-overload]


# --- the read --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    table: yearly.EffectTable  # the stored effects as the organisation and national pages read them
    groups: Any  # (R,) product group id, NO_GROUP without one

    @property
    def organisations(self) -> Any:
        return self.table.organisations

    @property
    def starts(self) -> Any:
        return self.table.starts

    @property
    def ends(self) -> Any:
        return self.table.ends


def _read(effects: QuerySet[EffectCalculation]) -> _Rows:
    """The current effects as `yearly.effect_table` reads them (which rows are about a figure, their values, the
    commitment period, the FTE-years per reported year), and each one's product group."""
    table = yearly.effect_table(effects)
    group_of = dict(effects.order_by().values_list("pk", "commitment__contract__lot__tender__product_group"))
    groups = np.array([group_of.get(int(pk)) or NO_GROUP for pk in table.ids], dtype=np.int64)
    return _Rows(table, groups)


def _sizes() -> tuple[dict[int, float], dict[int, dict[int, float]]]:
    """Contract value per organisation, in all and per product group (NO_GROUP: tenders without one)."""
    total: dict[int, float] = defaultdict(float)
    by_group: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    rows = (
        Contract.objects.values("lot__tender__organisation_id", "lot__tender__product_group_id")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for row in rows:
        organisation, group = row["lot__tender__organisation_id"], row["lot__tender__product_group_id"]
        value = float(row["total"] or 0)
        total[organisation] += value
        by_group[NO_GROUP if group is None else group][organisation] += value
    return total, by_group


# --- the table -------------------------------------------------------------------------------------------------------


@dataclass
class _Figure:
    """One column's arrays: per calculable row its organisation (index into org_ids), group, value per period and
    whether its commitment period reaches the period."""

    org: Any
    groups: Any
    by_year: Any  # (n, years)
    by_period: Any  # (n, periods)
    reaches: Any  # (n, periods)


def _finite(value: float, scale: float) -> float | None:
    return float(value) * scale if np.isfinite(value) else None


def rivm_table(*, draws: int = DRAWS, seed: int = SEED) -> RivmTable:
    """The RIVM-style national table (module docstring), with RIVM's published results per period beside it."""
    columns = declared_columns()
    keys = [column.key for column in columns]
    population = list(Organisation.objects.active().order_by("pk").values_list("pk", "kind"))
    ids = np.array([pk for pk, _kind in population], dtype=np.int64)
    kinds = np.array([kind for _pk, kind in population], dtype=str)
    size_total, size_by_group = _sizes()
    rows = _read(EffectCalculation.objects.current())
    years = yearly.covered_years(rows.table)
    rivm = periods.rivm_periods(years)
    org_ids, org_of_row = np.unique(rows.organisations, return_inverse=True)
    where = np.searchsorted(ids, org_ids)  # each stored organisation's place among the active ones
    if len(ids):
        active = (where < len(ids)) & (ids[np.minimum(where, len(ids) - 1)] == org_ids)
    else:
        active = np.zeros(len(org_ids), dtype=bool)

    figures: dict[str, _Figure] = {}
    national: list[disclosure.Cell] = []
    national_relations: list[disclosure.Relation] = []
    for key in keys:
        ok = rows.table.reports[key]
        value = rows.table.values[key][ok]
        by_year = yearly.split(rows.table, key, ok, years)
        reached = periods.spread(np.ones(len(value)), rows.starts[ok], rows.ends[ok], years) > 0
        by_period = np.zeros((len(value), len(rivm)))
        reaches = np.zeros((len(value), len(rivm)), dtype=bool)
        for index, (first, last) in enumerate(rivm):
            inside = [years.index(year) for year in range(first, last + 1)]
            by_period[:, index] = by_year[:, inside].sum(axis=1)
            reaches[:, index] = reached[:, inside].any(axis=1)
        figures[key] = _Figure(org_of_row[ok], rows.groups[ok], by_year, by_period, reaches)
        # the national page's cells of this figure, built as that page builds them
        per_org = np.zeros((len(org_ids), 1 + len(years) + len(rivm)))
        np.add.at(per_org, org_of_row[ok], np.column_stack([value, by_year, by_period]))
        reporters = np.bincount(org_of_row[ok], minlength=len(org_ids)) > 0
        national += national_cells(key, org_ids, per_org, reporters, [], years, rivm, national_relations)
    on_national_page = disclosure.protect(national, national_relations)

    cells, relations, fixed, groups_of = _table_cells(figures, keys, org_ids, years, rivm, on_national_page)
    protected = disclosure.protect(cells, relations, fixed=fixed)

    names = _group_names({group for found in groups_of.values() for group in found})
    out_periods: list[RivmPeriod] = []
    estimates = {
        key: _estimates(figures[key], ids, kinds, org_ids, where, active, size_total, size_by_group, draws, seed)
        for key in keys
        if rivm
    }
    for index, (first, last) in enumerate(rivm):
        period = (first, last)
        shown_groups = sorted(groups_of[period], key=lambda g: (g == NO_GROUP, names[g].casefold(), g))
        table_rows: list[RivmRow] = []
        for group in [*shown_groups, TOTAL]:
            row_cells = [
                _cell(figures[key], estimates[key], protected, key, period, index, group, column.scale)
                for key, column in zip(keys, columns, strict=True)
            ]
            if isinstance(group, int):
                table_rows.append(RivmRow(None if group == NO_GROUP else group, names[group], False, row_cells))
            else:
                table_rows.append(RivmRow(None, _("Total"), True, row_cells))
        out_periods.append(RivmPeriod(first, last, table_rows, []))
    _add_published(out_periods)
    reporting = {int(org_ids[i]) for key in keys for i in np.unique(figures[key].org)} & set(ids.tolist())
    return RivmTable(columns, out_periods, len(reporting), len(ids))


def _table_cells(
    figures: dict[str, _Figure],
    keys: list[str],
    org_ids: Any,
    years: list[int],
    rivm: list[tuple[int, int]],
    on_national_page: disclosure.Protected,
) -> tuple[list[disclosure.Cell], list[disclosure.Relation], dict[Any, bool], dict[tuple[int, int], set[int]]]:
    """Per figure, period and product group: the observed cell (each organisation's yearly magnitudes, in whole
    thousandths, summed over the period's years, as `national._cells` does) and the count of calculable commitments;
    per period their totals, with total = Σ groups. A total is fixed to the national page's decision for the period."""
    cells: list[disclosure.Cell] = []
    relations: list[disclosure.Relation] = []
    fixed: dict[Any, bool] = {}
    groups_of: dict[tuple[int, int], set[int]] = {period: set() for period in rivm}
    thresholds = disclosure.Thresholds.from_settings()

    def amounts(units: Any, scale: int) -> disclosure.Amounts:
        return disclosure.Amounts(org_ids, np.ascontiguousarray(units, dtype=np.int64), scale)

    for key in keys:
        figure = figures[key]
        for index, period in enumerate(rivm):
            if (key, "period", period) not in on_national_page:  # no year of the period reached: zero by definition
                continue
            inside = [years.index(year) for year in range(period[0], period[1] + 1)]
            parts, counts = [], []
            total_units = np.zeros(len(org_ids), dtype=np.int64)
            total_counts = np.zeros(len(org_ids), dtype=np.int64)
            for group in np.unique(figure.groups[figure.reaches[:, index]]).tolist():
                mine = figure.groups == group
                per_org = np.zeros((len(org_ids), len(inside)))
                np.add.at(per_org, figure.org[mine], figure.by_year[mine][:, inside])
                units = np.rint(np.abs(per_org) * CELL_SCALE).astype(np.int64).sum(axis=1)
                count = np.bincount(figure.org[mine & figure.reaches[:, index]], minlength=len(org_ids))
                cells.append(disclosure.Cell((key, "rivm", period, group), amounts(units, CELL_SCALE)))
                cells.append(disclosure.Cell((key, "rivm-n", period, group), amounts(count, 1)))
                parts.append((key, "rivm", period, group))
                counts.append((key, "rivm-n", period, group))
                total_units += units
                total_counts += count
                groups_of[period].add(int(group))
            total = amounts(total_units, CELL_SCALE)
            cells.append(disclosure.Cell((key, "rivm", period, TOTAL), total))
            cells.append(disclosure.Cell((key, "rivm-n", period, TOTAL), amounts(total_counts, 1)))
            relations.append(disclosure.Relation((key, "rivm", period, TOTAL), tuple(parts)))
            relations.append(disclosure.Relation((key, "rivm-n", period, TOTAL), tuple(counts)))
            if not on_national_page.shown((key, "period", period)):
                fixed[(key, "rivm", period, TOTAL)] = False
            elif disclosure.primary_reason(total, thresholds) is None:
                fixed[(key, "rivm", period, TOTAL)] = True
    return cells, relations, fixed, groups_of


def _estimates(
    figure: _Figure,
    ids: Any,
    kinds: Any,
    org_ids: Any,
    where: Any,
    active: Any,
    size_total: dict[int, float],
    size_by_group: dict[int, dict[int, float]],
    draws: int,
    seed: int,
) -> dict[Any, estimator.NationalEstimate]:
    """The national estimate of every period: of all reporters (TOTAL, as `national` does) and per product group."""
    out: dict[Any, estimator.NationalEstimate] = {}
    periods_count = figure.by_period.shape[1]
    id_list = ids.tolist()
    for group in [TOTAL, *np.unique(figure.groups).tolist()]:
        mine = np.ones(len(figure.org), dtype=bool) if group == TOTAL else figure.groups == group
        per_org = np.zeros((len(org_ids), periods_count))
        np.add.at(per_org, figure.org[mine], figure.by_period[mine])
        reporters = np.bincount(figure.org[mine], minlength=len(org_ids)) > 0
        y = np.zeros((len(ids), periods_count))
        reporting = np.zeros(len(ids), dtype=bool)
        y[where[active]] = per_org[active]
        reporting[where[active]] = reporters[active]
        sizes_of = size_total if group == TOTAL else size_by_group.get(int(group), {})
        sizes = np.array([float(sizes_of.get(pk, 0.0)) for pk in id_list])
        out[group] = estimator.estimate_totals(kinds, sizes, y, reporting, draws=draws, seed=seed)
    return out


def _cell(
    figure: _Figure,
    estimates: dict[Any, estimator.NationalEstimate],
    protected: disclosure.Protected,
    key: str,
    period: tuple[int, int],
    index: int,
    group: Any,
    scale: float,
) -> RivmCell:
    cell_key = (key, "rivm", period, group)
    if cell_key not in protected:
        return RivmCell(None, None, None, 0, 0)
    if not protected.shown(cell_key):
        reason = protected.decision(cell_key).reason
        return RivmCell(None, None, None, None, None, str(reason or disclosure.Reason.SECONDARY))
    mine = figure.reaches[:, index] & (True if group == TOTAL else figure.groups == group)
    count_key = (key, "rivm-n", period, group)
    counts_shown = protected.shown(count_key)
    result = estimates[group]
    return RivmCell(
        _finite(result.values[index], scale),
        _finite(result.low[index], scale),
        _finite(result.high[index], scale),
        int(mine.sum()) if counts_shown else None,
        len(np.unique(figure.org[mine])),
    )


def _group_names(groups: set[int]) -> dict[int, str]:
    names = {group.pk: group.name for group in ProductGroup.objects.filter(pk__in=groups - {NO_GROUP})}
    names[NO_GROUP] = _("No product group")
    return {group: names.get(group, str(group)) for group in groups | {NO_GROUP}}


def _add_published(out: list[RivmPeriod]) -> None:
    """RIVM's published results, each under its own period (a period with published results only gets a section of
    its own, with no rows of ours)."""
    by_period: dict[tuple[int, int], list[PublishedEffectResult]] = defaultdict(list)
    for result in PublishedEffectResult.objects.order_by("period_start", "period_end", "indicator", "pk"):
        by_period[(result.period_start, result.period_end)].append(result)
    known = {(period.start, period.end): period for period in out}
    for period, results in by_period.items():
        if period in known:
            known[period].published = results
        else:
            out.append(RivmPeriod(period[0], period[1], [], results))
    out.sort(key=lambda period: (period.start, period.end))
