"""The national estimator: collapsing of sparse strata, finite-population correction, diagnostics, and a fixed-seed
simulation of its bias and interval coverage (docs/effects.md gives the many-seed figures)."""

import numpy as np
import pytest

from mvimonitor.effects import estimator, simulation


def _estimate(kinds: list[str], sizes: list[float], y: list[float], reporting: list[bool], **kw: object):  # type: ignore[no-untyped-def]
    return estimator.estimate_totals(
        np.array(kinds),
        np.array(sizes),
        np.array(y),
        np.array(reporting),
        draws=kw.pop("draws", 400),
        seed=1,
        **kw,  # type: ignore[arg-type]
    )


def test_hand_worked_ratio_estimate_with_a_sparse_size_class_merged_into_its_neighbour() -> None:
    """Municipalities of sizes 10, 20, 30 (small), 40, 50, 60 (medium), 70, 80, 90 (large) by tertiles.

    Small: two reporters (10 → 5, 20 → 10): ratio 15 / 30 = 0.5, X = 60 → 30.
    Medium: one reporter (40 → 8): fewer than 2, merges with its larger neighbour, large, which has two reporters
    (70 → 21, 80 → 16): ratio (8 + 21 + 16) / (40 + 70 + 80) = 45 / 190, X = 40 + 50 + 60 + 70 + 80 + 90 = 390 →
    45 × 390 / 190 = 92.368…; national 30 + 92.368 = 122.368.
    """
    nan = float("nan")
    result = _estimate(
        ["gemeente"] * 9,
        [10, 20, 30, 40, 50, 60, 70, 80, 90],
        [5, 10, nan, 8, nan, nan, 21, 16, nan],
        [True, True, False, True, False, False, True, True, False],
    )

    assert result.values[0] == pytest.approx(30 + 45 * 390 / 190)
    groups = result.diagnostics.groups
    assert [g.size_classes for g in groups] == [("small",), ("medium", "large")]
    assert result.diagnostics.collapsed == 1
    medium = next(s for s in result.diagnostics.strata if s.size_class == "medium")
    assert (medium.organisations, medium.reporters, medium.share) == (3, 1, pytest.approx(1 / 3))
    assert result.diagnostics.value_covered == pytest.approx((10 + 20 + 40 + 70 + 80) / 450)
    assert result.low[0] < result.values[0] < result.high[0]


def test_a_kind_with_one_reporter_is_pooled_and_a_pool_with_one_reporter_uses_the_ratio_of_all_reporters() -> None:
    """Municipalities: 4 reporters, ratio 0.5. Province (one reporter, ratio 1.0) and water board (none) pool
    together; the pool has one reporter, so it takes the ratio of all reporters: (2+4+6+8+10)/(4+8+12+16+10) = 0.6,
    X_pool = 10 + 20 = 30 → 18; municipalities 0.5 × (4+8+12+16) = 20; national 38."""
    result = _estimate(
        ["gemeente"] * 4 + ["provincie", "waterschap"],
        [4, 8, 12, 16, 10, 20],
        [2, 4, 6, 8, 10, 0],
        [True, True, True, True, True, False],
        classes=np.array(["small"] * 6),
    )

    assert result.values[0] == pytest.approx(20 + 0.6 * 30)
    pool = result.diagnostics.groups[-1]
    assert pool.kinds == ("provincie", "waterschap")
    assert pool.national_ratio
    assert np.isfinite(result.low[0])
    assert result.low[0] < result.high[0]  # the pooled ratio's spread is in the interval


def test_a_census_has_no_sampling_interval_and_the_correction_narrows_it() -> None:
    """Everyone reports: the estimate is the observed total and the finite-population correction leaves no spread."""
    rng = np.random.default_rng(3)
    sizes = rng.uniform(1, 10, 40)
    y = sizes * rng.uniform(0.5, 1.5, 40)
    everyone = _estimate(["gemeente"] * 40, sizes.tolist(), y.tolist(), [True] * 40)
    most = _estimate(["gemeente"] * 40, sizes.tolist(), y.tolist(), [True] * 36 + [False] * 4)
    few = _estimate(["gemeente"] * 40, sizes.tolist(), y.tolist(), [True] * 8 + [False] * 32)

    assert everyone.values[0] == pytest.approx(y.sum())
    assert everyone.low[0] == pytest.approx(y.sum())
    assert everyone.high[0] == pytest.approx(y.sum())
    assert (most.high[0] - most.low[0]) < (few.high[0] - few.low[0])
    assert estimator.fpc_scale(2, 4) == pytest.approx(1.0)  # √((1 − 2/4) · 2/1)
    assert estimator.fpc_scale(10, 10) == 0.0


