"""KPI figures for one organisation and for the country, from the same aggregate query.

One code path: `measure_rows` runs one GROUP BY query on the fact table (per year, breakdown bucket and, for
national figures, organisation) with every measure as a conditional aggregate; `organisation_figures` turns the
rows of one organisation into figures directly, `national_figures` sums the rows of all organisations into
national, per-kind and per-province cells and sends every one of them through `disclosure.protect`.

Visibility is decided by the caller (views and API ask `mvimonitor.organisations.access`); these functions only
compute. National figures never carry an organisation id or name.
"""

import datetime as dt
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import BigIntegerField, Count, F, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from mvimonitor.organisations.models import Organisation, OrganisationKind, Province
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, Theme

from . import disclosure
from .kpis import CATALOGUE, Breakdown, Family, Kpi
from .models import FactSummary, SpendTotal, TenderFact
from .services import UNKNOWN_VALUE_CLASS, bits, value_classes

Number = int | Decimal
ALL = "all"
NATIONAL = "nl"
ORGANISATION = "organisation"
# The level from which an ambition counts as "significant or ambitious" (AmbitionLevel.code).
HIGH_AMBITION_CODE = "significant"

BREAKDOWN_COLUMN = {
    Breakdown.NATURE: "nature",
    Breakdown.EUROPEAN: "is_european",
    Breakdown.VALUE_CLASS: "value_class",
}


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    name_nl: str
    name_en: str
    measure: str


@dataclass(frozen=True, slots=True)
class Reference:
    """The catalogue rows the measures depend on, read once per computation."""

    themes: tuple[tuple[int, str, str, str], ...]  # pk, code, name_nl, name_en
    forms: tuple[tuple[int, str, str, str], ...]
    levels: tuple[tuple[int, str, str, str], ...]  # level, code, name_nl, name_en
    high_level: int
    theme_bits: dict[int, int]  # theme pk -> bit in TenderFact.theme_mask
    form_bits: dict[int, int]

    @classmethod
    def load(cls) -> "Reference":
        levels = tuple(AmbitionLevel.objects.order_by("level").values_list("level", "code", "name_nl", "name_en"))
        high = next((level for level, code, _nl, _en in levels if code == HIGH_AMBITION_CODE), None)
        return cls(
            themes=tuple(Theme.objects.order_by("order", "code").values_list("pk", "code", "name_nl", "name_en")),
            forms=tuple(
                ApplicationForm.objects.order_by("order", "code").values_list("pk", "code", "name_nl", "name_en")
            ),
            levels=levels,
            high_level=high if high is not None else 10**6,  # no such level loaded: nothing counts as high
            theme_bits=bits(Theme),
            form_bits=bits(ApplicationForm),
        )

    def items(self, kpi: Kpi) -> list[Item]:
        if kpi.per == "theme":
            return [Item(code, nl, en, f"{kpi.measure}_{pk}") for pk, code, nl, en in self.themes]
        if kpi.per == "form":
            return [Item(code, nl, en, f"{kpi.measure}_{pk}") for pk, code, nl, en in self.forms]
        if kpi.per == "ambition":
            return [Item(code, nl, en, f"{kpi.measure}_{level}") for level, code, nl, en in self.levels] + [
                Item("not-recorded", "Niet vastgelegd", "Not recorded", f"{kpi.measure}_0")
            ]
        if kpi.per == "theme_count":
            return [Item(str(n), str(n), str(n), f"{kpi.measure}_{n}") for n in range(len(self.themes) + 1)]
        return [Item(ALL, kpi.name_nl, kpi.name_en, kpi.measure)]


# Money (and the award weights) are summed as whole hundredths: each tender's amount is rounded to cents and cast
# to an integer before summing, so the sums are exact integers on every database (SQLite keeps decimals as floats)
# and come back without per-value Decimal conversion. `hundredths` turns them back into 2-decimal Decimals.
HUNDREDTHS = 100


def _count_if(condition: Q) -> Count:
    return Count("pk", filter=condition)  # PostgreSQL: COUNT(*) FILTER (WHERE ...), one pass for all measures


def _cents(column: str) -> Cast:
    return Cast(Round(F(column) * Value(HUNDREDTHS)), BigIntegerField())


def _cents_sum(column: str, condition: Q | None = None) -> Cast:
    return Cast(Coalesce(Sum(_cents(column), filter=condition), Value(0)), BigIntegerField())


