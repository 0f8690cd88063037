"""Effects per calendar year and per RIVM period, read from the stored effects: every figure of a commitment spread
over its commitment period pro rata by days (`periods.spread`), except social-return FTE-years, which are taken per
year from the reported periods of the verified placements where the calculation stored them (`sr_fte_by_year`).
Organisation rows here (the table per year and period, and one year's figures with their intervals for a yearly
report); national ones in `national`.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import Cast

from mvimonitor import bulk

from . import calculations as calc
from . import periods
from .figures import (
    COLUMN_FIGURES,
    DRAWS,
    FIGURES,
    FTE_KEY,
    SEED,
    column_arrays,
    indicator_arrays,
    social_return_counted,
)
from .models import CommitmentKind, EffectCalculation

SPREAD_FIGURES = frozenset(key for key, *_rest in FIGURES if key != "sanctionsDue")  # a sanction is no effect
SPREAD_KEYS = [key for key, *_rest in FIGURES if key in SPREAD_FIGURES]


class EpochDay(Func):
    """Days since 1970-01-01 of a date column, as a float (one array with the figures)."""

    output_field = FloatField()
    template = "CAST((%(expressions)s - DATE '1970-01-01') AS DOUBLE PRECISION)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s) - 2440587.5)", **extra)


@dataclass
class PeriodCell:
    value: float | None
    low: float | None
    high: float | None


@dataclass
class PeriodRow:
    """One calendar year or one RIVM period: a cell per figure of `Summary.period_keys`."""

    label: str
    is_period: bool
    cells: list[PeriodCell]


@dataclass(frozen=True)
class EffectTable:
    organisations: Any  # (R,) organisation id per stored effect
    relevant: dict[str, Any]
    values: dict[str, Any]  # scaled; NaN: not calculable
    starts: Any  # epoch days of the commitment period
    ends: Any
    calculable: Any  # the stored verdict of each row
    reports: dict[str, Any]  # per figure the rows that make their organisation a reporter of it, and its y
    ids: Any = None  # (R,) id of each stored effect
    fte_by_year: dict[int, dict[str, str]] | None = None  # effect id -> year -> FTE-years from the reported periods


def effect_table(effects: QuerySet[EffectCalculation]) -> EffectTable:
    """The current effects as arrays in one query: organisation, per figure whether each row is about it and its
    value, and the commitment period (for the split per year)."""
    flags = {
        "_sr": ExpressionWrapper(social_return_counted(), output_field=BooleanField()),
        "_due": ExpressionWrapper(Q(sanction_status="due"), output_field=BooleanField()),
        "_decided": ExpressionWrapper(Q(sanction_status__in=["due", "none"]), output_field=BooleanField()),
    }
    as_float = {f"_{f[3]}": Cast(f[3], FloatField()) for f in COLUMN_FIGURES}
    days = {"_start": EpochDay(F("commitment__period_start")), "_end": EpochDay(F("commitment__period_end"))}
    query = (
        effects.order_by()
        .annotate(**flags, **as_float, **days)
        .values_list("organisation_id", "is_co2", *flags, *as_float, "calculable", *days, "pk")
    )
    table = bulk.number_table(query, 9 + len(COLUMN_FIGURES))
    fte_by_year = dict(
        effects.filter(kind=CommitmentKind.SOCIAL_RETURN)
        .exclude(sr_fte_by_year={})
        .values_list("pk", "sr_fte_by_year")
    )
    is_co2, is_sr, is_due, decided = (table[:, column] == 1 for column in (1, 2, 3, 4))
    relevant, values = indicator_arrays(effects, table[:, -1].astype(np.int64))
    column_arrays(table, 5, is_co2, is_sr, is_due, relevant, values)
    reports = {}
    for key, *_rest in FIGURES:
        # a sanction kept (status none, amount 0) is a real 0: its organisation reports the figure
        reports[key] = (decided if key == "sanctionsDue" else relevant[key]) & ~np.isnan(values[key])
    ids = table[:, -1].astype(np.int64)  # to place the indicator figures and the FTE-years per reported year
    starts = np.rint(table[:, -3]).astype(np.int64)
    ends = np.rint(table[:, -2]).astype(np.int64)
    calculable = table[:, -4] == 1
    return EffectTable(
        table[:, 0].astype(np.int64), relevant, values, starts, ends, calculable, reports, ids, fte_by_year
    )


def split(table: EffectTable, key: str, ok: Any, years: list[int]) -> Any:
    """(rows, years): the figure `key` of the rows `ok` per calendar year. Every figure is spread over its commitment
    period by days, except FTE-years of a social-return commitment whose calculation stored them per year from the
    reported periods (docs/effects.md, "Effects per year")."""
    out = periods.spread(table.values[key][ok], table.starts[ok], table.ends[ok], years)
    if key != FTE_KEY or not table.fte_by_year:
        return out
    for row, pk in enumerate(table.ids[ok]):
        stored = table.fte_by_year.get(int(pk))
        if stored:
            out[row] = [float(stored.get(str(year), 0)) for year in years]
    return out


def covered_years(table: EffectTable) -> list[int]:
    """The calendar years the commitment periods reach, widened to whole RIVM periods."""
    if len(table.starts) == 0:
        return []
    first = int(np.datetime64(int(table.starts.min()), "D").astype(object).year)
    last = int(np.datetime64(int(table.ends.max()), "D").astype(object).year)
    years = set(range(first, last + 1))
    for start, end in periods.rivm_periods(sorted(years)):
        years.update(range(start, end + 1))
    return sorted(years)


def organisation_periods(effects: QuerySet[EffectCalculation]) -> list[PeriodRow]:
    """One organisation's figures per calendar year and per RIVM period (values only; None where no calculable
    commitment of the figure reaches the year)."""
    table = effect_table(effects)
    years = covered_years(table)
    rivm = periods.rivm_periods(years)
    rows = [PeriodRow(str(year), False, []) for year in years]
    rows += [PeriodRow(periods.period_label(period), True, []) for period in rivm]
    for key in SPREAD_KEYS:
        ok = table.relevant[key] & ~np.isnan(table.values[key])
        by_year = split(table, key, ok, years)
        reached = periods.spread(np.ones(int(ok.sum())), table.starts[ok], table.ends[ok], years) > 0
        sums = by_year.sum(axis=0)
        any_year: Any = np.asarray(reached.any(axis=0), dtype=bool)
        for index, _year in enumerate(years):
            rows[index].cells.append(PeriodCell(float(sums[index]) if any_year[index] else None, None, None))
        for offset, (first, last) in enumerate(rivm):
            inside = [years.index(y) for y in range(first, last + 1)]
            value = float(sums[inside].sum()) if any_year[inside].any() else None
            rows[len(years) + offset].cells.append(PeriodCell(value, None, None))
    return rows


@dataclass(frozen=True)
class YearFigure:
    """One organisation's figure of one calendar year: the sum of the parts of that year of the commitments the figure
    is about (`split`), the 95% bootstrap interval over those commitments, and how many of them reach the year with a
    value (`calculable`) and without one (`not_calculable`). `value` is None when no calculable commitment of the
    figure reaches the year."""

    key: str
    year: int
    value: float | None
    low: float | None
    high: float | None
    calculable: int
    not_calculable: int
    method_version: str = calc.METHOD_VERSION


def reaching(table: EffectTable, year: int) -> Any:
    """(rows,): whether each commitment period has at least one day in the calendar year."""
    first, last = periods.epoch_day(date(year, 1, 1)), periods.epoch_day(date(year, 12, 31))
    return (table.starts <= last) & (table.ends >= first)


def year_figures(
    effects: QuerySet[EffectCalculation], year: int, *, draws: int = DRAWS, seed: int = SEED
) -> dict[str, YearFigure]:
    """Per figure that is spread over the years (`SPREAD_KEYS`; not sanctions), the figure of `year` of ONE
    organisation's stored effects (docs/effects.md, "One year of an organisation").

    The units of the bootstrap are the calculable commitments of the figure that reach the year, each with its part
    of that year; they are resampled as one group (`calc.grouped_bootstrap_totals`, `draws` draws, `seed`), in the
    order of their stored effect's id, so the interval does not depend on the order the database returns rows in."""
    table = effect_table(effects)
    inside = reaching(table, year)
    out: dict[str, YearFigure] = {}
    for key in SPREAD_KEYS:
        known = ~np.isnan(table.values[key])
        ok = table.relevant[key] & known & inside
        missing = int((table.relevant[key] & ~known & inside).sum())
        if not ok.any():
            out[key] = YearFigure(key, year, None, None, None, 0, missing)
            continue
        order = np.argsort(table.ids[ok], kind="stable")
        parts = split(table, key, ok, [year])[order, 0]
        _totals, low, high = calc.grouped_bootstrap_totals(parts, np.zeros(len(parts), dtype=np.int64), draws, seed)
        value = float(parts.sum())
        out[key] = YearFigure(key, year, value, float(low[0, 0]), float(high[0, 0]), int(ok.sum()), missing)
    return out


def organisation_year_figures(
    organisation_id: int, year: int, *, draws: int = DRAWS, seed: int = SEED
) -> dict[str, YearFigure]:
    """`year_figures` of the organisation's current stored effects."""
    effects = EffectCalculation.objects.current().filter(organisation=organisation_id)
    return year_figures(effects, year, draws=draws, seed=seed)
