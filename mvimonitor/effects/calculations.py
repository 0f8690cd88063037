"""Pure effect calculators: CO2-eq against a reference, social return, sanctions, bootstrap intervals.

No Django imports: dataclasses in, dataclasses out, `Decimal` for money and emissions (numpy only for the bootstrap).
Where a figure cannot be computed the result says so with a reason code and the details; it is never 0.
The reason codes are translated into sentences by `mvimonitor.effects.reasons`.

Method (docs/effects.md): effect = emissions of the reference option − emissions of the chosen option, both
computed with the well-to-wheel (WTW) factor of one factor set, over the commitment period (ex ante: the promised
quantity; ex post: the verified delivered quantity, with the reference quantity scaled in the same proportion).
"""

import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

METHOD_VERSION = "effects-1.2"  # 1.1: realisations outside the commitment period are left out; 1.2: social return
# counted per candidate over all reports, bonus blocks only with their base, policies applied by their conditions,
# fines on the unmet share (ADR 0041); national reference options when a commitment names no reference, and
# indicators beyond CO2 (ADR 0042)
ZERO = Decimal(0)
FULL_TIME_HOURS = Decimal(36)  # building-block values are "per person per year, based on 36 h/week" (domain.md §5)
MONTHS_PER_YEAR = Decimal(12)


# --- reasons ---------------------------------------------------------------------------------------------------------

NO_REFERENCE = "no_reference"
NO_FACTOR = "no_factor"
NO_WTW = "no_wtw"
UNIT_MISMATCH = "unit_mismatch"
NEGATIVE_QUANTITY = "negative_quantity"
NO_DELIVERY = "no_verified_delivery"
NO_BLOCK = "no_building_block"
NO_BASE = "no_obligation_base"
BAD_PERCENTAGE = "bad_percentage"
BAD_MONTHS = "bad_months"
BAD_HOURS = "bad_hours"
NO_AMOUNT = "no_amount"
NO_ADVANTAGE = "no_award_advantage"
NO_MULTIPLE = "no_sanction_multiple"
NO_FINE_PERCENTAGE = "no_fine_percentage"
NO_PROMISE = "no_promise"
OUTSIDE_PERIOD = "realisation_outside_period"
# Not a failure: the requirement is not stricter than the reference option, so the effect is a real 0 (counted).
NO_ADDITIONALITY = "no_additionality"


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    details: Mapping[str, str] = field(default_factory=dict)


# --- CO2 -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Factor:
    """One item of an emission-factor set: kg CO2-eq per `unit` (well-to-wheel, tank-to-wheel, well-to-tank)."""

    code: str
    unit: str
    wtw: Decimal | None
    ttw: Decimal | None = None
    wtt: Decimal | None = None


def factor_wtw(factor_code: str, unit: str, factors: Mapping[str, Factor], role: str) -> Decimal | Problem:
    """The WTW factor (kg CO2-eq per `unit`) of an item of the set, or why it cannot be used for this unit."""
    factor = factors.get(factor_code)
    if factor is None:
        return Problem(NO_FACTOR, {"role": role, "factor": factor_code})
    if factor.unit != unit:
        return Problem(UNIT_MISMATCH, {"role": role, "factor": factor.code, "factor_unit": factor.unit, "unit": unit})
    if factor.wtw is None:
        return Problem(NO_WTW, {"role": role, "factor": factor.code})
    return factor.wtw


class FactorLookup:
    """`factor_wtw` of one factor set, memoised per (item, unit, role): a recalculation of every commitment asks the
    same few questions for each of them."""

    __slots__ = ("_answers", "_factors")

    def __init__(self, factors: Mapping[str, Factor]) -> None:
        self._factors = factors
        self._answers: dict[tuple[str, str, str], Decimal | Problem] = {}

    def wtw(self, factor_code: str, unit: str, role: str) -> Decimal | Problem:
        key = (factor_code, unit, role)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = factor_wtw(factor_code, unit, self._factors, role)
        return answer


Co2Figures = tuple[Decimal | None, Decimal | None, Decimal | None, bool, Problem | None]