def in_hundredths(name: str) -> bool:
    """Whether a measure is summed in hundredths (euros, award weights) rather than counted."""
    return name in {"v", "mvi_v", "aw_sum", "cov_v", "spend"} or name.startswith("theme_v_")


def hundredths(units: int) -> Decimal:
    return Decimal(units).scaleb(-2)  # 12345 -> Decimal("123.45"), exact, always two decimals


def measures(reference: Reference) -> dict[str, Any]:
    """Every measure the catalogue needs, as aggregates over TenderFact rows (one SQL scan computes all); money and
    weights in hundredths (`in_hundredths`), everything else a count."""
    mvi = Q(theme_count__gt=0)
    pg = Q(in_product_group=True)
    out: dict[str, Any] = {
        "n": Count("pk"),
        "v": _cents_sum("value"),
        "mvi_n": _count_if(mvi),
        "mvi_v": _cents_sum("value", mvi),
        "pg_n": _count_if(pg),
        "pg_app_n": _count_if(pg & mvi),
        "pg_high_n": _count_if(pg & Q(max_ambition__gte=reference.high_level)),
        "aw_sum": _cents_sum("award_weight_sum"),
        "aw_n": Cast(Coalesce(Sum("award_weight_count"), Value(0)), BigIntegerField()),
        "conf_n": _count_if(Q(confirmed=True)),
    }
    for pk, *_names in reference.themes:
        out[f"theme_n_{pk}"] = _count_if(_has_bit("theme_mask", pk))
        out[f"theme_v_{pk}"] = _cents_sum("value", _has_bit("theme_mask", pk))
    for pk, *_names in reference.forms:
        out[f"form_n_{pk}"] = _count_if(_has_bit("form_mask", pk))
    for level in [0, *(level for level, *_names in reference.levels)]:
        out[f"amb_n_{level}"] = _count_if(mvi & Q(max_ambition=level))
    for count in range(len(reference.themes) + 1):
        out[f"tc_n_{count}"] = _count_if(Q(theme_count=count))
    return out


def _has_bit(column: str, bit: int) -> Q:
    return Q(**{f"{column}_bit_{bit}__gt": 0})


def _fact_rows(
    *,
    years: Sequence[int],
    columns: Sequence[str],
    organisation_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    reference: Reference,
    wanted: set[str] | None,
) -> list[dict[str, Any]]:
    """One GROUP BY query: per year, organisation and the breakdown columns, the wanted measures (None: all)."""
    return list(
        _fact_queryset(
            years=years,
            columns=columns,
            organisation_id=organisation_id,
            date_from=date_from,
            date_to=date_to,
            reference=reference,
            wanted=wanted,
        )
    )


def _fact_queryset(
    *,
    years: Sequence[int] | None,
    columns: Sequence[str],
    reference: Reference,
    wanted: set[str] | None,
    organisation_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    organisation_ids: Sequence[int] | None = None,
    tender_ids: Sequence[int] | None = None,
) -> Any:
    """The GROUP BY year, organisation[, columns] query with the wanted measures (years None: every dated year)."""
    facts = TenderFact.objects.filter(year__isnull=False)
    if tender_ids is not None:
        facts = facts.filter(tender_id__in=list(tender_ids))
    if years is not None:
        facts = facts.filter(year__in=list(years))
    if organisation_ids is not None:
        facts = facts.filter(organisation_id__in=list(organisation_ids))
    if organisation_id is not None:
        facts = facts.filter(organisation_id=organisation_id)
    if date_from is not None:
        facts = facts.filter(publication_date__gte=date_from)
    if date_to is not None:
        facts = facts.filter(publication_date__lte=date_to)
    aggregates = {name: expression for name, expression in measures(reference).items() if not wanted or name in wanted}
    masks = {
        f"theme_mask_bit_{pk}": F("theme_mask").bitand(1 << reference.theme_bits[pk]) for pk, *_r in reference.themes
    }
    masks |= {
        f"form_mask_bit_{pk}": F("form_mask").bitand(1 << reference.form_bits[pk]) for pk, *_r in reference.forms
    }
    facts = facts.annotate(**masks)  # 0 or the bit: a condition "> 0" per theme and form
    # Kind and province are looked up per organisation afterwards: grouping by them too (although they follow from
    # the organisation) makes PostgreSQL expect far more groups and sort on disk instead of hashing.
    group = ["year", "organisation_id", *columns]
    return facts.order_by().values(*group).annotate(**aggregates)


