"""Writes of action plans and their yearly reports. Every service checks the right first (`access.require`):
members with "edit MVI" (beheerder, inkoper, coördinator) write, adopt and publish their organisation's plans and
reports. A plan changes only while it is a draft; a published report does not change at all.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.dashboards.cache import facts_version
from mvimonitor.dashboards.kpis import BY_ID
from mvimonitor.effects.calculations import METHOD_VERSION
from mvimonitor.organisations.access import Action, require
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.themes.models import Theme

from .measurement import EFFECT_UNITS, goal_rows
from .models import (
    ActionPlan,
    Goal,
    IndicatorKind,
    LadderStep,
    Measure,
    Period,
    PlanStatus,
    ProgressReport,
    ThemeAmbition,
    ThemeAssessment,
    period_years,
)

SNAPSHOT_SCHEMA = 2  # 2: effect goals measured on the report's year, with `measured_over` per goal


def _may_edit(user: User, organisation: Organisation | int) -> None:
    require(user, Action.EDIT_MVI, organisation, _("You may not change the action plans of this organisation."))


def _draft(plan: ActionPlan) -> None:
    if not plan.is_draft:
        raise ValidationError(_("An adopted plan does not change; its reports record what happened."))


def current_ladder() -> str:
    """The newest ladder loaded (the one a new plan is written against)."""
    ladder = LadderStep.objects.order_by("-source_year", "-ladder").values_list("ladder", flat=True).first()
    if ladder is None:
        raise ValidationError(_("No ladder is loaded. Run `manage.py load_plans_reference` first."))
    return ladder


@transaction.atomic
def plan_create(*, user: User, organisation: Organisation, period: str, title: str) -> ActionPlan:
    _may_edit(user, organisation)
    if period not in Period.values:
        raise ValidationError({"period": _("Choose a period of the Manifest.")})
    if ActionPlan.objects.filter(organisation=organisation, period=period).exists():
        raise ValidationError({"period": _("This organisation already has a plan for this period.")})
    plan = ActionPlan(organisation=organisation, period=period, title=title, ladder=current_ladder(), created_by=user)
    plan.full_clean()
    plan.save()
    return plan


def _step(plan: ActionPlan, step: LadderStep, field: str) -> LadderStep:
    if step.ladder != plan.ladder:
        raise ValidationError({field: _("Choose a step of the plan's ladder (%(ladder)s).") % {"ladder": plan.ladder}})
    return step


@transaction.atomic
def ambition_set(
    *, user: User, plan: ActionPlan, theme: Theme, current_step: LadderStep, target_step: LadderStep, note: str = ""
) -> ThemeAmbition:
    """The current and target step of a theme in the plan (created or replaced)."""
    _may_edit(user, plan.organisation_id)
    _draft(plan)
    _step(plan, current_step, "current_step")
    _step(plan, target_step, "target_step")
    if target_step.step < current_step.step:
        raise ValidationError({"target_step": _("The target step cannot be below the current step.")})
    ambition, _created = ThemeAmbition.objects.update_or_create(
        plan=plan, theme=theme, defaults={"current_step": current_step, "target_step": target_step, "note": note}
    )
    return ambition


def _goal_fields(plan: ActionPlan, fields: dict[str, Any]) -> dict[str, Any]:
    """Check the indicator and years of a goal; the fields the other kinds do not use are emptied."""
    kind = fields.get("indicator_kind")
    first, last = period_years(plan.period)
    clean = {**fields}
    if kind == IndicatorKind.KPI:
        kpi = BY_ID.get(fields.get("kpi_id") or "")
        if kpi is None:
            raise ValidationError({"kpi": _("Choose a KPI of the catalogue.")})
        if kpi.per not in ("", "theme"):
            raise ValidationError({"kpi": _("Choose a KPI with one figure, or one per theme.")})
        item = fields.get("kpi_item") or "all"
        if kpi.per == "theme" and not Theme.objects.filter(code=item).exists():
            raise ValidationError({"kpi": _("Choose the theme of a KPI per theme.")})
        clean.update(kpi_version=kpi.version, kpi_item=item, effect_key="", unit="%")
    elif kind == IndicatorKind.EFFECT:
        if fields.get("effect_key") not in EFFECT_UNITS:
            raise ValidationError({"effect_key": _("Choose an effect figure.")})
        clean.update(kpi_id="", kpi_version=None, kpi_item="", unit=EFFECT_UNITS[fields["effect_key"]])
    elif kind == IndicatorKind.NOT_MEASURED:
        if not (fields.get("indicator_text") or "").strip():
            raise ValidationError({"indicator_text": _("Say in words what the goal is measured by.")})
        clean.update(kpi_id="", kpi_version=None, kpi_item="", effect_key="")
    else:
        raise ValidationError({"indicator_kind": _("Choose what the goal is measured by.")})
    target_year = fields.get("target_year")
    if target_year is not None and not first <= target_year <= last:
        raise ValidationError(
            {
                "target_year": _("The target year lies in the plan's period (%(first)s-%(last)s).")
                % {"first": first, "last": last}
            }
        )
    return clean


@transaction.atomic
def goal_create(*, user: User, plan: ActionPlan, **fields: Any) -> Goal:
    """A goal of the plan: title, theme, indicator_kind with kpi_id/kpi_item, effect_key or indicator_text,
    baseline_value/baseline_year, target_value/target_year."""
    _may_edit(user, plan.organisation_id)
    _draft(plan)
    clean = _goal_fields(plan, fields)
    order = (plan.goals.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    goal = Goal(plan=plan, order=order, **clean)
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def goal_delete(*, user: User, goal: Goal) -> None:
    _may_edit(user, goal.plan.organisation_id)
    _draft(goal.plan)
    goal.delete()


@transaction.atomic
def measure_create(
    *,
    user: User,
    plan: ActionPlan,
    description: str,
    owner: str,
    goal: Goal | None = None,
    due_year: int | None = None,
) -> Measure:
    _may_edit(user, plan.organisation_id)
    _draft(plan)
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": _("Choose a goal of this plan.")})
    measure = Measure(plan=plan, goal=goal, description=description, owner=owner, due_year=due_year)
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def measure_delete(*, user: User, measure: Measure) -> None:
    _may_edit(user, measure.plan.organisation_id)
    _draft(measure.plan)
    measure.delete()


@transaction.atomic
def plan_adopt(*, user: User, plan: ActionPlan, adopted_by: str, adopted_on: dt.date, document: str) -> ActionPlan:
    """Record the decision that adopted the plan: by whom, when and in which document. The plan is fixed from now."""
    _may_edit(user, plan.organisation_id)
    _draft(plan)
    if not plan.ambitions.exists() or not plan.goals.exists():
        raise ValidationError(_("A plan is adopted with at least one theme ambition and one goal."))
    if adopted_on > timezone.localdate():
        raise ValidationError({"adopted_on": _("The adoption date cannot be in the future.")})
    plan.status = PlanStatus.ADOPTED
    plan.adopted_by, plan.adopted_on, plan.adoption_document = adopted_by.strip(), adopted_on, document.strip()
    plan.adoption_recorded_by = user
    plan.full_clean()
    plan.save(
        update_fields=["status", "adopted_by", "adopted_on", "adoption_document", "adoption_recorded_by", "updated_at"]
    )
    return plan


@transaction.atomic
def plan_publish(*, user: User, plan: ActionPlan) -> ActionPlan:
    """Publish an adopted plan: its public page shows it to everyone."""
    _may_edit(user, plan.organisation_id)
    if plan.status != PlanStatus.ADOPTED:
        raise ValidationError(_("Only an adopted plan that is not yet published can be published."))
    plan.status, plan.published_at = PlanStatus.PUBLISHED, timezone.now()
    plan.save(update_fields=["status", "published_at", "updated_at"])
    return plan


def _snapshot(user: User, report: ProgressReport) -> dict[str, Any]:
    """Every number of the report with the versions it was made from."""
    plan = report.plan
    goals = list(plan.goals.select_related("theme"))
    ambitions = list(plan.ambitions.select_related("theme", "current_step", "target_step"))
    return {
        "schema": SNAPSHOT_SCHEMA,
        "year": report.year,
        "data_version": facts_version(),
        "effects_method": METHOD_VERSION,
        "ladder": plan.ladder,
        "computed_at": timezone.now().isoformat(timespec="seconds"),
        "ambitions": [
            {"theme": a.theme.code, "current": a.current_step.step, "target": a.target_step.step} for a in ambitions
        ],
        "goals": goal_rows(user, plan.organisation, goals, report.year),
    }


@transaction.atomic
def report_create(*, user: User, plan: ActionPlan, year: int) -> ProgressReport:
    """The plan's report on `year`, with its figures computed now."""
    _may_edit(user, plan.organisation_id)
    if plan.is_draft:
        raise ValidationError(_("A report is made on an adopted plan."))
    first, last = plan.years
    if not first <= year <= last:
        raise ValidationError(
            {"year": _("Choose a year of the plan's period (%(first)s-%(last)s).") % {"first": first, "last": last}}
        )
    if year > timezone.localdate().year:
        raise ValidationError({"year": _("A report is made on a year that has begun.")})
    if ProgressReport.objects.filter(plan=plan, year=year).exists():
        raise ValidationError({"year": _("The plan already has a report on this year.")})
    report = ProgressReport.objects.create(plan=plan, year=year)
    return report_refresh(user=user, report=report)


