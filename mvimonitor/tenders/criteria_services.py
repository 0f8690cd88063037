"""Applying criteria of the MVI catalogue to a lot: each chosen criterion becomes one MVI application.

The application takes its theme (the criterion's main theme), its form of application (from the criterion's kind,
`KIND_FORMS`) and its ambition level from the criterion, keeps the criterion itself (so the text it was chosen with
stays linked, whatever later releases say) and has the origin "catalogue".

A lot holds one application per catalogue criterion, and one per theme and form among the applications without a
criterion (entered by hand or confirmed from a notice). So several criteria of one theme and form (two requirements
on circularity) are each recorded, and a criterion is skipped, with the reason, when the lot has it already (chosen
before, perhaps from an earlier release) or when an application of its theme and form without a criterion exists
(that registration is the buyer's; naming the criterion there is an edit of it). The monitoring counts are per
tender and count a theme or form once, however many applications hold it. Everything else is written in one
transaction, all or nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.changes import record_changed
from mvimonitor.organisations.access import Action, require
from mvimonitor.organisations.models import User
from mvimonitor.themes.models import KIND_FORMS, ApplicationForm, Criterion, CriterionKind

from .models import Lot, MVIApplication, Origin


@dataclass(frozen=True)
class Skipped:
    criterion: Criterion
    reason: str


@dataclass
class AppliedResult:
    created: list[MVIApplication] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _same_criterion(one: Criterion, other: Criterion) -> bool:
    """The same criterion, perhaps of another release: the same row, the same id at the source, or the same code in
    the same product group."""
    if one.pk == other.pk:
        return True
    if one.external_id and one.external_id == other.external_id:
        return True
    return one.code == other.code and one.product_group.code == other.product_group.code


def _form_of(criterion: Criterion, forms: dict[str, ApplicationForm]) -> ApplicationForm:
    if criterion.kind:
        return forms[KIND_FORMS[CriterionKind(criterion.kind)]]
    return criterion.form


def _taken_reason(application: MVIApplication, criterion: Criterion) -> str:
    held = application.criterion
    if held is not None and _same_criterion(held, criterion):
        if held.pk == criterion.pk:
            return _("This criterion was already applied to the lot.")
        return _("This criterion was already applied to the lot, from release %(version)s.") % {
            "version": held.release.version
        }
    return _(
        "The lot already has the theme %(theme)s as %(form)s without a catalogue criterion (%(origin)s); name the "
        "criterion on that MVI application instead."
    ) % {"theme": application.theme, "form": application.form, "origin": application.get_origin_display()}


@transaction.atomic
def apply_criteria(*, user: User, lot: Lot, criteria: Iterable[Criterion]) -> AppliedResult:
    """Make one MVI application on `lot` for every criterion in `criteria` (in their order; a criterion given twice
    counts once), skipping, with the reason, those the lot has already and those whose theme and form it has without a
    criterion. All or nothing."""
    refused = _("You may not change the tenders of this organisation.")
    require(user, Action.EDIT_TENDERS, lot.tender.organisation_id, refused)
    chosen = list({criterion.pk: criterion for criterion in criteria}.values())
    forms = {form.code: form for form in ApplicationForm.objects.filter(code__in=set(KIND_FORMS.values()))}
    existing = MVIApplication.objects.filter(lot=lot).select_related(
        "theme", "form", "criterion__product_group__product_group_set"
    )
    held = [application for application in existing if application.criterion is not None]
    without = {(a.theme_id, a.form_id): a for a in existing if a.criterion is None}
    result = AppliedResult()
    for criterion in chosen:
        form = _form_of(criterion, forms)
        same = next((a for a in held if a.criterion and _same_criterion(a.criterion, criterion)), None)
        blocking = same or without.get((criterion.theme_id, form.pk))
        if blocking is not None:
            result.skipped.append(Skipped(criterion, _taken_reason(blocking, criterion)))
            continue
        application = MVIApplication(
            lot=lot,
            theme_id=criterion.theme_id,
            form=form,
            ambition_level_id=criterion.ambition_level_id,
            criterion=criterion,
            origin=Origin.CATALOGUE,
            created_by=user,
        )
        application.full_clean()
        application.save()
        held.append(application)
        result.created.append(application)
    if result.created:
        record_changed(tender_ids=[lot.tender_id])
    return result
