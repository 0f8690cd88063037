"""The national analysis of the action plans, for PIANOo and the ministry: how many adopted plans and published
reports there are, the step distribution per theme, the share of goals with a measured indicator, and how the goals
of the published reports are judged.

Every count sums over organisations, so every one goes through `mvimonitor.disclosure` (each organisation's part is
its contribution); a cell of too few organisations, or dominated by one, is shown as suppressed. No organisation is
named. Plans count once adopted (a draft is not a plan yet).
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mvimonitor import disclosure
from mvimonitor.themes.models import Theme

from .measurement import BEHIND, JUDGEMENTS, MET, NOT_JUDGED, ON_TRACK
from .models import (
    MAX_STEP,
    ActionPlan,
    Goal,
    IndicatorKind,
    PlanStatus,
    ProgressReport,
    ReportStatus,
    ThemeAmbition,
)

TOTAL = "total"


@dataclass(frozen=True)
class Cell:
    label: str
    value: int | None  # None: suppressed
    reason: str = ""


@dataclass(frozen=True)
class Breakdown:
    caption: str
    cells: list[Cell]
    total: Cell


@dataclass(frozen=True)
class StepRow:
    theme: str
    current: list[Cell]  # steps 1..5
    target: list[Cell]
    total: Cell


@dataclass(frozen=True)
class Analysis:
    period: str
    year: int
    plans: Breakdown
    reports: Breakdown
    steps: list[StepRow]
    goals: Breakdown
    measured_share: str | None  # percent with two decimals, None when a part is suppressed
    judgements: Breakdown


Parts = Mapping[str, Mapping[int, int]]


def _protected(parts: Parts, labels: Mapping[str, str], caption: str) -> Breakdown:
    protected = disclosure.protect_breakdown({key: dict(value) for key, value in parts.items()}, total_key=TOTAL)

    def cell(key: str, label: str) -> Cell:
        value = protected.value(key)
        reason = protected.decision(key).reason
        return Cell(label, int(value) if value is not None else None, reason.value if reason and value is None else "")

    return Breakdown(caption, [cell(key, labels[key]) for key in parts], cell(TOTAL, _("Total")))


def _count(rows: list[tuple[str, int]]) -> dict[str, dict[int, int]]:
    parts: dict[str, dict[int, int]] = defaultdict(dict)
    for key, organisation in rows:
        parts[key][organisation] = parts[key].get(organisation, 0) + 1
    return parts


def national_analysis(*, period: str, year: int) -> Analysis:
    adopted = ActionPlan.objects.filter(period=period).exclude(status=PlanStatus.DRAFT)
    plan_parts = _count(list(adopted.values_list("status", "organisation_id")))
    plans = _protected(
        {status: plan_parts.get(status, {}) for status in (PlanStatus.ADOPTED, PlanStatus.PUBLISHED)},
        {PlanStatus.ADOPTED: _("adopted, not published"), PlanStatus.PUBLISHED: _("published")},
        _("Action plans %(period)s") % {"period": period},
    )
    reports_query = ProgressReport.objects.filter(plan__period=period, year=year)
    report_parts = _count(list(reports_query.values_list("status", "plan__organisation_id")))
    reports = _protected(
        {status: report_parts.get(status, {}) for status in (ReportStatus.DRAFT, ReportStatus.PUBLISHED)},
        {ReportStatus.DRAFT: _("draft"), ReportStatus.PUBLISHED: _("published")},
        _("Progress reports on %(year)s") % {"year": year},
    )
    goals_query = Goal.objects.filter(plan__in=adopted)
    goal_parts = _count(
        [
            ("measured" if kind != IndicatorKind.NOT_MEASURED else "not_measured", org)
            for kind, org in goals_query.values_list("indicator_kind", "plan__organisation_id")
        ]
    )
    goals = _protected(
        {key: goal_parts.get(key, {}) for key in ("measured", "not_measured")},
        {"measured": _("with an indicator measured here"), "not_measured": _("not measured here")},
        _("Goals of the adopted plans"),
    )
    share = None
    if goals.cells[0].value is not None and goals.total.value:
        share = f"{goals.cells[0].value * 100 / goals.total.value:.2f}"
    return Analysis(
        period=period,
        year=year,
        plans=plans,
        reports=reports,
        steps=_steps(adopted),
        goals=goals,
        measured_share=share,
        judgements=_judgements(reports_query.filter(status=ReportStatus.PUBLISHED), year),
    )


def _steps(adopted: QuerySet[ActionPlan]) -> list[StepRow]:
    rows = []
    ambitions = list(
        ThemeAmbition.objects.filter(plan__in=adopted).values_list(
            "theme_id", "current_step__step", "target_step__step", "plan__organisation_id"
        )
    )
    labels = {str(step): str(step) for step in range(1, MAX_STEP + 1)}
    for theme in Theme.objects.order_by("order", "code"):
        mine = [row for row in ambitions if row[0] == theme.pk]
        current = _count([(str(step), org) for _theme, step, _target, org in mine])
        target = _count([(str(step), org) for _theme, _step, step, org in mine])
        now = _protected({key: current.get(key, {}) for key in labels}, labels, theme.name)
        aim = _protected({key: target.get(key, {}) for key in labels}, labels, theme.name)
        rows.append(StepRow(theme.name, now.cells, aim.cells, now.total))
    return rows


def _judgements(published: QuerySet[ProgressReport], year: int) -> Breakdown:
    rows: list[tuple[str, int]] = []
    for snapshot, organisation in published.values_list("snapshot", "plan__organisation_id"):
        rows.extend((goal["status"], organisation) for goal in snapshot.get("goals", []))
    parts = _count(rows)
    keys = (MET, ON_TRACK, BEHIND, NOT_JUDGED)
    return _protected(
        {key: parts.get(key, {}) for key in keys},
        {key: str(JUDGEMENTS[key]) for key in keys},
        _("Goals in the published reports on %(year)s, by judgement") % {"year": year},
    )
