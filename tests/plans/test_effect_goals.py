"""A goal on an effect figure is measured on the figure of the report's year: each commitment's figure spread over its
commitment period pro rata by days (docs/effects.md, "Effects per year"); sanctions, which are not spread, on their
total. Hand-worked figures with the working in the docstrings."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from mvimonitor.plans import services
from mvimonitor.plans.content import goal_note
from mvimonitor.plans.measurement import Reader
from mvimonitor.plans.models import Goal, IndicatorKind

from .conftest import World, draft_plan

pytestmark = pytest.mark.django_db


def _report_goals(world: World, plan_goals: list[dict[str, object]], year: int) -> dict[str, dict[str, object]]:
    plan = draft_plan(world)
    for fields in plan_goals:
        services.goal_create(user=world.coordinator, plan=plan, **fields)  # type: ignore[arg-type]
    services.plan_adopt(
        user=world.coordinator, plan=plan, adopted_by="Raad", adopted_on=dt.date(2023, 3, 1), document="-"
    )
    report = services.report_create(user=world.coordinator, plan=plan, year=year)
    return {str(goal["title"]): goal for goal in report.snapshot["goals"]}


def test_an_effect_goal_is_measured_on_the_part_of_the_report_year(world: World, commitments: None) -> None:
    """2025: 24.7 x 184/365 = 12.4515 t → 12.45 (not the 24.70 of the whole period); one commitment, so the interval
    is the value; C does not run in 2025, so all (1 of 1) the commitments of 2025 are calculable: 100.00%. Target
    10 t in 2025 from 0 in 2022: met."""
    goals = _report_goals(world, [], 2025)

    co2 = goals["Minder CO2"]
    assert (co2["measured"], co2["low"], co2["high"]) == ("12.45", "12.45", "12.45")
    assert co2["completeness"] == "100.00"
    assert co2["measured_over"] == "year"
    assert co2["status"] == "met"
    assert goals["Meer MVI"]["measured_over"] == "year"
    assert goals["Diverser team"]["measured_over"] == ""
    with translation.override("en"):
        note = goal_note(co2, 2025, "en")
    assert "The part of 2025 of the current calculations" in note
    assert "that run in 2025 could be calculated" in note


def test_the_next_year_counts_the_commitments_that_run_in_it_and_a_year_without_any_has_no_figure(
    world: World, commitments: None
) -> None:
    """2026: 24.7 x 181/365 = 12.2485 t → 12.25; A calculable and C not: completeness 1 of 2 = 50.00%.
    2027: no commitment runs: no figure, and no commitment to count."""
    goal = Goal(indicator_kind=IndicatorKind.EFFECT, effect_key="co2ExAnteTonnes")

    in_2026 = Reader(world.coordinator, world.organisation, 2026).measure(goal)
    in_2027 = Reader(world.coordinator, world.organisation, 2027).measure(goal)

    assert (in_2026.value, in_2026.low, in_2026.high) == (Decimal("12.25"),) * 3
    assert in_2026.completeness == Decimal("50.00")
    assert (in_2027.value, in_2027.low, in_2027.high, in_2027.completeness) == (None, None, None, None)
    assert in_2027.note == "no_figure"


def test_a_goal_on_sanctions_is_measured_on_their_total_and_says_so(world: World, commitments: None) -> None:
    """The €2,000 sanction of A (due since its period ended on 30 Jun 2026) is not spread over years: the 2025 report
    measures the total, 2000.00, of 1 due sanction with an amount (100.00%), and its footnote says totals."""
    goals = _report_goals(
        world,
        [
            {
                "title": "Geen boetes", "theme": world.themes["klimaat"], "indicator_kind": IndicatorKind.EFFECT,
                "effect_key": "sanctionsDue", "baseline_value": Decimal(0), "baseline_year": 2022,
                "target_value": Decimal(0), "target_year": 2025,
            }
        ],
        2025,
    )  # fmt: skip

    sanctions = goals["Geen boetes"]
    assert (sanctions["measured"], sanctions["completeness"]) == ("2000.00", "100.00")
    assert sanctions["measured_over"] == "total"
    with translation.override("en"):
        assert "Totals of the current calculations" in goal_note(sanctions, 2025, "en")


def test_a_report_made_before_the_split_per_year_keeps_its_footnote() -> None:
    """A snapshot without `measured_over` measured effect goals on the totals: its documents still say so."""
    goal = {"title": "Minder CO2", "kind": "effect", "effect": "co2ExAnteTonnes", "version": "effects-1.1",
            "completeness": "50.00"}  # fmt: skip
    with translation.override("en"):
        assert "Totals of the current calculations" in goal_note(goal, 2024, "en")