def _bucket(row: Mapping[str, Any], breakdown: Breakdown) -> str:
    if breakdown == Breakdown.ALL:
        return ALL
    value = row[BREAKDOWN_COLUMN[breakdown]]
    if breakdown == Breakdown.EUROPEAN:
        return "european" if value else "national"
    return str(value)


def buckets(breakdown: Breakdown) -> list[str]:
    """The parts a breakdown splits into, in display order (all of them, also when empty)."""
    if breakdown == Breakdown.NATURE:
        return ["works", "supplies", "services"]
    if breakdown == Breakdown.EUROPEAN:
        return ["european", "national"]
    if breakdown == Breakdown.VALUE_CLASS:
        return [code for code, *_rest in value_classes()] + [UNKNOWN_VALUE_CLASS]
    return [ALL]


@dataclass(frozen=True)  # no slots: cached lists of figures unpickle several times faster with a __dict__
class Figure:
    kpi: str
    version: int
    item: str
    year: int
    breakdown: str
    bucket: str
    geo: str  # "organisation", "nl", "kind:<kind>", "province:<code>"
    numerator: Number | None
    denominator: Number | None
    value: Decimal | None  # percent, or percentage points for an average weight
    suppressed: str | None = None  # the disclosure reason when hidden

    @property
    def key(self) -> tuple[str, str, int, str, str, str]:
        return (self.kpi, self.item, self.year, self.breakdown, self.bucket, self.geo)


def ratio(kpi: Kpi, numerator: Number | None, denominator: Number | None) -> Decimal | None:
    if numerator is None or denominator is None or not denominator:
        return None
    scale = Decimal(1) if kpi.id == "award-weight" else Decimal(100)
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Rows:
    """Measure rows per (breakdown, year, bucket, organisation), plus each organisation's kind and province."""

    data: dict[tuple[Breakdown, int, str], dict[int, dict[str, Any]]]
    geography: dict[int, tuple[str, str]]
    spend: dict[tuple[int, int], Decimal]  # (year, organisation) -> entered spend total


def load_rows(
    *,
    years: Sequence[int],
    breakdowns: Iterable[Breakdown],
    reference: Reference,
    organisation_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kpis: Sequence[Kpi] | None = None,
) -> Rows:
    """The measure rows of every breakdown from ONE aggregate query at the finest grain the breakdowns need
    (year x organisation x their columns: at most a few thousand groups per year); coarser breakdowns are sums of
    those groups. `kpis` limits the measures to the ones they use."""
    wanted_breakdowns = list(dict.fromkeys(breakdowns))
    columns = [BREAKDOWN_COLUMN[b] for b in wanted_breakdowns if b != Breakdown.ALL]
    wanted = _measures_for(kpis, reference) if kpis is not None else None
    rows = _fact_rows(
        years=years,
        columns=columns,
        organisation_id=organisation_id,
        date_from=date_from,
        date_to=date_to,
        reference=reference,
        wanted=wanted,
    )
    names = [name for name in (rows[0] if rows else {}) if name not in {"year", "organisation_id", *columns}]
    money = [name for name in names if in_hundredths(name)]
    for row in rows:
        for name in money:
            row[name] = hundredths(row[name])
    data: dict[tuple[Breakdown, int, str], dict[int, dict[str, Any]]] = defaultdict(dict)
    geography: dict[int, tuple[str, str]] = {}
    for row in rows:
        organisation = row["organisation_id"]
        geography[organisation] = ("", "")
        for breakdown in wanted_breakdowns:
            cell = data[(breakdown, row["year"], _bucket(row, breakdown))]
            target = cell.get(organisation)
            if target is None:
                cell[organisation] = {name: row[name] for name in names}
            else:
                for name in names:
                    target[name] += row[name]
    spend_totals = SpendTotal.objects.filter(year__in=list(years))
    if organisation_id is not None:
        spend_totals = spend_totals.filter(organisation_id=organisation_id)
    spend = {
        (year, org): amount for org, year, amount in spend_totals.values_list("organisation_id", "year", "amount")
    }
    # Kind and province of every organisation with tenders or a spend total in these years (one small query).
    present = set(geography) | {org for _year, org in spend}
    if present:
        organisations = (
            Organisation.objects.filter(pk__in=present)
            if organisation_id is None
            else (Organisation.objects.filter(pk=organisation_id))
        )
        for org, kind, province in organisations.values_list("pk", "kind", "province"):
            geography[org] = (kind, province)
    return Rows(data=dict(data), geography=geography, spend=spend)


