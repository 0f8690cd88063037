"""Reads of supplier reporting: what a link may see, and the buyer's requests scoped through the access module."""

from django.db.models import Count, Prefetch, QuerySet

from mvimonitor.organisations.access import Action, scope
from mvimonitor.organisations.models import Organisation, User

from .models import OPEN_STATUSES, Answer, AnswerEvidence, ReportingRequest, RequestStatus, Supplier

# The lookup from a request to the organisation that owns it (its contract's tender's organisation).
ORGANISATION_PATH = "contract__lot__tender__organisation"
REQUESTS = ReportingRequest.objects.select_related("contract__lot__tender__organisation", "supplier", "sent_by")


def visible_requests(user: User, action: Action = Action.VIEW) -> QuerySet[ReportingRequest]:
    return scope(REQUESTS.all(), user, action, ORGANISATION_PATH)


def requests_of(organisation: Organisation) -> QuerySet[ReportingRequest]:
    return REQUESTS.filter(contract__lot__tender__organisation=organisation).annotate(questions=Count("answers"))


def answers_of(request: ReportingRequest) -> list[Answer]:
    return list(
        request.answers.select_related("commitment__theme", "commitment__block_table", "realisation")
        .prefetch_related(
            "placements__block", Prefetch("evidence", queryset=AnswerEvidence.objects.order_by("uploaded_at", "pk"))
        )
        .order_by("commitment_id")
    )


def open_requests_of(supplier: Supplier) -> list[ReportingRequest]:
    """Every request still waiting for this supplier, from every buyer."""
    return list(
        REQUESTS.filter(supplier=supplier, status__in=OPEN_STATUSES)
        .annotate(questions=Count("answers"))
        .order_by("due_date", "pk")
    )


def answered_requests_of(supplier: Supplier) -> list[ReportingRequest]:
    return list(
        REQUESTS.filter(supplier=supplier, status__in=[RequestStatus.SUBMITTED, RequestStatus.VERIFIED]).order_by(
            "-submitted_at", "-pk"
        )[:20]
    )


def request_of_supplier(supplier: Supplier, request_id: int) -> ReportingRequest | None:
    """One request of this supplier (not revoked), or None: a request of another supplier is not found."""
    return REQUESTS.filter(supplier=supplier, pk=request_id).exclude(status=RequestStatus.REVOKED).first()


def answer_history(request: ReportingRequest, limit: int = 50) -> list[tuple[object, str, object]]:
    """What the supplier entered over time: (when, commitment, quantity) of every saved version of the answers."""
    names = dict(request.answers.values_list("pk", "commitment__description"))
    rows = (
        Answer.history.filter(request_id=request.pk)
        .order_by("-history_date", "-history_id")
        .values_list("history_date", "id", "quantity")[:limit]
    )
    return [(when, names.get(answer_id, ""), quantity) for when, answer_id, quantity in rows]
