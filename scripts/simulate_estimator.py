"""Bias and 95% interval coverage of the national estimator over many seeds (docs/effects.md gives the figures).

For each scenario (random reporting at 10%, 30%, 50%; self-selected reporting at 30%, keenness independent of size
and kind or growing with size) it draws `--runs` synthetic populations and reporting patterns
(`mvimonitor/effects/simulation.py`), estimates each national total with `estimator.estimate_totals` and prints the
mean relative error (bias), the share of 95% intervals that hold the true total (coverage), the mean interval width
and how often the self-selection warning was raised.

    .venv/bin/python scripts/simulate_estimator.py                 # 500 runs per scenario, 1,000 draws
    .venv/bin/python scripts/simulate_estimator.py --runs 100 --draws 400
"""

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mvimonitor.effects import simulation

SCENARIOS = [("random", 0.1), ("random", 0.3), ("random", 0.5), ("selected", 0.3), ("selected_size", 0.3)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--organisations", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    print(f"{args.runs} runs per scenario, {args.draws} bootstrap draws, {args.organisations} organisations")
    print("| Reporting | Share | Bias | 95% coverage (± 2 s.e.) | Mean interval width | Self-selection warning |")
    print("| --- | --- | --- | --- | --- | --- |")
    for scenario, share in SCENARIOS:
        started = time.perf_counter()
        o = simulation.run(scenario, share, args.runs, args.seed, draws=args.draws, n=args.organisations)
        margin = 2 * math.sqrt(o.coverage * (1 - o.coverage) / o.runs)
        print(
            f"| {scenario} | {share:.0%} | {o.bias:+.1%} | {o.coverage:.1%} (± {margin:.1%}) | {o.width:.1%} "
            f"| {o.warned:.0%} |  <!-- {time.perf_counter() - started:.0f} s -->"
        )


if __name__ == "__main__":
    main()
