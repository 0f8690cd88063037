"""Effects per calendar year and per RIVM period: pro rata by days, leap years counted, years adding up to periods."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from mvimonitor.effects import periods, recalculation, selectors, services, yearly
from mvimonitor.effects.models import BuildingBlockTable, EffectCalculation, SocialReturnPolicy
from mvimonitor.themes.models import Theme
from tests.effects.conftest import make_side
from tests.factories import ContractFactory, LotFactory


def test_hand_worked_split_across_two_year_boundaries_and_a_leap_year() -> None:
    """1 Jul 2023 – 30 Jun 2025 has 731 days: 184 in 2023 (Jul–Dec), 366 in 2024 (leap), 181 in 2025 (Jan–Jun).
    7,310 kg spread over it: 1,840 + 3,660 + 1,810; RIVM period 2023–2024 = 1,840 + 3,660 = 5,500."""
    start, end = dt.date(2023, 7, 1), dt.date(2025, 6, 30)

    assert periods.days_per_year(start, end) == {2023: 184, 2024: 366, 2025: 181}
    shares = periods.year_shares(start, end)
    assert {year: 7310 * share for year, share in shares.items()} == {2023: 1840, 2024: 3660, 2025: 1810}
    assert sum(shares.values()) == 1
    split = periods.spread(np.array([7310.0]), *_days(start, end), [2023, 2024, 2025])
    assert split.tolist() == [[pytest.approx(1840), pytest.approx(3660), pytest.approx(1810)]]
    assert periods.rivm_period(2023) == periods.rivm_period(2024) == (2023, 2024)
    assert split[0, 0] + split[0, 1] == pytest.approx(5500)


def test_leap_day_counts_in_its_year() -> None:
    """1 Dec 2023 – 1 Mar 2024: 31 days in 2023, 31 + 29 + 1 = 61 in 2024 (92 in all)."""
    assert periods.year_shares(dt.date(2023, 12, 1), dt.date(2024, 3, 1)) == {
        2023: Fraction(31, 92),
        2024: Fraction(61, 92),
    }


def test_rivm_periods_are_the_published_two_year_periods_continued() -> None:
    assert periods.rivm_period(2014) is None
    assert [periods.rivm_period(y) for y in (2015, 2016, 2021, 2022)] == [(2015, 2016)] * 2 + [(2021, 2022)] * 2
    assert periods.rivm_period(2026) == (2025, 2026)
    assert periods.rivm_periods([2024, 2025, 2026, 2027]) == [(2023, 2024), (2025, 2026), (2027, 2028)]


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        periods.days_per_year(dt.date(2024, 2, 1), dt.date(2024, 1, 1))


def _days(start: dt.date, end: dt.date) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    return np.array([periods.epoch_day(start)]), np.array([periods.epoch_day(end)])


def _electricity(side, contract=None, quantity: int = 100000):  # type: ignore[no-untyped-def]
    return services.commitment_create(
        user=side.manager, contract=contract or side.contract, theme=Theme.objects.get(code="klimaat"),
        kind="electricity", description="stroom", quantity=Decimal(quantity), unit="kWh",
        factor_code="green-power-government-average", reference_factor_code="electricity-nl-mix-2021",
    )  # fmt: skip


@pytest.mark.django_db
def test_organisation_figures_per_year_add_up_to_the_whole_and_to_their_periods(effects_reference: None) -> None:
    """A commitment over its contract, 1 Jul 2023 – 30 Jun 2025 (731 days), avoiding 24.7 t ex ante: 2023 gets
    24.7 × 184/731, 2024 24.7 × 366/731, 2025 24.7 × 181/731; RIVM 2023–2024 is the first two, 2025–2026 the last."""
    side = make_side("Gemeente Jaren")
    contract = ContractFactory(
        lot=LotFactory(tender=side.contract.lot.tender), value=Decimal(500000),
        start_date=dt.date(2023, 7, 1), end_date=dt.date(2025, 6, 30),
    )  # fmt: skip
    _electricity(side, contract)
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))

    summary = selectors.organisation_summary(side.organisation, draws=50)

    column = summary.period_keys.index("co2ExAnteTonnes")
    values = {row.label: row.cells[column].value for row in summary.periods}
    assert values["2023"] == pytest.approx(24.7 * 184 / 731)
    assert values["2024"] == pytest.approx(24.7 * 366 / 731)
    assert values["2025"] == pytest.approx(24.7 * 181 / 731)
    assert values["2026"] is None  # no calculable commitment reaches it
    assert values["2023–2024"] == pytest.approx(values["2023"] + values["2024"])
    assert values["2025–2026"] == pytest.approx(values["2025"])
    assert sum(values[y] for y in ("2023", "2024", "2025")) == pytest.approx(24.7)
    assert "sanctionsDue" not in summary.period_keys


def _contract(side, start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    return ContractFactory(lot=LotFactory(tender=side.contract.lot.tender), value=Decimal(500000),
                           start_date=start, end_date=end)  # fmt: skip


def _gas_without_reference(side, contract):  # type: ignore[no-untyped-def]
    """Natural gas with no reference option: not calculable (no_reference)."""
    return services.commitment_create(
        user=side.manager, contract=contract, theme=Theme.objects.get(code="klimaat"), kind="natural_gas",
        description="gas", quantity=Decimal(1000), unit="m3", factor_code="natural-gas",
    )  # fmt: skip


@pytest.mark.django_db
def test_one_year_of_an_organisation_with_its_interval_and_the_commitments_that_reach_it(
    effects_reference: None,
) -> None:
    """A: 100,000 kWh, 24.7 t ex ante, 1 Jul 2025 – 30 Jun 2026 (365 days: 184 in 2025, 181 in 2026). B: 200,000 kWh,
    49.4 t, all of 2025. C: gas with no reference (not calculable), all of 2026.

    2025: A gives 24.7 × 184/365 = 12.4515 t, B 49.4 t: 61.8515 t from 2 calculable commitments, C does not run in
    2025. The bootstrap resamples these two parts: a draw is 2 × 12.4515, 12.4515 + 49.4 or 2 × 49.4 (a quarter of
    the draws each end), so the 2.5th percentile is 24.9030 and the 97.5th 98.8.
    2026: A gives 24.7 × 181/365 = 12.2485 t; 1 calculable (A) and 1 not (C); one unit: the interval is the value.
    2027: no commitment runs: no figure."""
    side = make_side("Gemeente Jaarcijfer")
    _electricity(side, _contract(side, dt.date(2025, 7, 1), dt.date(2026, 6, 30)))
    _electricity(side, _contract(side, dt.date(2025, 1, 1), dt.date(2025, 12, 31)), quantity=200000)
    _gas_without_reference(side, _contract(side, dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))

    y2025 = yearly.organisation_year_figures(side.organisation.pk, 2025)["co2ExAnteTonnes"]
    y2026 = yearly.organisation_year_figures(side.organisation.pk, 2026)["co2ExAnteTonnes"]
    y2027 = yearly.organisation_year_figures(side.organisation.pk, 2027)["co2ExAnteTonnes"]

    assert y2025.value == pytest.approx(24.7 * 184 / 365 + 49.4)
    assert (y2025.low, y2025.high) == (pytest.approx(2 * 24.7 * 184 / 365), pytest.approx(2 * 49.4))
    assert (y2025.calculable, y2025.not_calculable) == (2, 0)
    assert y2026.value == y2026.low == y2026.high == pytest.approx(24.7 * 181 / 365)
    assert (y2026.calculable, y2026.not_calculable) == (1, 1)
    assert (y2027.value, y2027.low, y2027.high, y2027.calculable, y2027.not_calculable) == (None, None, None, 0, 0)
    # nothing delivered yet: ex post has no figure, and both CO2 commitments of 2025 count as not calculable
    ex_post = yearly.organisation_year_figures(side.organisation.pk, 2025)["co2ExPostTonnes"]
    assert (ex_post.value, ex_post.calculable, ex_post.not_calculable) == (None, 0, 2)
    # the year agrees with the dashboard's table per year, and a sanction, which is no effect, has no year figure
    summary = selectors.organisation_summary(side.organisation, draws=10)
    column = summary.period_keys.index("co2ExAnteTonnes")
    assert {row.label: row.cells[column].value for row in summary.periods}["2025"] == pytest.approx(y2025.value)
    assert "sanctionsDue" not in yearly.organisation_year_figures(side.organisation.pk, 2025)


@pytest.mark.django_db
def test_fte_years_of_a_year_come_from_the_reported_periods(effects_reference: None) -> None:
    """A social-return commitment over 2024–2025 (731 days) whose calculation stored 1 FTE-year, 0.667 of it reported
    in 2024 and 0.333 in 2025: the 2024 figure is 0.667, not the 1 × 366/731 = 0.5007 a spread would give."""
    side = make_side("Gemeente Fte")
    commitment = services.commitment_create(
        user=side.manager, contract=side.contract, theme=Theme.objects.get(code="sroi"), kind="social_return",
        description="Social return 2%", unit="EUR",
        social_return_policy=SocialReturnPolicy.objects.get(code="sudwest-fryslan-2023"),
        block_table=BuildingBlockTable.objects.get(code="haaglanden-zhc"),
    )  # fmt: skip
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))
    EffectCalculation.objects.current().filter(commitment=commitment).update(
        sr_fte_years=Decimal(1), sr_fte_by_year={"2024": "0.667", "2025": "0.333"}
    )

    figure = yearly.organisation_year_figures(side.organisation.pk, 2024)["socialReturnFteYears"]

    assert (figure.value, figure.calculable, figure.not_calculable) == (pytest.approx(0.667), 1, 0)
