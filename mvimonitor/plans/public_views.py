"""The public page of a published plan (also logged out), the organisation's annual MVI report, and the national
analysis of the plans.

An unpublished plan answers 404 to everyone on the public page, members included: the page shows what the public
sees. The annual report reads the organisation's figures (VIEW right); the national analysis shows disclosure-
controlled counts only, to every logged-in user.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from mvimonitor.dashboards.selectors import organisation_years
from mvimonitor.organisations.access import request_user
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import chosen_year, without_organisation

from .annual import TOTAL, annual_document, annual_figures, effect_over, totals_note, year_note
from .content import DASH, number, progress_document
from .measurement import cents
from .models import Period, ProgressReport
from .national import national_analysis
from .rendering import LANGUAGES, document_response
from .selectors import public_plan, public_report
from .views import report_context


def _language(request: HttpRequest) -> str:
    return "en" if (request.LANGUAGE_CODE or "").startswith("en") else "nl"


@require_GET
def plan_public(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = public_plan(plan_id)
    reports = ProgressReport.objects.filter(plan=plan, status="published").order_by("-year")
    language = _language(request)
    context = {
        "plan": plan,
        "ambitions": plan.ambitions.select_related("theme", "current_step", "target_step"),
        "goals": plan.goals.select_related("theme"),
        "measures": plan.measures.select_related("goal"),
        "reports": [report_context(report, language) for report in reports],
        "languages": LANGUAGES,
    }
    return render(request, "plans/plan_public.html", context)


@require_GET
def report_public_download(request: HttpRequest, report_id: int, language: str, kind: str) -> HttpResponse:
    report = public_report(report_id)
    if language not in LANGUAGES:
        raise Http404
    name = f"voortgang-{report.plan.period}-{report.year}-{language}"
    return document_response(progress_document(report, language), kind, name)


def _annual_year(request: HttpRequest, years: list[int]) -> int:
    return chosen_year(request, years)


@login_required
@require_GET
def annual(request: HttpRequest) -> HttpResponse:
    """The annual MVI report of the active organisation on a year, with its downloads."""
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "plans/no_organisation.html", national="plans:national")
    years = organisation_years(organisation)
    year = _annual_year(request, years)
    figures = annual_figures(request_user(request), organisation, year)
    language = _language(request)
    rows = [
        {
            "row": row,
            "name": row.kpi.name_en if language == "en" else row.kpi.name_nl,
            "current": number(row.current, language),
            "previous": number(row.previous, language),
            "change": number(row.change, language),
            "kind": None if row.kind_suppressed else number(row.kind, language),
            "nation": None if row.nation_suppressed else number(row.nation, language),
        }
        for row in figures.kpis
    ]
    context = {
        "organisation": organisation,
        "figures": figures,
        "rows": rows,
        "years": years,
        "year": year,
        "effects": [
            {
                "figure": f,
                "total": effect_over(f.key) == TOTAL,
                "value": number(cents(f.value), language),
                "low": number(cents(f.low), language),
                "high": number(cents(f.high), language),
            }
            for f in figures.effects
        ],
        "effects_notes": [year_note(year)]
        + ([totals_note()] if any(effect_over(f.key) == TOTAL for f in figures.effects) else []),
        "tenders": [
            {"tender": t, "co2": number(t.co2_tonnes, language), "sr": number(t.social_return_value, language)}
            for t in figures.tenders
        ],
        "languages": LANGUAGES,
        "dash": DASH,
    }
    return render(request, "plans/annual.html", context)


@login_required
@require_GET
def annual_download(request: HttpRequest) -> HttpResponse:
    """?year=, ?language= (nl, en) and ?kind= (docx, pdf)."""
    language, kind = request.GET.get("language", "nl"), request.GET.get("kind", "pdf")
    organisation, _choices = active_organisation_for(request)
    if organisation is None or language not in LANGUAGES:
        raise Http404
    year = _annual_year(request, organisation_years(organisation))
    figures = annual_figures(request_user(request), organisation, year)
    return document_response(annual_document(figures, language), kind, f"mvi-jaarverslag-{year}-{language}")


@login_required
@require_GET
def national(request: HttpRequest) -> HttpResponse:
    """The national analysis of the plans of a period and the reports of a year (disclosure-controlled)."""
    period = request.GET.get("period", Period.MVOI_2022_2025)
    if period not in Period.values:
        period = Period.MVOI_2022_2025
    first, last = (int(part) for part in period.split("-"))
    years = list(range(min(last, timezone.localdate().year), first - 1, -1))
    year = chosen_year(request, years)
    context = {
        "analysis": national_analysis(period=period, year=year),
        "periods": Period.choices,
        "period": period,
        "years": years,
        "year": year,
        "steps": range(1, 6),
    }
    return render(request, "plans/national.html", context)
