"""The bulk recalculation stores exactly what the pure calculators give, commitment by commitment.

A small mixed data set (calculable and not-calculable CO2 commitments, social return with placements, sanctions,
two organisations) is recalculated through `effects_recalculate` (raw reads, `calc.co2_figures`, bulk insert or COPY)
and every stored column is compared with a plain recomputation from the ORM objects (the factor set chosen, sums
and placements taken one by one) with `calc.co2_figures`, `calc.social_return_value` and `calc.sanction`; the
calculators themselves are checked against hand-worked figures in test_calculations.py.
"""

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from mvimonitor.effects import calculations as calc
from mvimonitor.effects import recalculation, services
from mvimonitor.effects import social_return as sr
from mvimonitor.effects.models import (
    CO2_KINDS,
    BuildingBlock,
    BuildingBlockTable,
    Commitment,
    EffectCalculation,
    EmissionFactorSet,
    Realisation,
    SanctionRule,
    SocialReturnPolicy,
)
from mvimonitor.themes.models import Theme

from .conftest import Side

AS_OF = dt.date(2026, 6, 1)


def _realise(side: Side, commitment: Commitment, quantity: str, status: str, year: int = 2024) -> None:
    realisation = services.realisation_submit(
        user=side.manager, commitment=commitment, period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 6, 30), quantity=Decimal(quantity),
    )  # fmt: skip
    if status != "submitted":
        services.realisation_review(user=side.manager, realisation=realisation, status=status, note="test")


def _social_return(side: Side, placements: list[tuple[str, int, str, str]], status: str) -> Commitment:
    commitment = services.commitment_create(
        user=side.manager, contract=side.contract, theme=Theme.objects.get(code="sroi"), kind="social_return",
        description="Social return", unit="EUR",
        social_return_policy=SocialReturnPolicy.objects.get(code="sudwest-fryslan-2023"),
        block_table=BuildingBlockTable.objects.get(code="haaglanden-zhc"),
    )  # fmt: skip
    blocks = {b.code: b for b in BuildingBlock.objects.filter(table=commitment.block_table)}
    lines = [
        services.PlacementInput(block=blocks[code], persons=persons, months=Decimal(months),
                                hours_per_week=Decimal(hours))
        for code, persons, months, hours in placements
    ]  # fmt: skip
    realisation = services.realisation_submit(
        user=side.manager, commitment=commitment, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
        placements=lines,
    )  # fmt: skip
    if status != "submitted":
        services.realisation_review(user=side.manager, realisation=realisation, status=status, note="test")
    return commitment


@pytest.fixture
def mixed(side_a: Side, side_b: Side, electricity_commitment: Callable[..., Commitment]) -> list[Commitment]:
    rule = SanctionRule.objects.get(code="rws-co2-prestatieladder")
    own = EmissionFactorSet.objects.create(
        name="Eigen lijst", version="1", publication_year=2024, source="test", organisation=side_a.organisation
    )
    made = []
    green = electricity_commitment(quantity=Decimal("123456.789"))
    _realise(side_a, green, "60000.125", "verified")
    _realise(side_a, green, "1000.5", "submitted", 2025)
    _realise(side_a, green, "777", "rejected", 2025)
    made.append(green)
    car = electricity_commitment(
        kind="vehicle_km", unit="vkm", quantity=Decimal("20000.5"), factor_code="passenger-car-bev-grey",
        reference_factor_code="benzine-e95-nl", reference_unit="litre", reference_quantity=Decimal("1300.3"),
        award_advantage=Decimal(5000), sanction_rule=rule,
    )  # fmt: skip
    _realise(side_a, car, "7000.7", "verified")
    _realise(side_a, car, "8000.1", "verified", 2025)
    made.append(car)
    made.append(electricity_commitment(reference_factor_code=""))  # no reference
    made.append(electricity_commitment(kind="natural_gas", unit="m3", factor_code="natural-gas",
                                       reference_factor_code="natural-gas"))  # fmt: skip  # no factor in the set
    mismatch = electricity_commitment(unit="litre")  # litres of a per-kWh factor
    _realise(side_a, mismatch, "10", "verified")
    made.append(mismatch)
    made.append(electricity_commitment(factor_set=own, award_advantage=Decimal("1234.56"),
                                       sanction_multiple=Decimal(2)))  # fmt: skip  # own set without the items
    made.append(_social_return(side_a, [("ww", 1, "6", "36"), ("participatiewet", 2, "30", "18")], "verified"))
    made.append(_social_return(side_a, [("ww", 1, "3", "20")], "submitted"))
    made.append(_social_return(side_a, [("ww", 1, "3", "20")], "rejected"))
    theirs = services.commitment_create(
        user=side_b.manager, contract=side_b.contract, theme=Theme.objects.get(code="klimaat"), kind="fuel",
        description="E85", quantity=Decimal("4321.5"), unit="litre", factor_code="bio-ethanol-e85",
        reference_factor_code="benzine-e95-nl", award_advantage=Decimal(100), sanction_rule=rule,
    )  # fmt: skip
    _realise(side_b, theirs, "5000", "verified")  # more than promised: no sanction
    made.append(theirs)
    return made


