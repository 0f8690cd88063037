"""Writes of the monitoring app: the per-tender facts and the per-organisation summaries derived from the record
(ADR 0013, 0019), and the spend totals organisations enter. Every write changes the facts version, which retires
every cached figure (`cache.facts_version_bump`)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext as _

from mvimonitor.changes import RecordChange
from mvimonitor.organisations.access import Action, permitted
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.tenders.models import INNOVATIVE_PROCEDURES, Contract, Lot, Tender
from mvimonitor.tenders.value_classes import value_class_case
from mvimonitor.themes.models import ApplicationForm, Theme

from .aggregates import summarise
from .cache import facts_version_bump
from .models import FactSummary, SpendTotal, TenderFact
from .vocabulary import Reference, bits


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
        # set afterwards where they apply (`_sme_and_innovation`)
        "sme_suitable": Value(False),
        "innovative": Value(False),
        "contract_count": Value(0),
        "contract_sme_count": Value(0),
        "contract_value": Value(Decimal(0)),
        "contract_sme_value": Value(Decimal(0)),
    }


# Above this many tenders, `facts_refresh` rebuilds the summaries of their (organisation, year) pairs from the facts
# instead of adding the tenders' differences (one IN list per query stays well within the drivers' limits).
INCREMENTAL_LIMIT = 5000


@transaction.atomic
def facts_refresh(*, tender_ids: Iterable[int] | None = None) -> int:
    """Rebuild the fact rows of these tenders (all tenders when None) with set-based SQL; returns the row count.
    A withdrawn tender gets no fact row, so it counts in no figure.

    Value rule (multi-lot): the tender's estimated value; when it has none, the sum of its lots' estimated values;
    when no lot has one either, the value is missing (NULL, class "unknown").

    The summaries follow in the same transaction. For a full rebuild they are recomputed; for given tenders, every
    measure being a sum over facts, the summaries change by (their new facts' sums - their old facts' sums), which
    costs in proportion to the tenders, not to their organisations' history (an import adds thousands of tenders to
    the same few organisations). Where the stored summaries do not match (another layout of measures, a part that
    would go below zero), the pairs concerned are recomputed from the facts instead.
    """
    tenders = Tender.objects.filter(withdrawn_at__isnull=True)  # a withdrawn tender leaves the figures
    facts = TenderFact.objects.all()
    ids: list[int] = []
    if tender_ids is not None:
        ids = sorted(set(tender_ids))
        if not ids:
            return 0
        tenders = tenders.filter(pk__in=ids)
        facts = facts.filter(tender_id__in=ids)
    incremental = tender_ids is not None and len(ids) <= INCREMENTAL_LIMIT
    reference = None
    before: list[tuple[int, int, str, str, list[int]]] = []
    names: list[str] = []
    if incremental:
        reference = Reference.load()
        if facts.exists():  # new tenders (an import's usual case) have no old sums to take away
            names, before = summarise(reference=reference, tender_ids=ids)
    # (organisation, year) pairs whose summaries change: where these tenders were, and (below) where they are now
    touched = _pairs(facts) if tender_ids is not None and not incremental else set()
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
    scope.update(value_class=value_class_case("value"))
    _sme_and_innovation(scope)
    if tender_ids is None:
        summaries_refresh()
    elif incremental:
        assert reference is not None  # noqa: S101 - loaded above for the incremental path
        names, after = summarise(reference=reference, tender_ids=ids)
        _summaries_add(names, before, after)
    else:
        touched |= _pairs(scope)
        summaries_refresh(pairs=touched)
    facts_version_bump()
    return inserted


def _sme_and_innovation(scope: models.QuerySet[TenderFact]) -> None:
    """The SME and innovation columns of these facts (all False and 0 after the insert): set only where a flag, an
    innovation procedure or a contract with a known winner size exists, so most facts cost one EXISTS each."""
    tender = Tender.objects.filter(pk=OuterRef("tender_id"))
    lots = Lot.objects.filter(tender_id=OuterRef("tender_id"))
    sme = Exists(tender.filter(is_sme_friendly=True)) | Exists(lots.filter(is_sme_friendly=True))
    innovative = Exists(tender.filter(Q(is_innovative=True) | Q(procedure_type__in=INNOVATIVE_PROCEDURES))) | Exists(
        lots.filter(is_innovative=True)
    )
    scope.filter(sme).update(sme_suitable=True)
    scope.filter(innovative).update(innovative=True)
    _contract_columns(scope)


def _contract_sums() -> dict[str, Any]:
    """Per fact (OuterRef tender_id): the contracts with a known winner size, counted and summed."""
    known = Contract.objects.filter(lot__tender_id=OuterRef("tender_id"), supplier_is_sme__isnull=False)

    def total(contracts: models.QuerySet[Contract], aggregate: Any, output: models.Field[Any, Any]) -> Any:
        per_tender = contracts.order_by().values("lot__tender_id").annotate(t=aggregate).values("t")[:1]
        return Coalesce(Subquery(per_tender, output_field=output), Value(0), output_field=output)

    sme = known.filter(supplier_is_sme=True)
    money = models.DecimalField(max_digits=16, decimal_places=2)
    return {
        "contract_count": total(known, Count("pk"), models.IntegerField()),
        "contract_sme_count": total(sme, Count("pk"), models.IntegerField()),
        "contract_value": total(known, Sum("value"), money),
        "contract_sme_value": total(sme, Sum("value"), money),
    }


def _known_contracts() -> Exists:
    return Exists(Contract.objects.filter(lot__tender_id=OuterRef("tender_id"), supplier_is_sme__isnull=False))


def _contract_columns(scope: models.QuerySet[TenderFact]) -> None:
    """Set the contract columns of the facts whose tenders have contracts of a known winner size."""
    scope.filter(_known_contracts()).update(**_contract_sums())


def _stale_contract_facts(scope: models.QuerySet[TenderFact]) -> list[int]:
    """The tenders of these facts whose contract columns no longer match their contracts."""
    columns = ["contract_count", "contract_sme_count", "contract_value", "contract_sme_value"]
    rows = (
        scope.filter(_known_contracts() | Q(contract_count__gt=0))
        .annotate(**{f"new_{name}": expression for name, expression in _contract_sums().items()})
        .values_list("tender_id", *columns, *(f"new_{name}" for name in columns))
    )
    return [
        tender_id
        for tender_id, *values in rows
        if [Decimal(v or 0) for v in values[:4]] != [Decimal(v or 0) for v in values[4:]]
    ]


def _summaries_add(
    names: list[str],
    before: list[tuple[int, int, str, str, list[int]]],
    after: list[tuple[int, int, str, str, list[int]]],
) -> None:
    """Change the stored summaries by `after - before` (the changed tenders' sums per summary row)."""
    width = len(names)
    delta: dict[tuple[int, int, str, str], Any] = {}
    for sign, rows in ((-1, before), (1, after)):
        for org, year, breakdown, bucket, amounts in rows:
            key = (org, year, breakdown, bucket)
            vector = np.asarray(amounts, dtype=np.int64) * sign
            delta[key] = delta[key] + vector if key in delta else vector
    delta = {key: vector for key, vector in delta.items() if vector.any()}
    if not delta:
        return
    layout = ",".join(names)
    count = names.index("n")  # a row with no facts left (n = 0) is deleted, as a rebuild would not write it
    pairs = {(org, year) for org, year, _breakdown, _bucket in delta}
    _lock_pairs(pairs)
    stored: dict[tuple[int, int, str, str], tuple[int, str, bytes]] = {}
    # Locked until the commit: a concurrent change of the same rows waits and then adds to this one's result,
    # instead of both adding to the same old value (PostgreSQL; SQLite has a single writer anyway).
    for pk, org, year, breakdown, bucket, row_layout, blob in (
        FactSummary.objects.select_for_update()
        .filter(
            organisation_id__in=sorted({org for org, _year in pairs}), year__in=sorted({year for _org, year in pairs})
        )
        .values_list("pk", "organisation_id", "year", "breakdown", "bucket", "names", "amounts")
    ):
        if (org, year) in pairs:
            stored[(org, year, breakdown, bucket)] = (pk, row_layout, bytes(blob))
    totals: dict[tuple[int, int, str, str], Any] = {}
    rebuild: set[tuple[int, int]] = set()
    for key, change in delta.items():
        found = stored.get(key)
        total = change + (np.frombuffer(found[2], dtype="<i8") if found is not None else 0)
        if (
            (found is not None and found[1] != layout)  # measures added or removed since: recompute
            or len(total) != width
            or (total < 0).any()  # the stored row did not hold these tenders' old sums
            or (total[count] == 0 and total.any())
        ):
            rebuild.add(key[:2])
        totals[key] = total
    updates: list[tuple[bytes, int]] = []
    deletes: list[int] = []
    inserts: list[FactSummary] = []
    for key, total in totals.items():
        if key[:2] in rebuild:
            continue
        found = stored.get(key)
        if found is not None and total[count] == 0:
            deletes.append(found[0])
        elif found is not None:
            updates.append((_blob(total), found[0]))
        else:
            inserts.append(_summary_row(*key, layout, total))
    if deletes:
        FactSummary.objects.filter(pk__in=deletes)._raw_delete(connection.alias)
    if updates:
        table = connection.ops.quote_name(FactSummary._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET amounts = %s WHERE id = %s", updates)  # noqa: S608
    FactSummary.objects.bulk_create(inserts, batch_size=2000)
    if rebuild:
        summaries_refresh(pairs=rebuild)


# Key space of the summary locks: pg_advisory_xact_lock takes one bigint; the top bits name this use of it.
_LOCK_SPACE = 0x4D56 << 44


def _lock_pairs(pairs: Iterable[tuple[int, int]]) -> None:
    """PostgreSQL: lock these (organisation, year) pairs' summaries until the end of the transaction.

    Row locks (SELECT ... FOR UPDATE) cannot cover a summary row that does not exist yet: two transactions adding an
    organisation's first tenders of a year would both insert the same row, and the second would fail on the unique
    constraint. A transaction-level advisory lock per pair makes the second wait for the first's commit; its next
    statement then sees the first's rows and adds to them. Locks are taken in ascending order, so two transactions
    cannot each hold a lock the other waits for. Keys of different pairs collide only beyond 2^32 organisations or
    4,096 years apart, which would make a transaction wait, never give a wrong sum. SQLite has one writer at a time.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({_LOCK_SPACE | (org & 0xFFFFFFFF) << 12 | (year & 0xFFF) for org, year in pairs})
    if keys:
        with connection.cursor() as cursor:  # unnest keeps the array's (ascending) order
            cursor.execute("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [keys])


def _blob(amounts: Any) -> bytes:
    """Amounts as stored in `FactSummary.amounts`: one little-endian int64 each."""
    return np.asarray(amounts, dtype="<i8").tobytes()


def _summary_row(org: int, year: int, breakdown: str, bucket: str, layout: str, amounts: Any) -> FactSummary:
    return FactSummary(
        organisation_id=org, year=year, breakdown=breakdown, bucket=bucket, names=layout, amounts=_blob(amounts)
    )


def _pairs(facts: models.QuerySet[TenderFact]) -> set[tuple[int, int]]:
    """The (organisation, year) pairs of these facts (undated facts are in no summary)."""
    rows = facts.filter(year__isnull=False).values_list("organisation_id", "year").distinct()
    return {(organisation, year) for organisation, year in rows if year is not None}


@transaction.atomic
def facts_on_record_change(change: RecordChange) -> None:
    """The monitoring app's refresher for `record_changed` (registered in `DashboardsConfig.ready`)."""
    if change.everything:
        facts_refresh()
        return
    if change.removed_tender_ids:
        facts_remove(tender_ids=change.removed_tender_ids)
    if kept := change.tender_ids - change.removed_tender_ids:
        facts_refresh(tender_ids=kept)
    if change.organisation_ids:
        _facts_follow_organisations(change.organisation_ids)
    if change.contract_organisation_ids:
        _facts_follow_contracts(change.contract_organisation_ids)


def _facts_follow_contracts(organisation_ids: Iterable[int]) -> None:
    """A contract of these organisations changed (its winner's size or value feed the SME KPIs): the facts whose
    contract columns no longer match the contracts are rebuilt, with their summaries."""
    stale = _stale_contract_facts(TenderFact.objects.filter(organisation_id__in=sorted(organisation_ids)))
    if stale:
        facts_refresh(tender_ids=stale)


def _facts_follow_organisations(organisation_ids: Iterable[int]) -> None:
    """An organisation's kind or province changed: its facts carry both (no measure or summary depends on them), and
    the national figures group organisations by them, so the cached ones must go."""
    organisation = Organisation.objects.filter(pk=OuterRef("organisation_id"))
    TenderFact.objects.filter(organisation_id__in=sorted(organisation_ids)).update(
        organisation_kind=Subquery(organisation.values("kind")[:1]),
        province=Subquery(organisation.values("province")[:1]),
    )
    facts_version_bump()


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
        _lock_pairs(wanted)
    summaries._raw_delete(summaries.db)
    names, computed = summarise(reference=Reference.load(), organisation_ids=organisations, years=years)
    layout = ",".join(names)
    rows = [
        _summary_row(org, year, breakdown, bucket, layout, amounts)
        for org, year, breakdown, bucket, amounts in computed
    ]
    FactSummary.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _column(name: str) -> str:
    field = TenderFact._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise TypeError(f"{name} is not a column of the fact table.")
    return field.column


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
