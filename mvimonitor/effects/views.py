"""Contract pages (list, detail, create, edit), commitments, realisations with evidence, and the effect dashboards.

Every object is fetched through `selectors.visible_*` (the access module's VIEW scope): an object the user may not
see gives 404; one they may see but not change gives 403. Writes go through `services`.
"""

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mvimonitor import exports
from mvimonitor.organisations.access import Action, fetch, permitted, request_user
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import add_service_errors, form_page, form_status, without_organisation
from mvimonitor.reference import ReferenceDataError
from mvimonitor.tenders.models import Contract, Lot

from . import loaders, selectors, services
from .forms import CommitmentForm, ContractForm, FactorSetUploadForm, PlacementForm, RealisationForm, ReviewForm
from .models import BuildingBlock, Commitment, CommitmentKind, EffectCalculation, EvidenceFile
from .reasons import describe_code

PAGE_SIZE = 25
PLACEMENT_LINES = 3


CONTRACTS = Contract.objects.select_related("lot__tender__organisation")
COMMITMENTS = Commitment.objects.select_related("contract__lot__tender", "theme")


def _form_page(
    request: HttpRequest, form: BaseForm, *, title: str, back: str, submit: str, **extra: Any
) -> HttpResponse:
    return form_page(request, "effects/form_page.html", form, title=title, back_url=back, submit=submit, **extra)


# --- contracts -------------------------------------------------------------------------------------------------------


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "tenders/no_organisation.html", national="effects:national")
    contracts = (
        selectors.visible_contracts(request.user)
        .filter(lot__tender__organisation=organisation)
        .order_by("-start_date", "pk")
    )
    page = Paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "effects/contract_list.html",
        {
            "organisation": organisation,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "query_string": "",
            "can_edit": permitted(request.user, Action.EDIT_CONTRACTS, organisation),
        },
    )