def _measures_for(kpis: Sequence[Kpi], reference: Reference) -> set[str]:
    names: set[str] = set()
    for kpi in kpis:
        names.add(kpi.base)
        names.update(item.measure for item in reference.items(kpi))
    # coverage reads the tender value; "spend" comes from SpendTotal, not from the facts
    return {"v" if name in {"cov_v", "spend"} else name for name in names}


def _measure(rows: Rows, row: Mapping[str, Any], year: int, organisation: int, name: str) -> Number:
    """A measure of one organisation's row; the coverage measures need the organisation's spend total."""
    if name == "spend":
        return rows.spend.get((year, organisation), Decimal(0))
    if name == "cov_v":
        return row["v"] if (year, organisation) in rows.spend else Decimal(0)
    value: Number = row[name]
    return value


# --- organisation figures -------------------------------------------------------------------------------------------


def organisation_figures(
    *,
    organisation: Organisation,
    years: Sequence[int],
    kpis: Sequence[Kpi] = CATALOGUE,
    breakdowns: Sequence[Breakdown] = (Breakdown.ALL,),
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    reference: Reference | None = None,
) -> list[Figure]:
    """The organisation's own figures (no disclosure control: it sees its own records)."""
    reference = reference or Reference.load()
    rows = load_rows(
        years=years,
        breakdowns=breakdowns,
        reference=reference,
        organisation_id=organisation.pk,
        date_from=date_from,
        date_to=date_to,
        kpis=kpis,
    )
    figures: list[Figure] = []
    for kpi in kpis:
        for breakdown in breakdowns:
            if breakdown not in kpi.breakdowns:
                continue
            for year in years:
                for bucket in buckets(breakdown):
                    row = rows.data.get((breakdown, year, bucket), {}).get(organisation.pk)
                    for item in reference.items(kpi):
                        numerator: Number = _measure(rows, row, year, organisation.pk, item.measure) if row else 0
                        denominator: Number = _measure(rows, row, year, organisation.pk, kpi.base) if row else 0
                        if kpi.base == "spend" and row is None:
                            denominator = rows.spend.get((year, organisation.pk), Decimal(0))
                        figures.append(
                            Figure(
                                kpi=kpi.id,
                                version=kpi.version,
                                item=item.code,
                                year=year,
                                breakdown=breakdown.value,
                                bucket=bucket,
                                geo=ORGANISATION,
                                numerator=numerator,
                                denominator=denominator,
                                value=ratio(kpi, numerator, denominator),
                            )
                        )
    return figures


# --- national figures -----------------------------------------------------------------------------------------------


@dataclass
class Vectors:
    """The national measure rows as vectors over organisations: `data[(breakdown, year, bucket)][measure]` is an
    int64 array with one amount per organisation of `ids` (counts, or hundredths for `in_hundredths` measures)."""

    ids: "np.ndarray[Any, Any]"  # organisation ids, ascending
    geography: dict[int, tuple[str, str]]  # organisation -> (kind, province)
    data: dict[tuple[Breakdown, int, str], dict[str, "np.ndarray[Any, Any]"]]
    spend: dict[int, "np.ndarray[Any, Any]"]  # year -> entered spend totals in cents per organisation (0: none)
    has_spend: dict[int, "np.ndarray[Any, Any]"]  # year -> whether the organisation entered one


def summarise(
    *,
    reference: Reference,
    organisation_ids: Sequence[int] | None = None,
    years: Sequence[int] | None = None,
    tender_ids: Sequence[int] | None = None,
) -> tuple[list[str], list[tuple[int, int, str, str, list[int]]]]:
    """The measures per (organisation, year, breakdown, bucket) for `FactSummary`, straight from the facts:
    (measure names, [(organisation, year, breakdown, bucket, amounts in the order of the names)]). With
    `tender_ids`, the contribution of those tenders' facts only (every measure is a sum over facts, ADR 0019)."""
    names = list(measures(reference))
    rows = _fact_bucket_rows(
        years, list(Breakdown), reference, None, names, organisation_ids=organisation_ids, tender_ids=tender_ids
    )
    return names, [(org, year, breakdown.value, bucket, amounts) for org, year, breakdown, bucket, amounts in rows]


