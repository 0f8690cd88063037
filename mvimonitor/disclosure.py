"""Statistical disclosure control: the ONE place that decides whether a national figure may be shown.

Every figure that sums over more than one organisation (national, per kind of organisation, per province) goes
through `protect()` before it reaches a page, an export or the API. No other module may decide this.

Stable API (also used by the effects module)
--------------------------------------------
- ``Cell(key, contributions)``: one figure. ``key`` is any hashable coordinate (for example
  ``("2024", "gemeente", "works")``); ``contributions`` maps organisation id -> that organisation's non-negative
  part of the figure (a number of tenders, euros, tonnes CO2, ...). The figure is the sum of the contributions.
- ``Relation(total, parts)``: an additivity rule that a reader can use: ``value(total) == sum(value(parts))``.
  Give one for every total or margin that is published (row and column totals, the national total over kinds or
  provinces, a denominator that is the sum of "with" and "without").
- ``protect(cells, relations=(), *, fixed=None, thresholds=None) -> Protected``: decides every cell.
  ``fixed`` maps keys whose status was already decided in another table (for example shared denominators) to
  ``True`` (shown) or ``False`` (suppressed); those keep their status and are taken into account.
- ``protect_breakdown(parts, *, total_key="total", thresholds=None) -> Protected``: the common one-way case, a
  breakdown plus its total (the total cell is built as the sum of the parts).
- ``Protected.value(key)`` gives the figure or ``None`` when suppressed; ``Protected.decision(key)`` says why.
- ``difference(protected_a, key_a, protected_b, key_b)``: a change between two cells (year over year), ``None``
  unless both are shown, so a shown change never reveals a suppressed neighbour.

The rules
---------
1. Primary suppression. A cell is shown only if at least k distinct organisations contribute to it (a non-zero
   contribution; setting ``MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS``, default 5) and no single organisation
   contributes more than p percent of its value (``MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT``, default 50). A cell
   with fewer than k contributors is suppressed even when it is zero: "nobody in this group did X" is also a
   statement about each member of a small group.
2. Secondary suppression, line by line. For each relation whose total is shown, the suppressed parts together are
   known to a reader (total minus the shown parts); their combined contributions must pass rule 1, so more parts
   are suppressed (smallest first) until they do. A suppressed total whose parts are all shown is derivable, so one
   part is suppressed too.
3. Secondary suppression, exact audit. The published cells and all relations form a linear system; a suppressed
   cell must not be uniquely determined by any combination of them (checked with exact Gaussian elimination).
   Where it is, one more cell of a relation that contains it is suppressed, and rules 2-3 repeat.

What it does not do: it does not add noise, and it does not guarantee that the interval a reader can deduce for a
suppressed cell from non-negativity is wide (full interval protection needs linear programming, as tau-argus
does). See docs/adr/0012-disclosure-control.md.

Output never contains an organisation id or name: `Protected` exposes values and decisions only.
"""

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

import numpy as np
from django.conf import settings

Key = Hashable
Number = int | Decimal


class Reason(StrEnum):
    TOO_FEW_ORGANISATIONS = "too_few_organisations"
    DOMINANCE = "dominance"
    SECONDARY = "secondary"


@dataclass(frozen=True, slots=True)
class Thresholds:
    min_organisations: int
    dominance_percent: int

    @classmethod
    def from_settings(cls) -> "Thresholds":
        return cls(
            min_organisations=settings.MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS,
            dominance_percent=settings.MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT,
        )


def scaled(units: int, scale: int) -> Number:
    """units / scale as an exact number: an int for scale 1; for a power of ten a Decimal with that many decimals
    (12345 cents -> Decimal("123.45"), 100 cents -> Decimal("1.00"))."""
    if scale == 1:
        return units
    digits = len(str(scale)) - 1
    if scale == 10**digits:
        return Decimal(units).scaleb(-digits)
    return Decimal(units) / scale


