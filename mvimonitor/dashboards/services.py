"""Writes of the monitoring app: rebuilding the per-tender facts and saving spend totals."""

import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.db.models import Case, Count, F, Max, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, permitted
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.tenders.models import Lot, Tender
from mvimonitor.themes.models import ApplicationForm, Theme

from .models import FactSummary, FactsVersion, SpendTotal, TenderFact

DATA_DIR = Path(__file__).resolve().parent / "data"
UNKNOWN_VALUE_CLASS = "unknown"
# Themes and forms get one bit each in a 64-bit integer: bit i for the i-th primary key in ascending order. A new
# theme or form (a higher key) gets the next bit; after deleting one, run `refresh_facts`.
MAX_BITS = 63


@cache
def value_classes() -> tuple[tuple[str, Decimal | None, str, str], ...]:
    """(code, upper bound or None, Dutch name, English name) from data/value_classes.json, in order."""
    rows = json.loads((DATA_DIR / "value_classes.json").read_text(encoding="utf-8"))["rows"]
    return tuple(
        (row["code"], Decimal(row["upper"]) if row["upper"] is not None else None, row["name_nl"], row["name_en"])
        for row in rows
    )


def bits(model: type[Theme] | type[ApplicationForm]) -> dict[int, int]:
    """Primary key -> bit number of the themes (or forms) in the fact bitmasks; the selectors use the same map."""
    keys = sorted(model.objects.values_list("pk", flat=True))
    if len(keys) > MAX_BITS:
        raise ValueError(f"More than {MAX_BITS} {model.__name__} rows do not fit in the fact bitmask.")
    return {key: number for number, key in enumerate(keys)}


def _mask(lookup: str, numbers: dict[int, int]) -> Any:
    """Sum over keys of (its bit if any joined row has that key): the OR of the bits, portable to SQLite."""
    if not numbers:
        return Value(0)
    parts = [Max(Case(When(**{lookup: key}, then=Value(1 << bit)), default=Value(0))) for key, bit in numbers.items()]
    total: Any = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


# Fact column -> expression over Tender, grouped per tender (the application join multiplies rows, so every
# application measure is an aggregate that is not changed by duplicates, except the weight sums, which are per
# application: lots without applications add one NULL row that Sum and Count ignore).
def _fact_columns() -> dict[str, Any]:
    apps = "lots__mvi_applications"
    return {
        "tender_id": F("pk"),
        "organisation_id": F("organisation_id"),
        "organisation_kind": F("organisation__kind"),
        "province": F("organisation__province"),
        "year": ExtractYear("publication_date"),
        "publication_date": F("publication_date"),
        "nature": F("nature"),
        "is_european": F("is_european"),
        "value": F("estimated_value"),
        "value_class": Value(""),
        "theme_mask": _mask(f"{apps}__theme_id", bits(Theme)),
        "theme_count": Count(f"{apps}__theme_id", distinct=True),
        "form_mask": _mask(f"{apps}__form_id", bits(ApplicationForm)),
        "max_ambition": Coalesce(Max(f"{apps}__ambition_level__level"), Value(0)),
        "in_product_group": Case(When(product_group__isnull=False, then=Value(True)), default=Value(False)),
        "award_weight_sum": Coalesce(Sum(f"{apps}__award_weight"), Value(Decimal(0))),
        "award_weight_count": Count(f"{apps}__award_weight"),
        "confirmed": Case(When(mvi_confirmed_at__isnull=False, then=Value(True)), default=Value(False)),
    }


@transaction.atomic
def facts_refresh(*, tender_ids: Iterable[int] | None = None) -> int:
    """Rebuild the fact rows of these tenders (all tenders when None) with set-based SQL; returns the row count.

    Value rule (multi-lot): the tender's estimated value; when it has none, the sum of its lots' estimated values;
    when no lot has one either, the value is missing (NULL, class "unknown").
    """
    tenders = Tender.objects.all()
    facts = TenderFact.objects.all()
    if tender_ids is not None:
        ids = sorted(set(tender_ids))
        if not ids:
            return 0
        tenders = tenders.filter(pk__in=ids)
        facts = facts.filter(tender_id__in=ids)
    # (organisation, year) pairs whose summaries change: where these tenders were, and (below) where they are now
    touched = _pairs(facts) if tender_ids is not None else set()
    facts._raw_delete(facts.db)
    columns = _fact_columns()
    aliases = {f"fact_{name}": expression for name, expression in columns.items()}
    query = tenders.order_by().annotate(**aliases).values(*aliases)
    select_sql, params = query.query.sql_with_params()
    ordered = [alias.removeprefix("fact_") for alias in query.query.annotation_select]
    table = TenderFact._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(_column(name)) for name in ordered)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({quoted}) {select_sql}", params)
        inserted = int(cursor.rowcount)
    scope = TenderFact.objects.all() if tender_ids is None else TenderFact.objects.filter(tender_id__in=ids)
    lot_sum = (
        Lot.objects.filter(tender_id=OuterRef("tender_id")).values("tender_id").annotate(s=Sum("estimated_value"))
    )
    scope.filter(value__isnull=True).update(value=Subquery(lot_sum.values("s")[:1]))
    scope.update(value_class=value_class_expression())
    if tender_ids is None:
        summaries_refresh()
    else:
        touched |= _pairs(scope)
        summaries_refresh(pairs=touched)
    facts_version_bump()
    return inserted