def co2_figures(
    promised: Decimal,
    unit: str,
    factor_code: str,
    reference_quantity: Decimal,
    reference_unit: str,
    reference_factor_code: str,
    delivered: Decimal | None,
    lookup: FactorLookup,
) -> Co2Figures:
    """The stored figures of one CO2 commitment: (ex ante kg, ex post kg, reference kg, calculable, problem).

    ex ante = reference quantity × WTW(reference) − promised × WTW(promised option);
    ex post = reference quantity × delivered / promised (0 when nothing was promised) × WTW(reference) − delivered ×
    WTW(promised option), with
    `delivered` the sum of verified realisations (None: nothing verified yet, so no ex-post figure and no problem).
    The checks run in this order and the first failing one is the problem: a reference option, a non-negative
    promise, a usable factor for the promised option, a non-negative reference quantity, a usable factor for the
    reference option; then, for ex post only, a non-negative delivery. `calculable` is the ex-ante verdict; a figure
    that cannot be computed is None, never 0. Factor look-ups go through `lookup`, memoised per set, since a
    recalculation of every commitment asks the same few questions again and again.
    """
    if not reference_factor_code:
        return None, None, None, False, Problem(NO_REFERENCE)
    if promised < 0:
        return None, None, None, False, Problem(NEGATIVE_QUANTITY, {"role": "actual", "quantity": str(promised)})
    actual_wtw = lookup.wtw(factor_code, unit, "actual")
    if isinstance(actual_wtw, Problem):
        return None, None, None, False, actual_wtw
    if reference_quantity < 0:
        problem = Problem(NEGATIVE_QUANTITY, {"role": "reference", "quantity": str(reference_quantity)})
        return None, None, None, False, problem
    reference_wtw = lookup.wtw(reference_factor_code, reference_unit, "reference")
    if isinstance(reference_wtw, Problem):
        return None, None, None, False, reference_wtw
    reference_kg = reference_quantity * reference_wtw
    ex_ante = reference_kg - promised * actual_wtw
    if delivered is None:
        return ex_ante, None, reference_kg, True, None
    if delivered < 0:
        return (
            ex_ante,
            None,
            reference_kg,
            True,
            Problem(NEGATIVE_QUANTITY, {"role": "actual", "quantity": str(delivered)}),
        )
    # none of the three is negative here, so neither is the scaled reference quantity
    scaled = ZERO if promised == 0 else reference_quantity * delivered / promised
    return ex_ante, scaled * reference_wtw - delivered * actual_wtw, reference_kg, True, None


def co2_without_additionality(delivered: Decimal | None) -> Co2Figures:
    """A commitment marked as not additional (its requirement is no stricter than the reference option, e.g. the
    market standard or a legal minimum): its effect is a real 0, calculable and counted, never "not calculable".
    Ex ante 0; ex post 0 once something is verified (None before, like any commitment); no reference emissions."""
    return ZERO, None if delivered is None else ZERO, None, True, Problem(NO_ADDITIONALITY)


# --- social return ---------------------------------------------------------------------------------------------------

BASIS_PER_YEAR = "per_year"  # value per person per year of 36 h/week, prorated by months and hours
BASIS_PER_HOUR = "per_hour"  # value per hour (amount = hours)
BASIS_PER_DAY = "per_day"  # value per day (amount = days)
BASIS_AMOUNT = "amount"  # counts the euro amount entered (invoice excl. VAT, actual costs)


@dataclass(frozen=True, slots=True)
class BuildingBlock:
    code: str
    basis: str
    value: Decimal | None  # None for BASIS_AMOUNT
    max_months: int | None  # None: the table states no maximum for this block
    counts_as_fte: bool = True
    is_bonus: bool = False  # counts only with a base placement of the same candidate (`social_return`)


@dataclass(frozen=True, slots=True)
class Placement:
    """Counted people in one block: no names, no identifiers; at most the supplier's own pseudonymous reference."""

    block_code: str
    persons: int
    months: Decimal = ZERO
    hours_per_week: Decimal = FULL_TIME_HOURS
    amount: Decimal | None = None  # hours, days or euros for the non-yearly bases
    candidate: str = ""  # the supplier's pseudonymous candidate reference ("K-017"); empty: counted per line


@dataclass(frozen=True, slots=True)
class PlacementValue:
    block_code: str
    value: Decimal | None
    fte_years: Decimal
    counted_months: Decimal
    problem: Problem | None = None


