"""API v1: action plans (`/action-plans`) and their yearly progress reports (`/plan-reports`), read only.

- A published plan and its published reports are public, like the plan's public page; the members of an
  organisation also see its draft and adopted plans and its draft reports (`plans.selectors.readable_*`).
- A report's figures are the ones it stores with the data version they were computed from: a published report
  answers with the numbers it was published with, whatever the data did since.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, serializers, viewsets

from mvimonitor.plans.content import assessed_steps
from mvimonitor.plans.models import ActionPlan, Goal, Measure, Period, PlanStatus, ProgressReport, ThemeAmbition
from mvimonitor.plans.selectors import readable_plans, readable_reports

from .base import FilteredMixin, id_filter


class AmbitionSerializer(serializers.ModelSerializer[ThemeAmbition]):
    theme = serializers.CharField(source="theme.code")
    current_step = serializers.IntegerField(source="current_step.step")
    target_step = serializers.IntegerField(source="target_step.step")

    class Meta:
        model = ThemeAmbition
        fields = ["theme", "current_step", "target_step", "note"]


class GoalSerializer(serializers.ModelSerializer[Goal]):
    theme = serializers.CharField(source="theme.code", allow_null=True, default=None)
    kpi = serializers.CharField(source="kpi_id", help_text="KPI id of the catalogue (/kpis), when measured by one.")
    # Declared with its bounds: the model field's range comes from the database backend, and the schema must not.
    kpi_version = serializers.IntegerField(
        min_value=1, max_value=32767, allow_null=True, help_text="The KPI definition version the goal is measured by."
    )

    class Meta:
        model = Goal
        fields = [
            "id",
            "title",
            "theme",
            "indicator_kind",
            "kpi",
            "kpi_version",
            "kpi_item",
            "effect_key",
            "indicator_text",
            "unit",
            "baseline_value",
            "baseline_year",
            "target_value",
            "target_year",
        ]


class MeasureSerializer(serializers.ModelSerializer[Measure]):
    class Meta:
        model = Measure
        fields = ["id", "description", "owner", "goal", "due_year"]


class ActionPlanSerializer(serializers.ModelSerializer[ActionPlan]):
    organisation_name = serializers.CharField(source="organisation.name")
    ambitions = AmbitionSerializer(many=True)
    goals = GoalSerializer(many=True)
    measures = MeasureSerializer(many=True)

    class Meta:
        model = ActionPlan
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "period",
            "title",
            "ladder",
            "status",
            "adopted_by",
            "adopted_on",
            "adoption_document",
            "published_at",
            "ambitions",
            "goals",
            "measures",
        ]


class ReportGoalSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="kpi, effect or not_measured.")
    kpi = serializers.CharField()
    kpi_item = serializers.CharField()
    effect = serializers.CharField()
    unit = serializers.CharField()
    baseline = serializers.CharField(allow_null=True, help_text="Decimal as a string.")
    baseline_year = serializers.IntegerField(allow_null=True)
    target = serializers.CharField(allow_null=True)
    target_year = serializers.IntegerField(allow_null=True)
    measured = serializers.CharField(allow_null=True, help_text="The measured figure of the year (two decimals).")
    low = serializers.CharField(allow_null=True, help_text="Lower end of the 95% interval of an effect figure.")
    high = serializers.CharField(allow_null=True)
    completeness = serializers.CharField(allow_null=True, help_text="Percent of the data the figure rests on.")
    version = serializers.CharField(help_text="KPI id and version, or the effects method version.")
    definition_version = serializers.IntegerField(
        allow_null=True, required=False, help_text="Publication of the KPI definitions the figure was computed under."
    )
    status = serializers.CharField(help_text="met, on_track, behind or not_judged.")


class ProgressReportSerializer(serializers.ModelSerializer[ProgressReport]):
    goals = serializers.SerializerMethodField()
    assessed_steps = serializers.SerializerMethodField()
    narrative = serializers.SerializerMethodField()
    data_version = serializers.CharField(help_text="Token of the monitoring data the figures were computed from.")
    effects_method = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "plan",
            "year",
            "status",
            "data_version",
            "effects_method",
            "computed_at",
            "published_at",
            "assessed_steps",
            "narrative",
            "goals",
        ]

    @extend_schema_field(ReportGoalSerializer(many=True))
    def get_goals(self, report: ProgressReport) -> list[dict[str, Any]]:
        return [ReportGoalSerializer(goal).data for goal in report.snapshot.get("goals", [])]

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_assessed_steps(self, report: ProgressReport) -> dict[str, int]:
        return assessed_steps(report)

    @extend_schema_field(serializers.CharField())
    def get_narrative(self, report: ProgressReport) -> str:
        return str(report.snapshot.get("narrative", "")) if report.is_published else report.narrative

    @extend_schema_field(serializers.CharField())
    def get_effects_method(self, report: ProgressReport) -> str:
        return str(report.snapshot.get("effects_method", ""))


class PlanFilter(serializers.Serializer[Any]):
    organisation = id_filter("Only the plans of this organisation.")
    period = serializers.ChoiceField(choices=Period.choices, required=False)
    status = serializers.ChoiceField(choices=PlanStatus.choices, required=False)


class ReportFilter(serializers.Serializer[Any]):
    plan = id_filter("Only the reports of this plan.")
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


@extend_schema_view(list=extend_schema(parameters=[PlanFilter]))
class ActionPlanViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[ActionPlan]):
    """Manifest MVOI action plans: every published plan, and the other plans of your organisations."""

    serializer_class = ActionPlanSerializer
    filter_serializer = PlanFilter
    permission_classes = [permissions.AllowAny]

    def get_queryset(self) -> QuerySet[ActionPlan]:
        return (
            readable_plans(self.request.user)
            .prefetch_related("ambitions__theme", "ambitions__current_step", "ambitions__target_step", "measures")
            .prefetch_related("goals__theme")
            .order_by("pk")
        )

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        return queryset.filter(**filters)


@extend_schema_view(list=extend_schema(parameters=[ReportFilter]))
class ProgressReportViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[ProgressReport]):
    """Yearly progress reports with the figures they store: every published report of a published plan, and the
    other reports of your organisations."""

    serializer_class = ProgressReportSerializer
    filter_serializer = ReportFilter
    permission_classes = [permissions.AllowAny]

    def get_queryset(self) -> QuerySet[ProgressReport]:
        return readable_reports(self.request.user).order_by("plan_id", "year")

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        return queryset.filter(**filters)