def _fact_bucket_rows(
    years: Sequence[int] | None,
    breakdowns: Sequence[Breakdown],
    reference: Reference,
    wanted: set[str] | None,
    names: Sequence[str],
    organisation_ids: Sequence[int] | None = None,
    tender_ids: Sequence[int] | None = None,
) -> list[tuple[int, int, Breakdown, str, list[int]]]:
    """(organisation, year, breakdown, bucket, amounts of `names`) for every bucket with tenders: ONE aggregate
    query at the grain the breakdowns need (year x organisation x their columns), summed per bucket with numpy."""
    columns = [BREAKDOWN_COLUMN[b] for b in breakdowns if b != Breakdown.ALL]
    query = _fact_queryset(
        years=years,
        columns=columns,
        reference=reference,
        wanted=wanted,
        organisation_ids=organisation_ids,
        tender_ids=tender_ids,
    )
    rows = _integer_rows(query.values_list("year", "organisation_id", *columns, *names))
    if not rows:
        return []
    keys = np.array([row[:2] for row in rows], dtype=np.int64)  # year, organisation
    amounts = np.array([row[2 + len(columns) :] for row in rows], dtype=np.int64).reshape(len(rows), len(names))
    out: list[tuple[int, int, Breakdown, str, list[int]]] = []
    for breakdown in breakdowns:
        if breakdown == Breakdown.ALL:
            labels = [ALL] * len(rows)
        else:
            at = 2 + columns.index(BREAKDOWN_COLUMN[breakdown])
            labels = [_bucket({BREAKDOWN_COLUMN[breakdown]: row[at]}, breakdown) for row in rows]
        parts = list(dict.fromkeys(labels))
        index = {part: number for number, part in enumerate(parts)}
        part_index = np.array([index[label] for label in labels], dtype=np.int64)
        groups, inverse = np.unique(np.column_stack([keys, part_index]), axis=0, return_inverse=True)
        sums = np.zeros((len(groups), len(names)), dtype=np.int64)
        np.add.at(sums, inverse.reshape(-1), amounts)
        for (year, organisation, part), row in zip(groups.tolist(), sums.tolist(), strict=True):
            out.append((organisation, year, breakdown, parts[part], row))
    return out


