"""The pure calculators, each with one example worked out by hand in its docstring, and the bad-input cases."""

import itertools
from datetime import date
from decimal import Decimal as D

import numpy as np
import pytest

from mvimonitor.effects import calculations as calc

FACTORS = {
    # kg CO2-eq per unit, as in the shipped set (domain.md §7)
    "green": calc.Factor("green", "kWh", D("0.127")),
    "grid": calc.Factor("grid", "kWh", D("0.374"), D("0.300"), D("0.074")),
    "petrol": calc.Factor("petrol", "litre", D("2.74"), D("2.269"), D("0.471")),
    "ev": calc.Factor("ev", "vkm", D("0.109"), D("0"), D("0.109")),
    "no-wtw": calc.Factor("no-wtw", "kWh", None, D("0.1")),
}


def _co2(
    promised: D, unit: str, code: str, ref_qty: D, ref_unit: str, ref_code: str, delivered: D | None
) -> calc.Co2Figures:
    return calc.co2_figures(promised, unit, code, ref_qty, ref_unit, ref_code, delivered, calc.FactorLookup(FACTORS))


def test_co2_green_power_hand_worked() -> None:
    """100,000 kWh of green power (0.127 kg/kWh) instead of the grid mix (0.374 kg/kWh), nothing verified yet:

    actual    = 100,000 × 0.127 = 12,700 kg
    reference = 100,000 × 0.374 = 37,400 kg
    effect    = 37,400 − 12,700 = 24,700 kg CO2-eq avoided; no ex-post figure, and that is not a problem
    """
    ex_ante, ex_post, reference_kg, calculable, problem = _co2(
        D(100000), "kWh", "green", D(100000), "kWh", "grid", None
    )

    assert (ex_ante, ex_post, reference_kg, calculable, problem) == (D(24700), None, D(37400), True, None)


def test_co2_ex_post_scales_the_reference_hand_worked() -> None:
    """Promised 20,000 km by electric car instead of 1,300 l petrol; 15,000 km verified.

    ex ante: reference 1,300 × 2.74 = 3,562 kg; actual 20,000 × 0.109 = 2,180 kg; effect 1,382 kg
    ex post: reference scaled 1,300 × 15,000 / 20,000 = 975 l → 975 × 2.74 = 2,671.5 kg;
             actual 15,000 × 0.109 = 1,635 kg; effect 2,671.5 − 1,635 = 1,036.5 kg
    """
    ex_ante, ex_post, reference_kg, calculable, problem = _co2(
        D(20000), "vkm", "ev", D(1300), "litre", "petrol", D(15000)
    )

    assert (ex_ante, ex_post, reference_kg, calculable, problem) == (D(1382), D("1036.5"), D(3562), True, None)


BLOCKS = {
    # Haaglanden table (domain.md §5): max 12 months for WW, 24 for Participatiewet, no maximum for Banenafspraak
    "ww": calc.BuildingBlock("ww", calc.BASIS_PER_YEAR, D(20000), 12),
    "participatiewet": calc.BuildingBlock("participatiewet", calc.BASIS_PER_YEAR, D(40000), 24),
    "banenafspraak": calc.BuildingBlock("banenafspraak", calc.BASIS_PER_YEAR, D(50000), None),
    "bonus-55-plus": calc.BuildingBlock("bonus-55-plus", calc.BASIS_PER_YEAR, D(10000), None, counts_as_fte=False),
    "training": calc.BuildingBlock("training", calc.BASIS_AMOUNT, None, None, counts_as_fte=False),
    "hours": calc.BuildingBlock("hours", calc.BASIS_PER_HOUR, D(100), None, counts_as_fte=False),
}


