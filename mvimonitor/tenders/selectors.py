"""Reads of the procurement record for the web UI: the filtered tender list, one tender with everything under it,
and a readable change history (who changed which fields when).

Visibility is decided by the caller through `mvimonitor.organisations.access`; these functions only shape queries.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.utils.translation import gettext as _

from mvimonitor.organisations.models import Organisation
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, ProductGroup, Theme

from .models import Lot, MVIApplication, Tender
from .value_classes import value_class_case

# How many change entries the detail page shows; older ones stay in the admin's full history.
HISTORY_LIMIT = 50


class TenderFilters(TypedDict, total=False):
    q: str
    year: int | None
    nature: str
    theme: Theme | None
    product_group: ProductGroup | None
    procedure_type: str
    mvi_confirmed: str
    sort: str
    # Filters behind the monitoring figures (computed from the record by the rules the figures count with).
    date_from: dt.date | None
    date_to: dt.date | None
    european: str
    value_class: str
    mvi: str
    theme_count: int | None
    form: ApplicationForm | None
    ambition: str
    ambition_min: AmbitionLevel | None
    in_product_group: str


def tender_years(*, organisation: Organisation) -> list[int]:
    """The publication years that occur in this organisation's tenders, newest first."""
    dates = Tender.objects.filter(organisation=organisation, publication_date__isnull=False).dates(
        "publication_date", "year", order="DESC"
    )
    return [d.year for d in dates]


def tender_list(*, organisation: Organisation, filters: TenderFilters) -> models.QuerySet[Tender]:
    """The organisation's tenders after search and filters, with the number of distinct MVI themes per tender."""
    tenders: models.QuerySet[Tender] = Tender.objects.filter(organisation=organisation)
    if query := (filters.get("q") or "").strip():
        tenders = tenders.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(internal_reference__icontains=query)
            | Q(ted_notice_id__icontains=query)
            | Q(tenderned_publication_id__icontains=query)
            | Q(ocid__icontains=query)
        )
    if year := filters.get("year"):
        tenders = tenders.filter(publication_date__year=year)
    if nature := filters.get("nature"):
        tenders = tenders.filter(nature=nature)
    if procedure_type := filters.get("procedure_type"):
        tenders = tenders.filter(procedure_type=procedure_type)
    if product_group := filters.get("product_group"):
        tenders = tenders.filter(product_group=product_group)
    if theme := filters.get("theme"):
        # A subquery, not a join, so the theme count below still counts every theme of the tender.
        tenders = tenders.filter(Exists(MVIApplication.objects.filter(lot__tender=OuterRef("pk"), theme=theme)))
    confirmed = filters.get("mvi_confirmed")
    if confirmed == "yes":
        tenders = tenders.filter(mvi_confirmed_at__isnull=False)
    elif confirmed == "no":
        tenders = tenders.filter(mvi_confirmed_at__isnull=True)
    tenders = _monitoring_filters(tenders, filters)
    order = ["publication_date", "id"] if filters.get("sort") == "date" else ["-publication_date", "-id"]
    # The theme count as a subquery per row, not a join with GROUP BY over all the organisation's tenders: the
    # database computes it for the page's rows only, and the paginator's count leaves it out.
    return tenders.select_related("product_group").annotate(theme_count=_theme_count()).order_by(*order)


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _per_tender(rows: models.QuerySet[Any], tender: str, aggregate: Any) -> Subquery:
    """One aggregate over the tender's `rows` (reached from a row by the lookup `tender`), as a subquery."""
    return Subquery(
        rows.filter(**{tender: OuterRef("pk")})
        .order_by()
        .values(tender)
        .annotate(result=aggregate)
        .values("result")[:1]
    )


def _record_value() -> Coalesce:
    """The tender's value as the monitoring figures count it: its estimated value; when it has none, the sum of its
    lots' estimated values; when no lot has one either, missing (NULL)."""
    return Coalesce("estimated_value", _per_tender(Lot.objects.all(), "tender", Sum("estimated_value")))


def _theme_count() -> Coalesce:
    """The number of distinct themes of the tender's MVI applications (0 without any)."""
    themes = _per_tender(MVIApplication.objects.all(), "lot__tender", Count("theme", distinct=True))
    return Coalesce(themes, Value(0), output_field=IntegerField())


def _max_ambition() -> Coalesce:
    """The highest ambition level of the tender's MVI applications (0 when none is recorded)."""
    highest = _per_tender(MVIApplication.objects.all(), "lot__tender", Max("ambition_level__level"))
    return Coalesce(highest, Value(0), output_field=IntegerField())


MONITORING_FILTERS = (
    "date_from", "date_to", "european", "value_class", "mvi", "theme_count", "form", "ambition", "ambition_min",
    "in_product_group",
)  # fmt: skip


