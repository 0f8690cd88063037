"""The writes of supplier reporting: sending, revoking and deciding requests (the buyer), saving and submitting
answers and company facts (the supplier, through a link), reminders.

Buyer writes check the caller's rights through `mvimonitor.organisations.access`. Supplier writes are authorised by
the link (`tokens.resolve`) the view resolved. Everything runs in one transaction; a refused write changes nothing.
A submission enters the record as realisations with status submitted through `mvimonitor.effects.services`, under the
name of the buyer who sent the request (ADR 0034): they count only when someone verifies them, and where the
organisation asks for four eyes that is someone other than the sender.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.effects import services as effects_services
from mvimonitor.effects.models import BuildingBlock, Commitment, CommitmentKind, RealisationStatus
from mvimonitor.organisations.access import Action, permitted, require
from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import Contract

from . import mail, tokens
from .models import (
    OPEN_STATUSES,
    AccessToken,
    Answer,
    AnswerEvidence,
    Certificate,
    PlacementAnswer,
    ReminderKind,
    ReminderSent,
    ReportingRequest,
    RequestStatus,
    Supplier,
    TokenPurpose,
)

# How long links stay usable: a request link until this many days after its due date (answers may come late), an
# overview link this many days after it was sent.
REQUEST_LINK_GRACE_DAYS = 60
OVERVIEW_LINK_DAYS = 14


def _organisation_id(contract: Contract) -> int:
    return int(contract.lot.tender.organisation_id)


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _request_link_expiry(request: ReportingRequest) -> dt.datetime:
    return max(
        _end_of_day(request.due_date + dt.timedelta(days=REQUEST_LINK_GRACE_DAYS)),
        timezone.now() + dt.timedelta(days=OVERVIEW_LINK_DAYS),
    )


# --- the buyer -------------------------------------------------------------------------------------------------------


def _supplier_for(contract: Contract, email: str) -> Supplier:
    if not contract.supplier_kvk_number:
        raise ValidationError(
            {"contract": _("The contract has no KvK number of the supplier; add it to the contract first.")}
        )
    supplier, created = Supplier.objects.get_or_create(
        kvk_number=contract.supplier_kvk_number, defaults={"name": contract.supplier_name, "email": email}
    )
    if not created and not supplier.email:
        supplier.email = email
        supplier.save(update_fields=["email"])
    return supplier


def commitments_in_period(contract: Contract, start: dt.date, end: dt.date) -> list[Commitment]:
    """The commitments a request for this period asks about: those whose own period touches it."""
    return list(
        Commitment.objects.filter(contract=contract, period_start__lte=end, period_end__gte=start).order_by("pk")
    )


@transaction.atomic
def request_send(
    *,
    user: User,
    contract: Contract,
    period_start: dt.date,
    period_end: dt.date,
    due_date: dt.date,
    recipient_email: str,
    base_url: str,
) -> ReportingRequest:
    """Ask the supplier of `contract` what it delivered in the period, for exactly the contract's commitments, and
    e-mail it the link."""
    require(user, Action.EDIT_CONTRACTS, _organisation_id(contract))
    if period_end < period_start:
        raise ValidationError({"period_end": _("The end of the period lies before its start.")})
    if (contract.start_date and period_start < contract.start_date) or (
        contract.end_date and period_end > contract.end_date
    ):
        raise ValidationError(
            {
                "period_start": _("The period lies outside the contract period %(start)s to %(end)s.")
                % {"start": contract.start_date or "…", "end": contract.end_date or "…"}
            }
        )
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": _("The due date lies in the past.")})
    commitments = commitments_in_period(contract, period_start, period_end)
    if not commitments:
        raise ValidationError({"period_start": _("No commitment of this contract covers this period.")})
    overlapping = ReportingRequest.objects.filter(
        contract=contract,
        period_start__lte=period_end,
        period_end__gte=period_start,
        status__in=[*OPEN_STATUSES, RequestStatus.SUBMITTED, RequestStatus.VERIFIED],
    )
    if overlapping.exists():
        raise ValidationError({"period_start": _("A request for this contract already covers part of this period.")})
    supplier = _supplier_for(contract, recipient_email)
    request = ReportingRequest(
        contract=contract,
        supplier=supplier,
        period_start=period_start,
        period_end=period_end,
        due_date=due_date,
        recipient_email=recipient_email,
        sent_by=user,
    )
    request.full_clean()
    request.save()
    Answer.objects.bulk_create(
        Answer(
            request=request,
            commitment=commitment,
            period_start=max(period_start, commitment.period_start),
            period_end=min(period_end, commitment.period_end),
        )
        for commitment in commitments
    )
    raw = tokens.issue(purpose=TokenPurpose.REQUEST, expires_at=_request_link_expiry(request), request=request)
    mail.send_request(request, mail.request_link(base_url, raw))
    return request


def _lock(request: ReportingRequest) -> ReportingRequest:
    return ReportingRequest.objects.select_for_update().select_related("contract__lot__tender").get(pk=request.pk)


@transaction.atomic
def request_revoke(*, user: User, request: ReportingRequest) -> ReportingRequest:
    request = _lock(request)
    require(user, Action.EDIT_CONTRACTS, _organisation_id(request.contract))
    if request.status not in OPEN_STATUSES:
        raise ValidationError({"status": _("Only a request still waiting for the supplier can be revoked.")})
    request.status = RequestStatus.REVOKED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    tokens.revoke_for_request(request)
    return request


@transaction.atomic
def request_verify(*, user: User, request: ReportingRequest) -> ReportingRequest:
    """Verify every delivery of the submission; the effects service refuses the sender where four eyes are asked."""
    request = _lock(request)
    require(user, Action.EDIT_CONTRACTS, _organisation_id(request.contract))
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError({"status": _("Only an answered request can be verified.")})
    for answer in request.answers.select_related("realisation__commitment__contract__lot__tender"):
        if answer.realisation is not None and answer.realisation.status == RealisationStatus.SUBMITTED:
            effects_services.realisation_review(
                user=user, realisation=answer.realisation, status=RealisationStatus.VERIFIED
            )
    request.status = RequestStatus.VERIFIED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    return request


@transaction.atomic
def request_return(*, user: User, request: ReportingRequest, reason: str, base_url: str) -> ReportingRequest:
    """Reject the submission with a reason: its deliveries are rejected, the request opens again for the supplier,
    and the supplier gets the reason with a new link."""
    request = _lock(request)
    require(user, Action.EDIT_CONTRACTS, _organisation_id(request.contract))
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError({"status": _("Only an answered request can be returned.")})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason, so the supplier knows what to correct.")})
    for answer in request.answers.select_related("realisation__commitment__contract__lot__tender"):
        if answer.realisation is not None and answer.realisation.status == RealisationStatus.SUBMITTED:
            effects_services.realisation_review(
                user=user, realisation=answer.realisation, status=RealisationStatus.REJECTED, note=reason[:500]
            )
    request.status = RequestStatus.RETURNED
    request.return_reason = reason
    request.decided_by = user
    request.decided_at = timezone.now()
    request.full_clean()
    request.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    raw = tokens.issue(purpose=TokenPurpose.REQUEST, expires_at=_request_link_expiry(request), request=request)
    mail.send_request(request, mail.request_link(base_url, raw), kind="returned")
    return request


# --- the supplier ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementInput:
    """One line of people placed under a block: without `candidate_reference` the people counted together (one line
    per block), with it one candidate (persons 1), counted per candidate over all reports of the commitment."""

    block: BuildingBlock
    persons: int
    months: Decimal = Decimal(0)
    amount: Decimal | None = None
    candidate_reference: str = ""


@dataclass
class AnswerInput:
    quantity: Decimal | None = None
    recycled_share: Decimal | None = None
    placements: list[PlacementInput] = field(default_factory=list)


def _require_open(request: ReportingRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise ValidationError(_("This request has been answered already; it can no longer be changed."))


def _check_upload(upload: "UploadedFile[Any]", where: str) -> None:
    limit = int(settings.MVIMONITOR_EVIDENCE_MAX_BYTES)
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {where: _("“%(name)s” is larger than %(limit)s MB.") % {"name": upload.name, "limit": limit // 2**20}}
        )


@transaction.atomic
def answers_save(
    *,
    request: ReportingRequest,
    values: Mapping[int, AnswerInput],
    uploads: "Mapping[int, Iterable[UploadedFile[Any]]]" = {},  # noqa: B006 - read only
) -> ReportingRequest:
    """Keep the supplier's answers (by answer id) as a draft, with any evidence uploaded, to continue later."""
    request = _lock(request)
    _require_open(request)
    answers = {answer.pk: answer for answer in request.answers.select_related("commitment")}
    unknown = (set(values) | set(uploads)) - set(answers)
    if unknown:
        raise ValidationError(_("The form does not belong to this request; reload the page."))
    for answer_id, given in values.items():
        answer = answers[answer_id]
        answer.quantity = given.quantity
        answer.recycled_share = given.recycled_share
        answer.full_clean()
        answer.save(update_fields=["quantity", "recycled_share"])
        if answer.commitment.kind == CommitmentKind.SOCIAL_RETURN:
            table = answer.commitment.block_table_id
            if any(p.block.table_id != table for p in given.placements):
                raise ValidationError(_("A building block does not belong to this commitment's table."))
            _placements_save(answer, given.placements)
    for answer_id, files in uploads.items():
        for upload in files:
            field_name = f"answer-{answer_id}-evidence"
            _check_upload(upload, field_name)
            name = Path(upload.name or "evidence").name
            evidence = AnswerEvidence(answer=answers[answer_id], file=upload, original_name=name[:255])
            try:
                evidence.full_clean()
            except ValidationError as error:
                raise ValidationError({field_name: [f"{name}: {m}" for m in error.messages]}) from error
            evidence.save()
    request.saved_at = timezone.now()
    request.save(update_fields=["saved_at"])
    return request


