"""What a reader can deduce about suppressed cells from the published ones: exact derivation (rank) and intervals
(linear programming with HiGHS). `protect` uses both to decide; tests and the benchmark use `exact_intervals` to
audit a published set independently of how it was decided.

The reader's knowledge is a system over the suppressed cells: every equation (a `Relation` total = sum of parts,
or an `Equation`) and every `Inequality`, with the shown cells as constants, and every cell >= 0.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from .cells import Key, Number

Terms = tuple[tuple[Key, Number], ...]

_PRIME = (1 << 61) - 1
# Every cell is at most this many times its true value (at least 1): far beyond any protection level, and it keeps
# the program bounded, which the simplex method handles much more robustly than an unbounded one.
_CAP = 1e6


def derivable(equations: Iterable[Terms], hidden: set[Any]) -> set[Any]:
    """Suppressed cells whose value follows exactly from the shown cells and the equations.

    Shown cells are constants. A hidden cell is determined iff its unit vector lies in the row space of the
    equations restricted to the hidden cells, which in reduced row echelon form means: it is a pivot column and its
    pivot row has no other non-zero entry.

    The elimination runs modulo the prime 2**61 - 1 (fast integer arithmetic). The coefficients are small integers,
    so the rank over the rationals and modulo this prime differ only if the prime divides a minor of the matrix,
    which for matrices of small integer entries of this size does not happen in practice (the tests attack the
    result independently). Pivot rows are kept fully reduced, so subtracting them from a new row never brings back
    another pivot column.
    """
    if not hidden:
        return set()
    columns = sorted(hidden, key=repr)
    index = {key: position for position, key in enumerate(columns)}
    pivots: dict[int, dict[int, int]] = {}  # pivot column -> its row, normalised to 1 at the pivot
    for terms in equations:
        current: dict[int, int] = {}
        for key, coefficient in terms:
            column = index.get(key)
            if column is not None:
                current[column] = (current.get(column, 0) + int(coefficient)) % _PRIME
        current = {column: value for column, value in current.items() if value}
        if not current:
            continue
        for column in sorted(set(current) & set(pivots)):
            factor = current.get(column)
            if not factor:
                continue
            for col, value in pivots[column].items():
                updated = (current.get(col, 0) - factor * value) % _PRIME
                if updated:
                    current[col] = updated
                else:
                    current.pop(col, None)
        if not current:
            continue
        pivot = min(current)
        inverse = pow(current[pivot], _PRIME - 2, _PRIME)
        current = {col: value * inverse % _PRIME for col, value in current.items()}
        for pivot_row in pivots.values():  # keep the earlier rows reduced
            factor = pivot_row.get(pivot)
            if factor:
                for col, value in current.items():
                    updated = (pivot_row.get(col, 0) - factor * value) % _PRIME
                    if updated:
                        pivot_row[col] = updated
                    else:
                        pivot_row.pop(col, None)
        pivots[pivot] = current
    return {columns[column] for column, row in pivots.items() if len(row) == 1}


@dataclass(frozen=True, slots=True)
class Interval:
    """What a reader can deduce about one suppressed cell: low <= value <= high (high None: unbounded), against the
    interval the protection level requires."""

    key: Key
    value: float
    low: float
    high: float | None
    required_low: float
    required_high: float

    @property
    def protected(self) -> bool:
        return self.low <= self.required_low + _slack(self.required_low) and (
            self.high is None or self.high >= self.required_high - _slack(self.required_high)
        )


def required(value: float, percent: int) -> tuple[float, float]:
    """The interval a sensitive cell must keep: value -/+ percent of it. (A zero cell keeps no interval; that it is
    not derivable exactly is rule 3's work.)"""
    margin = abs(value) * percent / 100
    return value - margin, value + margin


def _slack(target: float) -> float:
    return 1e-7 * max(1.0, abs(target))


class ReaderModel:
    """The linear program of a reader: one column per suppressed cell, rows for the equations and inequalities that
    contain at least one of them. Objectives are changed and solved again from the last basis."""

    def __init__(
        self,
        values: Mapping[Any, float],
        hidden: Sequence[Any],
        equations: Iterable[Terms],
        inequalities: Iterable[Terms],
    ) -> None:
        self.columns = list(hidden)
        self.index = {key: position for position, key in enumerate(self.columns)}
        # Columns are scaled to the size of their true value (x = scale x y), rows to a largest coefficient of 1:
        # euros next to counts span twelve orders of magnitude, which the simplex method does not survive.
        equations, inequalities = list(equations), list(inequalities)
        size = {key: abs(values[key]) for key in self.columns}
        for terms in equations:  # a cell is as large as the largest figure it is added to (a zero cell too)
            largest = max(abs(values[key]) for key, _c in terms)
            for key, _c in terms:
                if key in size and largest > size[key]:
                    size[key] = largest
        self.scale = np.array([max(1.0, size[key]) for key in self.columns])
        starts: list[list[tuple[int, float]]] = [[] for _ in self.columns]
        lower: list[float] = []
        upper: list[float] = []
        for terms, is_equation in [*((t, True) for t in equations), *((t, False) for t in inequalities)]:
            row: dict[int, float] = {}
            constant = 0.0
            for key, coefficient in terms:
                column = self.index.get(key)
                if column is None:
                    constant += float(coefficient) * values[key]
                else:
                    row[column] = row.get(column, 0.0) + float(coefficient)
            entries = [(column, value * self.scale[column]) for column, value in row.items() if value]
            if not entries:
                continue
            norm = max(abs(weight) for _column, weight in entries)
            number = len(lower)
            for column, weight in entries:
                starts[column].append((number, weight / norm))
            lower.append(-constant / norm if is_equation else -highspy.kHighsInf)
            upper.append(-constant / norm)
        width = len(self.columns)
        lp = highspy.HighsLp()
        lp.num_col_ = width
        lp.num_row_ = len(lower)
        lp.col_cost_ = np.zeros(width)
        lp.col_lower_ = np.zeros(width)
        lp.col_upper_ = np.full(width, _CAP)
        lp.row_lower_ = np.array(lower, dtype=float)
        lp.row_upper_ = np.array(upper, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        pointer, rows, coefficients = [0], [], []
        for entries in starts:
            rows += [row for row, _c in entries]
            coefficients += [c for _row, c in entries]
            pointer.append(len(rows))
        lp.a_matrix_.start_ = np.array(pointer, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(rows, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(coefficients, dtype=float)
        self.lp = lp
        self.highs = self._solver()
        self._all = np.arange(width, dtype=np.int32)

    def _solver(self) -> highspy.Highs:
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
        highs.setOptionValue("output_flag", False)
        highs.passModel(self.lp)
        return highs

    def solve(self, weights: Mapping[Key, float], maximise: bool) -> "np.ndarray[Any, Any] | None":
        """A solution optimising sum(weight x cell), or None when that sum is unbounded."""
        costs = np.zeros(len(self.columns))
        for key, weight in weights.items():
            column = self.index[key]
            costs[column] = weight * self.scale[column]
        peak = float(np.abs(costs).max(initial=0.0))
        self.highs.changeColsCost(len(self.columns), self._all, costs / peak if peak else costs)
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)
        self.highs.run()
        status = self.highs.getModelStatus()
        for options in _FALLBACKS:  # again with a new solver, without the previous basis, other methods
            if status in _SETTLED:
                break
            self.highs = self._solver()
            for name, setting in options.items():
                self.highs.setOptionValue(name, setting)
            self.highs.changeColsCost(len(self.columns), self._all, costs / peak if peak else costs)
            self.highs.changeObjectiveSense(sense)
            self.highs.run()
            status = self.highs.getModelStatus()
        if status not in _SETTLED:
            raise UnsolvedError(self.highs.modelStatusToString(status))
        if status == highspy.HighsModelStatus.kOptimal:
            scaled = np.array(self.highs.getSolution().col_value)
            solution: np.ndarray[Any, Any] = np.where(scaled >= _CAP * (1 - 1e-9), np.inf, scaled * self.scale)
            return solution
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return None
        raise RuntimeError(
            f"The reader's linear program could not be solved: {self.highs.modelStatusToString(status)}"
        )


class UnsolvedError(RuntimeError):
    """The solver gave no answer; the caller treats the cell as not proven safe."""


_FALLBACKS: tuple[dict[str, str], ...] = (
    {},
    {"presolve": "off"},
    {"solver": "ipm"},
    {"presolve": "off", "solver": "pdlp"},
)
_SETTLED = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)


def too_narrow(
    values: Mapping[Any, float],
    hidden: Sequence[Any],
    sensitive: Iterable[Any],
    equations: Iterable[Terms],
    inequalities: Iterable[Terms],
    percent: int,
) -> dict[Key, float]:
    """Sensitive suppressed cells whose deducible interval is narrower than required, with how much is missing.

    A solution of the reader's program that reaches a cell's required bound proves that bound for that cell; one
    solution usually proves it for many cells, so the cells still open are pushed together (the sum of their scaled
    values as objective) and only the last ones are solved one by one, which is exact."""
    targets = {key: required(values[key], percent) for key in sensitive if values[key]}
    if not targets:
        return {}
    model = ReaderModel(values, hidden, equations, inequalities)
    missing: dict[Key, float] = {}
    for maximise in (True, False):
        side = 1 if maximise else 0

        def reaches(solution: "np.ndarray[Any, Any]", key: Key, up: bool = maximise, at: int = side) -> bool:
            reached, goal = float(solution[model.index[key]]), targets[key][at]
            return reached >= goal - _slack(goal) if up else reached <= goal + _slack(goal)

        open_keys = set(targets)
        while open_keys:
            weights = {key: 1.0 / max(1.0, abs(values[key])) for key in open_keys}
            try:
                solution = model.solve(weights, maximise)
            except UnsolvedError:
                solution = None
            settled = {key for key in open_keys if reaches(solution, key)} if solution is not None else set()
            open_keys -= settled
            if settled:
                continue
            key = min(open_keys, key=repr)  # no progress together: this one alone, exactly
            open_keys.discard(key)
            goal = targets[key][side]
            try:
                alone = model.solve({key: 1.0}, maximise)
            except UnsolvedError:  # not proven safe: treat as narrow by its whole margin
                missing[key] = max(missing.get(key, 0.0), abs(goal - values[key]))
                continue
            if alone is None:  # unbounded
                continue
            open_keys -= {other for other in open_keys if reaches(alone, other)}
            if not reaches(alone, key):
                missing[key] = max(missing.get(key, 0.0), abs(goal - float(alone[model.index[key]])))
    return missing


def exact_intervals(
    values: Mapping[Any, float],
    hidden: Sequence[Any],
    sensitive: Iterable[Any],
    equations: Iterable[Terms],
    inequalities: Iterable[Terms],
    percent: int,
) -> list[Interval]:
    """The exact interval of every sensitive suppressed cell (two linear programs per cell): the audit."""
    model = ReaderModel(values, hidden, equations, inequalities)
    out = []
    for key in sorted(sensitive, key=repr):
        high = model.solve({key: 1.0}, True)
        low = model.solve({key: 1.0}, False)
        assert low is not None  # noqa: S101 - every cell is >= 0, so a minimum exists
        want_low, want_high = required(values[key], percent)
        out.append(
            Interval(
                key=key,
                value=values[key],
                low=float(low[model.index[key]]),
                high=None if high is None else float(high[model.index[key]]),
                required_low=want_low,
                required_high=want_high,
            )
        )
    return out
