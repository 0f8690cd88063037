"""Effects per calendar year and per RIVM period (docs/effects.md, "Effects per year"; ADR 0037).

Every effect of a commitment is spread over the commitment period (which defaults to the contract period) pro rata
by days: the part in calendar year t is value × (days of the period in t) / (days of the period), both ends
included, so a leap year has 366 days and the parts add up to the whole. A two-year RIVM period is the sum of its
two years. No Django: plain dates, `Fraction` for the exact split, numpy for the bulk one.
"""

import json
from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

DATA = Path(__file__).resolve().parent / "data" / "rivm_periods.json"
EPOCH = date(1970, 1, 1).toordinal()


def days_per_year(start: date, end: date) -> dict[int, int]:
    """The days of [start, end] (both included) in each calendar year."""
    if end < start:
        raise ValueError(f"The period {start}–{end} ends before it starts.")
    out = {}
    for year in range(start.year, end.year + 1):
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        out[year] = (last - first).days + 1
    return out


def year_shares(start: date, end: date) -> dict[int, Fraction]:
    """Each calendar year's exact share of the period; the shares add up to 1."""
    days = days_per_year(start, end)
    total = sum(days.values())
    return {year: Fraction(n, total) for year, n in days.items()}


def epoch_day(day: date) -> int:
    return day.toordinal() - EPOCH


def spread(
    values: npt.NDArray[np.float64],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    years: Sequence[int],
) -> npt.NDArray[np.float64]:
    """(N, len(years)): each value spread over its period (days since 1970-01-01, both ends included) per year.

    A period that reaches beyond `years` keeps the parts outside them out of the result (they belong to other years).
    """
    values = np.asarray(values, dtype=np.float64)
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    out = np.zeros((len(values), len(years)))
    length = (ends - starts + 1).astype(np.float64)
    for column, year in enumerate(years):
        first, last = epoch_day(date(year, 1, 1)), epoch_day(date(year, 12, 31))
        days = np.clip(np.minimum(ends, last) - np.maximum(starts, first) + 1, 0, None)
        out[:, column] = values * np.divide(days, length, out=np.zeros(len(values)), where=length > 0)
    return out


@cache
def _periods() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def rivm_period(year: int) -> tuple[int, int] | None:
    """The RIVM period (first year, last year) a calendar year belongs to; None before the first published one."""
    data = _periods()
    listed = [(p["start"], p["end"]) for p in data["periods"]]
    for first, last in listed:
        if first <= year <= last:
            return first, last
    first_listed, last_listed = listed[0][0], listed[-1][1]
    if year < first_listed:
        return None
    length = int(data["continuation_years"])
    first = last_listed + 1 + (year - last_listed - 1) // length * length
    return first, first + length - 1


def rivm_periods(years: Sequence[int]) -> list[tuple[int, int]]:
    """The RIVM periods that contain any of `years`, in order."""
    found = {period for year in years if (period := rivm_period(year)) is not None}
    return sorted(found)


def period_label(period: tuple[int, int]) -> str:
    return f"{period[0]}–{period[1]}"