class Amounts(Mapping[int, Number]):
    """Contributions as a vector: `units[i]` is the part of organisation `ids[i]`, in units of 1/`scale` (for example
    euro cents with scale 100). The same mapping as a dict {organisation: amount} (organisations with 0 are left
    out), but large tables built from it are checked with vector arithmetic. Cells whose `Amounts` share the same
    `ids` array are combined without leaving numpy. The arrays are not copied: do not change them afterwards."""

    __slots__ = ("_stats", "ids", "scale", "units")

    def __init__(
        self,
        ids: "np.ndarray[Any, Any]",
        units: "np.ndarray[Any, Any]",
        scale: int = 1,
        stats: tuple[int, int, int, int] | None = None,
    ) -> None:
        if ids.shape != units.shape:
            raise ValueError("Amounts need one unit amount per organisation id.")
        self.ids = ids
        self.units = units
        self.scale = scale
        self._stats = stats

    @classmethod
    def split(
        cls, ids: "np.ndarray[Any, Any]", units: "np.ndarray[Any, Any]", masks: "np.ndarray[Any, Any]", scale: int = 1
    ) -> list["Amounts"]:
        """One `Amounts` per row of the boolean matrix `masks` (groups of organisations, e.g. geographies): `units`
        where the mask is set, 0 elsewhere; the statistics the rules need are computed for all rows at once."""
        table = np.where(masks, units[np.newaxis, :], 0)
        positive = np.where(table > 0, table, 0)
        counts = np.count_nonzero(positive, axis=1)
        sums = positive.sum(axis=1)
        largest = positive.max(axis=1, initial=0)
        smallest = table.min(axis=1, initial=0)
        return [
            cls(ids, table[row], scale, (int(counts[row]), int(sums[row]), int(largest[row]), int(smallest[row])))
            for row in range(len(table))
        ]

    def stats(self) -> tuple[int, int, int, int]:
        """(organisations with a positive amount, sum of the positive amounts, the largest, the smallest amount)."""
        if self._stats is None:
            positive = self.units[self.units > 0]
            self._stats = (
                len(positive),
                int(positive.sum()),
                int(positive.max(initial=0)),
                int(self.units.min(initial=0)),
            )
        return self._stats

    def _number(self, units: int) -> Number:
        return scaled(units, self.scale)

    def __getitem__(self, organisation: int) -> Number:
        position = int(np.searchsorted(self.ids, organisation))
        if position >= len(self.ids) or self.ids[position] != organisation or not self.units[position]:
            raise KeyError(organisation)
        return self._number(int(self.units[position]))

    def __iter__(self) -> Iterator[int]:
        return (int(organisation) for organisation in self.ids[self.units != 0])

    def __len__(self) -> int:
        return int(np.count_nonzero(self.units))

    def total(self) -> Number:
        _count, positive_sum, _largest, smallest = self.stats()
        return self._number(positive_sum if smallest >= 0 else int(self.units.sum()))


@dataclass(frozen=True, slots=True)
class Cell:
    key: Key
    contributions: Mapping[int, Number]

    def __post_init__(self) -> None:
        if isinstance(self.contributions, Amounts):
            if self.contributions.stats()[3] < 0:
                raise ValueError(f"A contribution to {self.key!r} is negative.")
            return
        for organisation, amount in self.contributions.items():
            if amount < 0:
                raise ValueError(f"Contribution of organisation {organisation} to {self.key!r} is negative.")

    @property
    def value(self) -> Number:
        if isinstance(self.contributions, Amounts):
            return self.contributions.total()
        return sum(self.contributions.values(), 0)


