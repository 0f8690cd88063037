"""A synthetic population of organisations to check the national estimator: bias and 95% interval coverage.

Used by the simulation test (fixed seed, fast) and `scripts/simulate_estimator.py` (many seeds); docs/effects.md gives
the figures. The population is invented, not calibrated: kinds in about the proportions of Dutch contracting
authorities, sizes lognormal by kind, an effect proportional to size with a kind-specific ratio and lognormal noise,
and "keen" organisations (30%) whose effect per euro is 1.5 times as large. One in ten organisations has no
contracts (size 0, effect 0), and cannot report.

Reporting scenarios: `random` (each organisation with contracts reports with probability `share`); `selected` (keen
organisations three times as likely to report as others, `share` overall; keenness independent of size and kind, so
nothing observable betrays it); `selected_size` (the same, but keenness grows with size, which the self-selection
warning can see).
"""

from dataclasses import dataclass

import numpy as np

from . import estimator
from .estimator import FloatArray

KINDS = (
    ("gemeente", 0.40, 16.0, 1.0),  # (kind, share, mean log size, effect per unit of size)
    ("rijk", 0.10, 18.0, 0.8),
    ("provincie", 0.03, 17.5, 1.2),
    ("waterschap", 0.03, 16.5, 1.5),
    ("publiekrechtelijke_instelling", 0.30, 15.0, 0.6),
    ("samenwerkingsverband", 0.09, 14.5, 0.9),
    ("overig", 0.05, 14.0, 0.7),
)
KEEN_SHARE = 0.3
KEEN_EFFECT = 1.5
KEEN_LIKELIER = 3.0
SCENARIOS = ("random", "selected", "selected_size")


@dataclass(frozen=True)
class Population:
    kinds: np.ndarray
    sizes: FloatArray
    y: FloatArray
    keen: np.ndarray

    @property
    def total(self) -> float:
        return float(self.y.sum())


def population(rng: np.random.Generator, n: int = 1500, *, keen_by_size: bool = False) -> Population:
    shares = np.array([k[2 - 1] for k in KINDS])
    kind_index = rng.choice(len(KINDS), size=n, p=shares / shares.sum())
    mean_log = np.array([k[2] for k in KINDS])[kind_index]
    ratio = np.array([k[3] for k in KINDS])[kind_index] * 1e-3
    sizes = np.exp(rng.normal(mean_log, 1.0))
    sizes[rng.random(n) < 0.1] = 0.0
    if keen_by_size:
        rank = np.argsort(np.argsort(sizes)) / max(n - 1, 1)
        keen = rng.random(n) < (KEEN_SHARE * 2 * rank)
    else:
        keen = rng.random(n) < KEEN_SHARE
    y = sizes * ratio * np.exp(rng.normal(-0.18, 0.6, n)) * np.where(keen, KEEN_EFFECT, 1.0)
    kinds = np.array([k[0] for k in KINDS])[kind_index]
    return Population(kinds, sizes, y, keen)


def reporters(rng: np.random.Generator, pop: Population, share: float, scenario: str) -> np.ndarray:
    could = pop.sizes > 0
    if scenario == "random":
        chance = np.full(len(pop.sizes), share)
    else:
        weight = np.where(pop.keen, KEEN_LIKELIER, 1.0)
        chance = np.minimum(1.0, share * weight / weight[could].mean())
    return could & (rng.random(len(pop.sizes)) < chance)


@dataclass(frozen=True)
class Outcome:
    scenario: str
    share: float
    runs: int
    bias: float  # mean relative error of the point estimate
    coverage: float  # share of runs whose 95% interval holds the true total
    width: float  # mean interval width relative to the true total
    warned: float  # share of runs with the self-selection warning


def run(scenario: str, share: float, runs: int, seed: int, *, draws: int = 400, n: int = 1500) -> Outcome:
    """`runs` populations and reporting draws from `seed`; each estimated with `draws` bootstrap draws."""
    errors, covered, widths, warned = [], 0, [], 0
    for run_index in range(runs):
        rng = np.random.default_rng([seed, run_index])
        pop = population(rng, n, keen_by_size=scenario == "selected_size")
        reporting = reporters(rng, pop, share, scenario)
        result = estimator.estimate_totals(pop.kinds, pop.sizes, pop.y, reporting, draws=draws, seed=seed + run_index)
        truth = pop.total
        errors.append((float(result.values[0]) - truth) / truth)
        covered += bool(result.low[0] <= truth <= result.high[0])
        widths.append(float(result.high[0] - result.low[0]) / truth)
        warned += result.diagnostics.balance.self_selection
    return Outcome(
        scenario, share, runs, float(np.mean(errors)), covered / runs, float(np.mean(widths)), warned / runs
    )
