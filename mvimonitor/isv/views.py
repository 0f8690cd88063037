"""The ISV pages: a lot's risk category, obligation and form of application; a contract's due-diligence case; the
organisation's overview with the KPIs.

Everyone who may see the tender reads the pages; confirming the category needs "edit tenders", recording the form
"edit MVI", keeping the case "edit contracts" (403). A lot or contract of another organisation answers 404.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mvimonitor.organisations.access import Action, fetch, is_national_analyst, permitted, request_user
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import add_service_errors, chosen_year
from mvimonitor.tenders.models import Contract, Lot
from mvimonitor.themes.models import IsvRiskCategory

from . import services
from .forms import (
    NONE,
    CategoryForm,
    DeliverableForm,
    FormOfApplicationForm,
    JudgementForm,
    ReceivedForm,
    RiskForm,
    RiskUpdateForm,
)
from .kpis import isv_kpis, kpi_years
from .models import Deliverable, DueDiligenceCase, Risk
from .selectors import cases_of, lot_isv, open_deliverables


def _lot(request: HttpRequest, lot_id: int, action: Action = Action.VIEW) -> Lot:
    return fetch(
        request.user, Lot.objects.select_related("tender__organisation", "tender__product_group"), lot_id, action
    )


def _lot_page(request: HttpRequest, lot: Lot, *, status: int = 200, **forms: BaseForm) -> HttpResponse:
    state = lot_isv(lot)
    initial: dict[str, Any] = {}
    if state.record is not None and not state.stale:
        initial = {"category": str(state.record.category_id or NONE), "note": state.record.note}
    elif state.suggestion is not None:
        initial = {"category": str(state.suggestion.category.pk)}
    organisation_id = lot.tender.organisation_id
    context = {
        "lot": lot,
        "tender": lot.tender,
        "state": state,
        "may_confirm": permitted(request.user, Action.EDIT_TENDERS, organisation_id),
        "may_record_form": permitted(request.user, Action.EDIT_MVI, organisation_id),
        "category_form": forms.get("category_form") or CategoryForm(initial=initial, risk_list=state.risk_list),
        "form_form": forms.get("form_form") or FormOfApplicationForm(),
        "contracts": list(lot.contracts.all()),
    }
    return render(request, "isv/lot.html", context, status=status)


@login_required
@require_GET
def lot_page(request: HttpRequest, lot_id: int) -> HttpResponse:
    return _lot_page(request, _lot(request, lot_id))


@login_required
@require_POST
def lot_category(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id, Action.EDIT_TENDERS)
    state = lot_isv(lot)
    form = CategoryForm(request.POST, risk_list=state.risk_list)
    if form.is_valid():
        chosen = form.cleaned_data["category"]
        category = None if chosen == NONE else get_object_or_404(IsvRiskCategory, pk=int(chosen))
        try:
            services.confirm_category(
                user=request_user(request), lot=lot, category=category, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The ISV risk category was confirmed."))
            return redirect(reverse("isv:lot", args=[lot.pk]))
    return _lot_page(request, lot, status=400, category_form=form)


@login_required
@require_POST
def lot_form(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id, Action.EDIT_MVI)
    form = FormOfApplicationForm(request.POST)
    if form.is_valid():
        try:
            services.record_form(user=request_user(request), lot=lot, form_code=form.cleaned_data["form"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The form of application of ISV was recorded."))
            return redirect(reverse("isv:lot", args=[lot.pk]))
    return _lot_page(request, lot, status=400, form_form=form)


def _contract(request: HttpRequest, contract_id: int, action: Action = Action.VIEW) -> Contract:
    return fetch(request.user, Contract.objects.select_related("lot__tender__organisation"), contract_id, action)


def _case_page(request: HttpRequest, contract: Contract, *, status: int = 200, **forms: BaseForm) -> HttpResponse:
    case = DueDiligenceCase.objects.filter(contract=contract).first()
    deliverables = list(case.deliverables.all()) if case else []
    risks = list(case.risks.select_related("ilo_issue")) if case else []
    today = timezone.localdate()
    context = {
        "contract": contract,
        "lot": contract.lot,
        "tender": contract.lot.tender,
        "case": case,
        "today": today,
        "deliverables": [
            (d, d.is_overdue(today), forms.get(f"received_{d.pk}") or ReceivedForm(prefix=f"received-{d.pk}"))
            for d in deliverables
        ],
        "risks": [
            (
                r,
                forms.get(f"risk_{r.pk}")
                or RiskUpdateForm(prefix=f"risk-{r.pk}", initial={"status": r.status, "measure": r.measure}),
            )
            for r in risks
        ],
        "may_edit": permitted(request.user, Action.EDIT_CONTRACTS, contract.lot.tender.organisation_id),
        "deliverable_form": forms.get("deliverable_form") or DeliverableForm(prefix="deliverable"),
        "risk_form": forms.get("risk_form") or RiskForm(prefix="risk", initial={"found_on": today}),
        "judgement_form": forms.get("judgement_form")
        or JudgementForm(
            prefix="judgement",
            initial={"judgement": case.judgement, "judgement_note": case.judgement_note} if case else None,
        ),
    }
    return render(request, "isv/case.html", context, status=status)


def _back(contract: Contract) -> HttpResponse:
    return redirect(reverse("isv:case", args=[contract.pk]))


@login_required
@require_GET
def case_page(request: HttpRequest, contract_id: int) -> HttpResponse:
    return _case_page(request, _contract(request, contract_id))


@login_required
@require_POST
def case_open(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract(request, contract_id, Action.EDIT_CONTRACTS)
    services.open_case(user=request_user(request), contract=contract)
    messages.success(request, _("The due-diligence case was opened."))
    return _back(contract)


def _case_of(contract: Contract) -> DueDiligenceCase:
    return get_object_or_404(DueDiligenceCase, contract=contract)


@login_required
@require_POST
def case_deliverable(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract(request, contract_id, Action.EDIT_CONTRACTS)
    case = _case_of(contract)
    form = DeliverableForm(request.POST, prefix="deliverable")
    if form.is_valid():
        try:
            services.add_deliverable(user=request_user(request), case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The deliverable was added."))
            return _back(contract)
    return _case_page(request, contract, status=400, deliverable_form=form)


@login_required
@require_POST
def case_received(request: HttpRequest, contract_id: int, deliverable_id: int) -> HttpResponse:
    contract = _contract(request, contract_id, Action.EDIT_CONTRACTS)
    deliverable = get_object_or_404(Deliverable, pk=deliverable_id, case__contract=contract)
    form = ReceivedForm(request.POST, prefix=f"received-{deliverable.pk}")
    if form.is_valid():
        try:
            services.receive_deliverable(
                user=request_user(request), deliverable=deliverable, received_on=form.cleaned_data["received_on"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The receipt was recorded."))
            return _back(contract)
    return _case_page(request, contract, status=400, **{f"received_{deliverable.pk}": form})


@login_required
@require_POST
def case_risk(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract(request, contract_id, Action.EDIT_CONTRACTS)
    case = _case_of(contract)
    form = RiskForm(request.POST, prefix="risk")
    if form.is_valid():
        try:
            services.add_risk(user=request_user(request), case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The risk was added."))
            return _back(contract)
    return _case_page(request, contract, status=400, risk_form=form)


@login_required
@require_POST
def case_risk_update(request: HttpRequest, contract_id: int, risk_id: int) -> HttpResponse:
    contract = _contract(request, contract_id, Action.EDIT_CONTRACTS)
    risk = get_object_or_404(Risk, pk=risk_id, case__contract=contract)
    form = RiskUpdateForm(request.POST, prefix=f"risk-{risk.pk}")
    if form.is_valid():
        try:
            services.update_risk(user=request_user(request), risk=risk, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The risk was updated."))
            return _back(contract)
    return _case_page(request, contract, status=400, **{f"risk_{risk.pk}": form})


@login_required
@require_POST
def case_judgement(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract(request, contract_id, Action.EDIT_CONTRACTS)
    case = _case_of(contract)
    form = JudgementForm(request.POST, prefix="judgement")
    if form.is_valid():
        try:
            services.judge(
                user=request_user(request),
                case=case,
                judgement=form.cleaned_data["judgement"],
                note=form.cleaned_data["judgement_note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The judgement was recorded."))
            return _back(contract)
    return _case_page(request, contract, status=400, judgement_form=form)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The active organisation's ISV figures beside the national ones, its cases and the deliverables due; a
    national analyst (no organisation) sees the national figures only."""
    organisation, _choices = active_organisation_for(request)
    years = kpi_years()
    year = chosen_year(request, years)
    kpis = isv_kpis(year=year, organisation_id=organisation.pk if organisation else None)
    context: dict[str, Any] = {
        "organisation": organisation,
        "national_only": organisation is None and is_national_analyst(request.user),
        "years": years,
        "year": year,
        "kpis": kpis,
        "shares": {
            "applied": (kpis.share("applied", "mandatory"), kpis.share("applied", "mandatory", national=True)),
            "on_time": (kpis.share("on_time", "due"), kpis.share("on_time", "due", national=True)),
            "mitigated": (kpis.share("mitigated", "found"), kpis.share("mitigated", "found", national=True)),
        },
        "cases": list(cases_of(organisation)) if organisation else [],
        "due": open_deliverables(request_user(request), organisation) if organisation else [],
        "today": timezone.localdate(),
    }
    return render(request, "isv/overview.html", context)