@dataclass(frozen=True, slots=True)
class Relation:
    total: Key
    parts: tuple[Key, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    shown: bool
    reason: Reason | None = None


@dataclass
class Protected:
    """The outcome of `protect`: the value of each shown cell, and the decision for every cell."""

    _values: dict[Key, Number] = field(default_factory=dict)
    _decisions: dict[Key, Decision] = field(default_factory=dict)

    def __contains__(self, key: Key) -> bool:
        return key in self._decisions

    def shown(self, key: Key) -> bool:
        return self._decisions[key].shown

    def value(self, key: Key) -> Number | None:
        """The figure, or None when it is suppressed (or unknown to this table)."""
        decision = self._decisions.get(key)
        if decision is None or not decision.shown:
            return None
        return self._values[key]

    def decision(self, key: Key) -> Decision:
        return self._decisions[key]

    def keys(self) -> list[Key]:
        return list(self._decisions)

    def suppressed_keys(self) -> set[Key]:
        return {key for key, decision in self._decisions.items() if not decision.shown}


def primary_reason(contributions: Mapping[int, Number], thresholds: Thresholds) -> Reason | None:
    """Why a figure with these contributions may not be shown on its own (None: it may)."""
    count: int
    total: Number
    largest: Number
    if isinstance(contributions, Amounts):  # the vector's statistics, in units (the scale cancels out of the ratio)
        count, total, largest, _smallest = contributions.stats()
    else:
        positive = [amount for amount in contributions.values() if amount > 0]
        count, total, largest = len(positive), sum(positive, 0), max(positive, default=0)
    if count < thresholds.min_organisations:
        return Reason.TOO_FEW_ORGANISATIONS
    if largest * 100 > total * thresholds.dominance_percent:
        return Reason.DOMINANCE
    return None


def _combined(cells: Iterable[Cell]) -> Mapping[int, Number]:
    cells = list(cells)
    vectors = [cell.contributions for cell in cells]
    first = vectors[0] if vectors else None
    if isinstance(first, Amounts) and all(
        isinstance(v, Amounts) and v.ids is first.ids and v.scale == first.scale for v in vectors
    ):
        return Amounts(first.ids, np.sum([v.units for v in vectors if isinstance(v, Amounts)], axis=0), first.scale)
    combined: dict[int, Number] = {}
    for cell in cells:
        for organisation, amount in cell.contributions.items():
            combined[organisation] = combined.get(organisation, 0) + amount
    return combined


def protect(
    cells: Iterable[Cell],
    relations: Iterable[Relation] = (),
    *,
    fixed: Mapping[Key, bool] | None = None,
    thresholds: Thresholds | None = None,
) -> Protected:
    """Decide which cells may be shown (primary and secondary suppression); see the module docstring."""
    rules = thresholds or Thresholds.from_settings()
    by_key: dict[Key, Cell] = {}
    for cell in cells:
        if cell.key in by_key:
            raise ValueError(f"Cell {cell.key!r} is given twice.")
        by_key[cell.key] = cell
    links = list(relations)
    for relation in links:
        for key in (relation.total, *relation.parts):
            if key not in by_key:
                raise ValueError(f"Relation {relation!r} names the unknown cell {key!r}.")
    locked = dict(fixed or {})
    values: dict[Key, Number] = {}

    def value_of(key: Key) -> Number:
        if key not in values:
            values[key] = by_key[key].value
        return values[key]

    status: dict[Key, Reason | None] = {}
    for key, cell in by_key.items():
        reason = primary_reason(cell.contributions, rules)
        if key in locked:
            if locked[key] and reason is not None:
                raise ValueError(f"Cell {key!r} is fixed as shown but fails the disclosure rules ({reason}).")
            status[key] = None if locked[key] else (reason or Reason.SECONDARY)
        else:
            status[key] = reason

    def suppressed(key: Key) -> bool:
        return status[key] is not None

    def pick(candidates: Sequence[Key]) -> Key | None:
        free = [key for key in candidates if not suppressed(key) and key not in locked]
        if not free:
            return None
        return min(free, key=lambda key: (value_of(key), repr(key)))

    def suppress_one_of(relation: Relation, prefer_parts: bool = True) -> bool:
        choice = pick(relation.parts) if prefer_parts else None
        if choice is None and not suppressed(relation.total) and relation.total not in locked:
            choice = relation.total
        if choice is None:
            choice = pick(relation.parts)
        if choice is None:
            return False
        status[choice] = Reason.SECONDARY
        return True

    checked_safe: dict[int, frozenset[Key]] = {}  # relation -> hidden parts already found safe together
    while True:
        changed = True
        while changed:
            changed = False
            for number, relation in enumerate(links):
                hidden_keys = frozenset(key for key in relation.parts if suppressed(key))
                if not suppressed(relation.total):
                    if not hidden_keys or checked_safe.get(number) == hidden_keys:
                        continue
                    if primary_reason(_combined(by_key[key] for key in hidden_keys), rules) is None:
                        checked_safe[number] = hidden_keys
                    else:
                        if not suppress_one_of(relation):
                            raise ValueError(f"Cannot protect {relation!r}: its shown total reveals its parts.")
                        changed = True
                elif not hidden_keys and relation.parts:
                    if not suppress_one_of(relation):
                        raise ValueError(f"Cannot protect {relation!r}: its fixed shown parts reveal its total.")
                    changed = True
        derivable = _derivable(by_key, links, {key for key in by_key if suppressed(key)})
        if not derivable:
            break
        progress = False
        for target in sorted(derivable, key=repr):
            for relation in links:
                if target in (relation.total, *relation.parts) and suppress_one_of(relation):
                    progress = True
                    break
        if not progress:
            target = min(derivable, key=repr)
            raise ValueError(f"Cannot protect cell {target!r}: every cell that could hide it is fixed as shown.")

    result = Protected()
    for key in by_key:
        reason = status[key]
        result._decisions[key] = Decision(shown=reason is None, reason=reason)
        if reason is None:
            result._values[key] = value_of(key)
    return result


def _derivable(by_key: Mapping[Key, Cell], relations: Sequence[Relation], hidden: set[Key]) -> set[Key]:
    """Suppressed cells whose value follows exactly from the shown cells and the relations.

    Each relation is one linear equation total - sum(parts) = 0; shown cells are constants. A hidden cell is
    determined iff its unit vector lies in the row space of the equations restricted to the hidden cells, which in
    reduced row echelon form means: it is a pivot column and its pivot row has no other non-zero entry.

    The elimination runs modulo the prime 2**61 - 1 (fast integer arithmetic). The coefficients are small integers,
    so the rank over the rationals and modulo this prime differ only if the prime divides a minor of the matrix,
    which for matrices of 0/+1/-1 entries of this size does not happen in practice (the tests attack the result
    independently, with plain differencing). Pivot rows are kept fully reduced, so subtracting them from a new row
    never brings back another pivot column.
    """
    if not hidden:
        return set()
    columns = sorted(hidden, key=repr)
    index = {key: position for position, key in enumerate(columns)}
    pivots: dict[int, dict[int, int]] = {}  # pivot column -> its row, normalised to 1 at the pivot
    for relation in relations:
        current: dict[int, int] = {}
        for key, coefficient in ((relation.total, 1), *((part, -1) for part in relation.parts)):
            column = index.get(key)
            if column is not None:
                current[column] = (current.get(column, 0) + coefficient) % _PRIME
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


_PRIME = (1 << 61) - 1


def protect_breakdown(
    parts: Mapping[Key, Mapping[int, Number]],
    *,
    total_key: Key = "total",
    thresholds: Thresholds | None = None,
) -> Protected:
    """A one-way breakdown and its total (the sum of the parts), protected together."""
    total: dict[int, Number] = {}
    for contributions in parts.values():
        for organisation, amount in contributions.items():
            total[organisation] = total.get(organisation, 0) + amount
    cells = [Cell(key, contributions) for key, contributions in parts.items()]
    cells.append(Cell(total_key, total))
    return protect(cells, [Relation(total_key, tuple(parts))], thresholds=thresholds)


def difference(first: Protected, first_key: Key, second: Protected, second_key: Key) -> Number | None:
    """first - second (for example this year minus last year), or None unless both cells are shown."""
    a, b = first.value(first_key), second.value(second_key)
    if a is None or b is None:
        return None
    return a - b