def _placements_save(answer: Answer, placements: Iterable[PlacementInput]) -> None:
    """Replace the answer's placement lines: one per block without a candidate reference, one per block and
    candidate with one; lines without people, months or amount are dropped."""
    kept: dict[tuple[int, str], PlacementInput] = {}
    for placement in placements:
        if not (placement.persons or placement.months or placement.amount):
            continue
        key = (placement.block.pk, placement.candidate_reference.strip())
        if key in kept:
            raise ValidationError(
                _(
                    "“%(block)s” has two lines for the same candidate reference (or two without one); give one line "
                    "per candidate and building block."
                )
                % {"block": placement.block.name}
            )
        kept[key] = placement
    existing = {(row.block_id, row.candidate_reference): row for row in answer.placements.all()}
    stale = [row.pk for key, row in existing.items() if key not in kept]
    answer.placements.filter(pk__in=stale).delete()
    for (block_id, reference), placement in kept.items():
        row = existing.get((block_id, reference)) or PlacementAnswer(
            answer=answer, block_id=block_id, candidate_reference=reference
        )
        row.persons, row.months, row.amount = placement.persons, placement.months, placement.amount
        row.full_clean()
        row.save()


def missing_answers(request: ReportingRequest) -> list[Answer]:
    missing = []
    for answer in request.answers.select_related("commitment").prefetch_related("placements"):
        if answer.commitment.kind == CommitmentKind.SOCIAL_RETURN:
            if not answer.placements.all():
                missing.append(answer)
        elif answer.quantity is None:
            missing.append(answer)
    return missing


