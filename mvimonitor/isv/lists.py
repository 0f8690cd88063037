"""Which list of ISV risk categories applies on a date, and the category suggested for a lot.

A list applies from its start date until the start date of the next list (a list change takes effect on its start
date); a list without a start date applies to no tender. Suggestions are shipped per product group and CPV prefix
against one list; a lot under a later list gets the category its suggestion went into (`CategoryMapping`).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.tenders.models import Lot
from mvimonitor.themes.models import IsvRiskCategory

from .models import CategoryMapping, CategorySuggestion, RiskList


def list_periods() -> list[tuple[RiskList, dt.date, dt.date | None]]:
    """Every list with a start date, with the first day of the next list (None: still in force)."""
    lists = list(RiskList.objects.filter(valid_from__isnull=False).order_by("valid_from", "list_version"))
    periods: list[tuple[RiskList, dt.date, dt.date | None]] = []
    for index, risk_list in enumerate(lists):
        assert risk_list.valid_from is not None  # noqa: S101 (filtered above)
        following = lists[index + 1].valid_from if index + 1 < len(lists) else None
        periods.append((risk_list, risk_list.valid_from, following))
    return periods


def list_on(day: dt.date) -> RiskList | None:
    """The list that applies to a tender published on `day`."""
    for risk_list, first, following in list_periods():
        if first <= day and (following is None or day < following):
            return risk_list
    return None


def reference_date(lot: Lot) -> dt.date:
    """The date that decides a lot's list: its tender's publication date, else today (not yet published)."""
    return lot.tender.publication_date or timezone.localdate()


def list_for_lot(lot: Lot) -> RiskList | None:
    return list_on(reference_date(lot))


@dataclass(frozen=True)
class Suggestion:
    category: IsvRiskCategory
    basis: str  # what it was suggested from, in words
    inferred: bool
    note: str
    mapped_from: IsvRiskCategory | None = None  # the category of an earlier list the suggestion was made for
    mapping_inferred: bool = False


def _mapped(category: IsvRiskCategory, target: RiskList) -> tuple[IsvRiskCategory, CategoryMapping | None] | None:
    """`category` in the list `target`, following the mapping one step at a time (at most through every list)."""
    seen: list[CategoryMapping] = []
    current = category
    for _step in range(RiskList.objects.count()):
        if current.list_version == target.list_version:
            return current, (seen[0] if seen else None)
        mapping = CategoryMapping.objects.filter(old=current).select_related("new").first()
        if mapping is None:
            return None
        seen.append(mapping)
        current = mapping.new
    return (current, seen[0] if seen else None) if current.list_version == target.list_version else None


def suggestion_for(lot: Lot, risk_list: RiskList | None) -> Suggestion | None:
    """The category suggested from the tender's product group, else from the longest matching CPV prefix of the
    lot's (else the tender's) main CPV code."""
    if risk_list is None:
        return None
    tender = lot.tender
    found: CategorySuggestion | None = None
    basis = ""
    group = tender.product_group
    if group is not None:
        found = CategorySuggestion.objects.filter(product_group_code=group.code).first()
        basis = _("product group %(group)s") % {"group": group}
    cpv = lot.main_cpv_id or tender.main_cpv_id
    if found is None and cpv:
        prefixes = [str(cpv)[:length] for length in range(len(str(cpv)), 1, -1)]
        candidates = {row.cpv_prefix: row for row in CategorySuggestion.objects.filter(cpv_prefix__in=prefixes)}
        for prefix in prefixes:
            if prefix in candidates:
                found = candidates[prefix]
                basis = _("CPV code %(code)s (prefix %(prefix)s)") % {"code": cpv, "prefix": prefix}
                break
    if found is None:
        return None
    category = IsvRiskCategory.objects.get(pk=found.category_id)
    mapped = _mapped(category, risk_list)
    if mapped is None:
        return None
    target, mapping = mapped
    return Suggestion(
        category=target,
        basis=basis,
        inferred=found.inferred,
        note=found.note,
        mapped_from=category if mapping is not None else None,
        mapping_inferred=bool(mapping and mapping.inferred),
    )
