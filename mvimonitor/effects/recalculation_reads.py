"""What the recalculation of stored effects reads: commitments, realisations, the verified placements counted per
candidate (`social_return.count_reports`), the policies whose conditions a contract does not meet, factor sets and the
values of the other indicators, each in one query straight from the database cursor (docs/effects.md, ADR 0020,
ADR 0041). No writes here.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import calculations as calc
from . import social_return as sr
from .factor_sets import Unit
from .models import (
    Commitment,
    CommitmentKind,
    EmissionFactor,
    EmissionFactorSet,
    IndicatorFactor,
    RealisationStatus,
)

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


# per commitment: verified sum (None: nothing verified), submitted sum, verified realisations outside the commitment
# period and that period as text (see _read_realised)
Realised = tuple[Decimal | None, Decimal | None, int, str]
# per factor set: code -> source year of the item (for `factors_used`)
FactorYears = Mapping[int, Mapping[str, int | None]]

# What the recalculation reads of a commitment, in this order (organisation, the rule's multiple, basis and
# percentage, and the product group's code come from joins).
COMMITMENT_FIELDS = (
    "id",
    "kind",
    "unit",
    "quantity",
    "factor_code",
    "reference_quantity",
    "reference_unit",
    "reference_factor_code",
    "factor_set_id",
    "period_start",
    "period_end",
    "award_advantage",
    "sanction_multiple",
    "organisation_id",
    "rule_multiple",
    "no_additionality",
    "sanction_basis",
    "sanction_percentage",
    "rule_basis",
    "rule_percentage",
    "product_group_code",
    "reference_deviation_reason",
)


def load_factor_sets(
    set_ids: Iterable[int] | None = None,
) -> tuple[dict[int, dict[str, calc.Factor]], dict[int, str], dict[int, dict[str, int | None]]]:
    """Per set: its items as the calculators take them, its label, and the items' source years."""
    factors: dict[int, dict[str, calc.Factor]] = {}
    labels: dict[int, str] = {}
    years: dict[int, dict[str, int | None]] = {}
    sets = EmissionFactorSet.objects.all()
    if set_ids is not None:
        sets = sets.filter(pk__in=list(set_ids))
    for factor_set in sets:
        labels[factor_set.pk] = factor_set.label
        factors[factor_set.pk] = {}
        years[factor_set.pk] = {}
    rows = EmissionFactor.objects.filter(factor_set_id__in=list(labels)).values_list(
        "factor_set_id", "code", "unit", "wtw", "ttw", "wtt", "source_year"
    )
    for set_id, code, unit, wtw, ttw, wtt, source_year in rows:
        factors[set_id][code] = calc.Factor(code, unit, wtw, ttw, wtt)
        years[set_id][code] = source_year
    return factors, labels, years


# per factor set: indicator code -> item code -> its value per unit, as a calc.Factor (value in `wtw`)
IndicatorFactors = Mapping[int, Mapping[str, Mapping[str, calc.Factor]]]


def load_indicator_factors() -> dict[int, dict[str, dict[str, calc.Factor]]]:
    """Every set's values per unit of the indicators beyond CO2, in one query."""
    out: dict[int, dict[str, dict[str, calc.Factor]]] = {}
    rows = IndicatorFactor.objects.order_by("indicator").values_list(
        "factor_set_id", "indicator", "factor_code", "unit", "value"
    )  # in the order of the codes: the digest sees the figures in a fixed order
    for set_id, code, item, unit, value in rows:
        out.setdefault(set_id, {}).setdefault(code, {})[item] = calc.Factor(item, unit, value)
    return out


