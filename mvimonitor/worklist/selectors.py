"""The task list of one user in one organisation: every kind of work their role allows, with a count and links.

Each task is counted with the same rights the pages behind its links use (`mvimonitor.organisations.access`):

- proposals of the import to review (EDIT_MVI), per tender, to its review page;
- MVI registrations to confirm (EDIT_MVI): tenders whose registration nobody confirmed yet;
- deliveries to verify (EDIT_CONTRACTS): submitted realisations; where the organisation asks for four eyes, not
  the ones the user submitted themselves, since they may not verify those;
- reports due (EDIT_CONTRACTS): commitments of contracts whose period has ended without a verified delivery;
- supplier answers to verify (EDIT_CONTRACTS): reporting requests a supplier answered, waiting for the buyer;
- supplier requests overdue (EDIT_CONTRACTS): requests still waiting for the supplier after their due date;
- ISV deliverables due (EDIT_CONTRACTS): due-diligence deliverables not received whose due date has come;
- invitations pending (MANAGE_MEMBERS): sent, not accepted and not expired.

Withdrawn tenders are left out: they no longer count, so nothing about them is due.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mvimonitor.effects.models import Commitment, Realisation, RealisationStatus
from mvimonitor.imports.models import MVIProposal, ProposalStatus
from mvimonitor.isv.selectors import open_deliverables
from mvimonitor.organisations.access import Action, permitted
from mvimonitor.organisations.models import Invitation, Organisation, User
from mvimonitor.suppliers.models import OPEN_STATUSES, ReportingRequest, RequestStatus
from mvimonitor.tenders.models import Contract, Tender

# How many tenders or contracts a task names by itself; the rest is behind the task's own link or the count.
ITEMS_SHOWN = 10


@dataclass
class TaskItem:
    label: str
    url: str
    count: int


@dataclass
class Task:
    key: str
    title: str
    summary: str  # the count in words
    count: int
    url: str = ""  # the page with all of them, when there is one
    link_text: str = ""
    items: list[TaskItem] = field(default_factory=list)


def _live_tenders(organisation: Organisation) -> QuerySet[Tender]:
    return Tender.objects.filter(organisation=organisation, withdrawn_at__isnull=True)


def proposals_to_review(organisation: Organisation) -> Task:
    open_proposals = MVIProposal.objects.filter(
        status=ProposalStatus.PROPOSED,
        lot__tender__organisation=organisation,
        lot__tender__withdrawn_at__isnull=True,
    )
    count = open_proposals.count()
    per_tender = (
        _live_tenders(organisation)
        .filter(lots__mvi_proposals__status=ProposalStatus.PROPOSED)
        .annotate(waiting=Count("lots__mvi_proposals"))
        .order_by("-waiting", "title", "pk")
        .values_list("pk", "title", "waiting")[:ITEMS_SHOWN]
        if count
        else []
    )
    return Task(
        key="proposals",
        title=_("Proposals to review"),
        summary=ngettext(
            "%(count)s MVI application proposed by the import waits for your review.",
            "%(count)s MVI applications proposed by the import wait for your review.",
            count,
        )
        % {"count": count},
        count=count,
        items=[
            TaskItem(label=title, url=reverse("imports:review", args=[pk]), count=number)
            for pk, title, number in per_tender
        ],
    )


def registrations_to_confirm(organisation: Organisation) -> Task:
    count = _live_tenders(organisation).filter(mvi_confirmed_at__isnull=True).count()
    return Task(
        key="registrations",
        title=_("MVI registrations to confirm"),
        summary=ngettext(
            "The MVI registration of %(count)s tender is not confirmed yet.",
            "The MVI registrations of %(count)s tenders are not confirmed yet.",
            count,
        )
        % {"count": count},
        count=count,
        url=reverse("tenders:list") + "?" + urlencode({"mvi_confirmed": "no"}),
        link_text=_("Tenders without a confirmed MVI registration"),
    )


def _per_contract(rows: QuerySet[Realisation] | QuerySet[Commitment], contract: str) -> list[TaskItem]:
    """The contracts with the most of `rows` (reached from a row by the lookup `contract`), with their counts."""
    counted = list(
        rows.order_by()
        .values(contract)
        .annotate(number=Count("pk"))
        .order_by("-number", contract)
        .values_list(contract, "number")[:ITEMS_SHOWN]
    )
    contracts = Contract.objects.select_related("lot__tender").in_bulk([pk for pk, _number in counted])
    return [
        TaskItem(
            label=_("%(supplier)s, %(tender)s")
            % {"supplier": contracts[pk].supplier_name, "tender": contracts[pk].lot.tender.title},
            url=reverse("effects:contract-detail", args=[pk]),
            count=number,
        )
        for pk, number in counted
    ]


def deliveries_to_verify(user: User, organisation: Organisation) -> Task:
    realisations = Realisation.objects.filter(
        status=RealisationStatus.SUBMITTED,
        commitment__contract__lot__tender__organisation=organisation,
        commitment__contract__lot__tender__withdrawn_at__isnull=True,
    )
    if organisation.four_eyes_verification:
        # someone else verifies what this user submitted (a delivery without a known submitter stays to do)
        realisations = realisations.exclude(submitted_by=user)
    count = realisations.count()
    return Task(
        key="deliveries",
        title=_("Deliveries to verify"),
        summary=ngettext(
            "%(count)s reported delivery waits for verification.",
            "%(count)s reported deliveries wait for verification.",
            count,
        )
        % {"count": count},
        count=count,
        items=_per_contract(realisations, "commitment__contract") if count else [],
    )


def reports_due(organisation: Organisation, today: dt.date | None = None) -> Task:
    today = today or timezone.localdate()
    verified = Realisation.objects.filter(commitment=OuterRef("pk"), status=RealisationStatus.VERIFIED)
    due = Commitment.objects.filter(
        contract__lot__tender__organisation=organisation,
        contract__lot__tender__withdrawn_at__isnull=True,
        contract__end_date__lt=today,
    ).filter(~Exists(verified))
    count = due.count()
    return Task(
        key="reports",
        title=_("Reports due"),
        summary=ngettext(
            "%(count)s commitment of an ended contract has no verified delivery yet.",
            "%(count)s commitments of ended contracts have no verified delivery yet.",
            count,
        )
        % {"count": count},
        count=count,
        items=_per_contract(due, "contract") if count else [],
    )


def supplier_answers_to_verify(organisation: Organisation) -> Task:
    count = ReportingRequest.objects.filter(
        contract__lot__tender__organisation=organisation, status=RequestStatus.SUBMITTED
    ).count()
    return Task(
        key="supplier-answers",
        title=_("Supplier answers to verify"),
        summary=ngettext(
            "%(count)s supplier answered a reporting request; verify or return the answers.",
            "%(count)s suppliers answered a reporting request; verify or return the answers.",
            count,
        )
        % {"count": count},
        count=count,
        url=reverse("suppliers:request-list") + "?" + urlencode({"status": RequestStatus.SUBMITTED}),
        link_text=_("Answered reporting requests"),
    )


def supplier_requests_overdue(organisation: Organisation, today: dt.date | None = None) -> Task:
    today = today or timezone.localdate()
    count = ReportingRequest.objects.filter(
        contract__lot__tender__organisation=organisation, status__in=OPEN_STATUSES, due_date__lt=today
    ).count()
    return Task(
        key="supplier-overdue",
        title=_("Supplier requests overdue"),
        summary=ngettext(
            "%(count)s reporting request is past its due date without an answer.",
            "%(count)s reporting requests are past their due date without an answer.",
            count,
        )
        % {"count": count},
        count=count,
        url=reverse("suppliers:request-list"),
        link_text=_("Reporting requests to suppliers"),
    )


def invitations_pending(organisation: Organisation) -> Task:
    count = Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    return Task(
        key="invitations",
        title=_("Invitations pending"),
        summary=ngettext(
            "%(count)s invited colleague has not accepted yet.",
            "%(count)s invited colleagues have not accepted yet.",
            count,
        )
        % {"count": count},
        count=count,
        url=reverse("organisations:members"),
        link_text=_("Members and invitations"),
    )


def isv_deliverables_due(user: User, organisation: Organisation) -> Task:
    """Due-diligence deliverables (ISV) not received whose due date has come: due today or overdue."""
    due = open_deliverables(user, organisation)
    today = timezone.localdate()
    overdue = sum(1 for deliverable in due if deliverable.is_overdue(today))
    count = len(due)
    return Task(
        key="isv-deliverables",
        title=_("ISV deliverables due"),
        summary=ngettext(
            "%(count)s due-diligence deliverable is due (%(overdue)s overdue).",
            "%(count)s due-diligence deliverables are due (%(overdue)s overdue).",
            count,
        )
        % {"count": count, "overdue": overdue},
        count=count,
        url=reverse("isv:overview"),
        link_text=_("International social conditions"),
        items=[
            TaskItem(
                label=f"{deliverable.get_kind_display()}: {deliverable.case.contract} ({deliverable.due_date})",
                url=reverse("isv:case", args=[deliverable.case.contract_id]),
                count=1,
            )
            for deliverable in due[:ITEMS_SHOWN]
        ],
    )


def tasks_for(user: User, organisation: Organisation) -> list[Task]:
    """The tasks `user`'s role in `organisation` gives them, in the order of the work (import, register, contract,
    members); a task with nothing to do is left out."""
    tasks: list[Task] = []
    if permitted(user, Action.EDIT_MVI, organisation):
        tasks += [proposals_to_review(organisation), registrations_to_confirm(organisation)]
    if permitted(user, Action.EDIT_CONTRACTS, organisation):
        tasks += [
            deliveries_to_verify(user, organisation),
            reports_due(organisation),
            supplier_answers_to_verify(organisation),
            supplier_requests_overdue(organisation),
            isv_deliverables_due(user, organisation),
        ]
    if permitted(user, Action.MANAGE_MEMBERS, organisation):
        tasks.append(invitations_pending(organisation))
    return [task for task in tasks if task.count]
