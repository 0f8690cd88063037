"""Manifest MVOI action plans, their goals and measures, and the yearly progress report of a plan.

- `LadderStep`: the five steps of the Manifest's ladder (Afweging … Leiderschap) as versioned reference data with a
  source per row, loaded by `load_plans_reference` from `data/plans_reference.json`.
- `ActionPlan`: one organisation's plan for one period (2022-2025, 2026-2030): draft → adopted (by whom, when, the
  document) → published (a public page). Audited with history.
- `ThemeAmbition`: per theme the current and the target step of the plan.
- `Goal`: an indicator that is a KPI of the catalogue (id, version and item), an effect figure of the effects app, or
  free text "not measured here"; baseline value and year, target value and year.
- `Measure`: what the organisation does, with an owner (a role or a department, never a person's data).
- `ProgressReport`: a plan's report on one year. `snapshot` holds every number the report shows, with the data
  version it was computed from (ADR 0035); the documents are rendered from it, so a published report is reproduced
  exactly. `ThemeAssessment` is the coordinator's self-assessed step per theme.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mvimonitor.organisations.models import Organisation, User
from mvimonitor.themes.models import Bilingual, Sourced, Theme, in_language

MIN_YEAR, MAX_YEAR = 2000, 2100
YEAR_VALIDATORS = [MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
MAX_STEP = 5


class Period(models.TextChoices):
    MVOI_2022_2025 = "2022-2025", _("2022-2025")
    MVOI_2026_2030 = "2026-2030", _("2026-2030")


def period_years(period: str) -> tuple[int, int]:
    first, last = period.split("-")
    return int(first), int(last)


class LadderStep(Sourced, Bilingual):
    """One step of the Manifest MVOI ladder, in one version of the ladder (the Manifest edition it belongs to)."""

    ladder = models.CharField(_("ladder"), max_length=40, help_text=_("The Manifest edition, e.g. MVOI 2022-2025."))
    step = models.PositiveSmallIntegerField(_("step"), validators=[MinValueValidator(1), MaxValueValidator(MAX_STEP)])
    definition_en = models.TextField(_("definition (English)"), blank=True)
    definition_nl = models.TextField(_("definition (Dutch)"), blank=True)
    source_url = models.URLField(_("source address"), max_length=500, blank=True)
    confidence = models.CharField(_("confidence"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("ladder step")
        verbose_name_plural = _("ladder steps")
        ordering = ["ladder", "step"]
        constraints = [models.UniqueConstraint(fields=["ladder", "step"], name="plans_ladder_step_unique")]

    def __str__(self) -> str:
        return f"{self.step} {self.name}"

    @property
    def definition(self) -> str:
        return in_language(self.definition_nl, self.definition_en)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ADOPTED = "adopted", _("adopted")
    PUBLISHED = "published", _("published")


class ActionPlanQuerySet(models.QuerySet["ActionPlan"]):
    def published(self) -> "ActionPlanQuerySet":
        return self.filter(status=PlanStatus.PUBLISHED)


class ActionPlan(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="action_plans")
    period = models.CharField(_("period"), max_length=9, choices=Period.choices)
    title = models.CharField(_("title"), max_length=255)
    ladder = models.CharField(_("ladder"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    adopted_by = models.CharField(
        _("adopted by"), max_length=255, blank=True, help_text=_("The body that adopted the plan, e.g. the board.")
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    adoption_document = models.CharField(
        _("adoption document"), max_length=500, blank=True, help_text=_("Reference or address of the decision.")
    )
    adoption_recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["organisation__name", "period"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "period"], name="plans_one_plan_per_period"),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(adopted_on__isnull=False) & ~Q(adopted_by="")),
                name="plans_adopted_has_decision",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False), name="plans_published_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.period}: {self.title}"

    @property
    def years(self) -> tuple[int, int]:
        return period_years(self.period)

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == PlanStatus.PUBLISHED


class ThemeAmbition(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="ambitions")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+", verbose_name=_("theme"))
    current_step = models.ForeignKey(
        LadderStep, on_delete=models.PROTECT, related_name="+", verbose_name=_("current step")
    )
    target_step = models.ForeignKey(
        LadderStep, on_delete=models.PROTECT, related_name="+", verbose_name=_("target step")
    )
    note = models.TextField(_("explanation"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("theme ambition")
        verbose_name_plural = _("theme ambitions")
        ordering = ["theme__order", "theme__code"]
        constraints = [models.UniqueConstraint(fields=["plan", "theme"], name="plans_one_ambition_per_theme")]

    def __str__(self) -> str:
        return f"{self.theme}: {self.current_step.step} → {self.target_step.step}"


class IndicatorKind(models.TextChoices):
    KPI = "kpi", _("KPI of the monitoring")
    EFFECT = "effect", _("Effect figure")
    NOT_MEASURED = "not_measured", _("Not measured here")


class Goal(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="goals")
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("theme")
    )
    title = models.CharField(_("goal"), max_length=500)
    indicator_kind = models.CharField(_("indicator"), max_length=15, choices=IndicatorKind.choices)
    kpi_id = models.CharField(_("KPI"), max_length=60, blank=True)
    kpi_version = models.PositiveSmallIntegerField(_("KPI version"), null=True, blank=True)
    kpi_item = models.CharField(
        _("KPI item"), max_length=40, blank=True, help_text=_("all, or the theme of a KPI per theme.")
    )
    effect_key = models.CharField(_("effect figure"), max_length=40, blank=True)
    indicator_text = models.CharField(_("indicator (free text)"), max_length=500, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=18, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(
        _("baseline year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    target_value = models.DecimalField(_("target value"), max_digits=18, decimal_places=2, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True, validators=YEAR_VALIDATORS)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(indicator_kind="kpi") | (~Q(kpi_id="") & Q(kpi_version__isnull=False)),
                name="plans_goal_kpi_named",
            ),
            models.CheckConstraint(
                condition=~Q(indicator_kind="effect") | ~Q(effect_key=""), name="plans_goal_effect_named"
            ),
            models.CheckConstraint(
                condition=Q(baseline_year__isnull=True)
                | Q(target_year__isnull=True)
                | Q(baseline_year__lte=models.F("target_year")),
                name="plans_goal_baseline_before_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_measured(self) -> bool:
        return self.indicator_kind != IndicatorKind.NOT_MEASURED


class Measure(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="measures")
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="measures", verbose_name=_("goal")
    )
    description = models.CharField(_("measure"), max_length=500)
    owner = models.CharField(
        _("owner"), max_length=255, help_text=_("A role or department, such as 'team inkoop' or 'concerncontroller'.")
    )
    due_year = models.PositiveSmallIntegerField(_("due year"), null=True, blank=True, validators=YEAR_VALIDATORS)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class ProgressReport(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    narrative = models.TextField(_("narrative"), blank=True)
    snapshot = models.JSONField(_("figures"), default=dict, blank=True)
    data_version = models.CharField(_("data version"), max_length=64, blank=True)
    computed_at = models.DateTimeField(_("figures computed at"), null=True, blank=True)
    computed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords(excluded_fields=["snapshot"])

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["plan", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year"], name="plans_one_report_per_year"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False, computed_at__isnull=False),
                name="plans_published_report_has_figures",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.year}"

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED


class ThemeAssessment(models.Model):
    """The coordinator's own judgement of the step reached on a theme in the report's year."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="assessments")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    step = models.ForeignKey(LadderStep, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("self-assessed step")
        verbose_name_plural = _("self-assessed steps")
        constraints = [models.UniqueConstraint(fields=["report", "theme"], name="plans_one_assessment_per_theme")]

    def __str__(self) -> str:
        return f"{self.theme}: {self.step.step}"