@login_required
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = fetch(request.user, CONTRACTS, contract_id)
    commitments = (
        contract.commitments.select_related("theme", "block_table", "sanction_rule", "factor_set")
        .prefetch_related(
            "realisations__evidence",
            "realisations__placements__block",
            Prefetch("effects", queryset=EffectCalculation.objects.current(), to_attr="current_effects"),
        )
        .annotate(calculations=Count("effects", distinct=True))
        .order_by("pk")
    )
    effects = {}
    for commitment in commitments:
        effect = commitment.current_effects[0] if commitment.current_effects else None
        if effect is not None and effect.problem_code:
            effect.reason = describe_code(effect.problem_code, effect.problem_details)  # type: ignore[attr-defined]
        effects[commitment.pk] = effect
    return render(
        request,
        "effects/contract_detail.html",
        {
            "contract": contract,
            "commitments": [(c, effects[c.pk]) for c in commitments],
            "can_edit": permitted(request.user, Action.EDIT_CONTRACTS, contract.lot.tender.organisation_id),
            "history": contract.history.select_related("history_user").order_by("-history_date")[:10],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None or not permitted(request.user, Action.EDIT_CONTRACTS, organisation):
        raise PermissionDenied(_("You may not add contracts for this organisation."))
    lots = Lot.objects.filter(tender__organisation=organisation).select_related("tender").order_by("tender__title")
    form = ContractForm(request.POST or None, lots=lots)
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        lot = data.pop("lot")
        try:
            contract = services.contract_create(user=request_user(request), lot=lot, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contract was added."))
            return redirect("effects:contract-detail", contract_id=contract.pk)
    return _form_page(
        request, form, title=_("New contract"), back=reverse("effects:contract-list"), submit=_("Add contract")
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_edit(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = fetch(request.user, CONTRACTS, contract_id, Action.EDIT_CONTRACTS)
    lots = Lot.objects.filter(pk=contract.lot_id)
    form = ContractForm(request.POST or None, instance=contract, lots=lots)
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("lot", None)
        try:
            services.contract_update(user=request_user(request), contract=contract, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contract was saved."))
            return redirect("effects:contract-detail", contract_id=contract.pk)
    back = reverse("effects:contract-detail", args=[contract.pk])
    return _form_page(request, form, title=_("Edit contract"), back=back, submit=_("Save"))


# --- commitments -----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def commitment_create(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = fetch(request.user, CONTRACTS, contract_id, Action.EDIT_CONTRACTS)
    kind = request.GET.get("kind", "")
    form = CommitmentForm(
        request.POST or None,
        instance=Commitment(contract=contract),
        factor_sets=selectors.visible_factor_sets(request.user),
        initial={"kind": kind} if kind in CommitmentKind.values else None,
    )
    if form.is_bound and form.is_valid():
        try:
            services.commitment_create(user=request_user(request), contract=contract, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The commitment was added."))
            return redirect("effects:contract-detail", contract_id=contract.pk)
    back = reverse("effects:contract-detail", args=[contract.pk])
    return _form_page(request, form, title=_("New commitment"), back=back, submit=_("Add commitment"))


@login_required
@require_http_methods(["GET", "POST"])
def commitment_edit(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = fetch(request.user, COMMITMENTS, commitment_id, Action.EDIT_CONTRACTS)
    form = CommitmentForm(
        request.POST or None, instance=commitment, factor_sets=selectors.visible_factor_sets(request.user)
    )
    if form.is_bound and form.is_valid():
        try:
            services.commitment_update(user=request_user(request), commitment=commitment, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The commitment was saved."))
            return redirect("effects:contract-detail", contract_id=commitment.contract_id)
    back = reverse("effects:contract-detail", args=[commitment.contract_id])
    return _form_page(request, form, title=_("Edit commitment"), back=back, submit=_("Save"))


@login_required
def commitment_effects(request: HttpRequest, commitment_id: int) -> HttpResponse:
    """The stored calculations of one commitment: the current one and the earlier ones it superseded, each with the
    factor set, the factor values and the method version it used, and what changed."""
    commitment = fetch(request.user, COMMITMENTS, commitment_id)
    return render(
        request,
        "effects/commitment_effects.html",
        {"commitment": commitment, "contract": commitment.contract, "history": selectors.effect_history(commitment)},
    )


# --- realisations ----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def realisation_create(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = fetch(request.user, COMMITMENTS, commitment_id, Action.EDIT_CONTRACTS)
    is_sr = commitment.kind == CommitmentKind.SOCIAL_RETURN
    by_name = "name_en" if get_language() == "en" else "name_nl"
    blocks = BuildingBlock.objects.filter(table=commitment.block_table_id).order_by("is_bonus", by_name, "code")
    form = RealisationForm(request.POST or None, request.FILES or None, commitment=commitment)
    lines = [
        PlacementForm(request.POST or None, prefix=f"placement-{i}", blocks=blocks) for i in range(PLACEMENT_LINES)
    ] if is_sr else []  # fmt: skip
    if form.is_bound and form.is_valid() and all(line.is_valid() for line in lines):
        placements = [
            services.PlacementInput(
                block=line.cleaned_data["block"],
                persons=line.cleaned_data["persons"] or 0,
                months=line.cleaned_data["months"] or Decimal(0),
                hours_per_week=line.cleaned_data["hours_per_week"] or Decimal(36),
                amount=line.cleaned_data["amount"],
                candidate_reference=line.cleaned_data.get("candidate_reference") or "",
            )
            for line in lines
            if line.cleaned_data.get("block")
        ]
        upload = form.cleaned_data.get("evidence")
        try:
            services.realisation_submit(
                user=request_user(request),
                commitment=commitment,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                quantity=form.cleaned_data["quantity"],
                recycled_share=form.cleaned_data["recycled_share"],
                placements=placements,
                evidence=[upload] if upload else [],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The realisation was submitted."))
            return redirect("effects:contract-detail", contract_id=commitment.contract_id)
    back = reverse("effects:contract-detail", args=[commitment.contract_id])
    return _form_page(
        request,
        form,
        title=_("Report delivery for “%(commitment)s”") % {"commitment": commitment},
        back=back,
        submit=_("Submit"),
        placement_forms=lines,
        multipart=True,
    )


@login_required
@require_POST
def realisation_review(request: HttpRequest, realisation_id: int) -> HttpResponse:
    realisation = fetch(request.user, selectors.REALISATIONS, realisation_id)
    commitment = realisation.commitment
    if not permitted(request.user, Action.EDIT_CONTRACTS, commitment.contract.lot.tender.organisation_id):
        raise PermissionDenied(_("You may not review this realisation."))
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.realisation_review(
                user=request_user(request),
                realisation=realisation,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The review was recorded."))
    else:
        messages.error(request, _("Choose verified or rejected."))
    return redirect("effects:contract-detail", contract_id=commitment.contract_id)


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = fetch(request.user, EvidenceFile.objects.all(), evidence_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- dashboards and exports ------------------------------------------------------------------------------------------


def _export(summary: selectors.Summary, name: str, fmt: str, *, whose: str) -> HttpResponse:
    """The effect figures (method version and factor sets on every row) and the commitments per kind."""
    meta = exports.Description(
        [(_("figures"), whose), (_("exported at"), timezone.localtime().isoformat(timespec="seconds"))]
    )
    header = [
        _("figure"),
        _("unit"),
        _("value"),
        _("lower bound (95%)"),
        _("upper bound (95%)"),
        _("calculable"),
        _("not calculable"),
        _("reference"),
        _("factor sets"),
        _("method version"),
        _("note"),
    ]
    rows: list[list[Any]] = [
        [f.label, f.unit, f.value, f.low, f.high, f.calculable, f.not_calculable, f.reference,
         "; ".join(f.factor_sets), f.method_version, f.note]
        for f in summary.figures
    ]  # fmt: skip
    rows.append([])
    rows.append([_("kind"), _("unit"), _("commitments"), _("promised"), _("delivered (verified)"), _("submitted")])
    rows += [[k.label, k.unit, k.commitments, k.promised, k.delivered, k.submitted] for k in summary.kinds]
    rows += _period_rows(summary) + _diagnostic_rows(summary) + _deviation_rows(summary)
    return exports.rows_response(fmt, [header, *rows], name, sheet_title="effects", meta=meta)


def _period_rows(summary: selectors.Summary) -> list[list[Any]]:
    """Per calendar year and RIVM period: value, and for national figures the interval, of each spread figure."""
    if not summary.periods:
        return []
    labels = {f.key: f"{f.label} ({f.unit})" for f in summary.figures}
    header: list[Any] = [_("year or RIVM period")]
    for key in summary.period_keys:
        header += [labels[key], _("lower bound (95%)"), _("upper bound (95%)")]
    rows: list[list[Any]] = [[], header]
    for row in summary.periods:
        line: list[Any] = [_("RIVM period %(label)s") % {"label": row.label} if row.is_period else row.label]
        for cell in row.cells:
            line += [cell.value, cell.low, cell.high]
        rows.append(line)
    return rows


def _deviation_rows(summary: selectors.Summary) -> list[list[Any]]:
    """An organisation's commitments measured against another reference than the national option, with the reason."""
    if not summary.deviations:
        return []
    rows: list[list[Any]] = [[], [_("commitment"), _("national reference option"), _("reference factor used"),
                                  _("reason for deviating from the national reference option")]]  # fmt: skip
    rows += [[d.description, d.national_option, d.reference_factor_code, d.reason] for d in summary.deviations]
    return rows


def _diagnostic_rows(summary: selectors.Summary) -> list[list[Any]]:
    """For every national figure: reporting and value covered, collapsing, self-selection, and each stratum."""
    rows: list[list[Any]] = []
    for figure in summary.figures:
        text = figure.diagnostics
        if text is None:
            continue
        rows += [[], [figure.label, text.coverage, text.collapsing, text.selection]]
        rows.append([_("kind"), _("size class"), _("organisations"), _("reporting"), _("share"), _("estimated with")])
        rows += [
            [s.kind, s.size_class, s.organisations, s.reporters, round(s.share, 4), s.estimated_with]
            for s in text.strata
        ]
    return rows


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "tenders/no_organisation.html", national="effects:national")
    summary = selectors.organisation_summary(organisation)
    fmt = request.GET.get("format")
    if fmt:
        return _export(summary, f"effects-organisation-{organisation.pk}", fmt, whose=organisation.name)
    return render(
        request, "effects/dashboard.html", {"summary": summary, "organisation": organisation, "national": False}
    )


@login_required
def national_dashboard(request: HttpRequest) -> HttpResponse:
    """Anonymised national figures: every member and every national analyst may see them."""
    summary = selectors.national_summary()
    fmt = request.GET.get("format")
    if fmt:
        return _export(summary, "effects-national", fmt, whose=_("national"))
    return render(request, "effects/dashboard.html", {"summary": summary, "organisation": None, "national": True})


@login_required
@require_http_methods(["GET", "POST"])
def factor_sets(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    can_upload = organisation is not None and permitted(request.user, Action.EDIT_CONTRACTS, organisation)
    form = FactorSetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_upload or organisation is None:
            raise PermissionDenied(_("You may not add factor sets for this organisation."))
        if form.is_valid():
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "factors.csv"
                path.write_bytes(form.cleaned_data["file"].read())
                try:
                    result = loaders.factor_set_create_own(
                        user=request_user(request),
                        organisation=organisation,
                        name=form.cleaned_data["name"],
                        version=form.cleaned_data["version"],
                        publication_year=form.cleaned_data["publication_year"],
                        source=form.cleaned_data["source"],
                        path=path,
                        supersedes=form.cleaned_data["supersedes"],
                        correction_reason=form.cleaned_data["correction_reason"],
                    )
                except ReferenceDataError as error:
                    form.add_error("file", str(error).replace(str(path.name), form.cleaned_data["file"].name))
                else:
                    messages.success(
                        request, _("Factor set loaded: %(n)s factors.") % {"n": result.created + result.updated}
                    )
                    return redirect("effects:factor-sets")
    sets = selectors.visible_factor_sets(request.user).prefetch_related("factors").select_related("organisation")
    return render(
        request,
        "effects/factor_sets.html",
        {"sets": sets, "form": form, "can_upload": can_upload, "organisation": organisation},
        status=form_status(form),
    )