def _factors(factor_set: EmissionFactorSet | None) -> dict[str, calc.Factor]:
    if factor_set is None:
        return {}
    return {f.code: calc.Factor(f.code, f.unit, f.wtw, f.ttw, f.wtt) for f in factor_set.factors.all()}


def _expected(commitment: Commitment) -> dict[str, Any]:
    """One commitment recomputed the plain way: ORM objects in, the calculators one commitment at a time."""
    realisations = list(commitment.realisations.all())
    verified_rows = [r for r in realisations if r.status == "verified"]
    submitted_rows = [r for r in realisations if r.status == "submitted"]
    verified = sum((r.quantity for r in verified_rows), Decimal(0)) if verified_rows else None
    submitted = sum((r.quantity for r in submitted_rows), Decimal(0)) if submitted_rows else None
    out: dict[str, Any] = {
        "organisation_id": commitment.contract.lot.tender.organisation_id, "kind": commitment.kind,
        "unit": commitment.unit, "promised": commitment.quantity, "delivered_verified": verified,
        "delivered_submitted": submitted, "is_co2": commitment.kind in CO2_KINDS, "ex_ante_kg": None,
        "ex_post_kg": None, "reference_kg": None, "sr_obligation": None, "sr_value": None, "sr_fte_years": None,
        "sr_fte_by_year": {},
        "calculable": True, "problem_code": "", "problem_details": {}, "sanction_status": "",
        "sanction_amount": None, "factor_set_id": None, "factor_set_label": "", "method_version": calc.METHOD_VERSION,
        # no national reference options are loaded here (tests/effects/test_reference_options.py has them)
        "reference_option_id": None, "reference_option_label": "", "reference_deviates": False,
        "reference_deviation_reason": "",
    }  # fmt: skip
    if commitment.kind in CO2_KINDS:
        factor_set = commitment.factor_set or EmissionFactorSet.objects.public().get(name="Test values")
        ex_ante, ex_post, reference_kg, calculable, problem = calc.co2_figures(
            commitment.quantity, commitment.unit, commitment.factor_code,
            commitment.reference_quantity if commitment.reference_quantity is not None else commitment.quantity,
            commitment.reference_unit or commitment.unit, commitment.reference_factor_code, verified,
            calc.FactorLookup(_factors(factor_set)),
        )  # fmt: skip
        out.update(
            ex_ante_kg=ex_ante, ex_post_kg=ex_post, reference_kg=reference_kg, calculable=calculable,
            problem_code=problem.code if problem else "", problem_details=dict(problem.details) if problem else {},
            factor_set_id=factor_set.pk, factor_set_label=factor_set.label,
        )  # fmt: skip
    elif commitment.kind == "social_return":
        blocks = services.calculator_blocks(commitment.block_table)  # type: ignore[arg-type]
        reports = [
            sr.Report(r.period_start, r.period_end, [
                calc.Placement(p.block.code, p.persons, p.months, p.hours_per_week, p.amount, p.candidate_reference)
                for p in r.placements.all()
            ])
            for r in verified_rows
        ]  # fmt: skip
        counted = sr.count_reports(reports, blocks)
        if verified is not None:
            verified = counted.value.quantize(Decimal("0.001"))
            note = counted.note(reports)
            out.update(
                delivered_verified=verified, sr_fte_years=counted.fte_years,
                sr_fte_by_year={str(y): str(f.quantize(Decimal("0.001"), ROUND_HALF_UP))
                                for y, f in counted.fte_by_year.items()},
                problem_code=note.code if note else "", problem_details=dict(note.details) if note else {},
            )  # fmt: skip
        out.update(sr_obligation=commitment.quantity, sr_value=verified)
    multiple = commitment.sanction_multiple if commitment.sanction_multiple is not None else (
        commitment.sanction_rule.multiple if commitment.sanction_rule else None)  # fmt: skip
    if commitment.award_advantage is not None or multiple is not None:
        outcome = calc.sanction(
            promised=commitment.quantity, delivered=verified, period_end=commitment.period_end, as_of=AS_OF,
            award_advantage=commitment.award_advantage, multiple=multiple,
        )  # fmt: skip
        out.update(sanction_status=outcome.status, sanction_amount=outcome.amount)
    return out


def _as_stored(name: str, value: Any) -> Any:
    """The calculators' Decimal rounded to the column's decimal places, as the database keeps it."""
    if not isinstance(value, Decimal):
        return value
    places = EffectCalculation._meta.get_field(name).decimal_places  # type: ignore[union-attr]
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