def test_columns_estimated_together_add_up() -> None:
    """Years estimated with the same reporters add up to their period, as the two-year totals must."""
    rng = np.random.default_rng(5)
    sizes = rng.uniform(1, 10, 30)
    y2023, y2024 = sizes * 0.3, sizes * rng.uniform(0, 1, 30)
    reporting = rng.random(30) < 0.5
    result = estimator.estimate_totals(
        np.array(["gemeente"] * 30), sizes, np.column_stack([y2023 + y2024, y2023, y2024]), reporting, draws=50, seed=2
    )

    assert result.values[0] == pytest.approx(result.values[1] + result.values[2])


def test_no_reporter_gives_no_number_and_one_reporter_no_interval() -> None:
    none = _estimate(["gemeente"] * 3, [1, 2, 3], [0, 0, 0], [False] * 3)
    one = _estimate(["gemeente"] * 3, [1, 2, 3], [2, 0, 0], [True, False, False])

    assert np.isnan(none.values[0])
    assert one.values[0] == pytest.approx(12.0)
    assert np.isnan(one.low[0])


def test_self_selection_warning_on_size_and_kind_but_not_on_random_reporting() -> None:
    rng = np.random.default_rng(11)
    n = 1200
    kinds = rng.choice(["gemeente", "rijk", "provincie"], n)
    sizes = np.exp(rng.normal(15, 1, n))
    larger = sizes > np.median(sizes)
    by_size = rng.random(n) < np.where(larger, 0.45, 0.15)
    by_kind = rng.random(n) < np.where(kinds == "rijk", 0.6, 0.2)
    at_random = rng.random(n) < 0.3

    assert estimator.balance(kinds, sizes, by_size).size_differs
    assert estimator.balance(kinds, sizes, by_kind).kind_differs
    assert not estimator.balance(kinds, sizes, at_random).self_selection


def test_simulation_random_reporting_is_unbiased_and_covers_fixed_seed() -> None:
    """60 populations, 30% random reporting: mean relative error within 3%, 95% intervals hold the truth in at least
    85% of runs (scripts/simulate_estimator.py gives the figures over many seeds)."""
    outcome = simulation.run("random", 0.3, runs=60, seed=20261203, draws=200, n=1000)

    assert abs(outcome.bias) < 0.03
    assert outcome.coverage >= 0.85


def test_simulation_self_selection_biases_and_is_flagged_when_it_shows_in_size() -> None:
    """Keen organisations three times as likely to report: the estimate is biased upwards (the interval does not
    cover that), and when keenness grows with size the warning is raised."""
    outcome = simulation.run("selected_size", 0.3, runs=20, seed=20261203, draws=100, n=1000)

    assert outcome.bias > 0.04
    assert outcome.warned >= 0.9


def test_figures_with_the_same_reporters_share_one_estimator_run_and_get_what_a_run_of_their_own_gives() -> None:
    from mvimonitor.effects.national import _estimates

    rng = np.random.default_rng(5)
    kinds = np.array(["gemeente"] * 30 + ["provincie"] * 6 + ["waterschap"] * 8)
    sizes = rng.uniform(1e5, 5e7, len(kinds))
    position = np.arange(len(kinds))  # every organisation in the table is an active one, in the same order
    co2 = rng.random(len(kinds)) < 0.4
    other = rng.random(len(kinds)) < 0.6
    per_figure = {
        "co2": (rng.uniform(0, 100, (len(kinds), 3)), co2),
        "nox": (rng.uniform(0, 5, (len(kinds), 3)), co2.copy()),  # the same reporters as co2
        "fte": (rng.uniform(0, 9, (len(kinds), 3)), other),
    }

    together = _estimates(per_figure, position, kinds, sizes, None, draws=200, seed=11)

    for key, (y, reporting) in per_figure.items():
        alone = estimator.estimate_totals(
            kinds, sizes, np.where(reporting[:, None], y, 0), reporting, draws=200, seed=11
        )
        np.testing.assert_array_equal(together[key].values, alone.values)
        np.testing.assert_array_equal(together[key].low, alone.low)
        np.testing.assert_array_equal(together[key].high, alone.high)
        assert together[key].reporting == int(reporting.sum())
