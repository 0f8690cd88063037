"""The review of proposals: a buyer confirms (as proposed or corrected) or rejects what the detectors proposed.

The differences between a notice and a buyer's manual changes are recorded by the import (`updates`) and shown on the
tender's review page; a confirmed proposal becomes an `MVIApplication` through the tenders' own service.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, permitted
from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import MVIApplication
from mvimonitor.themes.models import ApplicationForm, Theme

from .models import MVIProposal, ProposalStatus


@transaction.atomic
def proposal_confirm(
    *,
    user: User,
    proposal: MVIProposal,
    theme: Theme | None = None,
    form: ApplicationForm | None = None,
    ambition_level: Any = None,
    award_weight: Decimal | None = None,
) -> MVIApplication:
    """Turn a proposal into an MVI application, as proposed or corrected (theme, form, ambition, weight)."""
    from mvimonitor.tenders.services import mvi_application_create

    if not permitted(user, Action.EDIT_MVI, proposal.lot.tender.organisation_id):
        raise PermissionDenied(_("You may not change the MVI registration of this tender."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("This proposal was already reviewed."))
    chosen_form = form or proposal.form
    if chosen_form is None:
        raise ValidationError({"form": _("Choose the form of application: the notice does not say it.")})
    chosen_theme = theme or proposal.theme
    weight = award_weight if award_weight is not None else proposal.award_weight
    if chosen_form.code != "gunningscriterium":
        weight = None
    corrected = chosen_theme.pk != proposal.theme_id or chosen_form.pk != proposal.form_id
    application = mvi_application_create(
        user=user,
        lot=proposal.lot,
        theme=chosen_theme,
        form=chosen_form,
        ambition_level=ambition_level,
        award_weight=weight,
        origin=proposal.origin,
        confidence=proposal.confidence,
        evidence=proposal.evidence + ("\n" + _("Corrected by the buyer.") if corrected else ""),
    )
    proposal.status = ProposalStatus.CONFIRMED
    proposal.application = application
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["status", "application", "reviewed_by", "reviewed_at"])
    return application


@transaction.atomic
def proposal_reject(*, user: User, proposal: MVIProposal) -> MVIProposal:
    """The buyer says the proposal is wrong; it stays rejected until a notice brings other evidence."""
    if not permitted(user, Action.EDIT_MVI, proposal.lot.tender.organisation_id):
        raise PermissionDenied(_("You may not change the MVI registration of this tender."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("This proposal was already reviewed."))
    proposal.status = ProposalStatus.REJECTED
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return proposal
