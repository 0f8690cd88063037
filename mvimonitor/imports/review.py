"""The review of proposals: a buyer confirms (as proposed or corrected) or rejects what the detectors proposed.

The differences between a notice and a buyer's manual changes are recorded by the import (`updates`) and shown on the
tender's review page; a confirmed proposal becomes an `MVIApplication` through the tenders' own service.

Confirming a proposal settles the other open proposals of the same lot and theme that it covers (the same form, or
no form stated): they are confirmed as the same MVI application, so duplicates never block each other, and a proposal
whose application exists already is linked to it instead of failing. The evidence is shown as the business term's
number and name, the code's label and the text excerpt, with the path in the notice only as a detail
(`evidence_items`).
"""

import re
from decimal import Decimal
from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mvimonitor.organisations.access import Action, permitted
from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import MVIApplication
from mvimonitor.themes.models import ApplicationForm, Theme

from .catalogue_link import EVIDENCE as CATALOGUE_EVIDENCE
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
    """Turn a proposal into an MVI application, as proposed or corrected (theme, form, ambition, weight).

    A proposal that links a catalogue criterion gives the application that criterion, and its ambition level when
    none is chosen, unless the correction leaves the criterion's themes or its form of application."""
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
    criterion = proposal.criterion
    # the proposal's form is the one of the criterion's kind; a correction to another form or to a theme the
    # criterion does not have leaves the criterion out
    if criterion is not None and (chosen_form.pk != proposal.form_id or chosen_theme.pk not in criterion.theme_ids()):
        criterion = None
    if ambition_level is None and criterion is not None:
        ambition_level = criterion.ambition_level
    # the registration that already covers it: the same criterion, or one of this theme and form without a criterion
    # (a lot holds one per criterion, and one per theme and form among those without)
    on_lot = MVIApplication.objects.filter(lot=proposal.lot)
    same = on_lot.filter(theme=chosen_theme, form=chosen_form)
    if criterion is not None:
        application = on_lot.filter(criterion=criterion).first() or same.filter(criterion__isnull=True).first()
    else:
        application = same.first()
    if application is None:
        application = mvi_application_create(
            user=user,
            lot=proposal.lot,
            theme=chosen_theme,
            form=chosen_form,
            ambition_level=ambition_level,
            criterion=criterion,
            award_weight=weight,
            origin=proposal.origin,
            confidence=proposal.confidence,
            evidence=proposal.evidence + ("\n" + _("Corrected by the buyer.") if corrected else ""),
        )
    now = timezone.now()
    proposal.status = ProposalStatus.CONFIRMED
    proposal.application = application
    proposal.reviewed_by = user
    proposal.reviewed_at = now
    proposal.save(update_fields=["status", "application", "reviewed_by", "reviewed_at"])
    # the same lot and theme, in this form or without one: the registration just made covers them too
    MVIProposal.objects.filter(lot_id=proposal.lot_id, theme=chosen_theme, status=ProposalStatus.PROPOSED).filter(
        Q(form__isnull=True) | Q(form=chosen_form)
    ).update(status=ProposalStatus.CONFIRMED, application=application, reviewed_by=user, reviewed_at=now)
    return application


