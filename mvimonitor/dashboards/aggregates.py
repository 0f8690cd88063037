"""The aggregate queries over `TenderFact`: one GROUP BY year, organisation[, breakdown columns] with every wanted
measure (`vocabulary.measures`) as a conditional aggregate. Organisation figures read it directly; the writer
stores its per-bucket sums as `FactSummary` rows (`summarise`), which the national figures read."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import F

from .kpis import Breakdown
from .models import TenderFact
from .vocabulary import ALL, BREAKDOWN_COLUMN, Reference, bucket_of, measures


def fact_queryset(
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
    """The GROUP BY year, organisation[, columns] query with the wanted measures (None: all; years None: every
    dated year)."""
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


def integer_rows(query: Any) -> list[tuple[Any, ...]]:
    """Rows of a values_list query whose measures are all integers, read without Django's per-value converters
    (tens of thousands of values; the converters would only call int() on each)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


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
    breakdowns = list(Breakdown)
    columns = [BREAKDOWN_COLUMN[b] for b in breakdowns if b != Breakdown.ALL]
    query = fact_queryset(
        years=years,
        columns=columns,
        reference=reference,
        wanted=None,
        organisation_ids=organisation_ids,
        tender_ids=tender_ids,
    )
    rows = integer_rows(query.values_list("year", "organisation_id", *columns, *names))
    if not rows:
        return names, []
    # ONE aggregate query at the grain of every breakdown (year x organisation x their columns), summed per bucket
    keys = np.array([row[:2] for row in rows], dtype=np.int64)  # year, organisation
    amounts = np.array([row[2 + len(columns) :] for row in rows], dtype=np.int64).reshape(len(rows), len(names))
    out: list[tuple[int, int, str, str, list[int]]] = []
    for breakdown in breakdowns:
        if breakdown == Breakdown.ALL:
            labels = [ALL] * len(rows)
        else:
            at = 2 + columns.index(BREAKDOWN_COLUMN[breakdown])
            labels = [bucket_of({BREAKDOWN_COLUMN[breakdown]: row[at]}, breakdown) for row in rows]
        parts = list(dict.fromkeys(labels))
        index = {part: number for number, part in enumerate(parts)}
        part_index = np.array([index[label] for label in labels], dtype=np.int64)
        groups, inverse = np.unique(np.column_stack([keys, part_index]), axis=0, return_inverse=True)
        sums = np.zeros((len(groups), len(names)), dtype=np.int64)
        np.add.at(sums, inverse.reshape(-1), amounts)
        for (year, organisation, part), row in zip(groups.tolist(), sums.tolist(), strict=True):
            out.append((organisation, year, breakdown.value, parts[part], row))
    return names, out