@transaction.atomic
def report_refresh(*, user: User, report: ProgressReport) -> ProgressReport:
    """Compute the report's figures again from the current data (only while it is a draft)."""
    _may_edit(user, report.plan.organisation_id)
    if report.is_published:
        raise ValidationError(_("A published report keeps the figures it was published with."))
    report.snapshot = _snapshot(user, report)
    report.data_version = report.snapshot["data_version"]
    report.computed_at, report.computed_by = timezone.now(), user
    report.save(update_fields=["snapshot", "data_version", "computed_at", "computed_by"])
    return report


@transaction.atomic
def report_assess(
    *, user: User, report: ProgressReport, steps: dict[Theme, LadderStep | None], narrative: str
) -> ProgressReport:
    """The coordinator's self-assessed step per theme and the narrative."""
    _may_edit(user, report.plan.organisation_id)
    if report.is_published:
        raise ValidationError(_("A published report does not change."))
    for theme, step in steps.items():
        if step is None:
            ThemeAssessment.objects.filter(report=report, theme=theme).delete()
            continue
        _step(report.plan, step, f"step_{theme.code}")
        ThemeAssessment.objects.update_or_create(report=report, theme=theme, defaults={"step": step})
    report.narrative = narrative.strip()
    report.save(update_fields=["narrative"])
    return report


@transaction.atomic
def report_publish(*, user: User, report: ProgressReport) -> ProgressReport:
    """Publish the report with the figures it holds; they and the data version they came from stay as they are."""
    _may_edit(user, report.plan.organisation_id)
    if report.is_published:
        raise ValidationError(_("The report is already published."))
    if not report.plan.is_published:
        raise ValidationError(_("Publish the plan before its report."))
    if report.computed_at is None:
        raise ValidationError(_("The report has no figures yet."))
    snapshot = dict(report.snapshot)
    snapshot["assessed"] = {a.theme.code: a.step.step for a in report.assessments.select_related("theme", "step")}
    snapshot["narrative"] = report.narrative
    report.snapshot = snapshot
    report.status, report.published_at, report.published_by = "published", timezone.now(), user
    report.full_clean()
    report.save(update_fields=["snapshot", "status", "published_at", "published_by"])
    return report


def as_decimal(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))
