"""An organisation with members in every role, a few tenders of 2024 and 2025 with their facts, and the ladder."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.plans import services
from mvimonitor.plans.loaders import load_plans_reference
from mvimonitor.plans.models import ActionPlan, IndicatorKind, LadderStep, Period
from mvimonitor.tenders.models import Lot, MVIApplication, Tender
from mvimonitor.themes.models import ApplicationForm, Theme
from tests.factories import OrganisationFactory


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    organisation: Organisation
    coordinator: User
    lezer: User
    outsider: User
    themes: dict[str, Theme]
    steps: dict[int, LadderStep]


def make_tender(organisation: Organisation, year: int, themes: list[str], *, confirmed: bool = True) -> Tender:
    tender = Tender.objects.create(
        organisation=organisation,
        title=f"Aanbesteding {year} {'-'.join(themes) or 'zonder MVI'}",
        publication_date=dt.date(year, 5, 1),
        nature="services",
        procedure_type="meervoudig-onderhands",
        estimated_value=Decimal(100000),
        mvi_confirmed_at=timezone.now() if confirmed else None,
    )
    lot = Lot.objects.create(tender=tender, number="1", title="Perceel 1")
    form = ApplicationForm.objects.order_by("order").first()
    for code in themes:
        MVIApplication.objects.create(lot=lot, theme=Theme.objects.get(code=code), form=form)
    return tender


@pytest.fixture
def world(reference_data: None, make_member: Callable[..., User]) -> World:
    load_plans_reference()
    organisation = OrganisationFactory(name="Gemeente Planstad")
    # 2024: 1 of 4 with MVI; 2025: 3 of 4 with MVI (2 social return), 3 of 4 confirmed
    for themes in (["sroi"], [], [], []):
        make_tender(organisation, 2024, themes)
    for themes, confirmed in ((["sroi"], True), (["sroi", "klimaat"], True), (["milieu"], True), ([], False)):
        make_tender(organisation, 2025, themes, confirmed=confirmed)
    facts_refresh()
    return World(
        organisation=organisation,
        coordinator=make_member(Role.COORDINATOR, organisation),
        lezer=make_member(Role.LEZER, organisation),
        outsider=make_member(Role.BEHEERDER),
        themes={theme.code: theme for theme in Theme.objects.all()},
        steps={step.step: step for step in LadderStep.objects.all()},
    )


def draft_plan(world: World, period: str = Period.MVOI_2022_2025) -> ActionPlan:
    user = world.coordinator
    plan = services.plan_create(user=user, organisation=world.organisation, period=period, title="Actieplan")
    for code, (current, target) in {"milieu": (1, 3), "sroi": (2, 4)}.items():
        services.ambition_set(
            user=user,
            plan=plan,
            theme=world.themes[code],
            current_step=world.steps[current],
            target_step=world.steps[target],
        )
    services.goal_create(
        user=user, plan=plan, title="Meer MVI", theme=world.themes["milieu"], indicator_kind=IndicatorKind.KPI,
        kpi_id="mvi-share-tenders", kpi_item="all", baseline_value=Decimal(25), baseline_year=2024,
        target_value=Decimal(60), target_year=plan.years[1],
    )  # fmt: skip
    services.goal_create(
        user=user, plan=plan, title="Social return", theme=world.themes["sroi"], indicator_kind=IndicatorKind.KPI,
        kpi_id="theme-share-tenders", kpi_item="sroi", baseline_value=Decimal(25), baseline_year=2024,
        target_value=Decimal(80), target_year=plan.years[1],
    )  # fmt: skip
    services.goal_create(
        user=user, plan=plan, title="Minder CO2", theme=world.themes["klimaat"], indicator_kind=IndicatorKind.EFFECT,
        effect_key="co2ExAnteTonnes", baseline_value=Decimal(0), baseline_year=2022, target_value=Decimal(10),
        target_year=plan.years[1],
    )  # fmt: skip
    services.goal_create(
        user=user, plan=plan, title="Diverser team", theme=world.themes["d_i"],
        indicator_kind=IndicatorKind.NOT_MEASURED, indicator_text="In het jaarverslag",
    )  # fmt: skip
    services.measure_create(user=user, plan=plan, description="Sjabloon aanpassen", owner="team inkoop")
    return plan


def adopted_plan(world: World, *, publish: bool = True) -> ActionPlan:
    plan = draft_plan(world)
    services.plan_adopt(
        user=world.coordinator, plan=plan, adopted_by="College van B&W", adopted_on=dt.date(2023, 3, 1),
        document="Besluit 2023/12",
    )  # fmt: skip
    if publish:
        services.plan_publish(user=world.coordinator, plan=plan)
    return plan
