"""The writes of the effects app's records: contracts, commitments, realisations and their evidence files.

Every write checks the caller's rights through `mvimonitor.organisations.access`, validates with `full_clean()`,
runs in one transaction and announces the change with `mvimonitor.changes.record_changed`, so the stored
effects are recalculated in the same transaction (`recalculation.effects_on_record_change`). A refused or invalid
write changes nothing. Reference data is loaded by `loaders`.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.changes import record_changed
from mvimonitor.organisations.access import Action, require
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.tenders.models import Contract, Lot
from mvimonitor.tenders.services import assign_fields

from . import calculations as calc
from . import social_return as sr
from .models import (
    BuildingBlock,
    BuildingBlockTable,
    Commitment,
    CommitmentKind,
    EvidenceFile,
    ObligationBase,
    Placement,
    Realisation,
    RealisationStatus,
    Unit,
)

# --- contracts -------------------------------------------------------------------------------------------------------


@transaction.atomic
def contract_create(*, user: User, lot: Lot, **fields: Any) -> Contract:
    require(user, Action.EDIT_CONTRACTS, lot.tender.organisation_id)
    contract = Contract(lot=lot, **fields)
    contract.full_clean()
    contract.save()
    return contract


@transaction.atomic
def contract_update(*, user: User, contract: Contract, **fields: Any) -> Contract:
    require(user, Action.EDIT_CONTRACTS, contract.lot.tender.organisation_id)
    lot = fields.pop("lot", None)
    if lot is not None and lot.pk != contract.lot_id:
        raise ValidationError({"lot": _("A contract cannot move to another lot.")})
    changed = assign_fields(contract, fields)
    contract.full_clean()
    if {"start_date", "end_date"} & set(changed):
        _check_period_still_holds(contract)
    if changed:
        contract.save(update_fields=changed)
        record_changed(contract_organisation_ids=[contract.lot.tender.organisation_id])
    return contract


def _check_period_still_holds(contract: Contract) -> None:
    """A new contract period must still hold the commitments and realisations recorded under it (else the
    realisations would count for a period outside the contract); the message names the first one outside."""
    from django.db.models import Q

    outside = Q()
    if contract.start_date:
        outside |= Q(period_start__lt=contract.start_date)
    if contract.end_date:
        outside |= Q(period_end__gt=contract.end_date)
    if not outside:
        return
    commitment = Commitment.objects.filter(contract=contract).filter(outside).order_by("period_start").first()
    realisation = (
        Realisation.objects.filter(commitment__contract=contract).filter(outside).order_by("period_start").first()
    )
    problem = realisation or commitment
    if problem is None:
        return
    raise ValidationError(
        {
            "start_date" if contract.start_date and problem.period_start < contract.start_date else "end_date": _(
                "The new contract period %(start)s–%(end)s does not hold the %(what)s “%(name)s” "
                "(%(pstart)s–%(pend)s); change or remove that first."
            )
            % {
                "start": contract.start_date or "…",
                "end": contract.end_date or "…",
                "what": _("realisation") if realisation is not None else _("commitment"),
                "name": str(realisation.commitment) if realisation is not None else str(commitment),
                "pstart": problem.period_start,
                "pend": problem.period_end,
            }
        }
    )


# --- commitments -----------------------------------------------------------------------------------------------------


def _obligation(commitment: Commitment) -> Decimal:
    """Fill in base and percentage from the chosen policy, then compute the obligation (or say what is missing)."""
    policy = commitment.social_return_policy
    if policy is not None:
        commitment.obligation_base = commitment.obligation_base or policy.base
        if commitment.obligation_percentage is None:
            commitment.obligation_percentage = policy.percentage
        if commitment.obligation_cap is None:
            commitment.obligation_cap = policy.cap
    if not commitment.base_excl_vat:
        raise ValidationError(
            {
                "base_excl_vat": _(
                    "Enter the base amount excl. VAT: there is no VAT rate in MVI Monitor's reference data to convert "
                    "an amount incl. VAT."
                )
            }
        )
    if not commitment.obligation_base:
        raise ValidationError({"obligation_base": _("Choose the base of the obligation (or a policy).")})
    base = (
        commitment.contract.value
        if commitment.obligation_base == ObligationBase.CONTRACT_VALUE
        else commitment.wage_sum
    )
    result = calc.social_return_obligation(base, commitment.obligation_percentage, commitment.obligation_cap)
    if isinstance(result, calc.Problem):
        field_name = {
            calc.NO_BASE: "wage_sum" if commitment.obligation_base == ObligationBase.WAGE_SUM else "obligation_base",
            calc.BAD_PERCENTAGE: "obligation_percentage",
        }.get(result.code, "obligation_base")
        message = (
            _("The contract has no value to base the obligation on.")
            if result.code == calc.NO_BASE and commitment.obligation_base == ObligationBase.CONTRACT_VALUE
            else _("Enter the wage sum the obligation is based on.")
            if result.code == calc.NO_BASE
            else _("Enter a percentage between 0 and 100.")
        )
        raise ValidationError({field_name: message})
    return result


def commitment_prepare(commitment: Commitment) -> None:
    """Derive what a commitment's own fields imply (the social-return obligation, the reference unit) and check its
    factor set belongs to its organisation; the services and the admin form both run it before `full_clean`."""
    if commitment.kind == CommitmentKind.SOCIAL_RETURN:
        commitment.unit = Unit.EUR
        commitment.quantity = _obligation(commitment)
    if commitment.reference_factor_code and not commitment.reference_unit:
        commitment.reference_unit = commitment.unit
    if commitment.factor_set_id and commitment.factor_set is not None:
        owner = commitment.factor_set.organisation_id
        if owner is not None and owner != commitment.contract.lot.tender.organisation_id:
            raise ValidationError({"factor_set": _("This factor set belongs to another organisation.")})
    if commitment.pk is not None:
        _check_commitment_period_holds(commitment)


def _check_commitment_period_holds(commitment: Commitment) -> None:
    """A changed commitment period must still hold the realisations reported under it (they would no longer count);
    the message names the first one outside."""
    from django.db.models import Q

    if not (commitment.period_start and commitment.period_end):
        return
    outside = (
        Realisation.objects.filter(commitment_id=commitment.pk)
        .filter(Q(period_start__lt=commitment.period_start) | Q(period_end__gt=commitment.period_end))
        .order_by("period_start")
        .first()
    )
    if outside is None:
        return
    raise ValidationError(
        {
            "period_start" if outside.period_start < commitment.period_start else "period_end": _(
                "The new commitment period %(start)s–%(end)s does not hold the realisation %(pstart)s–%(pend)s "
                "reported under it; change or remove that realisation first."
            )
            % {
                "start": commitment.period_start,
                "end": commitment.period_end,
                "pstart": outside.period_start,
                "pend": outside.period_end,
            }
        }
    )


@transaction.atomic
def commitment_create(*, user: User, contract: Contract, **fields: Any) -> Commitment:
    require(user, Action.EDIT_CONTRACTS, contract.lot.tender.organisation_id)
    if fields.get("quantity") is None:
        if fields.get("kind") != CommitmentKind.SOCIAL_RETURN:
            raise ValidationError({"quantity": _("Enter the promised quantity.")})
        fields["quantity"] = Decimal(0)  # computed from base and percentage below
    commitment = Commitment(contract=contract, created_by=user, **fields)
    if not commitment.period_start:
        commitment.period_start = contract.start_date  # type: ignore[assignment]
    if not commitment.period_end:
        commitment.period_end = contract.end_date  # type: ignore[assignment]
    commitment_prepare(commitment)
    commitment.full_clean()
    commitment.save()
    record_changed(contract_organisation_ids=[contract.lot.tender.organisation_id])
    return commitment


@transaction.atomic
def commitment_update(*, user: User, commitment: Commitment, **fields: Any) -> Commitment:
    require(user, Action.EDIT_CONTRACTS, commitment.contract.lot.tender.organisation_id)
    fields.pop("contract", None)
    assign_fields(commitment, fields)
    commitment_prepare(commitment)
    commitment.full_clean()
    commitment.save()
    record_changed(contract_organisation_ids=[commitment.contract.lot.tender.organisation_id])
    return commitment


# --- realisations and evidence ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementInput:
    block: BuildingBlock
    persons: int
    months: Decimal = Decimal(0)
    hours_per_week: Decimal = Decimal(36)
    amount: Decimal | None = None
    candidate_reference: str = ""


def calculator_blocks(table: BuildingBlockTable) -> dict[str, calc.BuildingBlock]:
    """The blocks of a table as the calculators take them, by code."""
    return {
        b.code: calc.BuildingBlock(
            b.code, b.basis, b.value, b.max_months, counts_as_fte=not b.is_bonus, is_bonus=b.is_bonus
        )
        for b in table.blocks.all()
    }


def _earlier_reports(commitment: Commitment, period_end: date) -> list[sr.Report]:
    """The commitment's verified reports that end no later than `period_end`, as the counting takes them."""
    realisations = (
        commitment.realisations.filter(status=RealisationStatus.VERIFIED, period_end__lte=period_end)
        .prefetch_related("placements__block")
        .order_by("period_start", "pk")
    )
    return [
        sr.Report(
            r.period_start,
            r.period_end,
            [
                calc.Placement(p.block.code, p.persons, p.months, p.hours_per_week, p.amount, p.candidate_reference)
                for p in r.placements.all()
            ],
        )
        for r in realisations
    ]


