"""An organisation with members in every role, a few tenders of 2024 and 2025 with their facts, and the ladder; and
for the effect figures, two commitments of that organisation with hand-worked figures (`commitments`)."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.effects import recalculation
from mvimonitor.effects import services as effect_services
from mvimonitor.effects.loaders import factor_sets_json_load
from mvimonitor.effects.models import Commitment
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.plans import services
from mvimonitor.plans.loaders import load_plans_reference
from mvimonitor.plans.models import ActionPlan, IndicatorKind, LadderStep, Period
from mvimonitor.tenders.models import Contract, Lot, MVIApplication, Tender
from mvimonitor.themes.models import ApplicationForm, Theme
from tests import snapshots
from tests.effects.conftest import TEST_FACTORS
from tests.factories import ContractFactory, OrganisationFactory


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


@pytest.fixture
def manager(world: World, make_member: Callable[..., User]) -> User:
    """The effect reference data with the fixed test factors, and a contract manager of the organisation."""
    snapshots.load("effects_reference", lambda: call_command("load_effects_reference", verbosity=0))
    snapshots.load("effects_test_factors", lambda: factor_sets_json_load(TEST_FACTORS))
    return make_member(Role.CONTRACTMANAGER, world.organisation)


def contract_between(world: World, start: dt.date, end: dt.date) -> Contract:
    lot = Lot.objects.filter(tender__organisation=world.organisation).order_by("pk").first()
    return ContractFactory(lot=lot, value=Decimal(500000), start_date=start, end_date=end)  # type: ignore[no-any-return]


def electricity(user: User, contract: Contract, **fields: object) -> Commitment:
    return effect_services.commitment_create(
        user=user, contract=contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
        description="stroom", quantity=Decimal(100000), unit="kWh", factor_code="green-power-government-average",
        reference_factor_code="electricity-nl-mix-2021", **fields,
    )  # fmt: skip


def gas_without_reference(user: User, contract: Contract) -> Commitment:
    """Not calculable: no reference option."""
    return effect_services.commitment_create(
        user=user, contract=contract, theme=Theme.objects.get(code="klimaat"), kind="natural_gas",
        description="gas", quantity=Decimal(1000), unit="m3", factor_code="natural-gas",
    )  # fmt: skip


@pytest.fixture
def commitments(world: World, manager: User) -> None:
    """100,000 kWh of green power against the grid mix avoids 24.7 t CO2-eq ex ante with the set "Test values" 1
    (tests/effects/fixtures/test_factors.json), whatever the length of the commitment period.

    A: 24.7 t over 1 Jul 2025 - 30 Jun 2026 (365 days: 184 in 2025, 181 in 2026), with an award advantage of
    €1,000 and a sanction of twice that; nothing delivered, so on 1 Jul 2026 a sanction of €2,000 is due.
    C: gas with no reference over all of 2026: not calculable, and not running in 2025."""
    electricity(
        manager, contract_between(world, dt.date(2025, 7, 1), dt.date(2026, 6, 30)),
        award_advantage=Decimal(1000), sanction_multiple=Decimal(2),
    )  # fmt: skip
    gas_without_reference(manager, contract_between(world, dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    recalculation.effects_recalculate(as_of=dt.date(2026, 7, 1))
