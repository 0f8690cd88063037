"""The buyer's pages of supplier reporting: send a request for a contract, the requests with their status, one
request with the supplier's answers and company facts, revoke, verify, return; the burden figures.

A request the user may not see gives 404; one they may see but not change gives 403 (as `access.fetch` does).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mvimonitor.organisations.access import Action, fetch, permitted, request_user
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import add_service_errors, form_page, without_organisation
from mvimonitor.tenders.models import Contract

from . import burden, selectors, services
from .forms import RequestForm, ReturnForm, default_due_date
from .models import ReportingRequest, RequestStatus

PAGE_SIZE = 25
CONTRACTS = Contract.objects.select_related("lot__tender__organisation")


def _fetch(request: HttpRequest, request_id: int, action: Action = Action.VIEW) -> ReportingRequest:
    found = selectors.visible_requests(request_user(request)).filter(pk=request_id).first()
    if found is None:
        raise Http404
    if action != Action.VIEW and not permitted(request.user, action, found.contract.lot.tender.organisation_id):
        raise PermissionDenied(_("You may not change this request."))
    return found


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "tenders/no_organisation.html", national="suppliers:burden-national")
    can_edit = permitted(request.user, Action.EDIT_CONTRACTS, organisation)
    requests = selectors.requests_of(organisation)
    status = request.GET.get("status", "")
    if status in RequestStatus.values:
        requests = requests.filter(status=status)
    page = Paginator(requests.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "suppliers/request_list.html",
        {
            "organisation": organisation,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "statuses": RequestStatus.choices,
            "status": status,
            "can_edit": can_edit,
            "contracts": (
                CONTRACTS.filter(lot__tender__organisation=organisation, lot__tender__withdrawn_at__isnull=True)
                .exclude(supplier_kvk_number="")
                .order_by("supplier_name", "lot__tender__title", "pk")
                if can_edit
                else []
            ),
        },
    )


@login_required
@require_GET
def request_new(request: HttpRequest) -> HttpResponse:
    """The contract chosen on the request list: on to its request form."""
    chosen = request.GET.get("contract", "")
    if not chosen.isdigit():
        messages.error(request, _("Choose a contract."))
        return redirect("suppliers:request-list")
    return redirect("suppliers:request-create", contract_id=int(chosen))


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = fetch(request.user, CONTRACTS, contract_id, Action.EDIT_CONTRACTS)
    form = RequestForm(
        request.POST or None,
        initial={"period_start": contract.start_date, "period_end": contract.end_date, "due_date": default_due_date()},
    )
    if form.is_bound and form.is_valid():
        try:
            sent = services.request_send(
                user=request_user(request), contract=contract, base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The request was sent to %(email)s.") % {"email": form.cleaned_data["recipient_email"]}
            )
            return redirect("suppliers:request-detail", request_id=sent.pk)
    commitments = services.commitments_in_period(contract, contract.start_date, contract.end_date) if (
        contract.start_date and contract.end_date
    ) else list(contract.commitments.all())  # fmt: skip
    return form_page(
        request,
        "suppliers/request_form.html",
        form,
        contract=contract,
        commitments=commitments,
        back_url=reverse("effects:contract-detail", args=[contract.pk]),
    )


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    req = _fetch(request, request_id)
    organisation_id = req.contract.lot.tender.organisation_id
    return render(
        request,
        "suppliers/request_detail.html",
        {
            "req": req,
            "answers": selectors.answers_of(req),
            "supplier": req.supplier,
            "certificates": req.supplier.certificates.all(),
            "can_edit": permitted(request.user, Action.EDIT_CONTRACTS, organisation_id),
            "return_form": ReturnForm(),
            "live_links": services.live_links(req),
            "history": req.history.select_related("history_user").order_by("-history_date")[:20],
            "answer_history": selectors.answer_history(req),
        },
    )


def _decide(request: HttpRequest, request_id: int, decide: str) -> HttpResponse:
    req = _fetch(request, request_id, Action.EDIT_CONTRACTS)
    user = request_user(request)
    try:
        if decide == "revoke":
            services.request_revoke(user=user, request=req)
            messages.success(request, _("The request was revoked; its links no longer work."))
        elif decide == "verify":
            services.request_verify(user=user, request=req)
            messages.success(request, _("The answers were verified; they now count in the figures."))
        else:
            form = ReturnForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the reason, so the supplier knows what to correct."))
                return redirect("suppliers:request-detail", request_id=req.pk)
            services.request_return(
                user=user, request=req, reason=form.cleaned_data["reason"], base_url=request.build_absolute_uri("/")
            )
            messages.success(request, _("The answers were returned to the supplier with your reason."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("suppliers:request-detail", request_id=req.pk)


@login_required
@require_POST
def request_revoke(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, "revoke")


@login_required
@require_POST
def request_verify(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, "verify")


@login_required
@require_POST
def request_return(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, "return")


# --- burden ----------------------------------------------------------------------------------------------------------


@login_required
def burden_page(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "tenders/no_organisation.html", national="suppliers:burden-national")
    return render(
        request,
        "suppliers/burden.html",
        {"organisation": organisation, "figures": burden.for_organisation(organisation), "national": False},
    )


@login_required
def burden_national(request: HttpRequest) -> HttpResponse:
    return render(request, "suppliers/burden.html", {"figures": burden.national(), "national": True})
