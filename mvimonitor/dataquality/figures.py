"""The data-quality and burden figures: per organisation, and their national sums under disclosure control.

Every figure is a sum over the organisation's records of the year (definitions.py), computed for all organisations
at once as contributions (organisation id → count), so an organisation's own page and the national table come from
the same numbers. A share is numerator ÷ denominator; nationally both are cells of ONE disclosure problem with the
bound numerator ≤ denominator, and a share is shown only when both are.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from mvimonitor import disclosure
from mvimonitor.effects.models import Commitment
from mvimonitor.imports.models import ImportedTender, MVIProposal, ProposalStatus
from mvimonitor.imports.values import as_json, same
from mvimonitor.tenders.models import Contract, Lot, MVIApplication, Tender

from .definitions import (
    BURDEN_LOT_FIELDS,
    BURDEN_TENDER_FIELDS,
    CONTRACT_FIELDS,
    IMPORTED_ORIGINS,
    LOT_FIELDS,
    TENDER_FIELDS,
    Field,
)

Contributions = dict[str, dict[int, int]]  # figure key → organisation id → count

# Each share: (numerator key, denominator key).
SHARES: dict[str, tuple[str, str]] = {
    **{f"{f.record}.{f.name}": (f"{f.record}.{f.name}", f"{f.record}s") for f in TENDER_FIELDS + LOT_FIELDS},
    **{f"contract.{f.name}": (f"contract.{f.name}", "contracts") for f in CONTRACT_FIELDS},
    "contracts_with_commitments": ("contracts_with_commitments", "contracts"),
    "proposals_open": ("proposals_open", "proposals"),
    "values_imported": ("values_imported", "values"),
    "mvi_imported": ("mvi_imported", "mvi_applications"),
}


def _year_tenders(year: int) -> QuerySet[Tender]:
    published = Q(publication_date__year=year) | Q(publication_date__isnull=True, created_at__year=year)
    return Tender.objects.filter(published, withdrawn_at__isnull=True)


def _filled(f: Field, prefix: str = "") -> Q:
    name = prefix + f.name
    if f.name == "supplier_kvk_number":
        return Q(**{f"{name}__gt": ""})
    return Q(**{f"{name}__isnull": False})


def _add(result: Contributions, key: str, rows: Iterable[Mapping[str, Any]], column: str) -> None:
    for row in rows:
        if row[column]:
            result[key][row["org"]] = row[column]


def _counts(year: int, result: Contributions) -> None:
    tenders = _year_tenders(year)
    aggregates = {"tenders": Count("pk")} | {f"tender.{f.name}": Count("pk", filter=_filled(f)) for f in TENDER_FIELDS}
    rows = list(tenders.values(org=F("organisation_id")).annotate(**aggregates).order_by())
    for key in aggregates:
        _add(result, key, rows, key)

    lots = Lot.objects.filter(tender__in=tenders)
    aggregates = {"lots": Count("pk")} | {f"lot.{f.name}": Count("pk", filter=_filled(f)) for f in LOT_FIELDS}
    rows = list(lots.values(org=F("tender__organisation_id")).annotate(**aggregates).order_by())
    for key in aggregates:
        _add(result, key, rows, key)

    contracts = Contract.objects.filter(lot__tender__in=tenders).annotate(
        committed=Exists(Commitment.objects.filter(contract=OuterRef("pk")))
    )
    aggregates = {"contracts": Count("pk"), "contracts_with_commitments": Count("pk", filter=Q(committed=True))} | {
        f"contract.{f.name}": Count("pk", filter=_filled(f)) for f in CONTRACT_FIELDS
    }
    rows = list(contracts.values(org=F("lot__tender__organisation_id")).annotate(**aggregates).order_by())
    for key in aggregates:
        _add(result, key, rows, key)

    proposals = MVIProposal.objects.filter(lot__tender__in=tenders)
    rows = list(
        proposals.values(org=F("lot__tender__organisation_id"))
        .annotate(proposals=Count("pk"), proposals_open=Count("pk", filter=Q(status=ProposalStatus.PROPOSED)))
        .order_by()
    )
    _add(result, "proposals", rows, "proposals")
    _add(result, "proposals_open", rows, "proposals_open")

    applications = MVIApplication.objects.filter(lot__tender__in=tenders)
    rows = list(
        applications.values(org=F("lot__tender__organisation_id"))
        .annotate(
            mvi_applications=Count("pk"), mvi_imported=Count("pk", filter=Q(origin__in=sorted(IMPORTED_ORIGINS)))
        )
        .order_by()
    )
    _add(result, "mvi_applications", rows, "mvi_applications")
    _add(result, "mvi_imported", rows, "mvi_imported")


def _imported(current: Any, remembered: Any) -> bool:
    return remembered is not None and same(as_json(current), remembered)


def _burden_and_delay(year: int, result: Contributions, delays: dict[int, list[int]]) -> None:
    """Per tender of the year: each filled field an import can write, from the import or by hand; and the days from
    publication to registration (0 when registered before publication)."""
    tenders = _year_tenders(year)
    links = dict(
        ImportedTender.objects.filter(tender__in=tenders).values_list("tender_id", "imported_values").iterator()
    )
    lots: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for lot in Lot.objects.filter(tender__in=tenders).values("tender_id", "number", *BURDEN_LOT_FIELDS).iterator():
        lots[lot["tender_id"]].append(lot)
    imported: dict[int, int] = defaultdict(int)
    by_hand: dict[int, int] = defaultdict(int)
    columns = ["pk", "organisation_id", "created_at", *BURDEN_TENDER_FIELDS]
    for tender in tenders.values(*columns).iterator():
        organisation = tender["organisation_id"]
        remembered = links.get(tender["pk"]) or {}
        remembered_lots = remembered.get("lots", {}) if isinstance(remembered.get("lots"), dict) else {}
        pairs = [(tender[name], remembered.get(name)) for name in BURDEN_TENDER_FIELDS]
        for lot in lots.get(tender["pk"], []):
            lot_remembered = remembered_lots.get(lot["number"], {})
            pairs += [(lot[name], lot_remembered.get(name)) for name in BURDEN_LOT_FIELDS]
        for current, last_imported in pairs:
            if current is None or current == "":
                continue
            if _imported(current, last_imported):
                imported[organisation] += 1
            else:
                by_hand[organisation] += 1
        if tender["publication_date"] is not None:
            registered = tender["created_at"].date()
            delays[organisation].append(max((registered - tender["publication_date"]).days, 0))
    for organisation in set(imported) | set(by_hand):
        result["values"][organisation] = imported[organisation] + by_hand[organisation]
        if imported[organisation]:
            result["values_imported"][organisation] = imported[organisation]
    for organisation, days in delays.items():
        result["registered"][organisation] = len(days)
        if sum(days):
            result["registration_days"][organisation] = sum(days)


@dataclass
class Year:
    """All figures of one year, as contributions per organisation, plus each organisation's registration delays."""

    year: int
    contributions: Contributions = field(default_factory=lambda: defaultdict(dict))
    delays: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))


