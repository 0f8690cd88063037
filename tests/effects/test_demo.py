"""generate_demo_effects: deterministic per seed, idempotent, marked synthetic, and a mix of calculable or not."""

import datetime as dt

import pytest
from django.core.management import call_command

from mvimonitor.effects.models import Commitment, EffectCalculation, Placement, Realisation
from mvimonitor.effects.recalculation import effects_recalculate

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 1)


def _snapshot() -> list[tuple[object, ...]]:
    return list(
        Commitment.objects.order_by(
            "contract__lot__tender__internal_reference", "contract__lot__number", "kind"
        ).values_list("kind", "quantity", "factor_code", "reference_factor_code", "period_start")
    )


def test_demo_effects_are_deterministic_and_synthetic(effects_reference: None) -> None:
    call_command("generate_demo", organisations=8, years=2, seed=5, verbosity=0)

    call_command("generate_demo_effects", seed=5, today=TODAY, verbosity=0)
    first = _snapshot()
    realisations = Realisation.objects.count()
    call_command("generate_demo_effects", seed=5, today=TODAY, verbosity=0)

    assert first
    assert _snapshot() == first
    assert Realisation.objects.count() == realisations
    assert not Commitment.objects.filter(is_synthetic=False).exists()
    assert not Realisation.objects.filter(is_synthetic=False).exists()
    assert Placement.objects.exists()
    result = effects_recalculate(as_of=TODAY)
    assert result.calculable > 0
    assert result.not_calculable > 0
    assert EffectCalculation.objects.filter(is_co2=True, calculable=False, ex_ante_kg__isnull=False).count() == 0


def test_demo_effects_need_reference_data(db: None) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="load_effects_reference"):
        call_command("generate_demo_effects", seed=1, verbosity=0)
