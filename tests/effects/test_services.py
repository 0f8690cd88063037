"""Writes through the services: bad input gets a clear message and changes nothing; effects record their set."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mvimonitor.effects import recalculation, services
from mvimonitor.effects.models import (
    BuildingBlock,
    BuildingBlockTable,
    Commitment,
    EffectCalculation,
    EmissionFactorSet,
    Placement,
    Realisation,
    SanctionRule,
    SocialReturnPolicy,
)
from mvimonitor.effects.validators import looks_like_bsn
from mvimonitor.themes.models import Theme

from .conftest import Side


def _effect(commitment: Commitment) -> EffectCalculation:
    recalculation.effects_recalculate(as_of=dt.date(2026, 6, 1))
    return EffectCalculation.objects.current().get(commitment=commitment)


def test_verified_delivery_gives_ex_ante_and_ex_post_effect_with_the_set_used(
    side_a: Side, electricity_commitment: Callable[..., Commitment], test_set: EmissionFactorSet
) -> None:
    """100,000 kWh promised: (0.374 − 0.127) × 100,000 = 24,700 kg; 60,000 verified: 0.247 × 60,000 = 14,820 kg."""
    commitment = electricity_commitment()
    realisation = services.realisation_submit(
        user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31), quantity=Decimal(60000),
    )  # fmt: skip
    services.realisation_review(user=side_a.manager, realisation=realisation, status="verified")

    effect = _effect(commitment)

    assert effect.calculable is True
    assert effect.ex_ante_kg == Decimal("24700.000")
    assert effect.ex_post_kg == Decimal("14820.000")
    assert effect.factor_set_id == test_set.pk
    assert effect.factor_set_label == test_set.label
    assert effect.method_version == "effects-1.2"


def test_submitted_but_unverified_delivery_does_not_count(
    side_a: Side, electricity_commitment: Callable[..., Commitment]
) -> None:
    commitment = electricity_commitment()
    services.realisation_submit(
        user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31), quantity=Decimal(60000),
    )  # fmt: skip

    effect = _effect(commitment)

    assert effect.ex_post_kg is None
    assert effect.delivered_submitted == Decimal("60000.000")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"reference_factor_code": ""}, "no_reference"),
        ({"factor_code": "wind-nl"}, "no_factor"),  # the shipped set has no wind factor
        ({"unit": "litre"}, "unit_mismatch"),
        ({"kind": "natural_gas", "unit": "m3", "factor_code": "natural-gas", "reference_factor_code": "natural-gas"},
         "no_factor"),
    ],
)  # fmt: skip
def test_not_calculable_commitments_say_why_and_have_no_number(
    electricity_commitment: Callable[..., Commitment], overrides: dict[str, object], code: str
) -> None:
    commitment = electricity_commitment(**overrides)

    effect = _effect(commitment)

    assert effect.calculable is False
    assert effect.problem_code == code
    assert effect.ex_ante_kg is None


def test_a_factor_set_without_the_needed_item_is_not_calculable_with_the_reason(
    side_a: Side, electricity_commitment: Callable[..., Commitment]
) -> None:
    from mvimonitor.effects.reasons import describe_code

    own = EmissionFactorSet.objects.create(
        name="Eigen lijst", version="1", publication_year=2025, source="test", organisation=side_a.organisation
    )
    commitment = electricity_commitment(factor_set=own)

    effect = _effect(commitment)

    assert (effect.calculable, effect.problem_code, effect.factor_set_id) == (False, "no_factor", own.pk)
    assert "green-power-government-average" in describe_code(effect.problem_code, effect.problem_details)


def test_another_organisations_factor_set_is_refused(
    side_a: Side, side_b: Side, electricity_commitment: Callable[..., Commitment]
) -> None:
    theirs = EmissionFactorSet.objects.create(
        name="Hun lijst", version="1", publication_year=2025, source="test", organisation=side_b.organisation
    )

    with pytest.raises(ValidationError) as error:
        electricity_commitment(factor_set=theirs)

    assert "factor_set" in error.value.message_dict


@pytest.mark.parametrize(
    ("start", "end"),
    [(dt.date(2023, 12, 1), dt.date(2024, 1, 31)), (dt.date(2025, 12, 1), dt.date(2026, 1, 31))],
)
def test_realisation_outside_the_contract_period_is_refused(
    side_a: Side, electricity_commitment: Callable[..., Commitment], start: dt.date, end: dt.date
) -> None:
    commitment = electricity_commitment()

    with pytest.raises(ValidationError) as error:
        services.realisation_submit(
            user=side_a.manager, commitment=commitment, period_start=start, period_end=end, quantity=Decimal(1)
        )

    assert "outside the contract period" in " ".join(error.value.messages)
    assert not Realisation.objects.exists()


def test_negative_quantity_is_refused(side_a: Side, electricity_commitment: Callable[..., Commitment]) -> None:
    commitment = electricity_commitment()

    with pytest.raises(ValidationError) as error:
        services.realisation_submit(
            user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 1, 1),
            period_end=dt.date(2024, 2, 1), quantity=Decimal(-5),
        )  # fmt: skip

    assert "quantity" in error.value.message_dict
    with pytest.raises(ValidationError):
        electricity_commitment(quantity=Decimal(-1))


def test_commitment_period_outside_the_contract_is_refused(electricity_commitment: Callable[..., Commitment]) -> None:
    with pytest.raises(ValidationError) as error:
        electricity_commitment(period_start=dt.date(2023, 1, 1), period_end=dt.date(2024, 1, 1))

    assert "period_start" in error.value.message_dict


def test_reader_cannot_write(side_a: Side) -> None:
    with pytest.raises(PermissionDenied):
        services.commitment_create(
            user=side_a.reader, contract=side_a.contract, theme=Theme.objects.get(code="klimaat"), kind="other",
            description="x", quantity=Decimal(1), unit="kWh",
        )  # fmt: skip


def test_rejection_needs_a_reason_and_only_submitted_can_be_reviewed(
    side_a: Side, electricity_commitment: Callable[..., Commitment]
) -> None:
    realisation = services.realisation_submit(
        user=side_a.manager, commitment=electricity_commitment(), period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 2, 1), quantity=Decimal(5),
    )  # fmt: skip

    with pytest.raises(ValidationError, match="reason"):
        services.realisation_review(user=side_a.manager, realisation=realisation, status="rejected")
    services.realisation_review(user=side_a.manager, realisation=realisation, status="rejected", note="geen bewijs")
    realisation.refresh_from_db()
    assert (realisation.status, realisation.reviewed_by) == ("rejected", side_a.manager)
    assert realisation.reviewed_at is not None
    with pytest.raises(ValidationError, match="Only a submitted"):
        services.realisation_review(user=side_a.manager, realisation=realisation, status="verified")


def _sr_commitment(side: Side, **overrides: object) -> Commitment:
    fields: dict[str, object] = {
        "theme": Theme.objects.get(code="sroi"),
        "kind": "social_return",
        "description": "Social return 2%",
        "unit": "EUR",
        "social_return_policy": SocialReturnPolicy.objects.get(code="sudwest-fryslan-2023"),
        "block_table": BuildingBlockTable.objects.get(code="haaglanden-zhc"),
    }
    fields.update(overrides)
    return services.commitment_create(user=side.manager, contract=side.contract, **fields)


def test_social_return_obligation_from_policy_and_realisation_by_placements(side_a: Side) -> None:
    """Contract value €1,000,000 × 2% = €20,000 obligation. Placements (Haaglanden): 1 WW person 6 months
    = 20,000 × 6/12 = €10,000 and 0.5 FTE-year; 1 Participatiewet 12 months at 18 h = 40,000 × 12/12 × 0.5 = €20,000
    and 0.5 FTE-year → realised €30,000, 1 FTE-year."""
    commitment = _sr_commitment(side_a)
    blocks = {b.code: b for b in BuildingBlock.objects.filter(table=commitment.block_table)}
    realisation = services.realisation_submit(
        user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
        placements=[
            services.PlacementInput(block=blocks["ww"], persons=1, months=Decimal(6)),
            services.PlacementInput(block=blocks["participatiewet"], persons=1, months=Decimal(12),
                                    hours_per_week=Decimal(18)),
        ],
    )  # fmt: skip
    services.realisation_review(user=side_a.manager, realisation=realisation, status="verified")

    effect = _effect(commitment)

    assert commitment.quantity == Decimal("20000.00")
    assert realisation.quantity == Decimal("30000.000")
    assert (effect.sr_obligation, effect.sr_value, effect.sr_fte_years) == (
        Decimal("20000.00"), Decimal("30000.00"), Decimal("1.000"))  # fmt: skip


def test_social_return_on_wage_sum_needs_the_wage_sum(side_a: Side) -> None:
    with pytest.raises(ValidationError) as error:
        _sr_commitment(side_a, social_return_policy=SocialReturnPolicy.objects.get(code="wage-sum-5-percent"))

    assert "wage_sum" in error.value.message_dict
    commitment = _sr_commitment(
        side_a,
        social_return_policy=SocialReturnPolicy.objects.get(code="wage-sum-5-percent"),
        wage_sum=Decimal(200000),
    )
    assert commitment.quantity == Decimal("10000.00")


def test_placement_of_another_table_is_refused(side_a: Side) -> None:
    commitment = _sr_commitment(side_a)
    foreign = BuildingBlock.objects.get(table__code="utrecht", code="ww")

    with pytest.raises(ValidationError, match="Not a block"):
        services.realisation_submit(
            user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 1, 1),
            period_end=dt.date(2024, 2, 1), placements=[services.PlacementInput(block=foreign, persons=1)],
        )  # fmt: skip


def test_sanction_due_when_the_period_ended_unmet(
    side_a: Side, electricity_commitment: Callable[..., Commitment]
) -> None:
    """Advantage €5,000 × Rijkswaterstaat multiple 1.5 = €7,500."""
    commitment = electricity_commitment(
        award_advantage=Decimal(5000), sanction_rule=SanctionRule.objects.get(code="rws-co2-prestatieladder")
    )

    effect = _effect(commitment)

    assert (effect.sanction_status, effect.sanction_amount) == ("due", Decimal("7500.00"))


def test_contract_multiple_overrides_the_rule(side_a: Side, electricity_commitment: Callable[..., Commitment]) -> None:
    commitment = electricity_commitment(
        award_advantage=Decimal(5000),
        sanction_rule=SanctionRule.objects.get(code="rws-co2-prestatieladder"),
        sanction_multiple=Decimal(2),
    )

    assert _effect(commitment).sanction_amount == Decimal("10000.00")


# --- privacy ---------------------------------------------------------------------------------------------------------

FORBIDDEN = ("name", "bsn", "first_name", "last_name", "birth", "citizen", "person_id", "address", "email")


@pytest.mark.parametrize("model", [Placement, Realisation, Commitment])
def test_social_return_models_hold_no_personal_identifiers(model: type) -> None:
    fields = [f.name.lower() for f in model._meta.get_fields()]

    assert not [f for f in fields if any(word in f for word in FORBIDDEN) and f != "original_name"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("BSN 111222333", True), ("kandidaat 123.456.782", True), ("order 123456789", False), ("12 mensen", False),
     ("telefoon 0612345678", False)],
)  # fmt: skip
def test_bsn_detection(text: str, expected: bool) -> None:
    assert looks_like_bsn(text) is expected


def test_free_text_with_a_bsn_is_refused(side_a: Side, electricity_commitment: Callable[..., Commitment]) -> None:
    with pytest.raises(ValidationError) as error:
        electricity_commitment(description="Plaatsing van 111222333")

    assert "BSN" in " ".join(error.value.message_dict["description"])
    assert not Commitment.objects.exists()


def test_a_promise_without_quantity_is_refused(electricity_commitment: Callable[..., Commitment]) -> None:
    with pytest.raises(ValidationError) as error:
        electricity_commitment(quantity=None)

    assert error.value.message_dict["quantity"] == ["Enter the promised quantity."]


# --- bad input: a clear message, and "not calculable" with the reason where it is stored ---------------------------


def test_unit_not_matching_the_factor_is_not_calculable_with_a_sentence_naming_both_units(
    electricity_commitment: Callable[..., Commitment],
) -> None:
    from mvimonitor.effects.reasons import describe_code

    effect = _effect(electricity_commitment(unit="litre"))

    assert (effect.calculable, effect.ex_ante_kg, effect.problem_code) == (False, None, "unit_mismatch")
    assert describe_code(effect.problem_code, effect.problem_details) == (
        "The promised option is in litre but the factor “green-power-government-average” is per kWh: "
        "the units do not match."
    )


def test_impossible_placement_is_refused_naming_the_line_problem(side_a: Side) -> None:
    commitment = _sr_commitment(side_a)
    ww = BuildingBlock.objects.get(table=commitment.block_table, code="ww")

    with pytest.raises(ValidationError) as error:
        services.realisation_submit(
            user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 1, 1),
            period_end=dt.date(2024, 2, 1),
            placements=[services.PlacementInput(block=ww, persons=1, months=Decimal(6), hours_per_week=Decimal(90))],
        )  # fmt: skip

    assert error.value.message_dict["placements"] == ["90 hours per week is not possible."]
    assert not Realisation.objects.exists()


def test_shortening_the_contract_period_past_a_realisation_is_refused(
    side_a: Side, electricity_commitment: Callable[..., Commitment]
) -> None:
    commitment = electricity_commitment(period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31))
    services.realisation_submit(
        user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 3, 1),
        period_end=dt.date(2024, 6, 30), quantity=Decimal(10),
    )  # fmt: skip

    with pytest.raises(ValidationError) as error:
        services.contract_update(user=side_a.manager, contract=side_a.contract, end_date=dt.date(2024, 5, 31))

    message = error.value.message_dict["end_date"][0]
    assert message == (
        "The new contract period 2024-01-01–2024-05-31 does not hold the realisation “Groene stroom gemeentehuis” "
        "(2024-03-01–2024-06-30); change or remove that first."
    )
    side_a.contract.refresh_from_db()
    assert side_a.contract.end_date == dt.date(2025, 12, 31)  # nothing written
    services.contract_update(user=side_a.manager, contract=side_a.contract, end_date=dt.date(2024, 12, 31))


def test_verified_realisation_outside_the_contract_period_makes_delivery_not_calculable(
    side_a: Side, electricity_commitment: Callable[..., Commitment]
) -> None:
    """A row written past the services (admin, an old import) is not counted; the effect says why, never 0."""
    from mvimonitor.effects.reasons import describe_code

    commitment = electricity_commitment()
    inside = services.realisation_submit(
        user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31), quantity=Decimal(60000),
    )  # fmt: skip
    services.realisation_review(user=side_a.manager, realisation=inside, status="verified")
    Realisation.objects.create(
        commitment=commitment, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31),
        quantity=Decimal(5000), status="verified",
    )  # fmt: skip

    effect = _effect(commitment)

    assert effect.ex_ante_kg == Decimal("24700.000")  # the promise is still assessed
    assert (effect.ex_post_kg, effect.problem_code) == (None, "realisation_outside_period")
    assert effect.delivered_verified == Decimal("60000.000")  # the row outside is not summed
    assert describe_code(effect.problem_code, effect.problem_details) == (
        "1 verified realisation(s) lie outside the commitment period 2024-01-01–2025-12-31: they are left out, "
        "and the delivered figure is not calculable until they are corrected."
    )