def _commitment_values(rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    """Decimal and date values of raw COMMITMENT_FIELDS rows. PostgreSQL's driver gives them already; SQLite gives
    numbers (a DecimalField column holds at most 15 significant digits there, so repr() of the float is its value)
    and, from the query of `_commitment_query`, the dates as ISO text."""
    from django.db import connection

    if connection.vendor == "postgresql":
        yield from rows
        return
    dec = decimal_value
    day = date.fromisoformat
    for (
        pk, kind, unit, quantity, factor_code, reference_quantity, reference_unit, reference_factor_code, set_id,
        period_start, period_end, award_advantage, own_multiple, organisation_id, rule_multiple, not_additional,
        own_basis, own_percentage, rule_basis, rule_percentage, group_code, deviation_reason,
    ) in rows:  # fmt: skip
        yield (
            pk, kind, unit, Decimal(repr(quantity)) if quantity.__class__ is float else dec(quantity), factor_code,
            None if reference_quantity is None else dec(reference_quantity), reference_unit, reference_factor_code,
            set_id, day(period_start), day(period_end), None if award_advantage is None else dec(award_advantage),
            None if own_multiple is None else dec(own_multiple), organisation_id,
            None if rule_multiple is None else dec(rule_multiple), bool(not_additional), own_basis,
            None if own_percentage is None else dec(own_percentage), rule_basis,
            None if rule_percentage is None else dec(rule_percentage), group_code, deviation_reason,
        )  # fmt: skip


def _commitment_query(commitments: Any) -> Any:
    """The values_list query of COMMITMENT_FIELDS. On SQLite the two dates are selected as text: a plain date column
    goes through the driver's date converter (two Python calls per value), `date.fromisoformat` is one C call."""
    from django.db import connection
    from django.db.models import CharField, F
    from django.db.models.functions import Cast

    annotations: dict[str, Any] = {
        "organisation_id": F("contract__lot__tender__organisation_id"),
        "rule_multiple": F("sanction_rule__multiple"),
        "rule_basis": F("sanction_rule__basis"),
        "rule_percentage": F("sanction_rule__percentage"),
        "product_group_code": F("contract__lot__tender__product_group__code"),
    }
    fields = list(COMMITMENT_FIELDS)
    if connection.vendor == "sqlite":
        for name in ("period_start", "period_end"):
            annotations[f"{name}_text"] = Cast(name, CharField())
            fields[fields.index(name)] = f"{name}_text"
    return commitments.annotate(**annotations).order_by().values_list(*fields)


def _sum_value(value: Any) -> Decimal | None:
    """A SUM of quantities with three decimals is exact with three decimals; SQLite sums them as floats, so the
    float is rounded back to its three decimals (its error is far below 0.0005 for any quantity the field holds)."""
    number = decimal_value(value)
    return None if number is None else number.quantize(THOUSANDTH)


def _read_realised(realisation_rows: Any) -> dict[int, Realised]:
    """Per commitment: (sum of verified quantities or None when nothing is verified — for a level, the lowest verified
    level, since a level is held through the period rather than added up —, sum of submitted ones, number
    of verified realisations outside the commitment's period, that period). Realisations outside the commitment's
    period or the contract's (possible only through paths that skip the checks, or recorded before the commitment
    period was enforced) are left out of both sums."""
    from django.db.models import Case, Count, F, Min, Q, Sum, When

    inside = (
        Q(period_start__gte=F("commitment__period_start"))
        & Q(period_end__lte=F("commitment__period_end"))
        & (
            Q(commitment__contract__start_date__isnull=True)
            | Q(period_start__gte=F("commitment__contract__start_date"))
        )
        & (Q(commitment__contract__end_date__isnull=True) | Q(period_end__lte=F("commitment__contract__end_date")))
    )
    verified = Q(status=RealisationStatus.VERIFIED)
    realisations = (
        realisation_rows.values("commitment_id", "commitment__unit")
        .annotate(
            verified=Sum(Case(When(verified & inside, then="quantity"))),
            lowest=Min(Case(When(verified & inside, then="quantity"))),
            submitted=Sum(Case(When(Q(status=RealisationStatus.SUBMITTED) & inside, then="quantity"))),
            n_verified=Count("pk", filter=verified & inside),
            n_outside=Count("pk", filter=verified & ~inside),
        )
        .order_by()
        .values_list("commitment_id", "commitment__unit", "verified", "lowest", "submitted", "n_verified", "n_outside")
    )
    realised: dict[int, Realised] = {}
    outside: list[int] = []
    for pk, unit, verified_sum, lowest, submitted_sum, n_verified, n_outside in raw_rows(realisations):
        delivered = lowest if unit == Unit.LEVEL else verified_sum  # a level is held, not added up
        realised[pk] = (
            _sum_value(delivered) if n_verified else None,
            _sum_value(submitted_sum) if submitted_sum is not None else None,
            n_outside,
            "",
        )
        if n_outside:
            outside.append(pk)
    if outside:  # rare: name the period the realisations must lie in (the commitment's, within the contract's)
        periods = Commitment.objects.filter(pk__in=outside).values_list(
            "pk", "period_start", "period_end", "contract__start_date", "contract__end_date"
        )
        for pk, start, end, contract_start, contract_end in periods:
            start = max(start, contract_start) if contract_start else start
            end = min(end, contract_end) if contract_end else end
            realised[pk] = (*realised[pk][:3], f"{start}–{end}")
    return realised