@dataclass(frozen=True, slots=True)
class SocialReturnResult:
    value: Decimal
    fte_years: Decimal
    lines: tuple[PlacementValue, ...]

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(line.problem for line in self.lines if line.problem is not None)

    @property
    def calculable(self) -> bool:
        return not self.problems


def placement_value(
    placement: Placement, blocks: Mapping[str, BuildingBlock], limit: Decimal | None = None
) -> PlacementValue:
    """The effort value of one line under the table's rules (maximum months, hours prorated to 36 h).

    `limit`: the months the line may count at most instead of the block's maximum (what a candidate has left of it
    after earlier lines, `social_return.count_reports`)."""
    block = blocks.get(placement.block_code)

    def failed(code: str, **details: str) -> PlacementValue:
        return PlacementValue(placement.block_code, None, ZERO, ZERO, Problem(code, details))

    if block is None:
        return failed(NO_BLOCK, block=placement.block_code)
    if placement.persons < 0:
        return failed(NEGATIVE_QUANTITY, role="persons", quantity=str(placement.persons))
    if block.basis == BASIS_PER_YEAR:
        if placement.months < 0 or placement.months > 600:
            return failed(BAD_MONTHS, months=str(placement.months))
        if placement.hours_per_week <= 0 or placement.hours_per_week > 80:
            return failed(BAD_HOURS, hours=str(placement.hours_per_week))
        cap = Decimal(block.max_months) if limit is None and block.max_months is not None else limit
        counted = placement.months if cap is None else min(placement.months, cap)
        share = Decimal(placement.persons) * counted / MONTHS_PER_YEAR * placement.hours_per_week / FULL_TIME_HOURS
        assert block.value is not None  # noqa: S101 - the loader refuses a yearly block without a value
        fte = share if block.counts_as_fte else ZERO
        return PlacementValue(block.code, block.value * share, fte, counted)
    if placement.amount is None:
        return failed(NO_AMOUNT, block=block.code)
    if placement.amount < 0:
        return failed(NEGATIVE_QUANTITY, role="amount", quantity=str(placement.amount))
    if block.basis == BASIS_AMOUNT:
        return PlacementValue(block.code, placement.amount, ZERO, ZERO)
    assert block.value is not None  # noqa: S101 - the loader refuses an hourly/daily block without a value
    return PlacementValue(block.code, block.value * placement.amount * placement.persons, ZERO, ZERO)


def social_return_value(placements: Sequence[Placement], blocks: Mapping[str, BuildingBlock]) -> SocialReturnResult:
    lines = tuple(placement_value(p, blocks) for p in placements)
    value = sum((line.value for line in lines if line.value is not None), ZERO)
    fte = sum((line.fte_years for line in lines), ZERO)
    return SocialReturnResult(value, fte, lines)


