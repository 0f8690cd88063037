"""What the recalculation reads besides the commitments and realisations: raw cursor rows, their decimals, and the
social-return facts (the verified placements counted per candidate, the policies whose conditions a contract does not
meet). Split from `recalculation` to keep each module readable; no writes here.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import calculations as calc
from . import social_return as sr
from .models import CommitmentKind

THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True)
class SocialReturnRead:
    """A social-return commitment's verified placements counted by `sr.count_reports`: value, FTE-years, FTE-years
    per calendar year (year -> text, three decimals), and the note or failure of the count."""

    value: Decimal | None  # None: a line cannot be valued (the problem says why)
    fte_years: Decimal
    fte_by_year: dict[str, str]
    problem: calc.Problem | None = None


def raw_rows(query: Any) -> Iterable[tuple[Any, ...]]:
    """The rows of a values_list query straight from the database cursor, without Django's per-value converters;
    `recalculation._commitment_values` does the conversions SQLite needs."""
    from django.db import connection

    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(20_000):
            yield from chunk


def decimal_value(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def read_social_return(placement_rows: Any) -> dict[int, SocialReturnRead]:
    """Per social-return commitment: its verified placements grouped by report and counted by `sr.count_reports`
    (per candidate over all reports, bonus lines only with their base, FTE-years per calendar year)."""
    placements = placement_rows.values_list(
        "realisation__commitment_id", "realisation_id", "realisation__period_start", "realisation__period_end",
        "block__code", "block__basis", "block__value", "block__max_months", "block__is_bonus", "persons", "months",
        "hours_per_week", "amount", "candidate_reference",
    ).order_by("realisation__commitment_id", "realisation_id", "pk")  # fmt: skip
    grouped: dict[int, dict[int, tuple[date, date, list[calc.Placement]]]] = {}
    blocks: dict[int, dict[str, calc.BuildingBlock]] = {}
    block_memo: dict[str, calc.BuildingBlock] = {}
    zero = Decimal(0)
    for row in raw_rows(placements):
        commitment_id, realisation_id, start, end, code, basis, value, max_months, is_bonus = row[:9]
        persons, months, hours, amount, candidate = row[9:]
        block = block_memo.get(code)
        if block is None or (block.basis, block.max_months) != (basis, max_months):
            block = block_memo[code] = calc.BuildingBlock(
                code, basis, decimal_value(value), max_months, counts_as_fte=not is_bonus, is_bonus=bool(is_bonus)
            )
        blocks.setdefault(commitment_id, {})[code] = block
        reports = grouped.setdefault(commitment_id, {})
        report = reports.get(realisation_id)
        if report is None:
            report = reports[realisation_id] = (_day(start), _day(end), [])
        report[2].append(
            calc.Placement(
                code, persons, decimal_value(months) or zero, decimal_value(hours) or zero, decimal_value(amount),
                candidate or "",
            )
        )  # fmt: skip
    out: dict[int, SocialReturnRead] = {}
    memo: dict[tuple[calc.Placement, calc.BuildingBlock | None], calc.PlacementValue] = {}
    for commitment_id, reports in grouped.items():
        given = [sr.Report(start, end, lines) for start, end, lines in reports.values()]
        result = sr.count_reports(given, blocks[commitment_id], memo)
        by_year = {str(year): str(fte.quantize(THOUSANDTH, ROUND_HALF_UP)) for year, fte in result.fte_by_year.items()}
        if not result.calculable:
            out[commitment_id] = SocialReturnRead(None, zero, {}, result.problems[0])
        else:
            out[commitment_id] = SocialReturnRead(result.value, result.fte_years, by_year, result.note(given))
    return out


def read_not_applicable(commitments: Any) -> dict[int, calc.Problem]:
    """The social-return commitments whose policy's conditions their contract does not meet: its kind (the tender's
    nature), its value (excl. VAT) and its duration (the contract's dates, else the commitment period)."""
    rows = (
        commitments.filter(kind=CommitmentKind.SOCIAL_RETURN, social_return_policy__isnull=False)
        .exclude(
            social_return_policy__applies_above_value__isnull=True,
            social_return_policy__min_duration_months__isnull=True,
            social_return_policy__contract_kinds="",
        )
        .order_by()
        .values_list(
            "pk", "social_return_policy__applies_above_value", "social_return_policy__min_duration_months",
            "social_return_policy__contract_kinds", "contract__lot__tender__nature", "contract__value",
            "contract__start_date", "contract__end_date", "period_start", "period_end",
        )
    )  # fmt: skip
    out: dict[int, calc.Problem] = {}
    for pk, above, months, kinds, nature, value, start, end, own_start, own_end in rows:
        conditions = sr.Conditions(above, months, sr.kinds_of(k.strip() for k in kinds.split(",")))
        dated = start is not None and end is not None
        problem = sr.not_applicable(
            conditions, kind=nature, value=value, start=start if dated else own_start, end=end if dated else own_end
        )
        if problem is not None:
            out[pk] = problem
    return out
