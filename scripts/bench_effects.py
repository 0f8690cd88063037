"""Benchmark: recompute every effect (CO2, social return, sanctions) for ≥100,000 contracts, with 1,000-draw intervals.

Builds a national synthetic data set in a scratch SQLite database (or the one in DATABASE_URL when --use-database
is given): `generate_demo` for the contracts, `generate_demo_effects` for commitments and realisations. Then it times
the recomputation the app does (`effects_recalculate`: read, compute with the pure calculators, write) and the
uncertainty intervals (per-organisation bootstrap over commitments and the national stratified ratio-estimator
bootstrap, 1,000 draws each). It prints the figures; it asserts nothing.

    .venv/bin/python scripts/bench_effects.py                      # ≈100k contracts in a scratch SQLite file
    .venv/bin/python scripts/bench_effects.py --organisations 2400 --years 4
    DATABASE_URL=postgres://… .venv/bin/python scripts/bench_effects.py --use-database
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def server_cpu(connection: "Any") -> float | None:
    """User + system CPU seconds of this session's PostgreSQL backend, when it runs on this machine (/proc)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def add_synthetic_indicators() -> None:
    """SYNTHETIC values (the item's WTW scaled per indicator; no source, for timing only) for every item of every set
    and every indicator beyond CO2 that has none yet."""
    from decimal import Decimal

    from mvimonitor.effects.indicators import EXTRA_INDICATORS
    from mvimonitor.effects.models import EmissionFactor, IndicatorFactor

    have = set(IndicatorFactor.objects.values_list("factor_set_id", "factor_code", "indicator"))
    scale = {"nox": "0.001", "pm10": "0.0001", "pm25": "0.00005", "rawMaterials": "0.0002", "water": "0.01"}
    rows = [
        IndicatorFactor(
            factor_set_id=factor.factor_set_id,
            factor_code=factor.code,
            indicator=indicator.code,
            value=(factor.wtw or Decimal(0)) * Decimal(scale[indicator.code]),
            unit=factor.unit,
            source="synthetic (bench_effects.py)",
            source_year=2026,
        )
        for factor in EmissionFactor.objects.all()
        for indicator in EXTRA_INDICATORS
        if (factor.factor_set_id, factor.code, indicator.code) not in have
    ]
    IndicatorFactor.objects.bulk_create(rows)
    print(f"synthetic indicator values added: {len(rows):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--use-database", action="store_true", help="use DATABASE_URL instead of a scratch file")
    parser.add_argument("--reuse", action="store_true", help="skip data generation (the database is filled already)")
    parser.add_argument(
        "--synthetic-indicators",
        action="store_true",
        help="give every item of every factor set a SYNTHETIC value for each indicator beyond CO2 (NOx, PM10, PM2.5, "
        "raw materials, water), so that every CO2 commitment has five indicator figures: the worst case",
    )
    args = parser.parse_args()

    scratch = None
    if not args.use_database:
        scratch = tempfile.mkdtemp(prefix="bench-effects-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mvimonitor.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from mvimonitor.effects import selectors
    from mvimonitor.effects.models import Commitment, EffectCalculation, IndicatorFigure, Realisation
    from mvimonitor.effects.recalculation import effects_recalculate
    from mvimonitor.tenders.models import Contract

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if not args.reuse:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_reference", verbosity=0)
        call_command("load_effects_reference", verbosity=0)
        call_command("generate_demo", organisations=args.organisations, years=args.years, seed=args.seed, verbosity=0)
        call_command("generate_demo_effects", seed=args.seed, today=datetime.date(2026, 11, 1), verbosity=0)
        print(f"data set built in {time.perf_counter() - started:.1f} s (not part of the measurement)")

    if args.synthetic_indicators:
        add_synthetic_indicators()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics of the fresh tables, as autovacuum keeps them

    contracts = Contract.objects.count()
    with_commitments = Commitment.objects.values("contract_id").distinct().count()
    print(
        f"contracts: {contracts:,}; with commitments: {with_commitments:,}; "
        f"commitments: {Commitment.objects.count():,}; realisations: {Realisation.objects.count():,}"
    )

    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    server0 = server_cpu(connection)
    t0, c0 = time.perf_counter(), time.process_time()
    result = effects_recalculate()
    t1, c1 = time.perf_counter(), time.process_time()
    # every figure of every organisation's dashboard, each resampled over its own commitments
    intervals = selectors.figure_intervals(EffectCalculation.objects.current(), draws=args.draws)
    t2, c2 = time.perf_counter(), time.process_time()
    national = selectors.national_summary(draws=args.draws)
    t3, c3 = time.perf_counter(), time.process_time()

    organisations = len({org for figure in intervals.values() for org in figure.organisations})
    print(
        f"recompute effects: {result.commitments:,} commitments "
        f"({result.calculable:,} calculable, {result.not_calculable:,} not calculable); "
        f"{result.written:,} calculations written, {result.superseded:,} kept as history; current indicator figures: "
        f"{IndicatorFigure.objects.filter(calculation__is_current=True).count():,}"
    )
    print(
        f"  read: {result.seconds_read:.2f} s; compute: {result.seconds_compute:.2f} s; "
        f"write: {result.seconds_write:.2f} s (wall clock)"
    )
    print(
        f"per-organisation bootstrap intervals ({args.draws} draws, {len(intervals)} figures, "
        f"{organisations} organisations): {t2 - t1:.2f} s"
    )
    print(
        f"national ratio estimator + stratified bootstrap ({args.draws} draws, {len(national.figures)} figures, "
        "through disclosure "
        f"control): {t3 - t2:.2f} s"
    )
    print(f"TOTAL recompute incl. intervals: {t3 - t0:.2f} s wall clock (target < 10 s)")
    print(
        f"  CPU time of this process: recompute {c1 - c0:.2f} s, per-organisation intervals {c2 - c1:.2f} s, "
        f"national {c3 - c2:.2f} s, total {c3 - c0:.2f} s (wall clock is higher when other jobs share the cores)"
    )
    server1 = server_cpu(connection)
    if server0 is not None and server1 is not None:
        print(
            f"  CPU time of the PostgreSQL server process of this session: {server1 - server0:.2f} s "
            f"(client + server: {c3 - c0 + server1 - server0:.2f} s)"
        )
    print(f"  load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    for figure in national.figures:
        if figure.value is not None:
            print(f"  {figure.key}: {figure.value:,.0f} [{figure.low:,.0f} to {figure.high:,.0f}] {figure.unit}")
    if scratch:
        print(f"scratch database left at {scratch} (delete it when done)")


if __name__ == "__main__":
    main()