def compute(year: int) -> Year:
    figures = Year(year)
    _counts(year, figures.contributions)
    _burden_and_delay(year, figures.contributions, figures.delays)
    return figures


@dataclass(frozen=True)
class Share:
    key: str
    numerator: int | None
    denominator: int | None
    reason: str = ""

    @property
    def percent(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return 100 * self.numerator / self.denominator


@dataclass(frozen=True)
class Figures:
    year: int
    shares: dict[str, Share]
    registered: int | None
    mean_days: float | None
    median_days: float | None  # the organisation's own only: a median is not a sum and has no national cell
    reason: str = ""


def organisation_figures(computed: Year, organisation_id: int) -> Figures:
    def own(key: str) -> int:
        return computed.contributions.get(key, {}).get(organisation_id, 0)

    shares = {key: Share(key, own(top), own(bottom)) for key, (top, bottom) in SHARES.items()}
    days = computed.delays.get(organisation_id, [])
    return Figures(
        year=computed.year,
        shares=shares,
        registered=len(days),
        mean_days=(sum(days) / len(days)) if days else None,
        median_days=float(statistics.median(days)) if days else None,
    )


def national_figures(computed: Year) -> Figures:
    """The national sums, each a cell of one disclosure problem (numerator ≤ denominator, days ≥ 0)."""
    keys = sorted({key for pair in SHARES.values() for key in pair} | {"registered", "registration_days"})
    cells = [disclosure.Cell(key, computed.contributions.get(key, {})) for key in keys]
    bounds = [disclosure.Inequality(((top, 1), (bottom, -1))) for top, bottom in SHARES.values() if top != bottom]
    protected = disclosure.protect(cells, inequalities=bounds)

    def value(key: str) -> int | None:
        shown = protected.value(key)
        return int(shown) if shown is not None else None

    def reason(*keys: str) -> str:
        for key in keys:
            decision = protected.decision(key)
            if decision.reason is not None:
                return str(decision.reason.value)
        return ""

    shares = {key: Share(key, value(top), value(bottom), reason(top, bottom)) for key, (top, bottom) in SHARES.items()}
    registered, days = value("registered"), value("registration_days")
    return Figures(
        year=computed.year,
        shares=shares,
        registered=registered,
        mean_days=(days / registered) if registered and days is not None else None,
        median_days=None,
        reason=reason("registered", "registration_days"),
    )