def test_social_return_value_hand_worked() -> None:
    """Haaglanden table:

    2 people on WW for 18 months at 36 h: count max 12 months → 2 × 20,000 × 12/12 = 40,000; FTE-years 2 × 12/12 = 2
    1 person Participatiewet 30 months at 18 h: max 24 → 1 × 40,000 × 24/12 × 18/36 = 40,000; FTE-years 24/12 × 0.5 = 1
    1 Banenafspraak 36 months at 36 h: no maximum → 50,000 × 36/12 = 150,000; FTE-years 3
    bonus 55+ for that person, 6 months: 10,000 × 6/12 = 5,000 (a bonus adds no FTE)
    training costs: €1,234.50 as spent
    total value = 40,000 + 40,000 + 150,000 + 5,000 + 1,234.50 = 236,234.50; FTE-years = 2 + 1 + 3 = 6
    """
    result = calc.social_return_value(
        [
            calc.Placement("ww", 2, D(18)),
            calc.Placement("participatiewet", 1, D(30), D(18)),
            calc.Placement("banenafspraak", 1, D(36)),
            calc.Placement("bonus-55-plus", 1, D(6)),
            calc.Placement("training", 1, amount=D("1234.50")),
        ],
        BLOCKS,
    )

    assert result.calculable is True
    assert result.value == D("236234.50")
    assert result.fte_years == D(6)
    assert [line.counted_months for line in result.lines[:3]] == [D(12), D(24), D(36)]


@pytest.mark.parametrize(
    ("placement", "code"),
    [
        (calc.Placement("unknown", 1, D(6)), calc.NO_BLOCK),
        (calc.Placement("ww", -1, D(6)), calc.NEGATIVE_QUANTITY),
        (calc.Placement("ww", 1, D(-1)), calc.BAD_MONTHS),
        (calc.Placement("ww", 1, D(6), D(100)), calc.BAD_HOURS),
        (calc.Placement("training", 1), calc.NO_AMOUNT),
        (calc.Placement("hours", 1, amount=D(-3)), calc.NEGATIVE_QUANTITY),
    ],
)
def test_impossible_placements_are_not_counted(placement: calc.Placement, code: str) -> None:
    result = calc.social_return_value([placement], BLOCKS)

    assert result.calculable is False
    assert result.problems[0].code == code
    assert result.lines[0].value is None


@pytest.mark.parametrize(
    ("base", "percentage", "cap", "expected"),
    [
        # Súdwest-Fryslân: 2% of €1,000,000 = €20,000 (under the €300,000 cap)
        (D(1000000), D(2), D(300000), D("20000.00")),
        # 2% of €20,000,000 = €400,000, capped at €300,000
        (D(20000000), D(2), D(300000), D(300000)),
        # 5% of a wage sum of €123,456.78 = €6,172.839 → €6,172.84
        (D("123456.78"), D(5), None, D("6172.84")),
    ],
)
def test_social_return_obligation(base: D, percentage: D, cap: D | None, expected: D) -> None:
    assert calc.social_return_obligation(base, percentage, cap) == expected


@pytest.mark.parametrize(
    ("base", "percentage", "code"),
    [(None, D(5), calc.NO_BASE), (D(-1), D(5), calc.NEGATIVE_QUANTITY), (D(1), D(101), calc.BAD_PERCENTAGE),
     (D(1), None, calc.BAD_PERCENTAGE)],
)  # fmt: skip
def test_social_return_obligation_bad_input(base: D | None, percentage: D | None, code: str) -> None:
    result = calc.social_return_obligation(base, percentage)

    assert isinstance(result, calc.Problem)
    assert result.code == code


def test_sanction_hand_worked() -> None:
    """A CO2-Prestatieladder promise won a fictitious discount of €12,000; the level was not reached.

    Rijkswaterstaat rule: 1.5 × the advantage = 1.5 × 12,000 = €18,000.
    """
    result = calc.sanction(
        promised=D(1),
        delivered=D(0),
        period_end=date(2025, 12, 31),
        as_of=date(2026, 1, 1),
        award_advantage=D(12000),
        multiple=D("1.5"),
    )

    assert result.status == calc.SANCTION_DUE
    assert result.amount == D("18000.00")


@pytest.mark.parametrize(
    ("delivered", "as_of", "advantage", "multiple", "status", "amount", "code"),
    [
        (D(100), date(2026, 1, 1), D(10), D(2), calc.SANCTION_NONE, D(0), None),  # kept
        (D(50), date(2025, 6, 1), D(10), D(2), calc.SANCTION_PENDING, None, None),  # period still running
        (None, date(2026, 1, 1), D(10), D(2), calc.SANCTION_DUE, D("20.00"), None),  # nothing verified
        (D(50), date(2026, 1, 1), None, D(2), calc.SANCTION_DUE, None, calc.NO_ADVANTAGE),
        (D(50), date(2026, 1, 1), D(10), None, calc.SANCTION_DUE, None, calc.NO_MULTIPLE),
    ],
)
def test_sanction_cases(
    delivered: D | None, as_of: date, advantage: D | None, multiple: D | None, status: str, amount: D | None,
    code: str | None,
) -> None:  # fmt: skip
    result = calc.sanction(
        promised=D(100),
        delivered=delivered,
        period_end=date(2025, 12, 31),
        as_of=as_of,
        award_advantage=advantage,
        multiple=multiple,
    )

    assert result.status == status
    assert result.amount == amount
    assert (result.problem.code if result.problem else None) == code


