"""National figures: every organisation's sums, national, per kind of organisation and per province, each cell
sent through disclosure control (`mvimonitor.disclosure`, ADR 0012).

The sums come from the per-organisation `FactSummary` rows (ADR 0019), turned into int64 vectors over the
organisations, so the disclosure rules run on numpy arrays (`disclosure.Amounts`). National figures never carry an
organisation id or name. Who sees which geography is decided by the caller (`selectors.kpi_values`).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mvimonitor import disclosure
from mvimonitor.organisations.models import Organisation, OrganisationKind, Province

from .aggregates import integer_rows
from .kpis import CATALOGUE, Breakdown, Kpi
from .linked import YearCells, bucket_id, build_year
from .models import FactSummary, SpendTotal
from .vocabulary import (
    ALL,
    NATIONAL,
    Figure,
    Number,
    Reference,
    buckets,
    measures,
    measures_for,
    ratio,
)


@dataclass
class Vectors:
    """The national measure rows as vectors over organisations: `data[(breakdown, year, bucket)][measure]` is an
    int64 array with one amount per organisation of `ids` (counts, or hundredths for `in_hundredths` measures)."""

    ids: "np.ndarray[Any, Any]"  # organisation ids, ascending
    geography: dict[int, tuple[str, str]]  # organisation -> (kind, province)
    data: dict[tuple[Breakdown, int, str], dict[str, "np.ndarray[Any, Any]"]]
    spend: dict[int, "np.ndarray[Any, Any]"]  # year -> entered spend totals in cents per organisation (0: none)
    has_spend: dict[int, "np.ndarray[Any, Any]"]  # year -> whether the organisation entered one


def load_vectors(
    *,
    years: Sequence[int],
    breakdowns: Iterable[Breakdown],
    reference: Reference,
    kpis: Sequence[Kpi] | None = None,
) -> Vectors:
    """The measure rows of every organisation as vectors per (breakdown, year, bucket), from `FactSummary`."""
    wanted_breakdowns = list(dict.fromkeys(breakdowns))
    wanted = measures_for(kpis, reference) | {"n"} if kpis is not None else None  # "n": which rows exist
    names = [name for name in measures(reference) if not wanted or name in wanted]
    summaries = FactSummary.objects.filter(
        year__in=list(years), breakdown__in=[b.value for b in wanted_breakdowns]
    ).values_list("organisation_id", "year", "breakdown", "bucket", "names", "amounts")
    by_layout: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in integer_rows(summaries):
        by_layout[row[4]].append(row)
    rows: list[tuple[int, int, Breakdown, str, Any]] = []
    for layout, members in by_layout.items():  # one layout unless themes or forms changed since a refresh
        stored = layout.split(",")
        table = np.frombuffer(b"".join(bytes(row[5]) for row in members), dtype="<i8").reshape(
            len(members), len(stored)
        )
        # a measure the summaries lack (a theme added since the last refresh) reads the appended zero column
        table = np.hstack([table, np.zeros((len(members), 1), dtype=np.int64)])
        selected = table[:, [stored.index(name) if name in stored else -1 for name in names]]
        rows += [
            (org, year, Breakdown(breakdown), bucket, amounts)
            for (org, year, breakdown, bucket, _layout, _blob), amounts in zip(members, selected, strict=True)
        ]
    spend_rows = list(SpendTotal.objects.filter(year__in=list(years)).values_list("organisation_id", "year", "amount"))
    present = {row[0] for row in rows} | {org for org, _year, _amount in spend_rows}
    geography = {
        org: (kind, province)
        for org, kind, province in Organisation.objects.filter(pk__in=present).values_list("pk", "kind", "province")
    }
    ids = np.array(sorted(geography), dtype=np.int64)
    position = {int(org): index for index, org in enumerate(ids)}
    width = len(ids)
    grouped: dict[tuple[Breakdown, int, str], list[tuple[int, Any]]] = defaultdict(list)
    for org, year, breakdown, bucket, amounts in rows:
        grouped[(breakdown, year, bucket)].append((position[org], amounts))
    data: dict[tuple[Breakdown, int, str], dict[str, np.ndarray[Any, Any]]] = {}
    for key, members in grouped.items():
        block = np.zeros((width, len(names)), dtype=np.int64)
        block[[at for at, _amounts in members]] = np.array([amounts for _at, amounts in members], dtype=np.int64)
        data[key] = {name: np.ascontiguousarray(block[:, column]) for column, name in enumerate(names)}
    spend = {year: np.zeros(width, dtype=np.int64) for year in years}
    has_spend = {year: np.zeros(width, dtype=bool) for year in years}
    for org, year, amount in spend_rows:
        spend[year][position[org]] = int(amount.scaleb(2))
        has_spend[year][position[org]] = True
    return Vectors(ids=ids, geography=geography, data=data, spend=spend, has_spend=has_spend)


def geographies(geography: Mapping[int, tuple[str, str]]) -> dict[str, list[int]]:
    """Geography key -> organisations in it: the country, every kind, every province (blank = unknown)."""
    geos: dict[str, list[int]] = {NATIONAL: sorted(geography)}
    for kind in OrganisationKind.values:
        geos[f"kind:{kind}"] = []
    for province in [*Province.values, ""]:
        geos[f"province:{province}"] = []
    for organisation, (kind, province) in sorted(geography.items()):
        geos.setdefault(f"kind:{kind}", []).append(organisation)
        geos.setdefault(f"province:{province}", []).append(organisation)
    return geos


class NationalComputation:
    """Computes and protects national figures for some years: per year every cell of every KPI, breakdown and
    geography in one protection problem (`linked.build_year`), so a cell has one state in every table. `catalogue`
    is the publication of the definitions whose problem it is (the current one unless an earlier is asked for).

    Contributions are `disclosure.Amounts` vectors over the same organisation ids, so the disclosure rules run on
    numpy arrays (the decisions are the same as with dicts {organisation: amount})."""

    def __init__(
        self,
        vectors: Vectors,
        reference: Reference,
        thresholds: disclosure.Thresholds,
        catalogue: Sequence[Kpi] = CATALOGUE,
    ) -> None:
        self.catalogue = catalogue  # the KPIs of the publication whose problem is solved (definitions register)
        self.vectors = vectors
        self.reference = reference
        self.thresholds = thresholds
        self.all_geos = geographies(vectors.geography)
        # Geographies without any organisation are structurally zero: they reveal nothing and stay out of the
        # protection problem (they are reported as suppressed).
        self.geos = {geo: members for geo, members in self.all_geos.items() if members}
        self._geo_order = list(self.all_geos)
        self._mask_matrix = np.array(
            [np.isin(vectors.ids, members) for members in self.all_geos.values()], dtype=bool
        ).reshape(len(self._geo_order), len(vectors.ids))
        self._years: dict[int, tuple[YearCells, disclosure.Protected]] = {}
        self._vector_cache: dict[tuple[str, Breakdown, int, str], np.ndarray[Any, Any]] = {}

    def _part(self, measure: str, breakdown: Breakdown, year: int, part: str) -> "np.ndarray[Any, Any] | None":
        block = self.vectors.data.get((breakdown, year, part))
        if block is None:
            return None
        if measure == "spend":  # each organisation's entered total, where it has tenders in this part
            return np.where(block["n"] > 0, self.vectors.spend[year], 0)
        if measure == "cov_v":  # tender value, of organisations that entered a spend total for the year
            return np.where(self.vectors.has_spend[year], block["v"], 0)
        return block[measure]

    def vector(self, measure: str, breakdown: Breakdown, year: int, bucket: str) -> "np.ndarray[Any, Any]":
        """One amount per organisation of one measure in one bucket (bucket ALL sums the buckets)."""
        key = (measure, breakdown, year, bucket)
        cached = self._vector_cache.get(key)
        if cached is not None:
            return cached
        total = np.zeros(len(self.vectors.ids), dtype=np.int64)
        parts = buckets(breakdown) if bucket == ALL and breakdown != Breakdown.ALL else [bucket]
        for part in parts:
            amounts = self._part(measure, breakdown, year, part)
            if amounts is not None:
                total = total + amounts
        if measure == "spend" and breakdown == Breakdown.ALL:  # also organisations without tenders this year
            total = np.where(total == 0, self.vectors.spend[year], total)
        self._vector_cache[key] = total
        return total

    def _split(
        self, total: "np.ndarray[Any, Any]", scale: int, national_only: bool = False
    ) -> dict[str, disclosure.Amounts]:
        if national_only:  # the breakdowns are published for the country alone, which holds every organisation
            return {NATIONAL: disclosure.Amounts(self.vectors.ids, total, scale)}
        parts = disclosure.Amounts.split(self.vectors.ids, total, self._mask_matrix, scale)
        return dict(zip(self._geo_order, parts, strict=True))

    def year(self, year: int) -> tuple[YearCells, disclosure.Protected]:
        """Every national cell of the year, decided together (ADR 0026)."""
        if year not in self._years:
            cells = build_year(
                vector=lambda measure, breakdown, bucket: self.vector(measure, breakdown, year, bucket),
                split=self._split,
                geos=self.geos,
                reference=self.reference,
                kpis=self.catalogue,
            )
            protected = disclosure.protect(
                cells.cells.values(),
                cells.relations,
                equations=cells.equations,
                inequalities=cells.inequalities,
                thresholds=self.thresholds,
                priority=cells.priority(),
            )
            self._years[year] = (cells, protected)
        return self._years[year]

    def figures(self, kpi: Kpi, breakdown: Breakdown, year: int) -> list[Figure]:
        cells, protected = self.year(year)
        all_buckets = [ALL] if breakdown == Breakdown.ALL else [ALL, *buckets(breakdown)]
        out: list[Figure] = []

        def state(measure: str, geo: str, bucket: str) -> tuple[bool, Number | None, str | None]:
            """(shown, value, reason); a figure that is zero by definition is shown as 0."""
            key = cells.key(measure, geo, bucket_id(breakdown, bucket))
            if key is None:
                return True, 0, None
            decision = protected.decision(key)
            return decision.shown, protected.value(key), decision.reason

        for item in self.reference.items(kpi):
            for bucket in all_buckets:
                for geo in self.all_geos if breakdown == Breakdown.ALL else [NATIONAL]:
                    figure = Figure(
                        kpi=kpi.id,
                        version=kpi.version,
                        item=item.code,
                        year=year,
                        breakdown=breakdown.value,
                        bucket=bucket,
                        geo=geo,
                        numerator=None,
                        denominator=None,
                        value=None,
                        suppressed=disclosure.Reason.TOO_FEW_ORGANISATIONS.value,
                    )
                    if geo in self.geos:
                        n_shown, numerator, n_reason = state(item.measure, geo, bucket)
                        d_shown, denominator, d_reason = state(kpi.base, geo, bucket)
                        shown = n_shown and d_shown
                        figure = replace(
                            figure,
                            numerator=numerator if shown else None,
                            denominator=denominator if d_shown else None,
                            value=ratio(kpi, numerator, denominator) if shown else None,
                            suppressed=None if shown else str(n_reason or d_reason or ""),
                        )
                    out.append(figure)
        return out


def national_figures(
    *,
    years: Sequence[int],
    kpis: Sequence[Kpi] = CATALOGUE,
    breakdowns: Sequence[Breakdown] = tuple(Breakdown),
    reference: Reference | None = None,
    thresholds: disclosure.Thresholds | None = None,
    catalogue: Sequence[Kpi] = CATALOGUE,
) -> list[Figure]:
    """All organisations' figures: national, per kind and per province, every one through disclosure control,
    from the per-organisation `FactSummary` rows.

    The caller filters which geographies a user may see (public: national; members: also their own kind;
    national analysts: all). Suppression is decided on the full set of the year (every KPI, breakdown and
    geography, whichever are asked for), so it is the same for everyone and in every table.
    """
    reference = reference or Reference.load()
    vectors = load_vectors(years=years, breakdowns=tuple(Breakdown), reference=reference, kpis=catalogue)
    computation = NationalComputation(
        vectors, reference, thresholds or disclosure.Thresholds.from_settings(), catalogue
    )
    figures: list[Figure] = []
    for year in years:
        for kpi in kpis:
            for breakdown in breakdowns:
                if breakdown in kpi.breakdowns:
                    figures += computation.figures(kpi, breakdown, year)
    return figures
