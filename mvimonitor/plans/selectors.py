"""Reads of the plans app: which plans and reports a user may see, and the public ones.

A plan belongs to its organisation: its members see it (the VIEW right of `organisations.access`), members with
"edit MVI" write it. Everyone, also without logging in, sees a published plan and its published reports; an
unpublished plan does not exist for the public (404).
"""

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, organisations_for, require, scope

from .models import ActionPlan, PlanStatus, ProgressReport, ReportStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from mvimonitor.organisations.models import User


def visible_plans(user: "User | AnonymousUser", action: Action = Action.VIEW) -> QuerySet[ActionPlan]:
    return scope(ActionPlan.objects.select_related("organisation"), user, action, "organisation")


def visible_reports(user: "User | AnonymousUser") -> QuerySet[ProgressReport]:
    return scope(ProgressReport.objects.select_related("plan__organisation"), user, Action.VIEW, "plan__organisation")


def readable_plans(user: "User | AnonymousUser") -> QuerySet[ActionPlan]:
    """The plans of the user's organisations and every published plan (what the API lists)."""
    own = organisations_for(user, Action.VIEW).values("pk")
    return ActionPlan.objects.select_related("organisation").filter(
        Q(organisation__in=own) | Q(status=PlanStatus.PUBLISHED)
    )


def readable_reports(user: "User | AnonymousUser") -> QuerySet[ProgressReport]:
    """The reports of the user's organisations and every published report of a published plan."""
    own = organisations_for(user, Action.VIEW).values("pk")
    return ProgressReport.objects.select_related("plan__organisation").filter(
        Q(plan__organisation__in=own) | Q(status=ReportStatus.PUBLISHED, plan__status=PlanStatus.PUBLISHED)
    )


def plan_for(user: "User | AnonymousUser", plan_id: int, action: Action = Action.VIEW) -> ActionPlan:
    """One plan: 404 when the user may not see it, 403 when they may see it but not perform `action`."""
    plan = get_object_or_404(visible_plans(user), pk=plan_id)
    if action != Action.VIEW:
        require(user, action, plan.organisation_id, _("You may not change the action plans of this organisation."))
    return plan


def report_for(user: "User | AnonymousUser", report_id: int, action: Action = Action.VIEW) -> ProgressReport:
    report = get_object_or_404(visible_reports(user), pk=report_id)
    if action != Action.VIEW:
        require(user, action, report.plan.organisation_id, _("You may not change the reports of this organisation."))
    return report


def public_plan(plan_id: int) -> ActionPlan:
    return get_object_or_404(ActionPlan.objects.published().select_related("organisation"), pk=plan_id)


def public_report(report_id: int) -> ProgressReport:
    return get_object_or_404(
        ProgressReport.objects.select_related("plan__organisation"),
        pk=report_id,
        status=ReportStatus.PUBLISHED,
        plan__status=PlanStatus.PUBLISHED,
    )