def test_bootstrap_is_seeded_and_brackets_the_total() -> None:
    values = np.array([1.0, 2.0, 3.0, 10.0])

    first = calc.bootstrap_total(values, 1000, seed=7)
    second = calc.bootstrap_total(values, 1000, seed=7)

    assert first == second
    assert first.value == 16.0
    assert first.low < 16.0 < first.high


def test_grouped_bootstrap_matches_totals_per_group() -> None:
    """Groups 5 → [1, 2] (total 3) and 9 → [10] (total 10: one unit, so every draw is 10)."""
    values = np.array([[1.0, 10.0, 2.0]])
    groups = np.array([5, 9, 5])

    totals, low, high = calc.grouped_bootstrap_totals(values, groups, 500, seed=3)

    assert totals.tolist() == [[3.0, 10.0]]
    assert low[0][1] == high[0][1] == 10.0
    assert 2.0 <= low[0][0] <= 3.0 <= high[0][0] <= 4.0


def _reference_grouped_bootstrap(
    values: list[float], groups: list[int], draws: int, seed: int
) -> dict[int, tuple[float, float, float]]:
    """The same bootstrap written out plainly: a loop per draw, per group and per position, with the random words of
    the documented scheme (the 64-bit outputs of PCG64(seed), low half then high half; one word per draw and unit,
    draw-major, units in group order; one unused word per draw when the number of units is odd) and the index
    start + ⌊word × n / 2³²⌋ in Python's unbounded integers."""
    labels = sorted(set(groups))
    members = {g: [v for v, h in zip(values, groups, strict=True) if h == g] for g in labels}
    width = len(values) + len(values) % 2
    outputs = np.random.PCG64(seed).random_raw(draws * width // 2)
    words = [half for output in outputs.tolist() for half in (output & 0xFFFFFFFF, output >> 32)]
    result = {}
    offset = 0
    for g in labels:
        units = members[g]
        n = len(units)
        totals = []
        for d in range(draws):
            total = 0.0
            for i in range(n):
                pick = words[d * width + offset + i] * n >> 32
                assert 0 <= pick < n
                total += units[pick]
            totals.append(total)
        low, high = np.percentile(totals, [2.5, 97.5])
        result[g] = (sum(units), float(low), float(high))
        offset += n
    return result


@pytest.mark.parametrize("n_units", [120, 121])  # an odd number leaves one unused word per draw
def test_vectorised_grouped_bootstrap_gives_the_reference_intervals_for_a_fixed_seed(n_units: int) -> None:
    rng = np.random.default_rng(11)
    groups = [int(g) for g in rng.integers(0, 7, n_units)]  # seven organisations of different sizes
    values = [float(v) for v in np.round(rng.lognormal(8, 1.5, n_units), 3)]
    draws = 50  # several passes of BOOTSTRAP_CHUNK draws, and a partial last one

    totals, low, high = calc.grouped_bootstrap_totals(np.array(values), np.array(groups), draws, seed=5)
    expected = _reference_grouped_bootstrap(values, groups, draws, seed=5)

    assert draws % calc.BOOTSTRAP_CHUNK != 0
    for column, g in enumerate(sorted(expected)):
        total, ref_low, ref_high = expected[g]
        assert totals[0][column] == pytest.approx(total, rel=1e-12)
        assert (low[0][column], high[0][column]) == (
            pytest.approx(ref_low, rel=1e-12), pytest.approx(ref_high, rel=1e-12))  # fmt: skip
        assert low[0][column] < total < high[0][column]  # every group has several distinct values


def test_grouped_bootstrap_agrees_with_the_single_group_bootstrap_in_distribution() -> None:
    """A different random scheme from `bootstrap_total`, the same statistic: on one large group the interval ends of
    both agree within a few per cent (the Monte-Carlo error of 1,000 draws), and both shrink as 1/√n."""
    rng = np.random.default_rng(3)
    values = rng.lognormal(5, 1, 4000)

    grouped = calc.grouped_bootstrap_totals(values, np.zeros(4000, dtype=np.int64), 1000, seed=1)
    single = calc.bootstrap_total(values, 1000, seed=1)

    half_width_grouped = (grouped[2][0][0] - grouped[1][0][0]) / 2
    half_width_single = (single.high - single.low) / 2
    analytic = 1.96 * values.std() * np.sqrt(len(values))  # normal approximation of the bootstrap of a total
    assert half_width_grouped == pytest.approx(half_width_single, rel=0.08)
    assert half_width_grouped == pytest.approx(analytic, rel=0.08)


def _not_calculable(code: str, **details: str) -> calc.Co2Figures:
    return (None, None, None, False, calc.Problem(code, details))


CO2_CASES = [
    # (promised, unit, code, reference quantity, reference unit, reference code, verified delivered), then the
    # expected (ex ante kg, ex post kg, reference kg, calculable, problem), worked out by hand with FACTORS:
    # green 0.127 kg/kWh, grid 0.374 kg/kWh, petrol 2.74 kg/l, ev 0.109 kg/vkm
    pytest.param(
        (D(100000), "kWh", "green", D(100000), "kWh", "grid", D("60000.125")),
        # ex post: 100,000 × 60,000.125 / 100,000 = 60,000.125 kWh of both → 60,000.125 × (0.374 − 0.127)
        (D(24700), D("14820.030875"), D(37400), True, None),
        id="delivered-less-than-promised",
    ),
    pytest.param(
        (D("12.345"), "vkm", "ev", D("0.802"), "litre", "petrol", D("7.777")),
        # ex ante: 0.802 × 2.74 = 2.19748; − 12.345 × 0.109 = 1.345605 → 0.851875
        # ex post: 0.802 × 7.777 / 12.345 = 6.237154 / 12.345 = 0.50523726204941271769947347 (28 digits, the
        # division does not terminate) × 2.74 = 1.384350098015390846496557311; − 7.777 × 0.109 = 0.847693
        (D("0.851875"), D("0.536657098015390846496557311"), D("2.19748"), True, None),
        id="non-terminating-ratio",
    ),
    pytest.param(
        (D(0), "kWh", "green", D(0), "kWh", "grid", D(0)),
        (D(0), D(0), D(0), True, None),  # a real zero: nothing promised, nothing replaced
        id="nothing-promised",
    ),
    pytest.param(
        (D(0), "kWh", "green", D(5), "kWh", "grid", D(3)),
        # ex ante: 5 × 0.374 = 1.87 − 0; ex post: the reference scales to 0 (nothing promised), − 3 × 0.127 = −0.381
        (D("1.870"), D("-0.381"), D("1.870"), True, None),
        id="nothing-promised-but-delivered",
    ),
    pytest.param(
        (D(10), "kWh", "green", D(10), "kWh", "", D(5)),
        _not_calculable(calc.NO_REFERENCE),
        id="no-reference",
    ),
    pytest.param(
        (D(-1), "kWh", "green", D(10), "kWh", "grid", None),
        _not_calculable(calc.NEGATIVE_QUANTITY, role="actual", quantity="-1"),
        id="negative-promise",
    ),
    pytest.param(
        (D(10), "kWh", "green", D(-10), "kWh", "grid", None),
        _not_calculable(calc.NEGATIVE_QUANTITY, role="reference", quantity="-10"),
        id="negative-reference",
    ),
    pytest.param(
        (D(10), "kWh", "wind", D(10), "kWh", "grid", None),
        _not_calculable(calc.NO_FACTOR, role="actual", factor="wind"),
        id="no-factor-promised",
    ),
    pytest.param(
        (D(10), "kWh", "green", D(10), "kWh", "gas", None),
        _not_calculable(calc.NO_FACTOR, role="reference", factor="gas"),
        id="no-factor-reference",
    ),
    pytest.param(
        (D(10), "litre", "green", D(10), "kWh", "grid", None),
        _not_calculable(calc.UNIT_MISMATCH, role="actual", factor="green", factor_unit="kWh", unit="litre"),
        id="unit-mismatch-promised",
    ),
    pytest.param(
        (D(10), "kWh", "green", D(10), "m3", "grid", D(1)),
        _not_calculable(calc.UNIT_MISMATCH, role="reference", factor="grid", factor_unit="kWh", unit="m3"),
        id="unit-mismatch-reference",
    ),
    pytest.param(
        (D(10), "kWh", "no-wtw", D(10), "kWh", "grid", None),
        _not_calculable(calc.NO_WTW, role="actual", factor="no-wtw"),
        id="no-wtw",
    ),
    pytest.param(
        (D(10), "kWh", "green", D(10), "kWh", "grid", D(-2)),
        # ex ante stands (3.74 − 1.27 = 2.47); ex post is not a number and the problem says why
        (
            D("2.470"),
            None,
            D("3.740"),
            True,
            calc.Problem(calc.NEGATIVE_QUANTITY, {"role": "actual", "quantity": "-2"}),
        ),
        id="negative-delivery",
    ),
    pytest.param(
        (D(-1), "kWh", "wind", D(-1), "m3", "", None),
        _not_calculable(calc.NO_REFERENCE),  # several problems: the reference is checked first
        id="first-check-wins",
    ),
]


@pytest.mark.parametrize(("case", "expected"), CO2_CASES)
def test_co2_figures_on_every_branch(
    case: tuple[D, str, str, D, str, str, D | None], expected: calc.Co2Figures
) -> None:
    lookup = calc.FactorLookup(FACTORS)

    first = calc.co2_figures(*case, lookup)
    again = calc.co2_figures(*case, lookup)  # the memoised look-up gives the same answer

    assert first == again == expected
    ex_ante, _ex_post, _reference, calculable, _problem = first
    assert (ex_ante is None) == (not calculable)  # not calculable is no number, never 0


def test_figures_resampled_jointly_get_the_draws_they_would_get_alone() -> None:
    rng = np.random.default_rng(2)
    groups = rng.integers(0, 5, 60)
    first, second = rng.random(60), rng.random(60) * 100

    joint = calc.grouped_bootstrap_totals(np.vstack([first, second]), groups, 40, seed=9)
    alone = [calc.grouped_bootstrap_totals(v, groups, 40, seed=9) for v in (first, second)]

    for row, (totals, low, high) in enumerate(alone):
        assert np.array_equal(joint[0][row], totals[0])
        assert np.array_equal(joint[1][row], low[0])
        assert np.array_equal(joint[2][row], high[0])


@pytest.mark.parametrize("threads", [2, 3, 7])
def test_grouped_bootstrap_gives_the_same_bits_on_any_number_of_threads(threads: int) -> None:
    """Whole groups per thread, each with its columns of the one stream of words: one thread's result, bit for bit,
    whether the groups are shared out over 2, 3 or more threads than there are groups with units to spare."""
    rng = np.random.default_rng(4)
    groups = rng.integers(0, 5, 3001)  # five groups of unequal size, an odd number of units
    values = np.vstack([rng.lognormal(6, 1, 3001), rng.normal(0, 50, 3001)])

    alone = calc.grouped_bootstrap_totals(values, groups, 37, seed=8, threads=1)
    shared = calc.grouped_bootstrap_totals(values, groups, 37, seed=8, threads=threads)

    for one, many in zip(alone, shared, strict=True):
        assert one.shape == many.shape == (2, 5)
        assert np.array_equal(one, many)


def test_group_parts_never_split_a_group_and_cover_them_all() -> None:
    sizes = np.array([10, 1, 1, 1, 40, 3, 3])

    parts = calc._group_parts(sizes, 3)

    assert parts[0][0] == 0
    assert parts[-1][1] == len(sizes)
    assert all(last == first for (_a, last), (first, _b) in itertools.pairwise(parts))
    assert 2 <= len(parts) <= 3
    assert (4, 5) in parts or (0, 4) in parts  # the 40 units are one group, never cut
    balanced = calc._group_parts(np.full(2000, 50), 2)
    assert balanced == [(0, 1000), (1000, 2000)]
    assert calc._group_parts(sizes, 1) == [(0, 7)]
    assert calc._group_parts(np.array([5]), 4) == [(0, 1)]