def social_return_obligation(
    base_amount: Decimal | None, percentage: Decimal | None, cap: Decimal | None = None
) -> Decimal | Problem:
    """Obligation in euros = base (contract value or wage sum) × percentage / 100, at most `cap` where one applies."""
    if base_amount is None:
        return Problem(NO_BASE)
    if base_amount < 0:
        return Problem(NEGATIVE_QUANTITY, {"role": "base", "quantity": str(base_amount)})
    if percentage is None or percentage < 0 or percentage > 100:
        return Problem(BAD_PERCENTAGE, {"percentage": str(percentage)})
    obligation = (base_amount * percentage / Decimal(100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return min(obligation, cap) if cap is not None else obligation


# --- sanctions -------------------------------------------------------------------------------------------------------

SANCTION_NONE = "none"  # the promise was kept
SANCTION_PENDING = "pending"  # the period has not ended yet
SANCTION_DUE = "due"


@dataclass(frozen=True, slots=True)
class SanctionResult:
    status: str
    amount: Decimal | None
    problem: Problem | None = None


ADVANTAGE_MULTIPLE = "advantage_multiple"  # the fine is a multiple of the award advantage the promise won
UNMET_SHARE = "unmet_share"  # the fine is a percentage of the unmet part of the obligation (social return, euros)


def sanction(
    *,
    promised: Decimal,
    delivered: Decimal | None,
    period_end: date | None,
    as_of: date,
    award_advantage: Decimal | None,
    multiple: Decimal | None,
    basis: str = ADVANTAGE_MULTIPLE,
    percentage: Decimal | None = None,
) -> SanctionResult:
    """What a missed promise costs, on one of two bases:

    - ADVANTAGE_MULTIPLE: `multiple` × the award advantage gained with it (as in CO2-Prestatieladder practice);
    - UNMET_SHARE: (promised − verified delivery) × `percentage` / 100, the unmet part of a social-return
      obligation in euros (nothing verified: all of it unmet).

    Due only when the period has ended and the verified delivery is below the promise; rounded half up to cents.
    """
    if promised <= 0:
        return SanctionResult(SANCTION_NONE, None, Problem(NO_PROMISE))
    if period_end is not None and as_of <= period_end:
        return SanctionResult(SANCTION_PENDING, None)
    if delivered is not None and delivered >= promised:
        return SanctionResult(SANCTION_NONE, ZERO)
    cents = Decimal("0.01")
    if basis == UNMET_SHARE:
        if percentage is None:
            return SanctionResult(SANCTION_DUE, None, Problem(NO_FINE_PERCENTAGE))
        unmet = promised - (delivered or ZERO)
        return SanctionResult(SANCTION_DUE, (unmet * percentage / Decimal(100)).quantize(cents, ROUND_HALF_UP))
    if award_advantage is None:
        return SanctionResult(SANCTION_DUE, None, Problem(NO_ADVANTAGE))
    if multiple is None:
        return SanctionResult(SANCTION_DUE, None, Problem(NO_MULTIPLE))
    return SanctionResult(SANCTION_DUE, (award_advantage * multiple).quantize(cents, ROUND_HALF_UP))


# --- bootstrap intervals (the national ratio estimator is in `estimator`) --------------------------------------------

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    low: float
    high: float
    reporting: int  # units that reported
    population: int  # units the estimate speaks for


def bootstrap_total(values: FloatArray, draws: int, seed: int, level: float = 0.95) -> Estimate:
    """Total of `values` with a percentile bootstrap interval (resampling the units with replacement)."""
    n = len(values)
    total = float(values.sum())
    if n == 0:
        return Estimate(0.0, 0.0, 0.0, 0, 0)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(draws, n))
    totals = values[idx].sum(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(totals, [tail, 100 - tail])
    return Estimate(total, float(low), float(high), n, n)


BOOTSTRAP_CHUNK = 8  # draws per pass: keeps the index matrix small enough for the cache (docs/effects.md)
# The groups are shared out over this many threads at most (numpy's generator, take and reduceat release the GIL), and
# only when there are at least PARALLEL_MIN_UNITS units: below that, starting threads costs more than it saves.
MAX_BOOTSTRAP_THREADS = 4
PARALLEL_MIN_UNITS = 20_000


def bootstrap_threads() -> int:
    """The cores this process may use, at most MAX_BOOTSTRAP_THREADS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_BOOTSTRAP_THREADS))


def _group_parts(sizes: IntArray, parts: int) -> list[tuple[int, int]]:
    """Consecutive ranges [first, last) of the groups holding about equal numbers of units (a group is never split,
    so every group's draws are summed exactly as by one thread, whatever the number of threads)."""
    cumulative = np.cumsum(sizes)
    cuts = np.searchsorted(cumulative, [cumulative[-1] * k / parts for k in range(1, parts)], side="right")
    bounds = sorted({0, len(sizes), *(int(cut) for cut in cuts)})
    return [(first, last) for first, last in itertools.pairwise(bounds) if last > first]


def grouped_bootstrap_totals(
    values: FloatArray, groups: IntArray, draws: int, seed: int, level: float = 0.95, *, threads: int | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per group (e.g. organisation): total and percentile bootstrap interval, resampling units within each group.

    `values` is (N,) or (F, N) for F figures resampled jointly (the same resampled units for every figure);
    `groups` gives each unit's group. Returns (totals, low, high), each (F, G) with G the number of distinct groups
    in ascending order of their label.

    Vectorised over all groups at once, with no Python loop per draw or per group: the units are sorted by group;
    for each draw, position i of group g (start s_g, size n_g) takes unit s_g + ⌊w × n_g / 2³²⌋, w a uniform 32-bit
    word (an exact integer multiply-shift: every unit of the group has probability 1/n_g up to n_g/2³²). The words
    are the 64-bit outputs of one seeded PCG64 generator, each split into its low and then its high half, in
    draw-major order with one word per unit per draw (plus one unused word per draw when N is odd, so that every
    draw uses whole outputs); they are drawn BOOTSTRAP_CHUNK draws at a time and `np.add.reduceat` sums each group.
    tests/effects/test_calculations.py repeats this with a plain loop per draw and unit and gets the same intervals.

    The groups are shared out over `threads` threads (default: `bootstrap_threads()` from PARALLEL_MIN_UNITS units,
    else one), each taking whole groups and their columns of the same words: the result is identical, bit for bit, to
    one thread's.
    """
    matrix = np.atleast_2d(np.asarray(values, dtype=np.float64))
    n_figures, n_units = matrix.shape
    if n_units == 0:
        empty = np.zeros((n_figures, 0))
        return empty, empty, empty
    _labels, dense = np.unique(groups, return_inverse=True)
    order = np.argsort(dense, kind="stable")
    dense = dense[order]
    matrix = np.ascontiguousarray(matrix[:, order])
    sizes = np.bincount(dense)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    unit_start = starts[dense]
    unit_size = sizes[dense].astype(np.uint64)
    totals = np.add.reduceat(matrix, starts, axis=1)
    if threads is None:
        threads = bootstrap_threads() if n_units >= PARALLEL_MIN_UNITS else 1
    parts = _group_parts(sizes, max(1, threads))
    boot = np.empty((n_figures, draws, len(sizes)))
    chunk = min(BOOTSTRAP_CHUNK, draws)

    def resample(first_group: int, last_group: int) -> Callable[[Any, int, int], None]:
        """A worker for the groups [first_group, last_group): their units' index and sum buffers, made once."""
        first_unit = int(starts[first_group])
        last_unit = int(starts[last_group - 1] + sizes[last_group - 1])
        width = last_unit - first_unit
        sizes_here, offsets = unit_size[first_unit:last_unit], unit_start[first_unit:last_unit] - first_unit
        local_starts = starts[first_group:last_group] - first_unit
        mine = matrix[:, first_unit:last_unit]
        wide = np.empty((chunk, width), dtype=np.uint64)
        picked = np.empty((chunk, width))

        def run(words: Any, first: int, rows: int) -> None:
            product = wide[:rows]
            np.multiply(words[:, first_unit:last_unit], sizes_here, out=product)  # < 2³² × n: exact in 64 bits
            product >>= np.uint64(32)
            idx = product.view(np.intp)  # below 2³², so the same value as a signed index
            idx += offsets
            got = picked[:rows]
            for f in range(n_figures):
                np.take(mine[f], idx, out=got, mode="clip")  # no copy of `got`; idx is in range
                boot[f, first : first + rows, first_group:last_group] = np.add.reduceat(got, local_starts, axis=1)

        return run

    workers_of = [resample(first, last) for first, last in parts]
    generator = np.random.PCG64(seed)
    width = n_units + n_units % 2  # 32-bit words per draw: whole 64-bit outputs
    tail = (1 - level) / 2 * 100
    with ThreadPoolExecutor(len(parts)) if len(parts) > 1 else nullcontext() as pool:
        for first in range(0, draws, chunk):
            rows = min(chunk, draws - first)
            # little-endian: the low half first
            outputs = generator.random_raw(rows * width // 2).astype("<u8", copy=False)
            words = outputs.view("<u4").reshape(rows, width)[:, :n_units]
            if pool is None:
                workers_of[0](words, first, rows)
            else:
                list(pool.map(lambda work, w=words, f=first, r=rows: work(w, f, r), workers_of))

        def percentiles(part: tuple[int, int]) -> Any:
            # boot is ours: let the percentile partition it in place instead of copying draws × groups × figures
            return np.percentile(boot[:, :, part[0] : part[1]], [tail, 100 - tail], axis=1, overwrite_input=True)

        found = list(map(percentiles, parts)) if pool is None else list(pool.map(percentiles, parts))
    low = np.concatenate([part[0] for part in found], axis=1)
    high = np.concatenate([part[1] for part in found], axis=1)
    return totals, np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
