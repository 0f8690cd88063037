"""Reading the ISV record: a lot's ISV state, the cases of an organisation, and the deliverables due for the task
list (`open_deliverables`)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from mvimonitor.organisations.access import Action, organisations_for
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.tenders.models import Lot, MVIApplication

from .lists import Suggestion, list_for_lot, suggestion_for
from .models import Deliverable, DueDiligenceCase, LotRiskCategory, RiskList
from .services import ISV_THEME


@dataclass(frozen=True)
class LotIsv:
    lot: Lot
    risk_list: RiskList | None  # the list that applies at the tender's publication date
    record: LotRiskCategory | None
    suggestion: Suggestion | None
    applications: list[MVIApplication]  # ISV (theme keten) applications of the lot, with their forms
    history: list[LotRiskCategory]  # earlier states, newest first (historical rows)

    @property
    def stale(self) -> bool:
        """Confirmed under a list that does not apply at the publication date: confirm again."""
        return self.record is not None and (self.risk_list is None or self.record.risk_list_id != self.risk_list.pk)


def lot_isv(lot: Lot) -> LotIsv:
    risk_list = list_for_lot(lot)
    record = LotRiskCategory.objects.filter(lot=lot).select_related("category", "risk_list", "confirmed_by").first()
    history = list(record.history.select_related("category").order_by("-history_date")) if record else []
    applications = list(
        MVIApplication.objects.filter(lot=lot, theme__code=ISV_THEME).select_related("form", "criterion")
    )
    return LotIsv(lot, risk_list, record, suggestion_for(lot, risk_list), applications, history)


def cases_of(organisation: Organisation) -> QuerySet[DueDiligenceCase]:
    return (
        DueDiligenceCase.objects.filter(contract__lot__tender__organisation=organisation)
        .select_related("contract__lot__tender")
        .order_by("contract__lot__tender__title", "contract__id")
    )


def open_deliverables(
    user: User, organisation: Organisation | None = None, *, today: dt.date | None = None
) -> list[Deliverable]:
    """The deliverables not yet received whose due date has come (due today or overdue), of the organisations
    where `user` may edit contracts (or of `organisation` only, when given and allowed), oldest due date first.
    `deliverable.is_overdue(today)` tells overdue from due today; `deliverable.case.contract_id` links the case."""
    day = today or timezone.localdate()
    allowed = organisations_for(user, Action.EDIT_CONTRACTS)
    if organisation is not None:
        allowed = allowed.filter(pk=organisation.pk)
    return list(
        Deliverable.objects.filter(
            case__contract__lot__tender__organisation__in=allowed.values("pk"),
            case__contract__lot__tender__withdrawn_at__isnull=True,
            received_on__isnull=True,
            due_date__lte=day,
        )
        .select_related("case__contract__lot__tender")
        .order_by("due_date", "id")
    )
