"""Every national figure of one year as ONE protection problem (ADR 0026).

All KPIs of a year are built from the same tenders, so their cells are linked: a theme's count is part of the
"share per theme" table and of the identity sum(theme counts) = sum(k x tenders with k themes); "with MVI" is
"all" minus "0 themes"; a nature bucket adds up to the undivided figure. Protecting each table on its own let a
reader solve for a suppressed cell across tables. Here every measure x geography x bucket of the year is one cell,
with every identity and every bound a reader knows from the definitions, and `disclosure.protect` decides them
together, so a cell has one state in every table, export, chart and API response.

Cell keys are (measure, geography, bucket id): bucket id "all", or "<breakdown>:<bucket>". A complement (the part
of a share's denominator outside its numerator) is the measure "<base>-<measure>". Figures that are the same by
definition share one cell (`SAME`: all tenders minus those with MVI are the tenders with no theme). Figures that
merely happen to be equal stay separate cells: a reader does not know they are equal.
Cells that are zero by definition (euros of tenders without a value) are not cells: everybody knows them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from mvimonitor import disclosure
from mvimonitor.tenders.value_classes import UNKNOWN_VALUE_CLASS, value_classes

from .kpis import CATALOGUE, Breakdown, Family, Kpi
from .vocabulary import ALL, HUNDREDTHS, NATIONAL, Reference, buckets, in_hundredths

CellKey = tuple[str, str, str]
# published measure -> the measure that is the same figure by definition
SAME = {"n-mvi_n": "tc_n_0"}


def bucket_id(breakdown: Breakdown, bucket: str) -> str:
    return ALL if breakdown == Breakdown.ALL or bucket == ALL else f"{breakdown.value}:{bucket}"


def complement(base: str, measure: str) -> str:
    return f"{base}-{measure}"


def known_zero(measure: str, breakdown: Breakdown, bucket: str) -> bool:
    """Zero by definition: money of the tenders without a value (the value class "unknown")."""
    return (
        breakdown == Breakdown.VALUE_CLASS and bucket == UNKNOWN_VALUE_CLASS and in_hundredths(measure.split("-")[0])
    )


@dataclass
class YearCells:
    """The cells, identities and bounds of one year, and the canonical key of every published figure."""

    cells: dict[CellKey, disclosure.Cell] = field(default_factory=dict)
    alias: dict[CellKey, CellKey] = field(default_factory=dict)  # published key -> the cell that holds it
    relations: list[disclosure.Relation] = field(default_factory=list)
    equations: list[disclosure.Equation] = field(default_factory=list)
    inequalities: list[disclosure.Inequality] = field(default_factory=list)

    def priority(self) -> dict[CellKey, int]:
        """Which cells to hide last when more must be hidden: the undivided national figure (2), an undivided figure
        of a kind or province or a bucket of the national one (1), before the complements (0)."""
        out: dict[CellKey, int] = {}
        for key in self.cells:
            measure, geo, bid = key
            out[key] = 0 if "-" in measure else (geo == NATIONAL) + (bid == ALL)
        return out

    def key(self, measure: str, geo: str, bid: str) -> CellKey | None:
        """The cell holding a published figure; None for a figure that is zero by definition."""
        return self.alias.get((measure, geo, bid))

    def relate(self, total: CellKey, parts: Iterable[CellKey]) -> None:
        parts = list(parts)
        cells = [self.key(*part) for part in parts]
        head = self.key(*total)
        kept = tuple(dict.fromkeys(cell for cell in cells if cell is not None))
        if head is None or not kept or kept == (head,):
            return
        if head in kept or len(kept) < len([cell for cell in cells if cell is not None]):
            # figures that are one cell appear twice: an identity, not a plain total
            self.equate([(total, 1), *((part, -1) for part in parts)])
        else:
            self.relations.append(disclosure.Relation(head, kept))

    def equate(self, terms: Iterable[tuple[CellKey, int]]) -> None:
        summed: dict[CellKey, int] = {}
        for published, coefficient in terms:
            cell = self.key(*published)
            if cell is not None:
                summed[cell] = summed.get(cell, 0) + coefficient
        kept = tuple((cell, c) for cell, c in summed.items() if c)
        if len(kept) > 1:
            self.equations.append(disclosure.Equation(kept))

    def bound(self, terms: Iterable[tuple[CellKey, disclosure.Number]]) -> None:
        """sum(coefficient x figure) <= 0, for the figures that are cells (a known zero drops out)."""
        kept = []
        for published, coefficient in terms:
            cell = self.key(*published)
            if cell is not None:
                kept.append((cell, coefficient))
        if len(kept) > 1:
            self.inequalities.append(disclosure.Inequality(tuple(kept)))


Vector = Callable[[str, Breakdown, str], "np.ndarray[Any, Any]"]
Split = Callable[["np.ndarray[Any, Any]", int, bool], dict[str, disclosure.Amounts]]


def published_measures(kpis: Iterable[Kpi], reference: Reference) -> dict[Breakdown, dict[str, str]]:
    """Per breakdown: every published measure -> the measure its vector is computed from ("<base>-<measure>" for a
    complement)."""
    out: dict[Breakdown, dict[str, str]] = {breakdown: {} for breakdown in Breakdown}
    for kpi in kpis:
        for breakdown in kpi.breakdowns:
            wanted = out[breakdown]
            wanted[kpi.base] = kpi.base
            for item in reference.items(kpi):
                wanted[item.measure] = item.measure
                if kpi.family == Family.SHARE:
                    name = complement(kpi.base, item.measure)
                    wanted[name] = name
    return out


def build_year(
    *,
    vector: Vector,
    split: Split,
    geos: dict[str, list[int]],
    reference: Reference,
    kpis: Iterable[Kpi] = CATALOGUE,
) -> YearCells:
    """The linked problem of one year: `vector(measure, breakdown, bucket)` gives one amount per organisation,
    `split(vector, scale, national_only)` the contributions per geography (or of the country alone); `geos` are the
    geographies with organisations."""
    kpis = list(kpis)
    year = YearCells()
    wanted = published_measures(kpis, reference)
    for breakdown in Breakdown:
        geo_list = list(geos) if breakdown == Breakdown.ALL else [geo for geo in geos if geo == NATIONAL]
        bucket_list = [ALL] if breakdown == Breakdown.ALL else buckets(breakdown)
        for bucket in bucket_list:
            bid = bucket_id(breakdown, bucket)
            for measure in wanted[breakdown]:
                if known_zero(measure, breakdown, bucket):
                    continue
                canonical = SAME.get(measure, measure) if SAME.get(measure) in wanted[breakdown] else measure
                for geo in geo_list:
                    year.alias[(measure, geo, bid)] = (canonical, geo, bid)
                if canonical == measure:
                    amounts = _amounts(vector, measure, breakdown, bucket)
                    scale = HUNDREDTHS if in_hundredths(measure.split("-")[0]) else 1
                    for geo, contributions in split(amounts, scale, breakdown != Breakdown.ALL).items():
                        if geo in geo_list:
                            key = (measure, geo, bid)
                            year.cells[key] = disclosure.Cell(key, contributions)
    for breakdown in Breakdown:
        _identities(year, kpis, reference, breakdown, geos)
    return year


def _amounts(vector: Vector, measure: str, breakdown: Breakdown, bucket: str) -> "np.ndarray[Any, Any]":
    if "-" in measure:
        base, part = measure.split("-", 1)
        difference: np.ndarray[Any, Any] = np.maximum(
            vector(base, breakdown, bucket) - vector(part, breakdown, bucket), 0
        )
        return difference
    return vector(measure, breakdown, bucket)


def _identities(
    year: YearCells, kpis: list[Kpi], reference: Reference, breakdown: Breakdown, geos: dict[str, list[int]]
) -> None:
    geo_list = list(geos) if breakdown == Breakdown.ALL else [geo for geo in geos if geo == NATIONAL]
    kinds = [geo for geo in geo_list if geo.startswith("kind:")]
    provinces = [geo for geo in geo_list if geo.startswith("province:")]
    measures = published_measures(kpis, reference)[breakdown]
    bids = [ALL] if breakdown == Breakdown.ALL else [bucket_id(breakdown, b) for b in buckets(breakdown)]
    for measure in measures:
        if breakdown == Breakdown.ALL:  # the country is the sum of its kinds, and of its provinces
            for parts in (kinds, provinces):
                year.relate((measure, NATIONAL, ALL), [(measure, geo, ALL) for geo in parts])
        else:  # the undivided figure is the sum of the buckets
            year.relate((measure, NATIONAL, ALL), [(measure, NATIONAL, bid) for bid in bids])
    for kpi in kpis:
        if breakdown not in kpi.breakdowns:
            continue
        items = reference.items(kpi)
        for geo in geo_list:
            for bid in bids:
                if kpi.family == Family.SHARE:
                    for item in items:
                        year.relate(
                            (kpi.base, geo, bid),
                            [(item.measure, geo, bid), (complement(kpi.base, item.measure), geo, bid)],
                        )
                elif kpi.family == Family.PARTITION:
                    year.relate((kpi.base, geo, bid), [(item.measure, geo, bid) for item in items])
    for geo in geo_list:
        for bid in bids:
            _bounds(year, reference, measures, geo, bid)


def _bounds(year: YearCells, reference: Reference, measures: dict[str, str], geo: str, bid: str) -> None:
    """The identities and bounds between different KPIs' measures in one cell of geography x bucket."""

    def has(*names: str) -> bool:
        return all(name in measures for name in names)

    themes = [pk for pk, *_names in reference.themes]
    counts = [f"tc_n_{k}" for k in range(len(themes) + 1)]
    if has(*counts, *(f"theme_n_{pk}" for pk in themes)):  # sum of theme counts = sum k x tenders with k themes
        year.equate(
            [
                *(((f"theme_n_{pk}", geo, bid), 1) for pk in themes),
                *(((c, geo, bid), -k) for k, c in enumerate(counts)),
            ]
        )
    for prefix, total in (("theme_n_", "mvi_n"), ("theme_v_", "mvi_v")):
        for pk in themes:
            if has(f"{prefix}{pk}", total):  # a theme's tenders are tenders with MVI
                year.bound([((f"{prefix}{pk}", geo, bid), 1), ((total, geo, bid), -1)])
        if has(total, *(f"{prefix}{pk}" for pk in themes)):  # every tender with MVI has at least one theme
            year.bound([((total, geo, bid), 1), *(((f"{prefix}{pk}", geo, bid), -1) for pk in themes)])
    if has("pg_app_n", "mvi_n"):
        year.bound([(("pg_app_n", geo, bid), 1), (("mvi_n", geo, bid), -1)])
    if has("pg_high_n", "pg_app_n"):
        year.bound([(("pg_high_n", geo, bid), 1), (("pg_app_n", geo, bid), -1)])
    if has("aw_sum", "aw_n"):  # an award weight is at most 100 percent
        year.bound([(("aw_sum", geo, bid), 1), (("aw_n", geo, bid), -100)])
    if bid.startswith(f"{Breakdown.VALUE_CLASS.value}:"):
        _value_class_bounds(year, measures, themes, geo, bid)