@transaction.atomic
def request_submit(*, request: ReportingRequest) -> ReportingRequest:
    """Send the saved answers to the buyer: each becomes a delivery with status submitted (effects services)."""
    request = _lock(request)
    _require_open(request)
    missing = missing_answers(request)
    if missing:
        raise ValidationError(
            _("Answer every question before you submit; still open: %(names)s")
            % {"names": "; ".join(str(answer.commitment) for answer in missing)}
        )
    sender = request.sent_by
    if sender is None or not permitted(sender, Action.EDIT_CONTRACTS, _organisation_id(request.contract)):
        raise ValidationError(
            _("The buyer can no longer receive answers to this request; ask the buyer to send a new one.")
        )
    answers = request.answers.select_related("commitment__contract__lot__tender", "commitment__block_table")
    for answer in answers.prefetch_related("placements__block", "evidence"):
        handles = [File(item.file.open("rb"), name=item.original_name) for item in answer.evidence.all()]
        try:
            answer.realisation = effects_services.realisation_submit(
                user=sender,
                commitment=answer.commitment,
                period_start=answer.period_start,
                period_end=answer.period_end,
                quantity=answer.quantity,
                recycled_share=answer.recycled_share,
                placements=[
                    effects_services.PlacementInput(
                        block=p.block,
                        persons=p.persons,
                        months=p.months,
                        amount=p.amount,
                        candidate_reference=p.candidate_reference,
                    )
                    for p in answer.placements.all()
                ],
                evidence=handles,  # type: ignore[arg-type]  # a stored File is read like an upload
            )
        except ValidationError as error:
            raise ValidationError(
                _("“%(commitment)s”: %(problem)s")
                % {"commitment": answer.commitment, "problem": " ".join(error.messages)}
            ) from error
        finally:
            for handle in handles:
                handle.close()
        answer.save(update_fields=["realisation"])
    now = timezone.now()
    request.status = RequestStatus.SUBMITTED
    request.submitted_at = now
    request.first_submitted_at = request.first_submitted_at or now
    request.save(update_fields=["status", "submitted_at", "first_submitted_at"])
    return request


