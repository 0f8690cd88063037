"""Social return as it is practised: counting per candidate over all reports of a commitment, bonus blocks only with
their base, FTE-years per calendar year from the reported periods, and whether a policy applies to a contract.

Pure like `calculations` (no Django): dataclasses in, dataclasses out, `Decimal` figures, `Fraction` for the exact
split per year. The rules and their worked examples are in docs/effects.md ("Social return") and ADR 0041; the
hand-worked tests are in tests/effects/test_social_return_rules.py.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from . import calculations as calc

ZERO = Decimal(0)

# Reason codes (sentences in `reasons`). Neither makes the commitment not calculable: a line not counted is left out
# of the value and named; a line counted per line is counted as before and the result says so.
BONUS_WITHOUT_BASE = "bonus_without_base"
COUNTED_PER_LINE = "counted_per_line"
# Not a failure and not 0: the policy the commitment follows does not apply to its contract (its conditions).
NOT_APPLICABLE = "sr_not_applicable"

# What a bonus line lacks (details of BONUS_WITHOUT_BASE)
NO_CANDIDATE = "no_candidate"
NO_BASE_PLACEMENT = "no_base_placement"


@dataclass(frozen=True, slots=True)
class Report:
    """The placements of one verified realisation, with the period it reports."""

    period_start: date
    period_end: date
    placements: Sequence[calc.Placement]


@dataclass(frozen=True, slots=True)
class CountedLine:
    report: int  # index in the reports as given
    placement: calc.Placement
    value: calc.PlacementValue
    counted: bool = True  # False: a bonus line without its base, left out of the value
    why: str = ""  # NO_CANDIDATE or NO_BASE_PLACEMENT when not counted


@dataclass(frozen=True, slots=True)
class CommitmentResult:
    """The social return of one commitment over its verified reports."""

    value: Decimal
    fte_years: Decimal
    fte_by_year: Mapping[int, Decimal]
    lines: tuple[CountedLine, ...]
    per_line: int = 0  # lines without a candidate reference under a block with a maximum: capped per line

    @property
    def problems(self) -> tuple[calc.Problem, ...]:
        """The failures (a line that cannot be valued at all): then the value is not calculable."""
        return tuple(line.value.problem for line in self.lines if line.value.problem is not None)

    @property
    def calculable(self) -> bool:
        return not self.problems

    @property
    def not_counted(self) -> tuple[CountedLine, ...]:
        return tuple(line for line in self.lines if not line.counted)

    def note(self, reports: Sequence[Report]) -> calc.Problem | None:
        """What the stored effect says besides its figures: the bonus lines not counted (named by period, block and
        candidate) and how many lines were capped per line; None when every line was counted per candidate."""
        left_out = self.not_counted
        if left_out:
            names = "; ".join(
                f"{reports[line.report].period_start}–{reports[line.report].period_end}: {line.placement.block_code}"
                f" ({line.placement.candidate or '—'})"
                for line in left_out
            )
            details = {"count": str(len(left_out)), "lines": names}
            if self.per_line:
                details["per_line"] = str(self.per_line)
            return calc.Problem(BONUS_WITHOUT_BASE, details)
        if self.per_line:
            return calc.Problem(COUNTED_PER_LINE, {"count": str(self.per_line)})
        return None


@lru_cache(maxsize=4096)  # reporting periods repeat (a quarter, a year): one computation each; callers only read
def month_shares(start: date, end: date) -> dict[int, Fraction]:
    """Each calendar year's exact share of [start, end] (both included) counted in months: a month the period covers
    whole counts 1, a part of a month counts its days / the days of that month. The shares add up to 1.

    Placements are reported in months, so a period of whole months splits by its months: 2025-07-01..2026-12-31 is
    6 months in 2025 and 12 in 2026, shares 1/3 and 2/3 (by days it would be 184/549 and 365/549).
    """
    if end < start:
        raise ValueError(f"The period {start}–{end} ends before it starts.")
    months: dict[int, Fraction] = {}
    first = date(start.year, start.month, 1)
    while first <= end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        last = following - timedelta(days=1)
        covered = (min(end, last) - max(start, first)).days + 1
        months[first.year] = months.get(first.year, Fraction(0)) + Fraction(covered, last.day)
        first = following
    total = sum(months.values(), Fraction(0))
    return {year: share / total for year, share in months.items()}


def _times(value: Decimal, share: Fraction) -> Decimal:
    return value * share.numerator / share.denominator


def count_reports(
    reports: Sequence[Report],
    blocks: Mapping[str, calc.BuildingBlock],
    memo: dict[tuple[calc.Placement, calc.BuildingBlock | None], calc.PlacementValue] | None = None,
) -> CommitmentResult:
    """Value, FTE-years and FTE-years per calendar year of a commitment's verified reports.

    Rules (docs/effects.md, "Social return"):
    - the reports are counted in the order of their periods (earlier periods first; a tie keeps the given order);
    - a line with a candidate reference under a block with a maximum counts at most the months the candidate has left
      under that block over all earlier lines of the commitment (the first 12 months count, the rest do not); a line
      without a reference is capped on its own, as a table's rule per line, and counted in `per_line`;
    - a bonus line counts only if the same candidate has a non-bonus line in this or an earlier report; a bonus line
      without a candidate reference is not counted (nothing ties it to a base);
    - each report's FTE-years (the sum of its lines') are split over the calendar years of its period by months
      (`month_shares`).

    `memo` keeps the value of lines counted on their own (no candidate's months left to judge) across calls: many
    commitments report the same few lines.
    """
    memo = {} if memo is None else memo
    if len(reports) == 1:
        order: Sequence[int] = (0,)
    else:
        order = sorted(range(len(reports)), key=lambda i: (reports[i].period_start, reports[i].period_end, i))
    any_bonus = any(block.is_bonus for block in blocks.values())
    used: dict[tuple[str, str], Decimal] = {}
    bases: set[str] = set()
    lines: list[CountedLine] = []
    by_year: dict[int, Decimal] = {}
    per_line = 0
    total = fte = ZERO
    for index in order:
        report = reports[index]
        if any_bonus:
            bases.update(
                p.candidate
                for p in report.placements
                if p.candidate and (block := blocks.get(p.block_code)) is not None and not block.is_bonus
            )
        report_fte = ZERO  # the report's FTE-years, split over its calendar years at the end of the report
        for placement in report.placements:
            block = blocks.get(placement.block_code)
            if block is not None and block.is_bonus and (not placement.candidate or placement.candidate not in bases):
                why = NO_CANDIDATE if not placement.candidate else NO_BASE_PLACEMENT
                value = calc.PlacementValue(placement.block_code, ZERO, ZERO, ZERO)
                lines.append(CountedLine(index, placement, value, counted=False, why=why))
                continue
            limited = block is not None and block.basis == calc.BASIS_PER_YEAR and block.max_months is not None
            if limited and not placement.candidate:
                per_line += 1
            if limited and placement.candidate and block is not None and block.max_months is not None:
                key = (placement.candidate, block.code)
                left = max(Decimal(block.max_months) - used.get(key, ZERO), ZERO)
                value = calc.placement_value(placement, blocks, limit=left)
                if value.problem is None:
                    used[key] = used.get(key, ZERO) + value.counted_months
            else:
                found = memo.get((placement, block))
                if found is None:
                    found = memo[(placement, block)] = calc.placement_value(placement, blocks)
                value = found
            lines.append(CountedLine(index, placement, value))
            if value.value is not None:
                total += value.value
            if value.fte_years:
                fte += value.fte_years
                report_fte += value.fte_years
        if report_fte:
            for year, share in month_shares(report.period_start, report.period_end).items():
                by_year[year] = by_year.get(year, ZERO) + _times(report_fte, share)
    if len(reports) > 1:
        lines.sort(key=lambda line: line.report)  # back in the order given (stable within a report)
    return CommitmentResult(total, fte, dict(sorted(by_year.items())), tuple(lines), per_line)


# --- when a policy applies -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conditions:
    """A policy's conditions of application (data with source): it applies to contracts of these kinds, above this
    value excl. VAT, running at least this many months. None / empty: no condition of that sort."""

    above_value: Decimal | None = None
    min_months: int | None = None
    kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def any(self) -> bool:
        return self.above_value is not None or self.min_months is not None or bool(self.kinds)


def add_months(day: date, months: int) -> date:
    """`day` plus whole months; a day past the end of the target month becomes its last day (31 Jan + 1 = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def lasts_months(start: date, end: date, months: int) -> bool:
    """Whether [start, end] (both days included) lasts at least `months` months: 2025-01-01..2025-06-30 lasts 6."""
    return end + timedelta(days=1) >= add_months(start, months)


def not_applicable(
    conditions: Conditions, *, kind: str | None, value: Decimal | None, start: date | None, end: date | None
) -> calc.Problem | None:
    """Why the policy does not apply to a contract of this kind, value (excl. VAT) and period, or None when it does.

    Only known facts are judged: a contract without a value, dates or kind is not ruled out by that condition (its
    obligation says what is missing). The first condition not met is named.
    """
    if conditions.kinds and kind and kind not in conditions.kinds:
        return calc.Problem(
            NOT_APPLICABLE, {"condition": "kind", "kind": kind, "kinds": ", ".join(sorted(conditions.kinds))}
        )
    if conditions.above_value is not None and value is not None and value <= conditions.above_value:
        return calc.Problem(
            NOT_APPLICABLE, {"condition": "value", "value": str(value), "above": str(conditions.above_value)}
        )
    if conditions.min_months is not None and start and end and not lasts_months(start, end, conditions.min_months):
        period = f"{start}–{end}"
        return calc.Problem(
            NOT_APPLICABLE, {"condition": "duration", "period": period, "months": str(conditions.min_months)}
        )
    return None


def kinds_of(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v for v in values if v)
