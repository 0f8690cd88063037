"""One organisation's own figures: straight from its facts (any period of a year), without disclosure control
(the organisation sees its own records). Who may see them is decided by the caller (`selectors.kpi_values`)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mvimonitor.organisations.models import Organisation

from .aggregates import fact_queryset
from .kpis import CATALOGUE, Breakdown, Kpi
from .models import SpendTotal
from .vocabulary import (
    BREAKDOWN_COLUMN,
    CALENDAR_YEAR_ONLY,
    ORGANISATION,
    Figure,
    Number,
    Reference,
    bucket_of,
    buckets,
    hundredths,
    in_hundredths,
    measures_for,
    ratio,
)


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
    wanted = measures_for(kpis, reference) if kpis is not None else None
    rows: list[dict[str, Any]] = list(
        fact_queryset(
            years=years,
            columns=columns,
            organisation_id=organisation_id,
            date_from=date_from,
            date_to=date_to,
            reference=reference,
            wanted=wanted,
        )
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
            cell = data[(breakdown, row["year"], bucket_of(row, breakdown))]
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


def _measure(rows: Rows, row: Mapping[str, Any], year: int, organisation: int, name: str) -> Number:
    """A measure of one organisation's row; the coverage measures need the organisation's spend total."""
    if name == "spend":
        return rows.spend.get((year, organisation), Decimal(0))
    if name == "cov_v":
        return row["v"] if (year, organisation) in rows.spend else Decimal(0)
    value: Number = row[name]
    return value


def _part_of_year(years: Sequence[int], date_from: dt.date | None, date_to: dt.date | None) -> bool:
    """Whether the dates narrow the year(s) to less than whole calendar years."""
    if date_from is None and date_to is None:
        return False
    return not (
        len(years) == 1
        and date_from in (None, dt.date(years[0], 1, 1))
        and date_to in (None, dt.date(years[0], 12, 31))
    )


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
    part_of_year = _part_of_year(years, date_from, date_to)
    for kpi in kpis:
        for breakdown in breakdowns:
            if breakdown not in kpi.breakdowns:
                continue
            for year in years:
                for bucket in buckets(breakdown):
                    row = rows.data.get((breakdown, year, bucket), {}).get(organisation.pk)
                    for item in reference.items(kpi):
                        numerator: Number | None = None
                        denominator: Number | None = None
                        if not (kpi.yearly_only and part_of_year):
                            numerator = _measure(rows, row, year, organisation.pk, item.measure) if row else 0
                            denominator = _measure(rows, row, year, organisation.pk, kpi.base) if row else 0
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
                                # coverage of a half or a quarter: no figure (a spend total is yearly)
                                suppressed=None if numerator is not None else CALENDAR_YEAR_ONLY,
                            )
                        )
    return figures