def _monitoring_filters(tenders: models.QuerySet[Tender], filters: TenderFilters) -> models.QuerySet[Tender]:
    """The filters a dashboard figure links with, so the list shows exactly the tenders behind the number.

    They follow the rules of the figures (docs/monitoring.md), computed from the record itself; a withdrawn tender is
    in no figure, so any of these filters leaves withdrawn tenders out."""
    if any(filters.get(name) not in (None, "") for name in MONITORING_FILTERS):
        tenders = tenders.filter(withdrawn_at__isnull=True)
    if date_from := filters.get("date_from"):
        tenders = tenders.filter(publication_date__gte=date_from)
    if date_to := filters.get("date_to"):
        tenders = tenders.filter(publication_date__lte=date_to)
    if (european := _yes_no(filters.get("european"))) is not None:
        tenders = tenders.filter(is_european=european)
    if value_class := filters.get("value_class"):
        tenders = tenders.alias(record_value=_record_value()).alias(
            record_value_class=value_class_case("record_value")
        )
        tenders = tenders.filter(record_value_class=value_class)
    has_mvi = Exists(MVIApplication.objects.filter(lot__tender=OuterRef("pk")))
    if (mvi := _yes_no(filters.get("mvi"))) is not None:
        tenders = tenders.filter(has_mvi if mvi else ~has_mvi)
    if (theme_count := filters.get("theme_count")) is not None:
        tenders = tenders.alias(record_theme_count=_theme_count()).filter(record_theme_count=theme_count)
    if form := filters.get("form"):
        tenders = tenders.filter(Exists(MVIApplication.objects.filter(lot__tender=OuterRef("pk"), form=form)))
    if ambition := filters.get("ambition"):
        level = 0 if ambition == "not-recorded" else AmbitionLevel.objects.get(code=ambition).level
        tenders = tenders.filter(has_mvi, Exact(_max_ambition(), level))
    if ambition_min := filters.get("ambition_min"):
        tenders = tenders.filter(GreaterThanOrEqual(_max_ambition(), ambition_min.level))
    if (in_group := _yes_no(filters.get("in_product_group"))) is not None:
        tenders = tenders.filter(product_group__isnull=not in_group)
    return tenders


def tender_detail(*, queryset: models.QuerySet[Tender], tender_id: int) -> Tender:
    """One tender with its lots, award criteria, MVI applications and contracts in a fixed number of queries."""
    lots = Lot.objects.prefetch_related(
        "award_criteria",
        "contracts",
        Prefetch(
            "mvi_applications",
            queryset=MVIApplication.objects.select_related("theme", "form", "ambition_level", "criterion"),
        ),
    )
    return (
        queryset.select_related("organisation", "main_cpv", "product_group", "mvi_confirmed_by")
        .prefetch_related("additional_cpvs", Prefetch("lots", queryset=lots))
        .get(pk=tender_id)
    )


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    kind: str  # "+" created, "~" changed, "-" deleted (django-simple-history's history_type)
    subject: str  # what the record is: "tender", "lot 1: Schoonmaak", ...
    changes: list[FieldChange] = field(default_factory=list)


def _display(record: Any, name: str) -> str:
    """A field value of a historical record as a person reads it: choice labels, related objects' names."""
    try:
        model_field = record._meta.get_field(name)
    except FieldDoesNotExist:
        return str(getattr(record, name, ""))
    if model_field.is_relation and model_field.many_to_one:
        try:
            related = getattr(record, name)
        except ObjectDoesNotExist:
            related = getattr(record, model_field.attname)
        return "" if related is None else str(related)
    value = getattr(record, model_field.attname)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if value is None:
        return ""
    return str(value)


def _entries(records: Iterable[Any], subject: Any) -> list[HistoryEntry]:
    """Turn one object's historical records (oldest first) into entries with the changed fields."""
    entries: list[HistoryEntry] = []
    previous = None
    for record in records:
        changes: list[FieldChange] = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                label = str(record.instance_type._meta.get_field(change.field).verbose_name)
                if isinstance(change.new, list):  # many-to-many: lists of through-row dicts
                    old = ", ".join(sorted(str(v) for row in change.old for k, v in row.items() if k != "tender"))
                    new = ", ".join(sorted(str(v) for row in change.new for k, v in row.items() if k != "tender"))
                else:
                    old, new = _display(previous, change.field), _display(record, change.field)
                changes.append(FieldChange(label=label, old=old, new=new))
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.get_username()) if user is not None else "",
                kind=record.history_type,
                subject=subject(record),
                changes=changes,
            )
        )
        previous = record
    return entries


def _by_object(records: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for record in records:
        grouped.setdefault(record.id, []).append(record)
    return grouped


def tender_history(*, tender: Tender, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """Changes to the tender, its lots and its MVI applications (deleted ones included), newest first."""
    entries = _entries(
        Tender.history.filter(id=tender.pk).select_related("history_user").order_by("history_date", "history_id"),
        lambda r: _("tender"),
    )
    lot_records = list(
        Lot.history.filter(tender_id=tender.pk).select_related("history_user").order_by("history_date", "history_id")
    )
    lot_names = {r.id: f"{r.number}: {r.title}" for r in lot_records}
    for records in _by_object(lot_records).values():
        entries += _entries(records, lambda r: _("lot %(lot)s") % {"lot": lot_names[r.id]})
    application_records = (
        MVIApplication.history.filter(lot_id__in=list(lot_names))
        .select_related("history_user", "theme", "form")
        .order_by("history_date", "history_id")
    )
    for records in _by_object(application_records).values():
        entries += _entries(
            records,
            lambda r: (
                _("MVI application %(theme)s / %(form)s (lot %(lot)s)")
                % {"theme": r.theme, "form": r.form, "lot": lot_names.get(r.lot_id, r.lot_id)}
            ),
        )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
