"""The national analysis hides cells below the disclosure threshold; the API shows public plans to everyone and the
rest to members only."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from mvimonitor.organisations.models import Role, User
from mvimonitor.plans import services
from mvimonitor.plans.models import IndicatorKind
from mvimonitor.plans.national import national_analysis
from tests.factories import OrganisationFactory

from .conftest import World, adopted_plan, draft_plan

pytestmark = pytest.mark.django_db


def _plans(
    world: World, make_member: Callable[..., User], count: int, *, step: int = 2, name: str = "Waterschap"
) -> None:
    for number in range(count):
        organisation = OrganisationFactory(name=f"{name} {number}")
        user = make_member(Role.COORDINATOR, organisation)
        plan = services.plan_create(user=user, organisation=organisation, period="2022-2025", title="Plan")
        services.ambition_set(
            user=user, plan=plan, theme=world.themes["klimaat"], current_step=world.steps[step],
            target_step=world.steps[4],
        )  # fmt: skip
        services.goal_create(
            user=user, plan=plan, title="Doel", indicator_kind=IndicatorKind.KPI, kpi_id="mvi-share-tenders"
        )
        services.goal_create(
            user=user, plan=plan, title="Ander doel", indicator_kind=IndicatorKind.NOT_MEASURED, indicator_text="x"
        )
        services.plan_adopt(user=user, plan=plan, adopted_by="AB", adopted_on=dt.date(2023, 1, 1), document="B")


def test_cells_of_fewer_organisations_than_the_threshold_are_hidden(
    world: World, make_member: Callable[..., User], settings: object
) -> None:
    _plans(world, make_member, 3)

    analysis = national_analysis(period="2022-2025", year=2025)

    assert analysis.plans.total.value is None
    assert analysis.plans.total.reason
    assert all(cell.value is None for cell in analysis.goals.cells)
    assert analysis.measured_share is None
    klimaat = next(row for row in analysis.steps if row.theme == world.themes["klimaat"].name)
    assert klimaat.current[1].value is None  # three plans at step 2: below the threshold of five


def test_cells_of_enough_organisations_are_shown(world: World, make_member: Callable[..., User]) -> None:
    _plans(world, make_member, 6, step=2)
    _plans(world, make_member, 6, step=3, name="Provincie")

    analysis = national_analysis(period="2022-2025", year=2025)

    assert analysis.plans.total.value == 12
    assert analysis.goals.cells[0].value == 12
    assert analysis.measured_share == "50.00"
    klimaat = next(row for row in analysis.steps if row.theme == world.themes["klimaat"].name)
    assert klimaat.current[0].value is None  # no plan at step 1: too few organisations, so not shown either
    assert 6 in (klimaat.current[1].value, klimaat.current[2].value)  # one of them covers the empty steps
    assert all(cell.value in (None, 6) for cell in klimaat.current)


def test_the_national_page_names_no_organisation(
    world: World, make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    _plans(world, make_member, 6)
    _plans(world, make_member, 6, step=3, name="Provincie")

    html = logged_in(world.lezer).get(reverse("plans:national")).content.decode()

    assert "Waterschap" not in html
    assert '<td class="utrecht-table__cell utrecht-table__cell--numeric">6</td>' in html


def test_the_api_shows_published_plans_to_everyone_and_drafts_to_members(
    world: World, client: Client, logged_in: Callable[[User], Client]
) -> None:
    published = adopted_plan(world)
    report = services.report_create(user=world.coordinator, plan=published, year=2025)
    other = OrganisationFactory()
    draft = draft_plan(World(other, *_members(other, world), world.themes, world.steps))

    public = client.get("/api/v1/action-plans").json()
    assert [plan["id"] for plan in public["results"]] == [published.pk]
    assert public["results"][0]["goals"][0]["kpi"] == "mvi-share-tenders"
    assert client.get(f"/api/v1/action-plans/{draft.pk}").status_code == 404
    assert client.get(f"/api/v1/plan-reports/{report.pk}").status_code == 404  # a draft report

    member = logged_in(world.lezer)
    assert member.get(f"/api/v1/plan-reports/{report.pk}").json()["goals"][0]["measured"] == "75.00"
    assert member.get(f"/api/v1/action-plans/{draft.pk}").status_code == 404  # another organisation's draft
    assert member.get("/api/v1/action-plans", {"status": "nonsense"}).status_code == 400


def _members(organisation: object, world: World) -> tuple[User, User, User]:
    from tests.factories import MembershipFactory

    coordinator = MembershipFactory(organisation=organisation, role=Role.COORDINATOR).user
    return coordinator, world.lezer, world.outsider
