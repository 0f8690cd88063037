"""The award page of a lot: its method, the bids, the ranking by fictitious price, the sensitivity line, and the
winning promise in the contract with its sanction as effects computes it.

Everyone who may see the tender reads the page; changing it needs "edit tenders", carrying the promise into the
contract "edit contracts" (403). A lot of a tender the user may not see answers 404, so its existence is not given
away.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mvimonitor.organisations.access import Action, fetch, permitted, request_user
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import add_service_errors
from mvimonitor.reports.document import Document
from mvimonitor.reports.render import render_docx, render_pdf
from mvimonitor.tenders.models import Lot

from . import figures, services
from .annex import annex_text
from .bid_import import import_bids, read_bids
from .forms import BidFileForm, BidForm, CarryForm, MethodForm, QualityCriterionForm, split_scores
from .models import AwardMethod, Bid, QualityCriterion
from .report import award_report
from .selectors import award_view, contract_promise, quality_criteria


def _lot(request: HttpRequest, lot_id: int, action: Action = Action.VIEW) -> Lot:
    refusals = {
        Action.EDIT_TENDERS: _("You may not change the tenders of this organisation."),
        Action.EDIT_CONTRACTS: _("You may not change the contracts of this organisation."),
    }
    return fetch(
        request.user, Lot.objects.select_related("tender__organisation"), lot_id, action, refusals.get(action, "")
    )


def _page(
    request: HttpRequest,
    lot: Lot,
    *,
    method_form: BaseForm | None = None,
    bid_form: BaseForm | None = None,
    file_form: BaseForm | None = None,
    quality_form: BaseForm | None = None,
    carry_form: BaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    method = AwardMethod.objects.filter(lot=lot).select_related("price_set", "discount_scheme", "created_by").first()
    initial: dict[str, Any] = {}
    if method is not None:
        initial = {"kind": method.kind, "price_set": method.price_set_id, "discount_scheme": method.discount_scheme_id}
    award = award_view(method) if method is not None else None
    context = {
        "lot": lot,
        "tender": lot.tender,
        "method": method,
        "award": award,
        "may_edit": permitted(request.user, Action.EDIT_TENDERS, lot.tender.organisation_id),
        "may_carry": permitted(request.user, Action.EDIT_CONTRACTS, lot.tender.organisation_id),
        "promise": contract_promise(method) if method is not None else None,
        "method_form": method_form or MethodForm(initial=initial),
        "bid_form": bid_form or BidForm(criteria=award.criteria if award is not None else None),
        "quality_form": quality_form or QualityCriterionForm(),
        "file_form": file_form or BidFileForm(),
        "carry_form": carry_form or CarryForm(),
    }
    return render(request, "award/lot.html", context, status=status)


def _back(lot: Lot) -> HttpResponse:
    return redirect(reverse("award:lot", args=[lot.pk]))


@login_required
@require_GET
def lot_award(request: HttpRequest, lot_id: int) -> HttpResponse:
    return _page(request, _lot(request, lot_id))


@login_required
@require_POST
def lot_method(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id, Action.EDIT_TENDERS)
    form = MethodForm(request.POST)
    if form.is_valid():
        try:
            services.set_method(
                user=request_user(request),
                lot=lot,
                kind=form.cleaned_data["kind"],
                price_set=form.cleaned_data["price_set"],
                discount_scheme=form.cleaned_data["discount_scheme"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The award method was set."))
            return _back(lot)
    return _page(request, lot, method_form=form, status=400)


@login_required
@require_POST
def lot_bid(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id, Action.EDIT_TENDERS)
    method = AwardMethod.objects.filter(lot=lot).first()
    form = BidForm(request.POST, criteria=quality_criteria(method) if method else None)
    if method is None:
        form.add_error(None, _("Set the award method before entering bids."))
    elif form.is_valid():
        values, scores = split_scores(form.cleaned_data)
        try:
            services.add_bid(user=request_user(request), method=method, scores=scores, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The bid was added."))
            return _back(lot)
    return _page(request, lot, bid_form=form, status=400)


@login_required
@require_POST
def lot_bid_import(request: HttpRequest, lot_id: int) -> HttpResponse:
    """Bids from a CSV file, all or nothing; every problem is listed by row and column."""
    lot = _lot(request, lot_id, Action.EDIT_TENDERS)
    method = AwardMethod.objects.filter(lot=lot).first()
    form = BidFileForm(request.POST, request.FILES)
    if method is None:
        form.add_error(None, _("Set the award method before entering bids."))
    elif form.is_valid():
        try:
            result = import_bids(
                user=request_user(request),
                method=method,
                rows=read_bids(form.cleaned_data["file"].read(), quality_criteria(method)),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Bids imported: %(created)s added, %(unchanged)s already present and unchanged.")
                % {"created": result.created, "unchanged": result.unchanged},
            )
            return _back(lot)
    return _page(request, lot, file_form=form, status=400)


@login_required
@require_POST
def lot_quality(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id, Action.EDIT_TENDERS)
    method = AwardMethod.objects.filter(lot=lot).first()
    form = QualityCriterionForm(request.POST)
    if method is None:
        form.add_error(None, _("Set the award method before adding quality criteria."))
    elif form.is_valid():
        try:
            services.add_quality_criterion(user=request_user(request), method=method, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The quality criterion was added."))
            return _back(lot)
    return _page(request, lot, quality_form=form, status=400)


@login_required
@require_POST
def lot_quality_delete(request: HttpRequest, lot_id: int, quality_id: int) -> HttpResponse:
    lot = _lot(request, lot_id, Action.EDIT_TENDERS)
    criterion = get_object_or_404(QualityCriterion, pk=quality_id, method__lot=lot)
    try:
        services.remove_quality_criterion(user=request_user(request), criterion=criterion)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The quality criterion was removed."))
    return _back(lot)


@login_required
@require_POST
def lot_bid_delete(request: HttpRequest, lot_id: int, bid_id: int) -> HttpResponse:
    lot = _lot(request, lot_id, Action.EDIT_TENDERS)
    bid = get_object_or_404(Bid, pk=bid_id, method__lot=lot)
    try:
        services.remove_bid(user=request_user(request), bid=bid)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The bid was removed."))
    return _back(lot)


@login_required
@require_POST
def lot_contract(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id, Action.EDIT_CONTRACTS)
    method = get_object_or_404(AwardMethod, lot=lot)
    form = CarryForm(request.POST)
    if form.is_valid():
        try:
            services.carry_into_contract(user=request_user(request), method=method, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The winning promise is in the contract."))
            return _back(lot)
    return _page(request, lot, carry_form=form, status=400)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """CO2 in award for the active organisation (its lots, advantages granted and kept) and the national counts under
    disclosure control; a user without an organisation sees the national counts only."""
    organisation, _choices = active_organisation_for(request)
    own = figures.organisation_figures(organisation.pk) if organisation is not None else None
    context = {
        "organisation": organisation,
        "own": own,
        "national": figures.national_counts(),
        "national_amounts": figures.national_amounts(),
    }
    return render(request, "award/overview.html", context)


DOCUMENT_FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", render_docx),
    "pdf": ("application/pdf", render_pdf),
}


def _document(lot: Lot, document: Document, name: str, file_format: str) -> HttpResponse:
    content_type, render_document = DOCUMENT_FORMATS[file_format]
    response = HttpResponse(render_document(document), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}-{lot.tender_id}-{lot.number}.{file_format}"'
    return response


def _method_for_document(request: HttpRequest, lot_id: int, file_format: str) -> tuple[Lot, AwardMethod]:
    if file_format not in DOCUMENT_FORMATS:
        raise Http404
    lot = _lot(request, lot_id)
    method = get_object_or_404(AwardMethod.objects.select_related("lot__tender__organisation"), lot=lot)
    return lot, method


@login_required
@require_GET
def lot_report(request: HttpRequest, lot_id: int, file_format: str) -> HttpResponse:
    """The award report of the lot (method, ranking, sensitivity, the promise in the contract) as DOCX or PDF, in
    the reader's language."""
    lot, method = _method_for_document(request, lot_id, file_format)
    return _document(lot, award_report(method), _("award-report"), file_format)


@login_required
@require_GET
def lot_annex(request: HttpRequest, lot_id: int, file_format: str) -> HttpResponse:
    """The method described for the tender documents, as DOCX or PDF, in the reader's language."""
    lot, method = _method_for_document(request, lot_id, file_format)
    return _document(lot, annex_text(method), _("award-method"), file_format)
