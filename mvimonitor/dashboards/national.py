"""National figures: every organisation's sums, national, per kind of organisation and per province, each cell
sent through disclosure control (`mvimonitor.disclosure`, ADR 0012).

The sums come from the per-organisation `FactSummary` rows (ADR 0019), turned into int64 vectors over the
organisations, so the disclosure rules run on numpy arrays (`disclosure.Amounts`). National figures never carry an
organisation id or name. Who sees which geography is decided by the caller (`selectors.kpi_values`).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mvimonitor import disclosure
from mvimonitor.organisations.models import Organisation, OrganisationKind, Province

from .aggregates import integer_rows
from .kpis import CATALOGUE, Breakdown, Family, Kpi
from .models import FactSummary, SpendTotal
from .vocabulary import (
    ALL,
    HUNDREDTHS,
    NATIONAL,
    Figure,
    Number,
    Reference,
    buckets,
    in_hundredths,
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


def _geo_relations(geos: Mapping[str, list[int]], cell: Any) -> list[disclosure.Relation]:
    """national = sum of kinds = sum of provinces, for the cells built by `cell(geo)`."""
    kinds = tuple(cell(geo) for geo in geos if geo.startswith("kind:"))
    provinces = tuple(cell(geo) for geo in geos if geo.startswith("province:"))
    return [disclosure.Relation(cell(NATIONAL), parts) for parts in (kinds, provinces) if parts]


class NationalComputation:
    """Computes and protects national figures for some years; shared denominators are decided once.

    Contributions are `disclosure.Amounts` vectors over the same organisation ids, so the disclosure rules run on
    numpy arrays (the decisions are the same as with dicts {organisation: amount})."""

    def __init__(self, vectors: Vectors, reference: Reference, thresholds: disclosure.Thresholds) -> None:
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
        self._bases: dict[tuple[str, Breakdown, int], disclosure.Protected] = {}
        self._vector_cache: dict[tuple[str, Breakdown, int, str], np.ndarray[Any, Any]] = {}
        self._contrib_cache: dict[tuple[str, Breakdown, int, str], dict[str, disclosure.Amounts]] = {}

    def geos_for(self, breakdown: Breakdown) -> dict[str, list[int]]:
        """Geographies of a breakdown: every kind and province for the undivided figures, the country alone for the
        breakdowns (per kind x nature etc. the groups get too small to show, and the tables too large to protect)."""
        if breakdown == Breakdown.ALL or NATIONAL not in self.geos:
            return self.geos  # without any organisation (a year nobody tendered in) there is no geography at all
        return {NATIONAL: self.geos[NATIONAL]}

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

    def contributions(
        self, measure: str, breakdown: Breakdown, year: int, bucket: str
    ) -> dict[str, disclosure.Amounts]:
        """geo -> the contributions of its organisations to one measure in one bucket."""
        key = (measure, breakdown, year, bucket)
        cached = self._contrib_cache.get(key)
        if cached is not None:
            return cached
        total = self.vector(measure, breakdown, year, bucket)
        by_geo = self._split(total, HUNDREDTHS if in_hundredths(measure) else 1)
        self._contrib_cache[key] = by_geo
        return by_geo

    def _split(self, total: "np.ndarray[Any, Any]", scale: int) -> dict[str, disclosure.Amounts]:
        parts = disclosure.Amounts.split(self.vectors.ids, total, self._mask_matrix, scale)
        return dict(zip(self._geo_order, parts, strict=True))

    def rest(self, measure: str, base: str, breakdown: Breakdown, year: int, bucket: str) -> dict[str, Any]:
        """geo -> the contributions to base minus measure (the other part of a share's denominator)."""
        key = (f"{base}-{measure}", breakdown, year, bucket)
        cached = self._contrib_cache.get(key)
        if cached is None:
            difference = self.vector(base, breakdown, year, bucket) - self.vector(measure, breakdown, year, bucket)
            cached = self._split(np.maximum(difference, 0), HUNDREDTHS if in_hundredths(base) else 1)
            self._contrib_cache[key] = cached
        return cached

    def base(self, measure: str, breakdown: Breakdown, year: int) -> disclosure.Protected:
        """The protected denominator cells (geo, bucket) of a measure; bucket ALL is decided in the ALL table."""
        key = (measure, breakdown, year)
        if key in self._bases:
            return self._bases[key]
        cells: list[disclosure.Cell] = []
        relations: list[disclosure.Relation] = []
        fixed: dict[Any, bool] = {}
        geos = self.geos_for(breakdown)
        if breakdown == Breakdown.ALL:
            amounts = self.contributions(measure, breakdown, year, ALL)
            cells = [disclosure.Cell((geo, ALL), amounts[geo]) for geo in geos]
            relations = _geo_relations(geos, lambda geo: (geo, ALL))
        else:
            overall = self.base(measure, Breakdown.ALL, year)
            all_amounts = self.contributions(measure, Breakdown.ALL, year, ALL)
            for geo in geos:
                cells.append(disclosure.Cell((geo, ALL), all_amounts[geo]))
                fixed[(geo, ALL)] = overall.shown((geo, ALL))
            for bucket in buckets(breakdown):
                amounts = self.contributions(measure, breakdown, year, bucket)
                cells += [disclosure.Cell((geo, bucket), amounts[geo]) for geo in geos]
                relations += _geo_relations(geos, lambda geo, b=bucket: (geo, b))
            for geo in geos:
                relations.append(
                    disclosure.Relation((geo, ALL), tuple((geo, bucket) for bucket in buckets(breakdown)))
                )
        protected = disclosure.protect(cells, relations, fixed=fixed, thresholds=self.thresholds)
        self._bases[key] = protected
        return protected

    def figures(self, kpi: Kpi, breakdown: Breakdown, year: int) -> list[Figure]:
        items = self.reference.items(kpi)
        geos = self.geos_for(breakdown)
        all_buckets = [ALL] if breakdown == Breakdown.ALL else [ALL, *buckets(breakdown)]
        base = self.base(kpi.base, breakdown, year)
        cells: list[disclosure.Cell] = []
        relations: list[disclosure.Relation] = []
        fixed: dict[Any, bool] = {}
        denominators: dict[tuple[str, str], Number] = {}
        for bucket in all_buckets:
            den = self.contributions(kpi.base, breakdown, year, bucket)
            for geo in geos:
                cells.append(disclosure.Cell(("D", geo, bucket), den[geo]))
                fixed[("D", geo, bucket)] = base.shown((geo, bucket))
                denominators[(geo, bucket)] = den[geo].total()
        numerators: dict[tuple[str, str, str], Number] = {}
        for item in items:
            for bucket in all_buckets:
                num = self.contributions(item.measure, breakdown, year, bucket)
                den = self.contributions(kpi.base, breakdown, year, bucket)
                for geo in geos:
                    cells.append(disclosure.Cell(("N", item.code, geo, bucket), num[geo]))
                    numerators[(item.code, geo, bucket)] = num[geo].total()
                    if kpi.family == Family.SHARE:
                        rest = self.rest(item.measure, kpi.base, breakdown, year, bucket)[geo]
                        cells.append(disclosure.Cell(("C", item.code, geo, bucket), rest))
                        relations.append(
                            disclosure.Relation(
                                ("D", geo, bucket), (("N", item.code, geo, bucket), ("C", item.code, geo, bucket))
                            )
                        )
                parts = ["N", "C"] if kpi.family == Family.SHARE else ["N"]
                for part in parts:
                    relations += _geo_relations(geos, lambda geo, p=part, b=bucket, i=item.code: (p, i, geo, b))
            if breakdown != Breakdown.ALL:
                parts = ["N", "C"] if kpi.family == Family.SHARE else ["N"]
                for part in parts:
                    for geo in geos:
                        relations.append(
                            disclosure.Relation(
                                (part, item.code, geo, ALL),
                                tuple((part, item.code, geo, bucket) for bucket in buckets(breakdown)),
                            )
                        )
        if kpi.family == Family.PARTITION:
            for bucket in all_buckets:
                for geo in geos:
                    relations.append(
                        disclosure.Relation(("D", geo, bucket), tuple(("N", i.code, geo, bucket) for i in items))
                    )
        protected = disclosure.protect(cells, relations, fixed=fixed, thresholds=self.thresholds)
        out: list[Figure] = []
        for item in items:
            for bucket in all_buckets:
                for geo in self.all_geos if breakdown == Breakdown.ALL else [NATIONAL]:
                    if geo not in geos:
                        out.append(
                            Figure(
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
                        )
                        continue
                    n_key, d_key = ("N", item.code, geo, bucket), ("D", geo, bucket)
                    shown = protected.shown(n_key) and protected.shown(d_key)
                    reason = None
                    if not shown:
                        reason = (protected.decision(n_key).reason or protected.decision(d_key).reason or "").__str__()
                    numerator = numerators[(item.code, geo, bucket)] if shown else None
                    denominator = denominators[(geo, bucket)] if protected.shown(d_key) else None
                    out.append(
                        Figure(
                            kpi=kpi.id,
                            version=kpi.version,
                            item=item.code,
                            year=year,
                            breakdown=breakdown.value,
                            bucket=bucket,
                            geo=geo,
                            numerator=numerator,
                            denominator=denominator,
                            value=ratio(kpi, numerator, denominator) if shown else None,
                            suppressed=reason,
                        )
                    )
        return out


def national_figures(
    *,
    years: Sequence[int],
    kpis: Sequence[Kpi] = CATALOGUE,
    breakdowns: Sequence[Breakdown] = tuple(Breakdown),
    reference: Reference | None = None,
    thresholds: disclosure.Thresholds | None = None,
) -> list[Figure]:
    """All organisations' figures: national, per kind and per province, every one through disclosure control,
    from the per-organisation `FactSummary` rows.

    The caller filters which geographies a user may see (public: national; members: also their own kind;
    national analysts: all); suppression is decided on the full set, so it is the same for everyone.
    """
    reference = reference or Reference.load()
    needed = {Breakdown.ALL, *(b for b in breakdowns for kpi in kpis if b in kpi.breakdowns)}
    vectors = load_vectors(years=years, breakdowns=needed, reference=reference, kpis=kpis)
    computation = NationalComputation(vectors, reference, thresholds or disclosure.Thresholds.from_settings())
    figures: list[Figure] = []
    for year in years:
        for kpi in kpis:
            for breakdown in breakdowns:
                if breakdown in kpi.breakdowns:
                    figures += computation.figures(kpi, breakdown, year)
    return figures
