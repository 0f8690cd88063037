"""generate_demo_effects: social return delivered near its obligation (valued by the effects app's own building-block
calculator), and emission factors chosen from the sets in the database."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from statistics import median

import numpy as np
import pytest
from django.core.management import call_command

from mvimonitor.demo.effects import FactorRow, choose_factors, placements_for, social_return_value
from mvimonitor.effects import calculations as calc
from mvimonitor.effects.models import (
    BuildingBlockTable,
    Commitment,
    EffectCalculation,
    EffectCalculationQuerySet,
    EmissionFactor,
)

pytestmark = pytest.mark.django_db
ARGS = ("--organisations", "12", "--years", "2", "--tenders-per-year", "15", "--seed", "5", "--end-year", "2025")
LONG_AFTER = dt.date(2032, 1, 1)  # every contract of these years has ended
TODAY = dt.date(2026, 11, 1)


@pytest.fixture
def effects_reference(db: None) -> None:
    call_command("load_reference", "--without-cpv-list", verbosity=0)
    call_command("load_effects_reference", verbosity=0)


def _generate(today: dt.date) -> None:
    call_command("generate_demo", *ARGS, verbosity=0)
    call_command("generate_demo_effects", seed=5, today=today, verbosity=0)


def _current_effects() -> "EffectCalculationQuerySet":
    return EffectCalculation.objects.current().filter(kind="social_return", calculable=True, sr_value__isnull=False)


def _ratios(commitments: "set[int] | None" = None) -> list[float]:
    return [
        float(value / obligation)
        for commitment, value, obligation in _current_effects().values_list(
            "commitment_id", "sr_value", "sr_obligation"
        )
        if obligation and (commitments is None or commitment in commitments)
    ]


def test_with_if_missing_a_second_run_keeps_the_commitments(effects_reference: None) -> None:
    _generate(TODAY)
    before = set(Commitment.objects.values_list("pk", flat=True))

    call_command("generate_demo_effects", "--if-missing", seed=5, today=TODAY, stdout=StringIO())

    assert before
    assert set(Commitment.objects.values_list("pk", flat=True)) == before


def test_social_return_delivered_over_a_whole_contract_lies_near_its_obligation(effects_reference: None) -> None:
    _generate(LONG_AFTER)

    ratios = _ratios()

    assert len(ratios) >= 30
    assert 0.7 <= median(ratios) <= 1.3, median(ratios)
    assert sum(0.6 <= ratio <= 1.3 for ratio in ratios) / len(ratios) >= 0.7  # most near the obligation
    assert any(ratio < 0.9 for ratio in ratios)  # some under
    assert any(ratio > 1.1 for ratio in ratios)  # few over
    assert max(ratios) < 2


def test_contracts_that_have_ended_delivered_near_their_obligation_and_running_ones_part(
    effects_reference: None,
) -> None:
    _generate(TODAY)
    social_return = Commitment.objects.filter(kind="social_return")
    ended = set(social_return.filter(period_end__lt=TODAY - dt.timedelta(days=90)).values_list("pk", flat=True))
    running = set(social_return.filter(period_end__gt=TODAY + dt.timedelta(days=365)).values_list("pk", flat=True))

    assert len(_ratios(ended)) >= 10
    assert 0.7 <= median(_ratios(ended)) <= 1.3
    assert median(_ratios(running)) < 0.8  # a running contract has delivered part of its obligation so far


def test_demo_factors_are_codes_of_the_factor_set_in_the_database(effects_reference: None) -> None:
    _generate(TODAY)
    present = set(EmissionFactor.objects.values_list("code", flat=True))

    for kind in ("electricity", "vehicle_km", "fuel"):
        codes = set(Commitment.objects.filter(kind=kind).values_list("factor_code", "reference_factor_code"))
        assert codes, kind
        assert all(factor in present and reference in present for factor, reference in codes), (kind, codes)


def test_factors_are_chosen_from_what_the_set_has() -> None:
    rows = [
        FactorRow("grid-2027", "Grid mix", "electricity", "kWh", Decimal("0.30")),
        FactorRow("green-2027", "Green power", "electricity", "kWh", Decimal("0.05")),
        FactorRow("diesel-x", "Diesel", "vehicle_fuels", "litre", Decimal("3.2")),
        FactorRow("benzine-e10", "Benzine E10", "vehicle_fuels", "litre", Decimal("2.6")),
        FactorRow("benzinevervanger-e85", "Benzinevervanger E85", "vehicle_fuels", "litre", Decimal("0.8")),
        FactorRow("hvo", "HVO", "vehicle_fuels", "litre", Decimal("0.3")),
        FactorRow("car-bev", "Electric car", "passenger_transport", "vkm", Decimal("0.1")),
        FactorRow("green-2027", "Green power (older set)", "electricity", "kWh", Decimal("0.5")),
    ]

    chosen = choose_factors(rows)

    assert chosen["electricity"] == ("green-2027", "grid-2027", "kWh")
    assert chosen["fuel"] == ("hvo", "benzine-e10", "litre")  # petrol, not the petrol substitute
    assert chosen["vehicle_km"] == ("car-bev", "benzine-e10", "litre")  # a petrol car's litres
    assert chosen["flights"][1:] == ("", "")  # no reference: shown as not calculable
    assert chosen["social_return"] == ("", "", "")
    with_cars = choose_factors(
        [*rows, FactorRow("car-petrol", "Petrol car", "passenger_transport", "vkm", Decimal(1))]
    )
    assert with_cars["vehicle_km"] == ("car-bev", "car-petrol", "vkm")


def test_without_factors_the_kinds_name_a_factor_the_set_lacks() -> None:
    chosen = choose_factors([])

    assert all(codes[0] for kind, codes in chosen.items() if kind not in ("material", "social_return"))


@pytest.mark.parametrize("target", [60.0, 1_200.0, 9_000.0, 80_000.0, 400_000.0])
def test_placements_are_worth_about_their_target(effects_reference: None, target: float) -> None:
    rng = np.random.default_rng(1)
    for table in BuildingBlockTable.objects.all():
        blocks = {
            b.code: calc.BuildingBlock(b.code, b.basis, b.value, b.max_months, counts_as_fte=not b.is_bonus)
            for b in table.blocks.all()
        }
        for _ in range(20):
            placements = placements_for(rng, target, blocks)

            assert float(social_return_value(placements, blocks)) == pytest.approx(target, rel=0.06)
            for code, persons, months, hours in placements:
                assert persons >= 1
                assert 1 <= months <= min(12, blocks[code].max_months or 12)
                assert Decimal("0.5") <= hours <= 36
