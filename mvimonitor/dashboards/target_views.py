"""The targets page: every target the user may see with the figure of a year and its gap, and an organisation's own
targets (added and removed by its beheerder or MVI coordinator). Writes go through `target_services`; figures come
from `selectors.kpi_values`, the read path of the dashboards and the API."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mvimonitor.organisations.access import permitted, request_user
from mvimonitor.organisations.models import Organisation
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import add_service_errors

from . import cache, selectors, target_services, targets
from .forms import TargetForm
from .kpis import BY_ID, CATALOGUE
from .models import Target, TargetScope
from .selectors import NATIONAL_SCOPE, ORGANISATION_SCOPE
from .vocabulary import ALL, NATIONAL, Figure


def _kpi_choices() -> list[tuple[str, str]]:
    english = get_language() == "en"
    return [(kpi.id, kpi.name_en if english else kpi.name_nl) for kpi in CATALOGUE]


def _figures(
    request: HttpRequest, organisation: Organisation | None, year: int | None, ids: set[str]
) -> dict[Any, Any]:
    """(scope, kpi, item) -> the figure of the year the target is judged against, for the KPIs with a target."""
    kpis = [BY_ID[kpi_id] for kpi_id in sorted(ids) if kpi_id in BY_ID]
    if year is None or not kpis:
        return {}
    out: dict[Any, Figure] = {}
    for figure in selectors.kpi_values(request.user, scope=NATIONAL_SCOPE, years=[year], kpis=kpis):
        if figure.geo == NATIONAL and figure.bucket == ALL:
            out[(NATIONAL, figure.kpi, figure.item)] = figure
    if organisation is not None:
        own = selectors.kpi_values(
            request.user, scope=ORGANISATION_SCOPE, organisation=organisation, years=[year], kpis=kpis
        )
        for figure in own:
            if figure.bucket == ALL:
                out[(ORGANISATION_SCOPE, figure.kpi, figure.item)] = figure
    return out


def _rows(
    shown: list[Target], figures: dict[Any, Figure], organisation: Organisation | None, year: int | None
) -> list[dict[str, Any]]:
    rows = []
    for target in shown:
        own_figure = target.scope == TargetScope.ORGANISATION or (
            organisation is not None and target.scope == TargetScope.KIND
            and target.organisation_kind == organisation.kind
        )  # fmt: skip
        scope = ORGANISATION_SCOPE if own_figure else NATIONAL if target.scope == TargetScope.NATIONAL else None
        figure = figures.get((scope, target.kpi, target.item)) if scope else None
        value: Decimal | None = None
        if figure is not None and figure.suppressed is None:
            value = figure.value
        applies = year is not None and target.applies_in(year)
        gap = targets.gap(target, value) if applies else None
        rows.append(
            {
                "target": target,
                "name": targets.name(target),
                "whom": targets.whom(target),
                "years": targets.years_text(target),
                "goal": f"{target.get_direction_display()} {targets.amount(target, target.value)}",
                "figure": targets.amount(target, value) if value is not None and applies else "\u2013",
                "gap": targets.amount(target, gap, difference=True) if gap is not None else "\u2013",
                "signed_gap": gap,
                "verdict": targets.verdict(target, value) if applies else _("not in this year"),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def targets_page(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    can_edit = organisation is not None and permitted(request.user, target_services.EDIT_TARGETS, organisation)
    form = TargetForm(request.POST or None, kpis=_kpi_choices()) if can_edit else None
    if request.method == "POST":
        if form is None or organisation is None:
            raise PermissionDenied(_("You may not set targets for this organisation."))
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["kpi_version"] = BY_ID[data["kpi"]].version
            try:
                target_services.target_create(user=request_user(request), organisation=organisation, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The target was added."))
                return redirect("dashboards:targets")
    years = selectors.data_years(version=cache.facts_version())
    year = next((y for y in years if str(y) == request.GET.get("year")), years[0] if years else None)
    visible = Q(scope__in=[TargetScope.NATIONAL, TargetScope.KIND])
    if organisation is not None:
        visible |= Q(scope=TargetScope.ORGANISATION, organisation=organisation)
    shown = list(Target.objects.filter(visible).select_related("organisation"))
    figures = _figures(request, organisation, year, {target.kpi for target in shown})
    context = {
        "organisation": organisation,
        "rows": _rows(shown, figures, organisation, year),
        "year": year,
        "years": years,
        "form": form,
        "can_edit": can_edit,
    }
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, "dashboards/targets.html", context, status=status)


@login_required
@require_POST
def target_delete(request: HttpRequest, target_id: int) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    target = get_object_or_404(Target, pk=target_id, scope=TargetScope.ORGANISATION, organisation=organisation)
    target_services.target_delete(user=request_user(request), target=target)
    messages.success(request, _("The target was removed."))
    return redirect("dashboards:targets")