def social_return_report_value(
    commitment: Commitment, period_start: date, period_end: date, placements: Sequence[PlacementInput]
) -> Decimal:
    """The value a new report adds to the commitment's verified ones: its lines counted after the earlier reports
    (a candidate's months under a block's maximum count once over all of them; a bonus needs its base), or the
    sentences of the lines that cannot be valued."""
    table = commitment.block_table
    assert table is not None  # noqa: S101 - Commitment.clean requires it for social return
    blocks = calculator_blocks(table)
    earlier = _earlier_reports(commitment, period_end)
    new = sr.Report(
        period_start,
        period_end,
        [
            calc.Placement(p.block.code, p.persons, p.months, p.hours_per_week, p.amount, p.candidate_reference)
            for p in placements
        ],
    )
    result = sr.count_reports([*earlier, new], blocks)
    if not result.calculable:
        from .reasons import describe

        raise ValidationError({"placements": [describe(problem) for problem in result.problems]})
    mine = [line for line in result.lines if line.report == len(earlier)]
    return sum((line.value.value or Decimal(0) for line in mine if line.counted), Decimal(0))


def _check_file(upload: "UploadedFile[Any]") -> None:
    limit = settings.MVIMONITOR_EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "evidence": _("“%(name)s” is larger than %(limit)s MB.")
                % {"name": upload.name, "limit": limit // (1024 * 1024)}
            }
        )


