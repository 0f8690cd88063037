"""The ISV KPIs of a year, per organisation and nationally under disclosure control.

- ISV applied where mandatory: the findings of the rules that need an ISV risk category (the Rijk ISV rule) on the
  tenders published in the year: mandatory = met + not met, applied = met.
- Deliverables on time: the deliverables due in the year up to today: on time (received by the due date), late
  (received after it) and overdue (not received, due date passed); due = on time + late + overdue.
- Risks found and mitigated: the risks found in the year by status: found = open + mitigated + closed.

Every national figure is a `disclosure.Cell` with each organisation's count as its contribution, decided in one
`protect` call with the three sums as relations; a page never shows one organisation's figures nationally.

The findings belong to the rules, which sit above this app (they read the confirmed category from here), so they
are read by model name (`apps.get_model`) rather than imported: read-only, the same direction the tender page takes
through the rules' template tag (ADR 0039).
"""

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from mvimonitor import disclosure

from .models import Deliverable, Risk

ORGANISATION = "case__contract__lot__tender__organisation_id"
KEYS = (
    "mandatory",
    "applied",
    "not_applied",
    "due",
    "on_time",
    "late",
    "overdue",
    "found",
    "open",
    "mitigated",
    "closed",
)
RELATIONS = (
    disclosure.Relation("mandatory", ("applied", "not_applied")),
    disclosure.Relation("due", ("on_time", "late", "overdue")),
    disclosure.Relation("found", ("open", "mitigated", "closed")),
)
Counts = dict[str, dict[int, int]]  # key -> organisation id -> count


def _isv_findings(year: int, counts: Counts) -> None:
    finding = apps.get_model("rules", "Finding")
    rows = (
        finding.objects.filter(year=year, rule__requires_isv_risk_category=True, outcome__in=["met", "not_met"])
        .values("organisation_id", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        organisation, n = int(row["organisation_id"]), int(row["n"])
        counts["mandatory"][organisation] = counts["mandatory"].get(organisation, 0) + n
        key = "applied" if row["outcome"] == "met" else "not_applied"
        counts[key][organisation] = counts[key].get(organisation, 0) + n


def _deliverables(year: int, today: dt.date, counts: Counts) -> None:
    rows = (
        Deliverable.objects.filter(due_date__year=year)
        .filter(Q(received_on__isnull=False) | Q(due_date__lt=today))
        .values(ORGANISATION)
        .annotate(
            on_time=Count("pk", filter=Q(received_on__lte=F("due_date"))),
            late=Count("pk", filter=Q(received_on__gt=F("due_date"))),
            overdue=Count("pk", filter=Q(received_on__isnull=True)),
        )
        .order_by()
    )
    for row in rows:
        organisation = int(row[ORGANISATION])
        for key in ("on_time", "late", "overdue"):
            counts[key][organisation] = int(row[key])
        counts["due"][organisation] = int(row["on_time"]) + int(row["late"]) + int(row["overdue"])


def _risks(year: int, counts: Counts) -> None:
    rows = Risk.objects.filter(found_on__year=year).values(ORGANISATION, "status").annotate(n=Count("pk")).order_by()
    for row in rows:
        organisation, n = int(row[ORGANISATION]), int(row["n"])
        counts[str(row["status"])][organisation] = n
        counts["found"][organisation] = counts["found"].get(organisation, 0) + n


def counts_of_year(year: int, today: dt.date | None = None) -> Counts:
    counts: Counts = {key: {} for key in KEYS}
    _isv_findings(year, counts)
    _deliverables(year, today or timezone.localdate(), counts)
    _risks(year, counts)
    return {key: {org: n for org, n in parts.items() if n} for key, parts in counts.items()}


@dataclass(frozen=True)
class KpiRow:
    key: str
    own: int | None  # None: no organisation chosen
    national: int | None  # None: suppressed
    reason: str = ""


@dataclass(frozen=True)
class IsvKpis:
    year: int
    rows: dict[str, KpiRow]

    def share(self, part: str, whole: str, *, national: bool = False) -> float | None:
        """A share in percent, when both figures are known (and shown) and the whole is not zero."""
        top, bottom = self.rows[part], self.rows[whole]
        a, b = (top.national, bottom.national) if national else (top.own, bottom.own)
        if a is None or b is None or b == 0:
            return None
        return round(100 * a / b, 1)


def isv_kpis(*, year: int, organisation_id: int | None, today: dt.date | None = None) -> IsvKpis:
    counts = counts_of_year(year, today)
    protected = disclosure.protect([disclosure.Cell(key, counts[key]) for key in KEYS], RELATIONS)
    rows = {}
    for key in KEYS:
        value = protected.value(key)
        reason = "" if value is not None else str(getattr(protected.decision(key).reason, "value", ""))
        own = None if organisation_id is None else counts[key].get(organisation_id, 0)
        rows[key] = KpiRow(key, own, None if value is None else int(value), reason)
    return IsvKpis(year, rows)


def kpi_years(today: dt.date | None = None) -> list[int]:
    """The years with ISV data, newest first (always the current one)."""
    years = {(today or timezone.localdate()).year}
    years |= {int(y) for y in Deliverable.objects.annotate(y=ExtractYear("due_date")).values_list("y", flat=True)}
    years |= {int(y) for y in Risk.objects.annotate(y=ExtractYear("found_on")).values_list("y", flat=True)}
    finding = apps.get_model("rules", "Finding")
    found = finding.objects.filter(rule__requires_isv_risk_category=True, year__isnull=False).values_list(
        "year", flat=True
    )
    years |= {int(y) for y in found.distinct() if y is not None}
    return sorted(years, reverse=True)


__all__ = ["IsvKpis", "KpiRow", "counts_of_year", "isv_kpis", "kpi_years"]