def _integer_rows(query: Any) -> list[tuple[Any, ...]]:
    """Rows of a values_list query whose measures are all integers, read without Django's per-value converters
    (tens of thousands of values; the converters would only call int() on each)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def load_vectors(
    *,
    years: Sequence[int],
    breakdowns: Iterable[Breakdown],
    reference: Reference,
    kpis: Sequence[Kpi] | None = None,
    source: str = "summary",
) -> Vectors:
    """The measure rows of every organisation as vectors per (breakdown, year, bucket), from `FactSummary` (the
    default) or, with source="facts", from one aggregate query over the facts (the same numbers, ADR 0019)."""
    wanted_breakdowns = list(dict.fromkeys(breakdowns))
    wanted = _measures_for(kpis, reference) | {"n"} if kpis is not None else None  # "n": which rows exist
    names = [name for name in measures(reference) if not wanted or name in wanted]
    rows: list[tuple[int, int, Breakdown, str, Any]]
    if source == "facts":
        rows = _fact_bucket_rows(years, wanted_breakdowns, reference, wanted, names)
    else:
        summaries = FactSummary.objects.filter(
            year__in=list(years), breakdown__in=[b.value for b in wanted_breakdowns]
        ).values_list("organisation_id", "year", "breakdown", "bucket", "names", "amounts")
        by_layout: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for row in _integer_rows(summaries):
            by_layout[row[4]].append(row)
        rows = []
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
        if breakdown == Breakdown.ALL:
            return self.geos
        return {NATIONAL: self.geos.get(NATIONAL, [])}

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
    source: str = "summary",
) -> list[Figure]:
    """All organisations' figures: national, per kind and per province, every one through disclosure control.
    `source` "summary" reads the per-organisation `FactSummary` rows, "facts" aggregates the facts (the same figures;
    the benchmark measures both).

    The caller filters which geographies a user may see (public: national; members: also their own kind;
    national analysts: all); suppression is decided on the full set, so it is the same for everyone.
    """
    reference = reference or Reference.load()
    needed = {Breakdown.ALL, *(b for b in breakdowns for kpi in kpis if b in kpi.breakdowns)}
    vectors = load_vectors(years=years, breakdowns=needed, reference=reference, kpis=kpis, source=source)
    computation = NationalComputation(vectors, reference, thresholds or disclosure.Thresholds.from_settings())
    figures: list[Figure] = []
    for year in years:
        for kpi in kpis:
            for breakdown in breakdowns:
                if breakdown in kpi.breakdowns:
                    figures += computation.figures(kpi, breakdown, year)
    return figures


def data_years(*, version: str | None = None) -> list[int]:
    """Years that have tenders, newest first (a DISTINCT over all facts: cached per facts version, which the caller
    may pass when it has read it already)."""
    from django.core.cache import cache

    from .services import facts_version

    key = f"mvim:years:{version or facts_version()}"
    cached: list[int] | None = cache.get(key)
    if cached is None:
        years = TenderFact.objects.filter(year__isnull=False).values_list("year", flat=True).distinct()
        cached = sorted((year for year in years if year is not None), reverse=True)
        cache.set(key, cached, NATIONAL_CACHE_SECONDS)
    return cached


# How long computed national figures stay in the cache; the facts version in the key already invalidates them on
# every change, so this only bounds memory use.
NATIONAL_CACHE_SECONDS = 3600


# Figures most recently read from the shared cache, kept unpickled in this process (the keys hold the facts version,
# so an entry can never be stale; figures are immutable). Saves unpickling ~1,000 figures on every API request.
_LOCAL: OrderedDict[str, list[Figure]] = OrderedDict()
_LOCAL_SIZE = 64
_LOCAL_LOCK = threading.Lock()


def _cache_get(key: str) -> list[Figure] | None:
    from django.core.cache import cache

    with _LOCAL_LOCK:
        figures = _LOCAL.get(key)
        if figures is not None:
            _LOCAL.move_to_end(key)
            return list(figures)
    cached: list[Figure] | None = cache.get(key)
    if cached is not None:
        _local_put(key, cached)
    return cached


def _cache_set(key: str, figures: list[Figure]) -> None:
    from django.core.cache import cache

    cache.set(key, figures, NATIONAL_CACHE_SECONDS)
    _local_put(key, figures)


def clear_local_cache() -> None:
    """Forget the figures kept in this process (tests do this together with `cache.clear()`)."""
    with _LOCAL_LOCK:
        _LOCAL.clear()


def _local_put(key: str, figures: list[Figure]) -> None:
    with _LOCAL_LOCK:
        _LOCAL[key] = list(figures)
        _LOCAL.move_to_end(key)
        while len(_LOCAL) > _LOCAL_SIZE:
            _LOCAL.popitem(last=False)


def national_figures_cached(*, year: int, breakdown: Breakdown) -> list[Figure]:
    """National figures of one year and breakdown (plus the undivided ones), cached per facts version."""

    from .services import facts_version

    thresholds = disclosure.Thresholds.from_settings()
    key = (
        f"mvim:national:{facts_version()}:{year}:{breakdown.value}:"
        f"{thresholds.min_organisations}:{thresholds.dominance_percent}"
    )
    figures = _cache_get(key)
    if figures is None:
        wanted = (Breakdown.ALL,) if breakdown == Breakdown.ALL else (Breakdown.ALL, breakdown)
        figures = national_figures(years=[year], breakdowns=wanted, thresholds=thresholds)
        _cache_set(key, figures)
    return figures


def national_trend_cached(*, years: Sequence[int]) -> list[Figure]:
    """The headline KPIs nationally over the years (undivided), cached per facts version."""

    from .services import facts_version

    thresholds = disclosure.Thresholds.from_settings()
    key = (
        f"mvim:trend:{facts_version()}:{','.join(map(str, years))}:"
        f"{thresholds.min_organisations}:{thresholds.dominance_percent}"
    )
    figures = _cache_get(key)
    if figures is None:
        headline = [kpi for kpi in CATALOGUE if kpi.headline]
        figures = national_figures(
            years=list(years), kpis=headline, breakdowns=(Breakdown.ALL,), thresholds=thresholds
        )
        _cache_set(key, figures)
    return figures


def organisation_figures_cached(
    *,
    organisation: Organisation,
    year: int,
    kpis: Sequence[Kpi],
    breakdowns: Sequence[Breakdown],
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[Figure]:
    """`organisation_figures` of one year, cached per facts version (the caller has checked access)."""

    from .services import facts_version

    key = (
        f"mvim:org:{facts_version()}:{organisation.pk}:{year}:{date_from}:{date_to}:"
        f"{','.join(k.id for k in kpis)}:{','.join(b.value for b in breakdowns)}"
    )
    figures = _cache_get(key)
    if figures is None:
        figures = organisation_figures(
            organisation=organisation,
            years=[year],
            kpis=kpis,
            breakdowns=breakdowns,
            date_from=date_from,
            date_to=date_to,
        )
        _cache_set(key, figures)
    return figures
