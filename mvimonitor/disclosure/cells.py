"""The cells of a protection problem and the primary rule (see the package docstring)."""

from collections.abc import Hashable, Iterable, Iterator, Mapping
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
    """k (organisations), p (dominance, percent) and the protection level (percent of a cell's value that the
    interval a reader can deduce for a sensitive suppressed cell must reach on both sides; None: the setting)."""

    min_organisations: int
    dominance_percent: int
    protection_percent: int | None = None

    @classmethod
    def from_settings(cls) -> "Thresholds":
        return cls(
            min_organisations=settings.MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS,
            dominance_percent=settings.MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT,
            protection_percent=settings.MVIMONITOR_DISCLOSURE_PROTECTION_PERCENT,
        )

    @property
    def protection(self) -> int:
        if self.protection_percent is None:
            return int(settings.MVIMONITOR_DISCLOSURE_PROTECTION_PERCENT)
        return self.protection_percent


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
    """value(total) == sum(value(parts)): a total or margin a reader can use."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def terms(self) -> tuple[tuple[Key, int], ...]:
        return ((self.total, 1), *((part, -1) for part in self.parts))


@dataclass(frozen=True, slots=True)
class Equation:
    """sum(coefficient * value(key)) == 0 with integer coefficients: an identity between published figures that is
    not a plain total (for example: the per-theme counts add up to sum k x (tenders with k themes))."""

    terms: tuple[tuple[Key, int], ...]


@dataclass(frozen=True, slots=True)
class Inequality:
    """sum(coefficient * value(key)) <= 0: a bound a reader knows from the definitions (a subset is never larger
    than its set; the value of n tenders in a value class lies between n x its lower and n x its upper limit).
    Coefficients are in the cells' own units (euros per tender for a value-class limit)."""

    terms: tuple[tuple[Key, Number], ...]


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
