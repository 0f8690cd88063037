"""Writing, adopting and publishing a plan, and its yearly report: rights, the states and the figures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mvimonitor.dashboards import selectors
from mvimonitor.plans import services
from mvimonitor.plans.models import ActionPlan, Goal, IndicatorKind, Period, PlanStatus, ProgressReport

from .conftest import World, adopted_plan, draft_plan

pytestmark = pytest.mark.django_db


def test_a_draft_plan_holds_ambitions_goals_and_measures(world: World) -> None:
    plan = draft_plan(world)

    assert plan.status == PlanStatus.DRAFT
    assert plan.ladder == "MVOI 2022-2025"
    assert [(a.theme.code, a.current_step.step, a.target_step.step) for a in plan.ambitions.all()] == [
        ("milieu", 1, 3), ("sroi", 2, 4),
    ]  # fmt: skip
    kpi = plan.goals.get(title="Meer MVI")
    assert (kpi.kpi_id, kpi.kpi_version, kpi.kpi_item, kpi.unit) == ("mvi-share-tenders", 1, "all", "%")
    assert plan.goals.get(title="Minder CO2").unit == "t CO2-eq"
    assert plan.measures.get().owner == "team inkoop"


def test_a_reader_or_another_organisation_may_not_write_a_plan(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.plan_create(user=world.lezer, organisation=world.organisation, period="2022-2025", title="x")
    with pytest.raises(PermissionDenied):
        services.plan_create(user=world.outsider, organisation=world.organisation, period="2022-2025", title="x")
    assert not ActionPlan.objects.exists()


def test_one_plan_per_organisation_and_period(world: World) -> None:
    draft_plan(world)
    with pytest.raises(ValidationError):
        services.plan_create(user=world.coordinator, organisation=world.organisation, period="2022-2025", title="x")
    services.plan_create(
        user=world.coordinator, organisation=world.organisation, period=Period.MVOI_2026_2030, title="Volgend plan"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"indicator_kind": "kpi", "kpi_id": "no-such-kpi"}, "kpi"),
        ({"indicator_kind": "kpi", "kpi_id": "form-share"}, "kpi"),  # one figure per form: not a goal's indicator
        ({"indicator_kind": "kpi", "kpi_id": "theme-share-tenders", "kpi_item": "nope"}, "kpi"),
        ({"indicator_kind": "effect", "effect_key": "nope"}, "effect_key"),
        ({"indicator_kind": "not_measured", "indicator_text": " "}, "indicator_text"),
        ({"indicator_kind": "not_measured", "indicator_text": "x", "target_year": 2030}, "target_year"),
    ],
)
def test_a_goal_names_an_indicator_that_exists(world: World, fields: dict[str, object], field: str) -> None:
    plan = draft_plan(world)

    with pytest.raises(ValidationError) as refused:
        services.goal_create(user=world.coordinator, plan=plan, title="Doel", **fields)
    assert field in refused.value.message_dict


def test_the_target_step_is_not_below_the_current_step(world: World) -> None:
    plan = draft_plan(world)
    with pytest.raises(ValidationError):
        services.ambition_set(
            user=world.coordinator,
            plan=plan,
            theme=world.themes["klimaat"],
            current_step=world.steps[3],
            target_step=world.steps[2],
        )


def test_adoption_records_the_decision_and_fixes_the_plan(world: World) -> None:
    plan = adopted_plan(world, publish=False)

    assert (plan.status, plan.adopted_by, plan.adopted_on, plan.adoption_document) == (
        PlanStatus.ADOPTED, "College van B&W", dt.date(2023, 3, 1), "Besluit 2023/12",
    )  # fmt: skip
    assert plan.adoption_recorded_by == world.coordinator
    with pytest.raises(ValidationError):
        services.measure_create(user=world.coordinator, plan=plan, description="Nog een", owner="team")
    with pytest.raises(ValidationError):
        services.goal_delete(user=world.coordinator, goal=plan.goals.first())  # type: ignore[arg-type]
    assert plan.history.count() >= 2  # type: ignore[attr-defined]


def test_an_empty_plan_is_not_adopted_and_a_draft_is_not_published(world: World) -> None:
    plan = services.plan_create(user=world.coordinator, organisation=world.organisation, period="2022-2025", title="x")
    with pytest.raises(ValidationError):
        services.plan_adopt(
            user=world.coordinator, plan=plan, adopted_by="Raad", adopted_on=dt.date(2023, 1, 1), document="-"
        )
    with pytest.raises(ValidationError):
        services.plan_publish(user=world.coordinator, plan=plan)


def test_the_report_fills_each_goal_with_the_figure_the_dashboards_show(world: World) -> None:
    plan = adopted_plan(world)

    report = services.report_create(user=world.coordinator, plan=plan, year=2025)

    goals = {goal["title"]: goal for goal in report.snapshot["goals"]}
    figures = {
        (f.kpi, f.item): f
        for f in selectors.kpi_values(
            world.lezer, scope=selectors.ORGANISATION_SCOPE, organisation=world.organisation, years=[2025]
        )
        if f.breakdown == "all"
    }
    assert goals["Meer MVI"]["measured"] == str(figures[("mvi-share-tenders", "all")].value) == "75.00"
    assert goals["Social return"]["measured"] == str(figures[("theme-share-tenders", "sroi")].value) == "50.00"
    assert goals["Meer MVI"]["completeness"] == str(figures[("registration-completeness", "all")].value) == "75.00"
    assert goals["Meer MVI"]["version"] == "mvi-share-tenders v1"
    assert goals["Meer MVI"]["status"] == "met"  # 75 >= 60
    assert goals["Social return"]["status"] == "behind"  # 50 < 80 in the target year
    assert goals["Minder CO2"]["measured"] is None
    assert goals["Minder CO2"]["status"] == "not_judged"
    assert goals["Diverser team"]["kind"] == IndicatorKind.NOT_MEASURED
    assert report.data_version == report.snapshot["data_version"] == selectors.cache.facts_version()


def test_a_report_is_made_on_an_adopted_plan_for_a_year_of_its_period(world: World) -> None:
    draft = draft_plan(world)
    with pytest.raises(ValidationError):
        services.report_create(user=world.coordinator, plan=draft, year=2025)
    services.plan_adopt(
        user=world.coordinator, plan=draft, adopted_by="Raad", adopted_on=dt.date(2023, 1, 1), document="-"
    )
    with pytest.raises(ValidationError):
        services.report_create(user=world.coordinator, plan=draft, year=2026)


def test_a_published_report_keeps_its_figures_and_assessment(world: World) -> None:
    plan = adopted_plan(world)
    report = services.report_create(user=world.coordinator, plan=plan, year=2025)
    services.report_assess(
        user=world.coordinator, report=report, steps={world.themes["milieu"]: world.steps[2]}, narrative="Goed jaar."
    )
    published = services.report_publish(user=world.coordinator, report=ProgressReport.objects.get(pk=report.pk))
    before = dict(published.snapshot)

    from .conftest import make_tender

    make_tender(world.organisation, 2025, [])  # the data changes after publication
    from mvimonitor.dashboards.services import facts_refresh

    facts_refresh()

    with pytest.raises(ValidationError):
        services.report_refresh(user=world.coordinator, report=published)
    with pytest.raises(ValidationError):
        services.report_assess(user=world.coordinator, report=published, steps={}, narrative="Anders")
    published.refresh_from_db()
    assert published.snapshot == before
    assert before["assessed"] == {"milieu": 2}
    assert before["narrative"] == "Goed jaar."
    assert published.data_version != selectors.cache.facts_version()


def test_a_report_waits_for_the_published_plan(world: World) -> None:
    plan = adopted_plan(world, publish=False)
    report = services.report_create(user=world.coordinator, plan=plan, year=2025)
    with pytest.raises(ValidationError):
        services.report_publish(user=world.coordinator, report=report)


def test_goal_values_are_kept_with_two_decimals(world: World) -> None:
    plan = draft_plan(world)
    goal = services.goal_create(
        user=world.coordinator, plan=plan, title="Doel", indicator_kind="not_measured", indicator_text="x",
        baseline_value=Decimal("1.5"), baseline_year=2022, target_value=Decimal(3), target_year=2025,
    )  # fmt: skip
    goal.refresh_from_db()
    assert goal.baseline_value == Decimal("1.50")


def test_a_goal_on_a_kpi_version_no_publication_holds_gets_no_figure(world: World) -> None:
    plan = adopted_plan(world)
    Goal.objects.filter(plan=plan, title="Meer MVI").update(kpi_version=9)

    report = services.report_create(user=world.coordinator, plan=plan, year=2025)

    goals = {goal["title"]: goal for goal in report.snapshot["goals"]}
    assert goals["Meer MVI"]["measured"] is None
    assert goals["Meer MVI"]["note"] == "kpi_version_changed"
    assert goals["Meer MVI"]["status"] == "not_judged"
    assert goals["Social return"]["definition_version"] == 1
    assert goals["Minder CO2"]["definition_version"] is None