COMPARED = [name for name in recalculation.ROW_COLUMNS[1:] if name not in {"factors_used", "fingerprint"}]


def _stored(commitment: Commitment) -> dict[str, Any]:
    effect = EffectCalculation.objects.current().get(commitment=commitment)
    return {name: getattr(effect, name) for name in COMPARED}


def test_bulk_recalculation_stores_what_the_calculators_give(mixed: list[Commitment]) -> None:
    result = recalculation.effects_recalculate(as_of=AS_OF)

    assert result.commitments == len(mixed) == EffectCalculation.objects.current().count()
    codes = set()
    for commitment in mixed:
        expected = {name: _as_stored(name, value) for name, value in _expected(commitment).items()}
        assert _stored(commitment) == expected, commitment.description
        codes.add(expected["problem_code"])
    # the data set covers what it claims: calculable and three reasons, social return with FTE, all sanction states
    # social return without candidate references is counted per line, and says so
    assert codes == {"", "no_reference", "no_factor", "unit_mismatch", "counted_per_line"}
    stored = EffectCalculation.objects.current()
    assert {e.sanction_status for e in stored} >= {"due", "none"}
    assert any(e.sr_fte_years for e in stored)
    assert result.not_calculable == stored.filter(calculable=False).count() == 4
    assert not stored.filter(calculable=False, ex_ante_kg__isnull=False).exists()  # not calculable is never 0


def test_recalculating_one_organisation_gives_the_same_rows_and_leaves_the_others(
    mixed: list[Commitment], side_a: Side, side_b: Side
) -> None:
    recalculation.effects_recalculate(as_of=AS_OF)
    before = {c.pk: _stored(c) for c in mixed}
    theirs = EffectCalculation.objects.current().get(organisation=side_b.organisation)

    recalculation.effects_recalculate(organisation_ids=[side_a.organisation.pk], as_of=AS_OF)

    assert {c.pk: _stored(c) for c in mixed} == before
    assert EffectCalculation.objects.current().get(organisation=side_b.organisation).computed_at == theirs.computed_at
    assert not Realisation.objects.filter(quantity__lt=0).exists()


def test_organisation_figures_sum_the_stored_values_and_count_the_missing(
    mixed: list[Commitment], side_a: Side
) -> None:
    from mvimonitor.effects import selectors

    recalculation.effects_recalculate(as_of=AS_OF)
    stored = EffectCalculation.objects.current().filter(organisation=side_a.organisation)

    summary = selectors.organisation_summary(side_a.organisation, draws=200)

    figures = {figure.key: figure for figure in summary.figures}
    co2 = stored.filter(is_co2=True)
    ex_ante = [e.ex_ante_kg for e in co2 if e.ex_ante_kg is not None]
    assert figures["co2ExAnteTonnes"].value == pytest.approx(float(sum(ex_ante)) / 1000)
    assert (figures["co2ExAnteTonnes"].calculable, figures["co2ExAnteTonnes"].not_calculable) == (
        len(ex_ante), co2.count() - len(ex_ante))  # fmt: skip
    value = figures["socialReturnValue"]
    assert value.value == pytest.approx(float(sum(e.sr_value for e in stored if e.sr_value is not None)))
    assert (value.calculable, value.not_calculable) == (1, 2)  # verified once; submitted and rejected have no value
    assert figures["socialReturnFteYears"].value == pytest.approx(
        float(sum(e.sr_fte_years for e in stored if e.sr_fte_years is not None)))  # fmt: skip
    for figure in summary.figures:
        if figure.value is not None:
            assert figure.low is not None
            assert figure.high is not None
            assert figure.low <= figure.value <= figure.high
    # car: 5,000 × 1.5 (rule) = 7,500 (15,000.8 of 20,000.5 km delivered); own set: 1,234.56 × 2 (own multiple)
    assert figures["sanctionsDue"].value == pytest.approx(9969.12)


def test_a_figure_at_an_exact_half_is_stored_rounded_up_on_every_database() -> None:
    """60000.125 kWh x 0.244 = 14640.0305 kg: SQLite's adapter rounds half to even (14640.030), PostgreSQL half away
    from zero (14640.031); the row is rounded here first, so both keep 14640.031."""
    from mvimonitor.effects.recalculation import ROW_COLUMNS, stored

    row = [None] * len(ROW_COLUMNS)
    row[ROW_COLUMNS.index("ex_ante_kg")] = Decimal("60000.125") * Decimal("0.244")
    row[ROW_COLUMNS.index("sr_value")] = Decimal("10.005")

    kept = stored(row)

    assert kept[ROW_COLUMNS.index("ex_ante_kg")] == Decimal("14640.031")
    assert kept[ROW_COLUMNS.index("sr_value")] == Decimal("10.01")