def _pairs(facts: models.QuerySet[TenderFact]) -> set[tuple[int, int]]:
    """The (organisation, year) pairs of these facts (undated facts are in no summary)."""
    rows = facts.filter(year__isnull=False).values_list("organisation_id", "year").distinct()
    return {(organisation, year) for organisation, year in rows if year is not None}


@transaction.atomic
def facts_remove(*, tender_ids: Iterable[int]) -> None:
    """Before tenders are deleted: drop their facts and rebuild the summaries they were part of (the fact rows
    would go with the tenders, but the summaries and the facts version must follow)."""
    facts = TenderFact.objects.filter(tender_id__in=sorted(set(tender_ids)))
    pairs = _pairs(facts)
    facts._raw_delete(facts.db)
    summaries_refresh(pairs=pairs)
    facts_version_bump()


def summaries_refresh(*, pairs: Iterable[tuple[int, int]] | None = None) -> int:
    """Rebuild the `FactSummary` rows of these (organisation, year) pairs (all when None) from the facts; returns
    the number of rows written. Called by `facts_refresh`, inside its transaction."""
    from .selectors import Reference, summarise

    summaries = FactSummary.objects.all()
    organisations: list[int] | None = None
    years: list[int] | None = None
    wanted: set[tuple[int, int]] | None = None
    if pairs is not None:
        wanted = set(pairs)
        if not wanted:
            return 0
        organisations = sorted({org for org, _year in wanted})
        years = sorted({year for _org, year in wanted})
        summaries = summaries.filter(organisation_id__in=organisations, year__in=years)
    summaries._raw_delete(summaries.db)
    names, computed = summarise(reference=Reference.load(), organisation_ids=organisations, years=years)
    layout = ",".join(names)
    rows = [
        FactSummary(
            organisation_id=org,
            year=year,
            breakdown=breakdown,
            bucket=bucket,
            names=layout,
            amounts=np.asarray(amounts, dtype="<i8").tobytes(),
        )
        for org, year, breakdown, bucket, amounts in computed
    ]
    FactSummary.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def facts_version_bump() -> None:
    FactsVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def facts_version() -> str:
    return FactsVersion.objects.filter(pk=1).values_list("token", flat=True).first() or "none"


def _column(name: str) -> str:
    field = TenderFact._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise TypeError(f"{name} is not a column of the fact table.")
    return field.column


def value_class_expression() -> Case:
    whens = [When(value__isnull=True, then=Value(UNKNOWN_VALUE_CLASS))]
    last = UNKNOWN_VALUE_CLASS
    for code, upper, _nl, _en in value_classes():
        if upper is None:
            last = code
        else:
            whens.append(When(value__lt=upper, then=Value(code)))
    return Case(*whens, default=Value(last), output_field=models.CharField())


@transaction.atomic
def spend_total_save(
    *, user: User, organisation: Organisation, year: int, amount: Decimal, source_note: str
) -> SpendTotal:
    """Create or replace an organisation's spend total for a year (beheerder or MVI coordinator)."""
    if not permitted(user, Action.EDIT_SPEND_TOTALS, organisation):
        raise PermissionDenied(_("You may not enter spend totals for this organisation."))
    total = SpendTotal.objects.filter(organisation=organisation, year=year).first() or SpendTotal(
        organisation=organisation, year=year
    )
    total.amount = amount
    total.source_note = source_note
    total.full_clean()
    total.save()
    facts_version_bump()
    return total


def spend_totals_for(*, organisation: Organisation) -> models.QuerySet[SpendTotal]:
    return SpendTotal.objects.filter(organisation=organisation).order_by("-year")