@transaction.atomic
def proposal_reject(*, user: User, proposal: MVIProposal, reason: str = "") -> MVIProposal:
    """The buyer says the proposal is wrong; it stays rejected until a notice brings other evidence. The reason, if
    given, is kept with who and when."""
    if not permitted(user, Action.EDIT_MVI, proposal.lot.tender.organisation_id):
        raise PermissionDenied(_("You may not change the MVI registration of this tender."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("This proposal was already reviewed."))
    proposal.status = ProposalStatus.REJECTED
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.review_note = reason.strip()[:500]
    proposal.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return proposal


CONFIRM, REJECT = "confirm", "reject"


@transaction.atomic
def proposals_review(*, user: User, proposals: list[MVIProposal], decision: str, reason: str = "") -> dict[str, int]:
    """Confirm (as proposed) or reject (with one reason) several proposals at once, each through `proposal_confirm` or
    `proposal_reject`: all or nothing, so a refusal of one leaves every other as it was. A proposal that an earlier
    confirmation in the same batch already settled (same lot and theme) counts as settled, not as refused.

    Returns how many were confirmed, rejected and settled along."""
    if decision not in {CONFIRM, REJECT}:
        raise ValidationError(_("Choose to confirm or to reject the selected proposals."))
    if not proposals:
        raise ValidationError(_("Select at least one proposal."))
    if decision == REJECT and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    done = {"confirmed": 0, "rejected": 0, "settled": 0}
    registered: set[int] = set()  # the applications this batch confirmed proposals as
    # the ones with a form first: confirming them settles the same lot and theme without a form
    for proposal in sorted(proposals, key=lambda p: (p.form_id is None, p.pk)):
        proposal.refresh_from_db(fields=["status", "application"])
        if proposal.status == ProposalStatus.CONFIRMED and proposal.application_id in registered:
            done["settled"] += 1
            continue
        try:
            if decision == CONFIRM:
                registered.add(proposal_confirm(user=user, proposal=proposal).pk)
                done["confirmed"] += 1
            else:
                proposal_reject(user=user, proposal=proposal, reason=reason)
                done["rejected"] += 1
        except ValidationError as error:
            raise ValidationError(
                _("%(proposal)s (lot %(lot)s): %(reason)s. Nothing was changed.")
                % {
                    "proposal": f"{proposal.theme} / {proposal.form or '-'}",
                    "lot": proposal.lot.number,
                    "reason": " ".join(error.messages).rstrip("."),
                }
            ) from error
    return done


# The names of the eForms business terms the detectors cite (eForms SDK field names, English; translated in the
# locale). Evidence of other fields shows the term's number alone.
BUSINESS_TERMS: dict[str, Promise] = {
    "BT-06": gettext_lazy("Aim of strategic procurement"),
    "BT-70": gettext_lazy("Conditions relating to the performance of the contract"),
    "BT-71": gettext_lazy("Reserved participation"),
    "BT-105": gettext_lazy("Type of procedure"),
    "BT-165": gettext_lazy("Size of the economic operator"),
    "BT-21": gettext_lazy("Title"),
    "BT-24": gettext_lazy("Description"),
    "BT-540": gettext_lazy("Description of the award criterion"),
    "BT-717": gettext_lazy("Clean Vehicles Directive applies"),
    "BT-723": gettext_lazy("Category of vehicle"),
    "BT-726": gettext_lazy("Suitable for SMEs"),
    "BT-735": gettext_lazy("CVD contract type"),
    "BT-736": gettext_lazy("Reserved execution"),
    "BT-750": gettext_lazy("Description of selection criterion"),
    "BT-754": gettext_lazy("Accessibility criteria"),
    "BT-774": gettext_lazy("Approach to reducing environmental impacts"),
    "BT-775": gettext_lazy("Social objective promoted"),
    "BT-776": gettext_lazy("Innovation procurement"),
    "BT-777": gettext_lazy("Description of the strategic procurement"),
    "BT-805": gettext_lazy("Green Procurement Criteria"),
    "BT-809": gettext_lazy("Selection criterion"),
    "BT-810": gettext_lazy("Energy Efficiency Directive applies"),
    "BT-811": gettext_lazy("Energy efficiency"),
    "BT-812": gettext_lazy("Energy efficiency label"),
    "OPT-155": gettext_lazy("Vehicle type"),
    "award criterion": gettext_lazy("Award criterion"),
}
_CODE = re.compile(r"^(?P<field>\S+) (?P<list>[\w.-]+)=(?P<code>\S+) \((?P<path>.*)\)$")
_TEXT = re.compile(r"^(?P<field>.+?) (?P<path>\S+): “(?P<excerpt>.*?)”\s*(?P<note>.*)$")
_PIECES = re.compile(r"\n|; (?=(?:BT|OPT|OPP)-\d|sustainability|LEFTI|PROCEDURE)")


@cache
def _code_labels() -> dict[tuple[str, str], str]:
    """(code list, code) -> the code's label, from the code mapping the detectors use."""
    from .codes import code_mapping

    return {(row["list"], row["code"]): row.get("label_en", "") for row in code_mapping()["rows"]}


def _term(field: str) -> str:
    number = field.split("(")[0]
    name = BUSINESS_TERMS.get(number) or BUSINESS_TERMS.get(field)
    if field == "award criterion":
        return str(name)
    return f"{field} {name}" if name else field


def evidence_items(evidence: str) -> list[dict[str, str]]:
    """A proposal's evidence as the review page shows it: per piece the business term (number and name), the code's
    label or the text excerpt, a note (weight, measured precision) and the path in the notice as a detail. A piece
    in another shape is shown as it is (`text`)."""
    items = []
    for piece in (p.strip() for p in _PIECES.split(evidence)):
        if not piece:
            continue
        catalogue = CATALOGUE_EVIDENCE.match(piece)
        if catalogue:
            items.append(_catalogue_item(catalogue))
            continue
        code = _CODE.match(piece)
        if code:
            label = _code_labels().get((code["list"], code["code"])) or code["code"]
            items.append({"term": _term(code["field"]), "label": label, "path": code["path"]})
            continue
        text = _TEXT.match(piece)
        if text:
            items.append(
                {"term": _term(text["field"]), "excerpt": text["excerpt"], "note": text["note"], "path": text["path"]}
            )
            continue
        items.append({"text": piece})
    return items


def _catalogue_item(match: re.Match[str]) -> dict[str, str]:
    """A catalogue link's evidence (`catalogue_link.EVIDENCE`) in the reader's language."""
    notes = {
        "code": _("names the code of catalogue criterion %(code)s"),
        "id": _("names the criteria tool's id of catalogue criterion %(code)s"),
        "title": _("contains the title of catalogue criterion %(code)s"),
    }
    return {
        "term": _term(match["field"]),
        "excerpt": match["excerpt"],
        "note": notes[match["how"]] % {"code": match["code"]},
        "path": match["path"],
    }
