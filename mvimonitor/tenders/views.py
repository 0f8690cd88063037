"""Tender pages: list, detail with history, and the forms that change the record through services.py.

Every view fetches its tender through `access.fetch`, which reads `mvimonitor.organisations.access`: a tender the user
may not see gives 404 (so ids of other organisations leak nothing); one they may see but not change gives 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mvimonitor.organisations.access import Action, fetch, permitted, request_user, visible_to
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import add_service_errors, form_page, without_organisation

from . import selectors, services
from .forms import (
    AwardCriterionForm,
    LotForm,
    MVIApplicationForm,
    TenderFilterForm,
    TenderForm,
    TenderWithdrawForm,
)
from .models import AwardCriterion, Lot, MVIApplication, Tender

PAGE_SIZE = 25


@login_required
def tender_list(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "tenders/no_organisation.html")
    filter_form = TenderFilterForm(request.GET or None, years=selectors.tender_years(organisation=organisation))
    filters: selectors.TenderFilters = {}
    if filter_form.is_bound:
        filter_form.is_valid()
        filters = filter_form.cleaned_data  # type: ignore[assignment]  # only the valid values
        for name, errors in filter_form.errors.items():
            messages.error(
                request,
                _("The filter “%(field)s” has a value that is not known and was ignored: %(errors)s")
                % {"field": filter_form.fields[name].label, "errors": " ".join(str(e) for e in errors)},
            )
    page = Paginator(selectors.tender_list(organisation=organisation, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tenders/tender_list.html",
        {
            "organisation": organisation,
            "filter_form": filter_form,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "query_string": query.urlencode(),
            "can_edit_tenders": permitted(request.user, Action.EDIT_TENDERS, organisation),
        },
    )


@login_required
def tender_detail(request: HttpRequest, tender_id: int) -> HttpResponse:
    try:
        tender = selectors.tender_detail(queryset=visible_to(request.user, Tender.objects.all()), tender_id=tender_id)
    except Tender.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "tenders/tender_detail.html",
        {
            "tender": tender,
            "lots": tender.lots.all(),
            "history": selectors.tender_history(tender=tender),
            "can_edit_tenders": permitted(request.user, Action.EDIT_TENDERS, tender.organisation_id),
            "can_edit_mvi": permitted(request.user, Action.EDIT_MVI, tender.organisation_id),
        },
    )


def _form_page(
    request: HttpRequest, form: BaseForm, *, title: str, tender: Tender | None, submit: str
) -> HttpResponse:
    back = reverse("tenders:detail", args=[tender.pk]) if tender else reverse("tenders:list")
    return form_page(request, "tenders/form_page.html", form, title=title, tender=tender, back_url=back, submit=submit)


@login_required
@require_http_methods(["GET", "POST"])
def tender_create(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None or not permitted(request.user, Action.EDIT_TENDERS, organisation):
        raise PermissionDenied(_("You may not add tenders for this organisation."))
    form = TenderForm(request.POST or None, instance=Tender(organisation=organisation))
    if form.is_bound and form.is_valid():
        try:
            tender = services.tender_create(user=request_user(request), organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The tender “%(title)s” was added.") % {"title": tender.title})
            return redirect("tenders:detail", tender_id=tender.pk)
    return _form_page(request, form, title=_("New tender"), tender=None, submit=_("Add tender"))


@login_required
@require_http_methods(["GET", "POST"])
def tender_edit(request: HttpRequest, tender_id: int) -> HttpResponse:
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id, Action.EDIT_TENDERS)
    form = TenderForm(request.POST or None, instance=tender)
    if form.is_bound and form.is_valid():
        try:
            services.tender_update(user=request_user(request), tender=tender, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The tender was saved."))
            return redirect("tenders:detail", tender_id=tender.pk)
    title = _("Edit tender “%(title)s”") % {"title": tender.title}
    return _form_page(request, form, title=title, tender=tender, submit=_("Save"))


@login_required
@require_POST
def tender_confirm_mvi(request: HttpRequest, tender_id: int) -> HttpResponse:
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id, Action.EDIT_MVI)
    try:
        services.tender_confirm_mvi(user=request_user(request), tender=tender)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The MVI registration of this tender is confirmed."))
    return redirect("tenders:detail", tender_id=tender.pk)


@login_required
@require_http_methods(["GET", "POST"])
def tender_withdraw(request: HttpRequest, tender_id: int) -> HttpResponse:
    """Withdraw a tender with a reason: it stays on record and leaves the monitoring figures."""
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id, Action.EDIT_TENDERS)
    if tender.is_withdrawn:
        messages.info(request, _("This tender was already withdrawn."))
        return redirect("tenders:detail", tender_id=tender.pk)
    form = TenderWithdrawForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            services.tender_withdraw(user=request_user(request), tender=tender, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The tender “%(title)s” was withdrawn; it no longer counts in the monitoring figures.")
                % {"title": tender.title},
            )
            return redirect("tenders:detail", tender_id=tender.pk)
    title = _("Withdraw tender “%(title)s”") % {"title": tender.title}
    return _form_page(request, form, title=title, tender=tender, submit=_("Withdraw tender"))


@login_required
@require_POST
def tender_reinstate(request: HttpRequest, tender_id: int) -> HttpResponse:
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id, Action.EDIT_TENDERS)
    try:
        services.tender_reinstate(user=request_user(request), tender=tender)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The withdrawal was undone; the tender counts in the figures again."))
    return redirect("tenders:detail", tender_id=tender.pk)


@login_required
@require_http_methods(["GET", "POST"])
def tender_delete(request: HttpRequest, tender_id: int) -> HttpResponse:
    """Delete a tender without contracts, after a confirmation page; its change history stays."""
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id, Action.EDIT_TENDERS)
    title = _("Delete tender “%(title)s”") % {"title": tender.title}
    question = _("Delete the tender “%(title)s” with its lots, award criteria and MVI applications?") % {
        "title": tender.title
    }
    if services.has_contracts(tender):
        error = _("A tender with contracts cannot be deleted. Withdraw it instead: it then leaves the figures.")
        return _confirm_delete_page(
            request, title=title, question=question, tender=tender, error=error, can_delete=False
        )
    if request.method == "POST":
        try:
            services.tender_delete(user=request_user(request), tender=tender)
        except ValidationError as error:
            return _confirm_delete_page(
                request, title=title, question=question, tender=tender, error=" ".join(error.messages)
            )
        messages.success(request, _("The tender “%(title)s” was deleted.") % {"title": tender.title})
        return redirect("tenders:list")
    return _confirm_delete_page(
        request, title=title, question=question, tender=tender, imported=hasattr(tender, "import_link")
    )


@login_required
@require_http_methods(["GET", "POST"])
def lot_create(request: HttpRequest, tender_id: int) -> HttpResponse:
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id, Action.EDIT_TENDERS)
    form = LotForm(request.POST or None, instance=Lot(tender=tender))
    if form.is_bound and form.is_valid():
        try:
            lot = services.lot_create(user=request_user(request), tender=tender, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Lot %(lot)s was added.") % {"lot": lot})
            return redirect("tenders:detail", tender_id=tender.pk)
    return _form_page(request, form, title=_("New lot"), tender=tender, submit=_("Add lot"))


def _lot_for(request: HttpRequest, tender_id: int, lot_id: int, action: Action) -> Lot:
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id, action)
    lot = get_object_or_404(Lot, tender=tender, pk=lot_id)
    lot.tender = tender
    return lot


@login_required
@require_http_methods(["GET", "POST"])
def lot_edit(request: HttpRequest, tender_id: int, lot_id: int) -> HttpResponse:
    lot = _lot_for(request, tender_id, lot_id, Action.EDIT_TENDERS)
    form = LotForm(request.POST or None, instance=lot)
    if form.is_bound and form.is_valid():
        try:
            services.lot_update(user=request_user(request), lot=lot, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Lot %(lot)s was saved.") % {"lot": lot})
            return redirect("tenders:detail", tender_id=tender_id)
    title = _("Edit lot %(lot)s") % {"lot": lot}
    return _form_page(request, form, title=title, tender=lot.tender, submit=_("Save"))


def _confirm_delete_page(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    tender: Tender,
    error: str = "",
    imported: bool = False,
    can_delete: bool = True,
) -> HttpResponse:
    context = {
        "title": title,
        "question": question,
        "tender": tender,
        "error": error,
        "imported": imported,
        "can_delete": can_delete,
    }
    return render(request, "tenders/confirm_delete.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def lot_delete(request: HttpRequest, tender_id: int, lot_id: int) -> HttpResponse:
    lot = _lot_for(request, tender_id, lot_id, Action.EDIT_TENDERS)
    title = _("Delete lot %(lot)s") % {"lot": lot}
    question = _("Delete lot %(lot)s with its award criteria and MVI applications?") % {"lot": lot}
    if request.method == "POST":
        try:
            services.lot_delete(user=request_user(request), lot=lot)
        except ValidationError as error:
            return _confirm_delete_page(
                request, title=title, question=question, tender=lot.tender, error=" ".join(error.messages)
            )
        messages.success(request, _("Lot %(lot)s was deleted.") % {"lot": lot})
        return redirect("tenders:detail", tender_id=tender_id)
    return _confirm_delete_page(request, title=title, question=question, tender=lot.tender)


@login_required
@require_http_methods(["GET", "POST"])
def award_criterion_create(request: HttpRequest, tender_id: int, lot_id: int) -> HttpResponse:
    lot = _lot_for(request, tender_id, lot_id, Action.EDIT_TENDERS)
    form = AwardCriterionForm(request.POST or None, instance=AwardCriterion(lot=lot))
    if form.is_bound and form.is_valid():
        try:
            services.award_criterion_create(user=request_user(request), lot=lot, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The award criterion was added to lot %(lot)s.") % {"lot": lot})
            return redirect("tenders:detail", tender_id=tender_id)
    title = _("New award criterion for lot %(lot)s") % {"lot": lot}
    return _form_page(request, form, title=title, tender=lot.tender, submit=_("Add award criterion"))


@login_required
@require_http_methods(["GET", "POST"])
def mvi_application_create(request: HttpRequest, tender_id: int, lot_id: int) -> HttpResponse:
    lot = _lot_for(request, tender_id, lot_id, Action.EDIT_MVI)
    form = MVIApplicationForm(request.POST or None, instance=MVIApplication(lot=lot))
    if form.is_bound and form.is_valid():
        try:
            services.mvi_application_create(user=request_user(request), lot=lot, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The MVI application was added to lot %(lot)s.") % {"lot": lot})
            return redirect("tenders:detail", tender_id=tender_id)
    title = _("New MVI application for lot %(lot)s") % {"lot": lot}
    return _form_page(request, form, title=title, tender=lot.tender, submit=_("Add MVI application"))


def _application_for(request: HttpRequest, tender_id: int, application_id: int) -> MVIApplication:
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id, Action.EDIT_MVI)
    application = get_object_or_404(
        MVIApplication.objects.select_related("lot", "theme", "form"), lot__tender=tender, pk=application_id
    )
    application.lot.tender = tender
    return application


@login_required
@require_http_methods(["GET", "POST"])
def mvi_application_edit(request: HttpRequest, tender_id: int, application_id: int) -> HttpResponse:
    application = _application_for(request, tender_id, application_id)
    form = MVIApplicationForm(request.POST or None, instance=application)
    if form.is_bound and form.is_valid():
        try:
            services.mvi_application_update(user=request_user(request), application=application, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The MVI application was saved."))
            return redirect("tenders:detail", tender_id=tender_id)
    title = _("Edit MVI application %(application)s") % {"application": application}
    return _form_page(request, form, title=title, tender=application.lot.tender, submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def mvi_application_delete(request: HttpRequest, tender_id: int, application_id: int) -> HttpResponse:
    application = _application_for(request, tender_id, application_id)
    if request.method == "POST":
        services.mvi_application_delete(user=request_user(request), application=application)
        messages.success(request, _("The MVI application %(application)s was deleted.") % {"application": application})
        return HttpResponseRedirect(reverse("tenders:detail", args=[tender_id]))
    return _confirm_delete_page(
        request,
        title=_("Delete MVI application %(application)s") % {"application": application},
        question=_("Delete the MVI application %(application)s of lot %(lot)s?")
        % {"application": application, "lot": application.lot},
        tender=application.lot.tender,
    )
