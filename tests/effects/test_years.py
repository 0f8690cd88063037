"""Effects per calendar year and per RIVM period: pro rata by days, leap years counted, years adding up to periods."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from mvimonitor.effects import periods, recalculation, selectors, services
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
