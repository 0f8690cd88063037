"""The words every monitoring module shares: breakdowns and their buckets, the catalogue rows the measures depend
on (`Reference`), the measures themselves as aggregates over `TenderFact`, the bit numbers of themes and forms in
the fact bitmasks, periods of a year, and `Figure`, the one shape of a computed figure.

Value classes belong to the record (`mvimonitor.tenders.value_classes`); the value-class breakdown is made of them.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import BigIntegerField, Count, F, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from mvimonitor.tenders.value_classes import UNKNOWN_VALUE_CLASS, value_classes
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, Theme

from .kpis import Breakdown, Kpi

Number = int | Decimal
ALL = "all"
NATIONAL = "nl"
ORGANISATION = "organisation"
# Why a figure has no value although nothing is suppressed: the KPI is defined per calendar year only (coverage:
# a spend total is yearly) and the period is part of a year.
CALENDAR_YEAR_ONLY = "calendar_year_only"
# The level from which an ambition counts as "significant or ambitious" (AmbitionLevel.code).
HIGH_AMBITION_CODE = "significant"
# Themes and forms get one bit each in a 64-bit integer: bit i for the i-th primary key in ascending order. A new
# theme or form (a higher key) gets the next bit; after deleting one, run `refresh_facts`.
MAX_BITS = 63

BREAKDOWN_COLUMN = {
    Breakdown.NATURE: "nature",
    Breakdown.EUROPEAN: "is_european",
    Breakdown.VALUE_CLASS: "value_class",
}

PERIODS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    # code -> ((first month, first day), (last month, last day)) within the year
    "year": ((1, 1), (12, 31)),
    "h1": ((1, 1), (6, 30)),
    "h2": ((7, 1), (12, 31)),
    "q1": ((1, 1), (3, 31)),
    "q2": ((4, 1), (6, 30)),
    "q3": ((7, 1), (9, 30)),
    "q4": ((10, 1), (12, 31)),
}


def period_dates(year: int, period: str) -> tuple[dt.date, dt.date]:
    (m1, d1), (m2, d2) = PERIODS[period]
    return dt.date(year, m1, d1), dt.date(year, m2, d2)


def bits(model: type[Theme] | type[ApplicationForm]) -> dict[int, int]:
    """Primary key -> bit number of the themes (or forms) in the fact bitmasks; writer and readers use this map."""
    keys = sorted(model.objects.values_list("pk", flat=True))
    if len(keys) > MAX_BITS:
        raise ValueError(f"More than {MAX_BITS} {model.__name__} rows do not fit in the fact bitmask.")
    return {key: number for number, key in enumerate(keys)}


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
    return name in {"v", "mvi_v", "aw_sum", "cov_v", "spend", "ct_v", "ct_sme_v"} or name.startswith("theme_v_")


def hundredths(units: int) -> Decimal:
    return Decimal(units).scaleb(-2)  # 12345 -> Decimal("123.45"), exact, always two decimals


def has_bit(column: str, bit: int) -> Q:
    """The condition on the annotation `<column>_bit_<key>` that `aggregates.fact_queryset` adds per theme/form."""
    return Q(**{f"{column}_bit_{bit}__gt": 0})


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
        "sme_n": _count_if(Q(sme_suitable=True)),
        "inno_n": _count_if(Q(innovative=True)),
        "ct_n": Cast(Coalesce(Sum("contract_count"), Value(0)), BigIntegerField()),
        "ct_sme_n": Cast(Coalesce(Sum("contract_sme_count"), Value(0)), BigIntegerField()),
        "ct_v": _cents_sum("contract_value"),
        "ct_sme_v": _cents_sum("contract_sme_value"),
    }
    for pk, *_names in reference.themes:
        out[f"theme_n_{pk}"] = _count_if(has_bit("theme_mask", pk))
        out[f"theme_v_{pk}"] = _cents_sum("value", has_bit("theme_mask", pk))
    for pk, *_names in reference.forms:
        out[f"form_n_{pk}"] = _count_if(has_bit("form_mask", pk))
    for level in [0, *(level for level, *_names in reference.levels)]:
        out[f"amb_n_{level}"] = _count_if(mvi & Q(max_ambition=level))
    for count in range(len(reference.themes) + 1):
        out[f"tc_n_{count}"] = _count_if(Q(theme_count=count))
    return out


def measures_for(kpis: Sequence[Kpi], reference: Reference) -> set[str]:
    """The fact measures these KPIs read."""
    names: set[str] = set()
    for kpi in kpis:
        names.add(kpi.base)
        names.update(item.measure for item in reference.items(kpi))
    # coverage reads the tender value; "spend" comes from SpendTotal, not from the facts
    return {"v" if name in {"cov_v", "spend"} else name for name in names}


def bucket_of(row: Mapping[str, Any], breakdown: Breakdown) -> str:
    """The bucket of a fact row (or a group of them) in a breakdown."""
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


@dataclass(frozen=True)  # no slots: cached lists of figures unpickle faster with a __dict__
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
    suppressed: str | None = None  # why there is no value: a disclosure reason, or CALENDAR_YEAR_ONLY

    @property
    def key(self) -> tuple[str, str, int, str, str, str]:
        return (self.kpi, self.item, self.year, self.breakdown, self.bucket, self.geo)


def ratio(kpi: Kpi, numerator: Number | None, denominator: Number | None) -> Decimal | None:
    if numerator is None or denominator is None or not denominator:
        return None
    scale = Decimal(1) if kpi.id == "award-weight" else Decimal(100)
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