@transaction.atomic
def realisation_submit(
    *,
    user: User,
    commitment: Commitment,
    period_start: date,
    period_end: date,
    quantity: Decimal | None = None,
    recycled_share: Decimal | None = None,
    placements: Sequence[PlacementInput] = (),
    evidence: "Iterable[UploadedFile[Any]]" = (),
) -> Realisation:
    """Record a report of what was delivered (status: submitted). Social return: counted placements, no names."""
    require(user, Action.EDIT_CONTRACTS, commitment.contract.lot.tender.organisation_id)
    if commitment.kind == CommitmentKind.SOCIAL_RETURN:
        if not placements:
            raise ValidationError({"placements": _("Record at least one placement.")})
        table = commitment.block_table
        assert table is not None  # noqa: S101 - Commitment.clean requires it for social return
        foreign = [p.block.name for p in placements if p.block.table_id != table.pk]
        if foreign:
            raise ValidationError(
                {
                    "placements": _("Not a block of the table %(table)s: %(blocks)s")
                    % {"table": table, "blocks": ", ".join(foreign)}
                }
            )
        quantity = social_return_report_value(commitment, period_start, period_end, placements).quantize(
            Decimal("0.001")
        )
    if quantity is None:
        raise ValidationError({"quantity": _("Enter the delivered quantity.")})
    realisation = Realisation(
        commitment=commitment,
        period_start=period_start,
        period_end=period_end,
        quantity=quantity,
        recycled_share=recycled_share,
        submitted_by=user,
    )
    realisation.full_clean()
    realisation.save()
    for p in placements:
        placement = Placement(
            realisation=realisation,
            block=p.block,
            persons=p.persons,
            months=p.months,
            hours_per_week=p.hours_per_week,
            amount=p.amount,
            candidate_reference=p.candidate_reference,
        )
        placement.full_clean()
        placement.save()
    for upload in evidence:
        evidence_add(user=user, realisation=realisation, upload=upload)
    record_changed(contract_organisation_ids=[commitment.contract.lot.tender.organisation_id])
    return realisation


@transaction.atomic
def evidence_add(*, user: User, realisation: Realisation, upload: "UploadedFile[Any]") -> EvidenceFile:
    require(user, Action.EDIT_CONTRACTS, realisation.commitment.contract.lot.tender.organisation_id)
    _check_file(upload)
    name = Path(upload.name or "evidence").name
    evidence = EvidenceFile(realisation=realisation, file=upload, original_name=name[:255], uploaded_by=user)
    try:
        evidence.full_clean()
    except ValidationError as error:
        raise ValidationError({"evidence": [f"{name}: {m}" for m in error.messages]}) from error
    evidence.save()
    return evidence


@transaction.atomic
def realisation_review(*, user: User, realisation: Realisation, status: str, note: str = "") -> Realisation:
    """Verify or reject a submitted realisation; records who and when. A rejection needs a reason."""
    require(user, Action.EDIT_CONTRACTS, realisation.commitment.contract.lot.tender.organisation_id)
    if status not in {RealisationStatus.VERIFIED, RealisationStatus.REJECTED}:
        raise ValidationError({"status": _("Choose verified or rejected.")})
    if realisation.status != RealisationStatus.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted realisation can be reviewed.")})
    if status == RealisationStatus.REJECTED and not note.strip():
        raise ValidationError({"review_note": _("Give the reason for the rejection.")})
    organisation = Organisation.objects.only("name", "four_eyes_verification").get(
        pk=realisation.commitment.contract.lot.tender.organisation_id
    )  # read now: the setting may have changed since the realisation was loaded
    if (
        status == RealisationStatus.VERIFIED
        and organisation.four_eyes_verification
        and realisation.submitted_by_id == user.pk
    ):
        message = _("%(organisation)s asks for four eyes: someone other than who submitted a delivery verifies it.")
        raise ValidationError({"status": message % {"organisation": organisation.name}})
    realisation.status = status
    realisation.review_note = note
    realisation.reviewed_by = user
    realisation.reviewed_at = timezone.now()
    realisation.full_clean()
    realisation.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    record_changed(contract_organisation_ids=[realisation.commitment.contract.lot.tender.organisation_id])
    return realisation