@transaction.atomic
def company_facts_save(*, supplier: Supplier, **facts: Any) -> Supplier:
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    allowed = {"co2_ladder_level", "co2_ladder_valid_until", "pso_level", "pso_valid_until"}
    for name, value in facts.items():
        if name not in allowed:
            raise ValidationError(_("Unknown company fact: %(name)s") % {"name": name})
        setattr(supplier, name, value)
    supplier.facts_updated_at = timezone.now()
    supplier.full_clean()
    supplier.save()
    return supplier


@transaction.atomic
def certificate_add(
    *, supplier: Supplier, standard: str, number: str, valid_from: dt.date, valid_until: dt.date
) -> Certificate:
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end of the validity lies before its start.")})
    certificate = Certificate(
        supplier=supplier, standard=standard, number=number, valid_from=valid_from, valid_until=valid_until
    )
    certificate.full_clean()
    certificate.save()
    Supplier.objects.filter(pk=supplier.pk).update(facts_updated_at=timezone.now())
    return certificate


@transaction.atomic
def certificate_remove(*, supplier: Supplier, certificate_id: int) -> None:
    deleted, _rows = Certificate.objects.filter(supplier=supplier, pk=certificate_id).delete()
    if not deleted:
        raise ValidationError(_("This certificate is not (or no longer) one of your company's."))


@transaction.atomic
def overview_link_send(*, kvk_number: str, base_url: str) -> None:
    """E-mail the overview link to the registered address of the supplier with this KvK number, if there is one.
    Says nothing either way, so the answer gives away no supplier."""
    supplier = Supplier.objects.filter(kvk_number=kvk_number.strip()).exclude(email="").first()
    if supplier is None:
        return
    raw = tokens.issue(
        purpose=TokenPurpose.OVERVIEW,
        expires_at=timezone.now() + dt.timedelta(days=OVERVIEW_LINK_DAYS),
        supplier=supplier,
    )
    mail.send_overview(supplier, mail.overview_link(base_url, raw), days=OVERVIEW_LINK_DAYS)


# --- reminders -------------------------------------------------------------------------------------------------------


def reminders_send(*, today: dt.date, days_before: int, days_after: int, base_url: str) -> int:
    """One reminder `days_before` days before the due date and one `days_after` days after it, for every request
    still waiting for the supplier; each at most once (running again sends nothing new)."""
    sent = 0
    due = {
        ReminderKind.BEFORE: ReportingRequest.objects.filter(
            due_date__lte=today + dt.timedelta(days=days_before), due_date__gte=today
        ),
        ReminderKind.AFTER: ReportingRequest.objects.filter(due_date__lte=today - dt.timedelta(days=days_after)),
    }
    for kind, requests in due.items():
        waiting = requests.filter(status__in=OPEN_STATUSES).exclude(reminders__kind=kind)
        for request in waiting.select_related("contract__lot__tender__organisation", "supplier"):
            with transaction.atomic():
                _reminder, created = ReminderSent.objects.get_or_create(request=request, kind=kind)
                if not created:
                    continue
                raw = tokens.issue(
                    purpose=TokenPurpose.REQUEST, expires_at=_request_link_expiry(request), request=request
                )
                mail.send_request(request, mail.request_link(base_url, raw), kind=str(kind))
                sent += 1
    return sent


def live_links(request: ReportingRequest) -> int:
    return AccessToken.objects.filter(request=request, revoked_at__isnull=True, expires_at__gt=timezone.now()).count()
