"""A commitment without additionality (its requirement no stricter than the reference option) is a real 0: counted as
calculable, distinct from "not calculable", and its organisation reports the CO2 figure."""

import datetime as dt
from decimal import Decimal

import pytest

from mvimonitor.effects import calculations as calc
from mvimonitor.effects import recalculation, selectors, services
from mvimonitor.effects.models import EffectCalculation
from mvimonitor.themes.models import Theme
from tests.effects.conftest import Side, make_side


def test_no_additionality_is_a_real_zero() -> None:
    assert calc.co2_without_additionality(None) == (
        Decimal(0), None, None, True, calc.Problem(calc.NO_ADDITIONALITY)
    )  # fmt: skip
    ex_ante, ex_post, _reference, calculable, _problem = calc.co2_without_additionality(Decimal(5))
    assert (ex_ante, ex_post, calculable) == (0, 0, True)


def _gas(side: Side, **fields: object):  # type: ignore[no-untyped-def]
    """Natural gas with no reference option: not calculable unless marked as not additional."""
    return services.commitment_create(
        user=side.manager, contract=side.contract, theme=Theme.objects.get(code="klimaat"), kind="natural_gas",
        description="gas", quantity=Decimal(1000), unit="m3", factor_code="natural-gas", **fields,
    )  # fmt: skip


def test_stored_as_zero_with_its_reason_and_counted_as_calculable(side_a: Side) -> None:
    not_additional = _gas(side_a, no_additionality=True)
    unknown = _gas(side_a)
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))

    zero = EffectCalculation.objects.current().get(commitment=not_additional)
    missing = EffectCalculation.objects.current().get(commitment=unknown)
    assert (zero.ex_ante_kg, zero.calculable, zero.problem_code) == (0, True, "no_additionality")
    assert (missing.ex_ante_kg, missing.calculable, missing.problem_code) == (None, False, "no_reference")
    figure = next(f for f in selectors.organisation_summary(side_a.organisation, draws=20).figures)
    assert (figure.key, figure.value, figure.calculable, figure.not_calculable) == ("co2ExAnteTonnes", 0.0, 1, 1)


@pytest.mark.django_db
def test_an_organisation_whose_only_commitment_is_not_additional_reports_zero_nationally(
    effects_reference: None,
) -> None:
    """Six municipalities avoid 24.7 t each; a seventh promised only what the reference does (a real 0); an eighth's
    commitment is not calculable. Reporters: seven, ratio 148.2 / 7,000,000 × 8,000,000 = 169.37 t."""
    sides = [make_side(f"Gemeente {i}") for i in range(8)]
    for side in sides[:6]:
        services.commitment_create(
            user=side.manager, contract=side.contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
            description="stroom", quantity=Decimal(100000), unit="kWh", factor_code="green-power-government-average",
            reference_factor_code="electricity-nl-mix-2021",
        )  # fmt: skip
    _gas(sides[6], no_additionality=True)
    _gas(sides[7])
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))

    co2 = next(f for f in selectors.national_summary(draws=50).figures if f.key == "co2ExAnteTonnes")

    assert co2.value == pytest.approx(6 * 24.7 / 7 * 8)
    assert (co2.calculable, co2.not_calculable) == (7, 1)
