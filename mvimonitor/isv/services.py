"""Every write of the ISV record: the risk category of a lot, its form of application, and the due-diligence case
of a contract. Each write checks the user's rights first (`organisations.access.require`) and runs in one
transaction; a refused write leaves nothing behind.

- The category is confirmed, changed or set to "none" by a user who may edit the organisation's tenders; it must
  belong to the list that applies at the tender's publication date. Its history is kept (django-simple-history).
- The form of application is an MVI application of the theme `keten` (tenders' service, EDIT_MVI rights).
- The case, its deliverables and risks, and the judgement are kept by users who may edit contracts.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, require
from mvimonitor.organisations.models import User
from mvimonitor.tenders import services as tender_services
from mvimonitor.tenders.models import Contract, Lot, MVIApplication
from mvimonitor.themes.models import ApplicationForm, IsvRiskCategory, Theme

from .lists import list_for_lot, suggestion_for
from .models import Deliverable, DueDiligenceCase, Judgement, LotRiskCategory, Risk

ISV_THEME = "keten"
DEFAULT_FORM = "contractbepaling"
FORMS = ("contractbepaling", "selectie", "gunningscriterium")


@transaction.atomic
def confirm_category(*, user: User, lot: Lot, category: IsvRiskCategory | None, note: str = "") -> LotRiskCategory:
    """Record the lot's category (None: within no risk category). Confirming the same again changes nothing."""
    require(
        user,
        Action.EDIT_TENDERS,
        lot.tender.organisation_id,
        _("You may not change the tenders of this organisation."),
    )
    risk_list = list_for_lot(lot)
    if risk_list is None:
        raise ValidationError(
            {"category": _("No list of ISV risk categories applies on the tender's publication date.")}
        )
    if category is not None and category.list_version != risk_list.list_version:
        raise ValidationError(
            {
                "category": _("This category is not in the list that applies to this tender (%(list)s).")
                % {"list": risk_list}
            }
        )
    suggestion = suggestion_for(lot, risk_list)
    values: dict[str, Any] = {
        "risk_list": risk_list,
        "category": category,
        "suggested_category": suggestion.category if suggestion else None,
        "suggestion_basis": suggestion.basis if suggestion else "",
        "note": note,
    }
    record = LotRiskCategory.objects.filter(lot=lot).first()
    if record is not None and all(getattr(record, name) == value for name, value in values.items()):
        return record
    if record is None:
        record = LotRiskCategory(lot=lot, **values)
    else:
        for name, value in values.items():
            setattr(record, name, value)
    record.confirmed_by = user
    record.confirmed_at = timezone.now()
    record.full_clean()
    record.save()
    return record


def _keten_applications(lot: Lot) -> list[MVIApplication]:
    return list(MVIApplication.objects.filter(lot=lot, theme__code=ISV_THEME, criterion__isnull=True))


@transaction.atomic
def record_form(*, user: User, lot: Lot, form_code: str) -> MVIApplication:
    """Record how ISV is applied on the lot: an MVI application of the theme `keten` in this form (a contract clause
    by default). Existing ISV applications by hand keep their own forms; recording one again changes nothing."""
    if form_code not in FORMS:
        raise ValidationError({"form": _("Choose a contract clause, a selection criterion or an award criterion.")})
    theme = Theme.objects.filter(code=ISV_THEME).first()
    form = ApplicationForm.objects.filter(code=form_code).first()
    if theme is None or form is None:
        raise ValidationError({"form": _("The MVI catalogue is not loaded (run load_reference).")})
    for application in _keten_applications(lot):
        if application.form_id == form.pk:
            require(user, Action.EDIT_MVI, lot.tender.organisation_id)
            return application
    return tender_services.mvi_application_create(user=user, lot=lot, theme=theme, form=form)


@transaction.atomic
def open_case(*, user: User, contract: Contract) -> DueDiligenceCase:
    require(user, Action.EDIT_CONTRACTS, contract.lot.tender.organisation_id)
    case, _created = DueDiligenceCase.objects.get_or_create(contract=contract)
    return case


def _case_guard(user: User, case: DueDiligenceCase) -> None:
    require(user, Action.EDIT_CONTRACTS, case.contract.lot.tender.organisation_id)


@transaction.atomic
def add_deliverable(
    *, user: User, case: DueDiligenceCase, kind: str, due_date: dt.date, note: str = ""
) -> Deliverable:
    _case_guard(user, case)
    deliverable = Deliverable(case=case, kind=kind, due_date=due_date, note=note)
    deliverable.full_clean()
    deliverable.save()
    return deliverable


@transaction.atomic
def receive_deliverable(*, user: User, deliverable: Deliverable, received_on: dt.date) -> Deliverable:
    _case_guard(user, deliverable.case)
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date of receipt lies in the future.")})
    if deliverable.received_on != received_on:
        deliverable.received_on = received_on
        deliverable.full_clean()
        deliverable.save(update_fields=["received_on"])
    return deliverable


@transaction.atomic
def add_risk(*, user: User, case: DueDiligenceCase, **fields: Any) -> Risk:
    _case_guard(user, case)
    if "country" in fields:
        fields["country"] = str(fields["country"]).strip().upper()
    risk = Risk(case=case, **fields)
    risk.full_clean()
    risk.save()
    return risk


@transaction.atomic
def update_risk(*, user: User, risk: Risk, status: str, measure: str) -> Risk:
    _case_guard(user, risk.case)
    if (risk.status, risk.measure) != (status, measure):
        risk.status, risk.measure = status, measure
        risk.full_clean()
        risk.save(update_fields=["status", "measure"])
    return risk


@transaction.atomic
def judge(*, user: User, case: DueDiligenceCase, judgement: str, note: str) -> DueDiligenceCase:
    _case_guard(user, case)
    if judgement != Judgement.PENDING and not note.strip():
        raise ValidationError({"judgement_note": _("Give the reasons for the judgement.")})
    if (case.judgement, case.judgement_note) != (judgement, note):
        case.judgement, case.judgement_note = judgement, note
        case.judged_at = None if judgement == Judgement.PENDING else timezone.now()
        case.full_clean()
        case.save(update_fields=["judgement", "judgement_note", "judged_at"])
    return case
