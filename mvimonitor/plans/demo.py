"""The demo action plan of the first synthetic organisation: six theme ambitions, eight goals (three on KPIs, two on
effect figures, three not measured here), measures with owners, adopted and published, with a report on the last
complete year. Baselines are the organisation's own figures of the plan's first year that has data; the targets are
demo values, not policy.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from mvimonitor.dashboards import selectors as kpi_selectors
from mvimonitor.dashboards.vocabulary import ALL
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.themes.models import Theme

from . import services
from .models import ActionPlan, IndicatorKind, LadderStep, Period, ProgressReport

DEMO_TITLE = "Actieplan MVOI 2022-2025 (demo)"
# theme code -> (current step, target step, self-assessed step in the report)
AMBITIONS = {
    "milieu": (1, 3, 2),
    "klimaat": (2, 4, 3),
    "circulair": (1, 3, 2),
    "keten": (2, 3, 3),
    "d_i": (1, 2, 1),
    "sroi": (3, 4, 4),
}


@dataclass(frozen=True)
class DemoGoal:
    title: str
    theme: str
    kind: str
    kpi: str = ""
    item: str = ALL
    effect: str = ""
    text: str = ""
    target: Decimal | None = None


GOALS = (
    DemoGoal("Meer aanbestedingen met MVI", "milieu", IndicatorKind.KPI, kpi="mvi-share-tenders", target=Decimal(80)),
    DemoGoal("Social return in de helft van de aanbestedingen", "sroi", IndicatorKind.KPI, kpi="theme-share-tenders",
             item="sroi", target=Decimal(50)),
    DemoGoal("Volledige MVI-registratie", "klimaat", IndicatorKind.KPI, kpi="registration-completeness",
             target=Decimal(95)),
    DemoGoal("CO2-reductie via contracten", "klimaat", IndicatorKind.EFFECT, effect="co2ExAnteTonnes",
             target=Decimal(500)),
    DemoGoal("Social return gerealiseerd", "sroi", IndicatorKind.EFFECT, effect="socialReturnValue",
             target=Decimal(250000)),
    DemoGoal("Circulaire productgroepen in kaart", "circulair", IndicatorKind.NOT_MEASURED,
             text="Aantal productgroepen met een circulaire strategie"),
    DemoGoal("Risicoanalyse ISV bij alle relevante inkopen", "keten", IndicatorKind.NOT_MEASURED,
             text="Aandeel relevante inkopen met een ISV-risicoanalyse"),
    DemoGoal("Diversiteit in het inkoopteam", "d_i", IndicatorKind.NOT_MEASURED,
             text="Kwalitatieve beschrijving in het jaarverslag"),
)  # fmt: skip
KPI_RISE = Decimal(10)  # percentage points a demo KPI target lies at least above its baseline
MEASURES = (
    ("MVI-criteria standaard in het inkoopsjabloon", "team inkoop", 0),
    ("Halfjaarlijkse controle van de MVI-registratie", "concerncontrol", 2),
    ("CO2-prijs bij gunning in grote werken", "afdeling openbare ruimte", 3),
    ("Werkgeversservicepunt betrekken bij social return", "team werk en inkomen", 4),
)


def demo_organisation() -> Organisation | None:
    return Organisation.objects.filter(is_synthetic=True).order_by("pk").first()


def _baseline(user: User, organisation: Organisation, goal: DemoGoal, year: int) -> Decimal | None:
    if goal.kind != IndicatorKind.KPI:
        return Decimal(0) if goal.kind == IndicatorKind.EFFECT else None
    figures = kpi_selectors.kpi_values(
        user, scope=kpi_selectors.ORGANISATION_SCOPE, organisation=organisation, years=[year]
    )
    found = next((f for f in figures if f.kpi == goal.kpi and f.item == goal.item and f.breakdown == ALL), None)
    return found.value if found is not None else None


@transaction.atomic
def demo_plan_create(*, user: User, organisation: Organisation, report_year: int, today: dt.date) -> ActionPlan:
    """Replace the organisation's 2022-2025 plan by the demo plan, adopted, published and reported on."""
    ActionPlan.objects.filter(organisation=organisation, period=Period.MVOI_2022_2025).delete()
    plan = services.plan_create(user=user, organisation=organisation, period=Period.MVOI_2022_2025, title=DEMO_TITLE)
    steps = {s.step: s for s in LadderStep.objects.filter(ladder=plan.ladder)}
    themes = {t.code: t for t in Theme.objects.all()}
    for code, (current, target, _assessed) in AMBITIONS.items():
        if code in themes:
            services.ambition_set(
                user=user, plan=plan, theme=themes[code], current_step=steps[current], target_step=steps[target]
            )
    years = kpi_selectors.organisation_years(organisation)
    base_year = min((y for y in years if y >= plan.years[0]), default=plan.years[0])
    goals = []
    for goal in GOALS:
        baseline = _baseline(user, organisation, goal, base_year)
        goal_target = goal.target
        if goal.kind == IndicatorKind.KPI and baseline is not None and goal_target is not None:
            goal_target = min(Decimal(100), max(goal_target, baseline + KPI_RISE))  # a demo target above the baseline
        goals.append(
            services.goal_create(
                user=user,
                plan=plan,
                title=goal.title,
                theme=themes.get(goal.theme),
                indicator_kind=goal.kind,
                kpi_id=goal.kpi,
                kpi_item=goal.item,
                effect_key=goal.effect,
                indicator_text=goal.text,
                baseline_value=baseline,
                baseline_year=base_year if baseline is not None else None,
                target_value=goal_target,
                target_year=plan.years[1] if goal_target is not None else None,
            )
        )
    for description, owner, goal_index in MEASURES:
        services.measure_create(
            user=user, plan=plan, description=description, owner=owner, goal=goals[goal_index], due_year=2025
        )
    services.plan_adopt(
        user=user,
        plan=plan,
        adopted_by="College van burgemeester en wethouders (demo)",
        adopted_on=min(dt.date(2023, 3, 14), today),
        document="Collegebesluit 2023/0314 (demo)",
    )
    services.plan_publish(user=user, plan=plan)
    report = services.report_create(user=user, plan=plan, year=report_year)
    services.report_assess(
        user=user,
        report=report,
        steps={themes[code]: steps[assessed] for code, (_c, _t, assessed) in AMBITIONS.items() if code in themes},
        narrative=(
            "In het verslagjaar is MVI vast onderdeel geworden van het inkoopsjabloon. Social return loopt voor op "
            "schema; circulair inkopen blijft achter omdat de productgroepen nog niet in kaart zijn gebracht."
        ),
    )
    services.report_publish(user=user, report=ProgressReport.objects.get(pk=report.pk))
    return plan
