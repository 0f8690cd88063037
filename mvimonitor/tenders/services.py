"""Every write to the procurement record goes through these functions (views, API, admin actions, imports).

Each checks the caller's rights through `mvimonitor.organisations.access`, validates with `full_clean()` and runs
in one transaction, so a refused or invalid write changes nothing. Each write announces the tender it touched
(`changes.record_changed`) in the same transaction, so the derived tables (monitoring facts) are never behind it.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mvimonitor.changes import record_changed
from mvimonitor.organisations.access import Action, require
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.themes.models import CpvCode

from .models import AwardCriterion, Contract, Lot, MVIApplication, Tender


def assign_fields(instance: Any, data: Mapping[str, Any]) -> list[str]:
    """Set the fields of `data` that differ on `instance`; returns their names (the services' `update_fields`)."""
    changed = []
    for field, value in data.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


def _set_additional_cpvs(tender: Tender, codes: Iterable[CpvCode | str] | None) -> None:
    if codes is None:
        return
    wanted = {c.code if isinstance(c, CpvCode) else c for c in codes}
    known = set(CpvCode.objects.filter(code__in=wanted).values_list("code", flat=True))
    unknown = sorted(wanted - known)
    if unknown:
        raise ValidationError({"additional_cpvs": _("Unknown CPV code(s): %(codes)s") % {"codes": ", ".join(unknown)}})
    tender.additional_cpvs.set(CpvCode.objects.filter(code__in=known))


@transaction.atomic
def tender_create(
    *, user: User, organisation: Organisation, additional_cpvs: Iterable[CpvCode | str] | None = None, **fields: Any
) -> Tender:
    require(user, Action.EDIT_TENDERS, organisation)
    tender = Tender(organisation=organisation, **fields)
    tender.full_clean()
    tender.save()
    _set_additional_cpvs(tender, additional_cpvs)
    record_changed(tender_ids=[tender.pk])
    return tender


@transaction.atomic
def tender_update(
    *, user: User, tender: Tender, additional_cpvs: Iterable[CpvCode | str] | None = None, **fields: Any
) -> Tender:
    require(user, Action.EDIT_TENDERS, tender.organisation_id)
    if "organisation" in fields or "organisation_id" in fields:
        raise ValidationError({"organisation": _("A tender cannot move to another organisation.")})
    changed = assign_fields(tender, fields)
    tender.full_clean()
    if changed:
        tender.save(update_fields=[*changed, "updated_at"])
    _set_additional_cpvs(tender, additional_cpvs)
    record_changed(tender_ids=[tender.pk])
    return tender


@transaction.atomic
def tender_withdraw(*, user: User, tender: Tender, reason: str) -> Tender:
    """The buyer withdraws the tender: it stays on record with who, when and why, and leaves the monitoring figures
    (the facts leave out withdrawn tenders). The change history keeps the earlier state."""
    require(user, Action.EDIT_TENDERS, tender.organisation_id)
    if tender.withdrawn_at is not None:
        raise ValidationError(_("This tender was already withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    tender.withdrawn_at = timezone.now()
    tender.withdrawn_by = user
    tender.withdrawal_reason = reason.strip()
    tender.full_clean()
    tender.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
    record_changed(tender_ids=[tender.pk])
    return tender


@transaction.atomic
def tender_reinstate(*, user: User, tender: Tender) -> Tender:
    """Undo a withdrawal: the tender counts in the figures again; the history keeps the withdrawal."""
    require(user, Action.EDIT_TENDERS, tender.organisation_id)
    if tender.withdrawn_at is None:
        raise ValidationError(_("This tender is not withdrawn."))
    tender.withdrawn_at = None
    tender.withdrawn_by = None
    tender.withdrawal_reason = ""
    tender.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
    record_changed(tender_ids=[tender.pk])
    return tender


def has_contracts(tender: Tender) -> bool:
    return Contract.objects.filter(lot__tender=tender).exists()


@transaction.atomic
def tender_delete(*, user: User, tender: Tender) -> None:
    """Delete a tender without contracts, with its lots, criteria and MVI applications; the change history keeps a
    record of every deleted row (who, when, what)."""
    require(user, Action.EDIT_TENDERS, tender.organisation_id)
    if has_contracts(tender):
        raise ValidationError(_("A tender with contracts cannot be deleted."))
    record_changed(removed_tender_ids=[tender.pk])
    tender.delete()


def open_proposals(tender: Tender) -> int:
    """How many MVI proposals of the import (`imports.MVIProposal`) on the tender's lots are still to be reviewed.

    Counted through the lots' reverse relation `mvi_proposals`, so this app needs no import of the imports app (which
    sits above it); 0 when that app is not installed."""
    try:
        Lot._meta.get_field("mvi_proposals")
    except FieldDoesNotExist:
        return 0
    counted = Lot.objects.filter(tender=tender).aggregate(
        count=Count("mvi_proposals", filter=Q(mvi_proposals__status="proposed"))
    )
    return int(counted["count"] or 0)


@transaction.atomic
def tender_confirm_mvi(*, user: User, tender: Tender) -> Tender:
    """The buyer declares the MVI registration of this tender complete and correct; refused while proposals of the
    import are still open, since the registration would then count as complete without them."""
    require(user, Action.EDIT_MVI, tender.organisation_id)
    still_open = open_proposals(tender)
    if still_open:
        raise ValidationError(
            ngettext(
                "%(count)s MVI proposal of the import is still open: confirm or reject it on the review page "
                "before you confirm the MVI registration.",
                "%(count)s MVI proposals of the import are still open: confirm or reject them on the review page "
                "before you confirm the MVI registration.",
                still_open,
            )
            % {"count": still_open},
            code="open_proposals",
        )
    tender.mvi_confirmed_at = timezone.now()
    tender.mvi_confirmed_by = user
    tender.save(update_fields=["mvi_confirmed_at", "mvi_confirmed_by", "updated_at"])
    record_changed(tender_ids=[tender.pk])
    return tender


@transaction.atomic
def lot_create(*, user: User, tender: Tender, **fields: Any) -> Lot:
    require(user, Action.EDIT_TENDERS, tender.organisation_id)
    lot = Lot(tender=tender, **fields)
    lot.full_clean()
    lot.save()
    record_changed(tender_ids=[tender.pk])
    return lot


@transaction.atomic
def lot_update(*, user: User, lot: Lot, **fields: Any) -> Lot:
    require(user, Action.EDIT_TENDERS, lot.tender.organisation_id)
    if "tender" in fields or "tender_id" in fields:
        raise ValidationError({"tender": _("A lot cannot move to another tender.")})
    changed = assign_fields(lot, fields)
    lot.full_clean()
    if changed:
        lot.save(update_fields=changed)
    record_changed(tender_ids=[lot.tender_id])
    return lot


@transaction.atomic
def lot_delete(*, user: User, lot: Lot) -> None:
    require(user, Action.EDIT_TENDERS, lot.tender.organisation_id)
    if lot.contracts.exists():
        raise ValidationError(_("A lot with contracts cannot be deleted."))
    tender_id = lot.tender_id
    lot.delete()
    record_changed(tender_ids=[tender_id])


@transaction.atomic
def award_criterion_create(*, user: User, lot: Lot, **fields: Any) -> AwardCriterion:
    require(user, Action.EDIT_TENDERS, lot.tender.organisation_id)
    criterion = AwardCriterion(lot=lot, **fields)
    criterion.full_clean()
    criterion.save()
    record_changed(tender_ids=[lot.tender_id])
    return criterion


@transaction.atomic
def mvi_application_create(*, user: User, lot: Lot, **fields: Any) -> MVIApplication:
    require(user, Action.EDIT_MVI, lot.tender.organisation_id)
    application = MVIApplication(lot=lot, created_by=user, **fields)
    application.full_clean()
    application.save()
    record_changed(tender_ids=[lot.tender_id])
    return application


@transaction.atomic
def mvi_application_update(*, user: User, application: MVIApplication, **fields: Any) -> MVIApplication:
    require(user, Action.EDIT_MVI, application.lot.tender.organisation_id)
    if "lot" in fields or "lot_id" in fields:
        raise ValidationError({"lot": _("An MVI application cannot move to another lot.")})
    changed = assign_fields(application, fields)
    application.full_clean()
    if changed:
        application.save(update_fields=[*changed, "updated_at"])
    record_changed(tender_ids=[application.lot.tender_id])
    return application


@transaction.atomic
def mvi_application_delete(*, user: User, application: MVIApplication) -> None:
    require(user, Action.EDIT_MVI, application.lot.tender.organisation_id)
    tender_id = application.lot.tender_id
    application.delete()
    record_changed(tender_ids=[tender_id])