def _value_class_bounds(year: YearCells, measures: dict[str, str], themes: list[int], geo: str, bid: str) -> None:
    """n tenders of a value class are worth between n x its lower and n x its upper limit."""
    code = bid.split(":", 1)[1]
    limits: dict[str, tuple[Decimal, Decimal | None]] = {}
    lower = Decimal(0)
    for name, upper, _nl, _en in value_classes():
        limits[name] = (lower, upper)
        if upper is not None:
            lower = upper
    if code not in limits:
        return
    low, high = limits[code]
    pairs = [("v", "n"), ("mvi_v", "mvi_n"), *((f"theme_v_{pk}", f"theme_n_{pk}") for pk in themes)]
    for money, count in pairs:
        if money in measures and count in measures:
            year.bound([((count, geo, bid), low), ((money, geo, bid), -1)])
            if high is not None:
                year.bound([((money, geo, bid), 1), ((count, geo, bid), -high)])


@dataclass(frozen=True)
class Audit:
    """What a reader can deduce from a year's published national cells (`audit`)."""

    hidden: int  # suppressed cells
    sensitive: int  # of those, failing the primary rule with a value: their intervals were computed
    determined: frozenset[CellKey]  # suppressed cells a reader can compute exactly (must be empty)
    narrow: tuple[disclosure.audit.Interval, ...]  # sensitive cells with an interval below the level (must be empty)


def audit(cells: YearCells, protected: disclosure.Protected, thresholds: disclosure.Thresholds) -> Audit:
    """The independent check of a decided year: exact elimination over every identity for all suppressed cells, and
    the smallest and largest value of every sensitive suppressed cell by linear programming (two per cell)."""
    hidden: set[CellKey] = {key for key in cells.cells if not protected.shown(key)}
    values = {key: float(cell.value) for key, cell in cells.cells.items()}
    equations = [relation.terms for relation in cells.relations] + [equation.terms for equation in cells.equations]
    inequalities = [inequality.terms for inequality in cells.inequalities]
    sensitive = [
        key
        for key in hidden
        if values[key] and disclosure.primary_reason(cells.cells[key].contributions, thresholds) is not None
    ]
    intervals = disclosure.audit.exact_intervals(
        values, sorted(hidden, key=repr), sensitive, equations, inequalities, thresholds.protection
    )
    return Audit(
        hidden=len(hidden),
        sensitive=len(sensitive),
        determined=frozenset(disclosure.audit.derivable(equations, set(hidden))),
        narrow=tuple(interval for interval in intervals if not interval.protected),
    )
