"""The indicators beyond CO2 of one recalculation (NOx, PM10, PM2.5, primary raw materials, water): the rows stored per
commitment × indicator (`IndicatorFigure`), computed with the CO2 calculator and each indicator's values per unit of
the factor set (docs/effects.md, "Indicators"; ADR 0042). Split from `recalculation`, which calls them.
"""

from collections.abc import Container, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import calculations as calc
from .indicators import EXTRA_INDICATORS

IndicatorRow = tuple[Any, ...]  # the values of INDICATOR_COLUMNS (the calculation id is added when writing)
# what `_indicator_figures` needs for one commitment's indicator rows: they are worked out only for the commitments
# whose stored row changes (the digest does not need them, see `fingerprint`)
IndicatorJob = tuple[Any, ...]

INDICATOR_COLUMNS = (
    "commitment_id",
    "organisation_id",
    "indicator",
    "unit",
    "ex_ante",
    "ex_post",
    "reference",
    "calculable",
    "problem_code",
)
INDICATOR_PLACES = Decimal(1).scaleb(-6)  # IndicatorFigure's decimal places


def stored_indicator(figure: IndicatorRow) -> IndicatorRow:
    """An indicator figure as the database keeps it (its three decimals rounded half up to six places)."""
    values = list(figure)
    for index in (4, 5, 6):
        if values[index] is not None:
            values[index] = values[index].quantize(INDICATOR_PLACES, ROUND_HALF_UP)
    return tuple(values)


# per indicator the set holds a value of the promised or the reference item for: its code, unit, lookup, and the
# values per unit of the promised and the reference option (or why they cannot be used)
IndicatorPair = tuple[str, str, calc.FactorLookup, Decimal | calc.Problem, Decimal | calc.Problem]
INDICATOR_UNITS = {item.code: item.unit for item in EXTRA_INDICATORS}


def indicator_pairs(
    by_indicator: Mapping[str, Mapping[str, calc.Factor]], key: tuple[int, str, str, str, str]
) -> list[IndicatorPair]:
    _set_id, factor_code, unit, reference_code, reference_unit = key
    pairs: list[IndicatorPair] = []
    for code, table in by_indicator.items():
        if factor_code not in table and reference_code not in table:
            continue  # the set says nothing of this indicator for either option
        lookup = calc.FactorLookup(table)
        pairs.append(
            (code, INDICATOR_UNITS[code], lookup, lookup.wtw(factor_code, unit, "actual"),
             lookup.wtw(reference_code, reference_unit, "reference") if reference_code else calc.Problem(""))
        )  # fmt: skip
    return pairs


def indicator_figures(jobs: Iterable[IndicatorJob], commitment_ids: Container[int]) -> list[IndicatorRow]:
    """The indicator rows (INDICATOR_COLUMNS) of the commitments in `commitment_ids`, from `compute_effects`' jobs."""
    rows: list[IndicatorRow] = []
    for job in jobs:
        if job[1] in commitment_ids:
            rows.extend(_indicator_figures(*job))
    return rows


def _indicator_figures(
    pairs: Sequence[IndicatorPair],
    pk: int,
    organisation_id: int,
    quantity: Decimal,
    unit: str,
    factor_code: str,
    reference_quantity: Decimal | None,
    reference_unit: str,
    reference_code: str,
    verified: Decimal | None,
    not_additional: calc.Co2Figures | None,
    outside: int,
) -> list[IndicatorRow]:
    """The rows of INDICATOR_COLUMNS of one commitment: `calc.co2_figures` with each indicator's values. The common
    case (a reference, nothing negative, both values found) is worked out here with the same arithmetic, without the
    checks and look-ups per indicator; every other case goes through `calc.co2_figures` itself."""
    ref_quantity = reference_quantity if reference_quantity is not None else quantity
    plain = bool(reference_code) and quantity >= 0 and ref_quantity >= 0 and (verified is None or verified >= 0)
    scaled = None
    if plain and verified is not None:
        scaled = calc.ZERO if quantity == 0 else ref_quantity * verified / quantity
    rows: list[IndicatorRow] = []
    for code, indicator_unit, lookup, actual, reference in pairs:
        figures: calc.Co2Figures
        if not_additional is not None:
            figures = not_additional
        elif plain and not isinstance(actual, calc.Problem) and not isinstance(reference, calc.Problem):
            emitted = ref_quantity * reference  # by the reference option
            delivered = None if scaled is None or verified is None else scaled * reference - verified * actual
            figures = (emitted - quantity * actual, delivered, emitted, True, None)
        else:
            figures = calc.co2_figures(
                quantity, unit, factor_code, ref_quantity, reference_unit or unit, reference_code, verified, lookup
            )
        ex_ante, ex_post, reference_total, calculable, why = figures
        if outside and why is None:
            ex_post, why = None, calc.Problem(calc.OUTSIDE_PERIOD)
        rows.append((pk, organisation_id, code, indicator_unit, ex_ante, ex_post, reference_total, calculable,
                     why.code if why is not None else ""))  # fmt: skip
    return rows
