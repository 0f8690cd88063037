"""The pages to write, adopt and publish an action plan, and to make, assess and publish its yearly report.

Members of the organisation read them (VIEW); changing needs "edit MVI" (403). A plan or report of another
organisation answers 404, so its existence is not given away. The public pages are in `public_views`.
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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mvimonitor.organisations.access import Action, permitted, request_user
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import add_service_errors, form_page, without_organisation

from . import services
from .content import DASH, assessed_steps, number, progress_document
from .forms import AdoptForm, AmbitionForm, AssessmentForm, GoalForm, MeasureForm, PlanForm, ReportForm
from .measurement import JUDGEMENTS
from .models import ActionPlan, Goal, Measure, ProgressReport
from .rendering import LANGUAGES, document_response
from .selectors import plan_for, report_for, visible_plans, visible_reports


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The active organisation's plans and the list of their reports with status."""
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "plans/no_organisation.html", national="plans:national")
    context = {
        "organisation": organisation,
        "plans": visible_plans(request.user).filter(organisation=organisation),
        "reports": visible_reports(request.user).filter(plan__organisation=organisation),
        "may_edit": permitted(request.user, Action.EDIT_MVI, organisation),
    }
    return render(request, "plans/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "plans/no_organisation.html", national="plans:national")
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(user=request_user(request), organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan was created as a draft."))
            return redirect("plans:plan-detail", plan.pk)
    elif not permitted(request.user, Action.EDIT_MVI, organisation):
        return render(request, "403.html", status=403)
    return form_page(
        request,
        "plans/form_page.html",
        form,
        title=_("New action plan"),
        submit=_("Create the plan"),
        back_url=reverse("plans:index"),
    )


def _plan_page(request: HttpRequest, plan: ActionPlan, status: int = 200, **forms: BaseForm) -> HttpResponse:
    may_edit = permitted(request.user, Action.EDIT_MVI, plan.organisation_id)
    context: dict[str, Any] = {
        "plan": plan,
        "ambitions": plan.ambitions.select_related("theme", "current_step", "target_step"),
        "goals": plan.goals.select_related("theme"),
        "measures": plan.measures.select_related("goal"),
        "reports": plan.reports.all(),
        "may_edit": may_edit,
        "may_delete": may_edit and plan.is_draft,
        "ambition_form": forms.get("ambition_form") or AmbitionForm(plan=plan, prefix="ambition"),
        "goal_form": forms.get("goal_form") or GoalForm(prefix="goal"),
        "measure_form": forms.get("measure_form") or MeasureForm(plan=plan, prefix="measure"),
        "adopt_form": forms.get("adopt_form") or AdoptForm(prefix="adopt"),
        "report_form": forms.get("report_form") or ReportForm(prefix="report"),
    }
    return render(request, "plans/plan_detail.html", context, status=status)


@login_required
@require_GET
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _plan_page(request, plan_for(request.user, plan_id))


def _write(
    request: HttpRequest, plan: ActionPlan, form: BaseForm, name: str, success: str, write: Any
) -> HttpResponse:
    """Run `write(form)` when the form is valid; back to the plan on success, the page with the errors else."""
    if form.is_valid():
        try:
            write(form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("plans:plan-detail", plan.pk)
    return _plan_page(request, plan, status=400, **{name: form})


@login_required
@require_POST
def ambition_set(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for(request.user, plan_id, Action.EDIT_MVI)
    user = request_user(request)
    return _write(
        request,
        plan,
        AmbitionForm(request.POST, plan=plan, prefix="ambition"),
        "ambition_form",
        _("The theme ambition was saved."),
        lambda form: services.ambition_set(user=user, plan=plan, **form.cleaned_data),
    )


@login_required
@require_POST
def goal_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for(request.user, plan_id, Action.EDIT_MVI)
    user = request_user(request)
    return _write(
        request,
        plan,
        GoalForm(request.POST, prefix="goal"),
        "goal_form",
        _("The goal was added."),
        lambda form: services.goal_create(user=user, plan=plan, **form.service_fields()),
    )


@login_required
@require_POST
def goal_delete(request: HttpRequest, plan_id: int, goal_id: int) -> HttpResponse:
    plan = plan_for(request.user, plan_id, Action.EDIT_MVI)
    goal = get_object_or_404(Goal, pk=goal_id, plan=plan)
    try:
        services.goal_delete(user=request_user(request), goal=goal)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The goal was removed."))
    return redirect("plans:plan-detail", plan.pk)


@login_required
@require_POST
def measure_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for(request.user, plan_id, Action.EDIT_MVI)
    user = request_user(request)
    return _write(
        request,
        plan,
        MeasureForm(request.POST, plan=plan, prefix="measure"),
        "measure_form",
        _("The measure was added."),
        lambda form: services.measure_create(user=user, plan=plan, **form.cleaned_data),
    )


@login_required
@require_POST
def measure_delete(request: HttpRequest, plan_id: int, measure_id: int) -> HttpResponse:
    plan = plan_for(request.user, plan_id, Action.EDIT_MVI)
    measure = get_object_or_404(Measure, pk=measure_id, plan=plan)
    try:
        services.measure_delete(user=request_user(request), measure=measure)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The measure was removed."))
    return redirect("plans:plan-detail", plan.pk)


@login_required
@require_POST
def plan_adopt(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for(request.user, plan_id, Action.EDIT_MVI)
    user = request_user(request)
    return _write(
        request,
        plan,
        AdoptForm(request.POST, prefix="adopt"),
        "adopt_form",
        _("The adoption of the plan was recorded."),
        lambda form: services.plan_adopt(user=user, plan=plan, **form.cleaned_data),
    )


@login_required
@require_POST
def plan_publish(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for(request.user, plan_id, Action.EDIT_MVI)
    try:
        services.plan_publish(user=request_user(request), plan=plan)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The plan is published on its public page."))
    return redirect("plans:plan-detail", plan.pk)


@login_required
@require_POST
def report_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for(request.user, plan_id, Action.EDIT_MVI)
    form = ReportForm(request.POST, prefix="report")
    if form.is_valid():
        try:
            report = services.report_create(user=request_user(request), plan=plan, year=form.cleaned_data["year"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report was made with the current figures."))
            return redirect("plans:report-detail", report.pk)
    return _plan_page(request, plan, status=400, report_form=form)


def goal_rows(report: ProgressReport, language: str) -> list[dict[str, Any]]:
    """The snapshot's goals with their numbers formatted as in the documents."""
    from .content import indicator_text

    rows = []
    for goal in report.snapshot.get("goals", []):
        rows.append(
            {
                **goal,
                "indicator": indicator_text(goal, language),
                "baseline_shown": number(goal["baseline"], language),
                "target_shown": number(goal["target"], language),
                "measured_shown": number(goal["measured"], language),
                "completeness_shown": number(goal["completeness"], language),
                "judgement": JUDGEMENTS[goal["status"]],
                "missing": DASH,
            }
        )
    return rows


def report_context(report: ProgressReport, language: str) -> dict[str, Any]:
    steps = assessed_steps(report)
    ambitions = []
    for ambition in report.plan.ambitions.select_related("theme", "current_step", "target_step"):
        ambitions.append({"ambition": ambition, "assessed": steps.get(ambition.theme.code)})
    return {
        "report": report,
        "plan": report.plan,
        "goals": goal_rows(report, language),
        "ambitions": ambitions,
        "prefix": f"mvim-report-{report.pk}",
    }


def _report_page(
    request: HttpRequest, report: ProgressReport, form: AssessmentForm | None = None, status: int = 200
) -> HttpResponse:
    language = "en" if (request.LANGUAGE_CODE or "").startswith("en") else "nl"
    initial: dict[str, Any] = {"narrative": report.narrative}
    for assessment in report.assessments.select_related("theme"):
        initial[f"step_{assessment.theme.code}"] = assessment.step_id
    context = {
        **report_context(report, language),
        "may_edit": permitted(request.user, Action.EDIT_MVI, report.plan.organisation_id),
        "form": form or AssessmentForm(plan=report.plan, initial=initial),
        "languages": LANGUAGES,
    }
    return render(request, "plans/report_detail.html", context, status=status)


@login_required
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _report_page(request, report_for(request.user, report_id))


@login_required
@require_POST
def report_assess(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_for(request.user, report_id, Action.EDIT_MVI)
    form = AssessmentForm(request.POST, plan=report.plan)
    if form.is_valid():
        try:
            services.report_assess(
                user=request_user(request), report=report, steps=form.steps(), narrative=form.cleaned_data["narrative"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The self-assessment and the narrative were saved."))
            return redirect("plans:report-detail", report.pk)
    return _report_page(request, report, form, status=400)


@login_required
@require_POST
def report_refresh(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_for(request.user, report_id, Action.EDIT_MVI)
    try:
        services.report_refresh(user=request_user(request), report=report)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The figures were computed again from the current data."))
    return redirect("plans:report-detail", report.pk)


@login_required
@require_POST
def report_publish(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_for(request.user, report_id, Action.EDIT_MVI)
    try:
        services.report_publish(user=request_user(request), report=report)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The report is published with these figures."))
    return redirect("plans:report-detail", report.pk)


@login_required
@require_GET
def report_download(request: HttpRequest, report_id: int, language: str, kind: str) -> HttpResponse:
    report = report_for(request.user, report_id)
    if language not in LANGUAGES:
        raise Http404
    name = f"voortgang-{report.plan.period}-{report.year}-{language}"
    return document_response(progress_document(report, language), kind, name)
