"""Benchmark of the monitoring KPIs at national scale (a script that prints figures, not a test).

    .venv/bin/python scripts/bench_kpis.py --database-url postgres://postgres@127.0.0.1:5432/mvi_dashboards \
        --database-url sqlite:////tmp/mvi_dashboards_1m.sqlite3 --year 2025

The databases must already hold the national demo set (generate it once per database, it takes a while):

    DATABASE_URL=... .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py load_reference
    DATABASE_URL=... .venv/bin/python manage.py generate_demo --organisations 400 --years 10 \
        --tenders-per-year 250 --end-year 2025        # ~1,000,000 tenders; also rebuilds the facts

Per database, in a fresh process (so nothing is cached):
1. the full national KPI set, cold: every KPI, every breakdown, nationally, per kind and per province, with
   disclosure control, for one year; and the headline KPIs over all years (the trend). Both as the dashboards
   compute them (national.national_figures, from the per-organisation FactSummary rows), no cache. Then the time to
   rebuild every FactSummary (part of a full facts refresh, rolled back), so the price of the summaries is on the
   record too.
2. a CSV export of the per-tender facts and spend totals, then a straightforward pandas computation of the same
   KPIs from that CSV, timed from reading the CSV to the last number; every figure the selectors show is compared
   with pandas (numerator, denominator and value must be identical).
3. a real server (gunicorn, BENCH_WORKERS=3 workers x 4 threads; BENCH_SERVER=runserver for `manage.py runserver
   --noreload`), DEBUG off, persistent database connections, and 20 concurrent clients (threads, each its own
   logged-in buyer of the largest organisation) on the organisation dashboard, the national page and the KPI API:
   median and p95 response time, the server's CPU time per request, and the load average. Figures and pages are
   cached per facts version, so the first request of each address (cold) is reported on its own.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 20
TARGET_NATIONAL_SECONDS = 2.0
TARGET_PANDAS_FACTOR = 5.0
TARGET_P95_MS = 300.0
SERVER = os.getenv("BENCH_SERVER", "gunicorn")  # or "runserver"
WORKERS = int(os.getenv("BENCH_WORKERS", "3"))
THREADS = int(os.getenv("BENCH_THREADS", "4"))
# Persistent database connections, as a production server is configured (docs/configuration.md); 0 opens a new
# connection for every request.
CONN_MAX_AGE = os.getenv("BENCH_CONN_MAX_AGE", "60")


# --- the measuring process (one per database) -----------------------------------------------------------------------


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mvimonitor.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _audit(year: int) -> dict[str, Any]:
    """The disclosure audit of the year's national cells (exact elimination and two linear programmes per sensitive
    suppressed cell), independent of how they were decided."""
    from mvimonitor.dashboards import national
    from mvimonitor.dashboards.kpis import Breakdown
    from mvimonitor.dashboards.linked import audit
    from mvimonitor.dashboards.vocabulary import Reference
    from mvimonitor.disclosure import Thresholds

    reference, thresholds = Reference.load(), Thresholds.from_settings()
    vectors = national.load_vectors(years=[year], breakdowns=tuple(Breakdown), reference=reference)
    cells, protected = national.NationalComputation(vectors, reference, thresholds).year(year)
    started = time.perf_counter()
    found = audit(cells, protected, thresholds)
    return {
        "cells": len(cells.cells),
        "hidden": found.hidden,
        "sensitive": found.sensitive,
        "determined": len(found.determined),
        "narrow": len(found.narrow),
        "seconds": time.perf_counter() - started,
        "level": thresholds.protection,
    }


def measure(database_url: str, year: int, requests_per_client: int, port: int) -> dict[str, Any]:
    _setup(database_url)
    from mvimonitor.dashboards.kpis import CATALOGUE, Breakdown
    from mvimonitor.dashboards.models import TenderFact
    from mvimonitor.dashboards.national import national_figures
    from mvimonitor.dashboards.selectors import data_years

    result: dict[str, Any] = {"database": database_url.split("://")[0], "year": year}
    result["tenders"] = TenderFact.objects.count()
    result["tenders_in_year"] = TenderFact.objects.filter(year=year).count()
    years = data_years()
    result["years"] = f"{min(years)}-{max(years)}" if years else ""

    result["load_national"] = os.getloadavg()[0]
    cpu = time.process_time()
    started = time.perf_counter()
    year_figures = national_figures(years=[year])
    result["national_year_s"] = time.perf_counter() - started
    started = time.perf_counter()
    headline = [kpi for kpi in CATALOGUE if kpi.headline]
    trend_figures = national_figures(years=sorted(years), kpis=headline, breakdowns=(Breakdown.ALL,))
    result["national_trend_s"] = time.perf_counter() - started
    result["national_total_s"] = result["national_year_s"] + result["national_trend_s"]
    result["national_cpu_s"] = time.process_time() - cpu  # this process only (not the database server)

    result["audit"] = _audit(year)
    result["summaries_rebuild_s"] = _summaries_rebuild_seconds()
    result["figures"] = len(year_figures) + len(trend_figures)
    result["figures_shown"] = sum(1 for f in [*year_figures, *trend_figures] if f.value is not None)

    with tempfile.TemporaryDirectory() as folder:
        facts_csv, spend_csv = Path(folder) / "facts.csv", Path(folder) / "spend.csv"
        started = time.perf_counter()
        export_csv(facts_csv, spend_csv)
        result["csv_export_s"] = time.perf_counter() - started
        result["load_pandas"] = os.getloadavg()[0]
        cpu = time.process_time()
        started = time.perf_counter()
        pandas_figures = pandas_kpis(facts_csv, spend_csv, year, sorted(years))
        result["pandas_s"] = time.perf_counter() - started
        result["pandas_cpu_s"] = time.process_time() - cpu
    result["compared"], result["mismatches"] = compare([*year_figures, *trend_figures], pandas_figures)

    result["http"] = http_load(database_url, year, requests_per_client, port)
    return result


class _RollBackError(Exception):
    pass


def _summaries_rebuild_seconds() -> float:
    """How long rebuilding every FactSummary takes (part of a full facts refresh); rolled back afterwards."""
    from django.db import transaction

    from mvimonitor.dashboards.services import summaries_refresh

    started = time.perf_counter()
    try:
        with transaction.atomic():
            summaries_refresh()
            elapsed = time.perf_counter() - started
            raise _RollBackError
    except _RollBackError:
        pass
    return elapsed


def export_csv(facts_csv: Path, spend_csv: Path) -> None:
    from mvimonitor.dashboards.models import SpendTotal, TenderFact

    columns = [
        "tender_id", "organisation_id", "organisation_kind", "province", "year", "nature", "is_european", "value",
        "value_class", "theme_mask", "theme_count", "form_mask", "max_ambition", "in_product_group",
        "award_weight_sum", "award_weight_count", "confirmed",
    ]  # fmt: skip
    with facts_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(TenderFact.objects.values_list(*columns).iterator(chunk_size=20_000))
    with spend_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["organisation_id", "year", "amount"])
        writer.writerows(SpendTotal.objects.values_list("organisation_id", "year", "amount"))


def pandas_kpis(facts_csv: Path, spend_csv: Path, year: int, years: list[int]) -> dict[tuple[Any, ...], Any]:
    """The same KPIs, written the way an analyst would with pandas: flags per tender, then group sums.

    Money is summed in integer cents, so the sums are exact like the database's. Returns
    (kpi, item, year, breakdown, bucket, geo) -> (numerator, denominator) for every cell, without disclosure control.
    """
    import pandas as pd

    from mvimonitor.dashboards.kpis import CATALOGUE, Breakdown
    from mvimonitor.dashboards.vocabulary import Reference

    reference = Reference.load()
    df = pd.read_csv(facts_csv, keep_default_na=False, na_values={"value": [""], "year": [""]})
    spend = pd.read_csv(spend_csv)
    df = df[df["year"].notna()].copy()
    df["year"] = df["year"].astype(int)
    df["province"] = df["province"].astype(str).replace("nan", "")
    for column in ("is_european", "in_product_group", "confirmed"):
        df[column] = df[column].astype(str) == "True"
    cents = (df["value"].fillna(0) * 100).round().astype("int64")
    mvi = df["theme_count"] > 0
    measures: dict[str, Any] = {
        "n": 1,
        "v": cents,
        "mvi_n": mvi.astype(int),
        "mvi_v": cents.where(mvi, 0),
        "pg_n": df["in_product_group"].astype(int),
        "pg_app_n": (df["in_product_group"] & mvi).astype(int),
        "pg_high_n": (df["in_product_group"] & (df["max_ambition"] >= reference.high_level)).astype(int),
        "aw_sum": (df["award_weight_sum"] * 100).round().astype("int64"),
        "aw_n": df["award_weight_count"],
        "conf_n": df["confirmed"].astype(int),
    }
    for pk, *_names in reference.themes:
        applies = (df["theme_mask"] & (1 << reference.theme_bits[pk])) > 0
        measures[f"theme_n_{pk}"] = applies.astype(int)
        measures[f"theme_v_{pk}"] = cents.where(applies, 0)
    for pk, *_names in reference.forms:
        measures[f"form_n_{pk}"] = ((df["form_mask"] & (1 << reference.form_bits[pk])) > 0).astype(int)
    for level in [0, *(level for level, *_names in reference.levels)]:
        measures[f"amb_n_{level}"] = (mvi & (df["max_ambition"] == level)).astype(int)
    for count in range(len(reference.themes) + 1):
        measures[f"tc_n_{count}"] = (df["theme_count"] == count).astype(int)
    has_spend = df.merge(spend, on=["organisation_id", "year"], how="left")["amount"].notna().to_numpy()
    measures["cov_v"] = cents.where(has_spend, 0)
    table = pd.DataFrame(measures)
    table["n"] = 1
    keys = df[["year", "organisation_kind", "province", "nature", "is_european", "value_class"]]
    table = pd.concat([keys, table], axis=1)
    table["european"] = table["is_european"].map({True: "european", False: "national"})
    spend["amount_cents"] = (spend["amount"] * 100).round().astype("int64")
    org_geo = df.drop_duplicates("organisation_id").set_index("organisation_id")[["organisation_kind", "province"]]
    spend = spend.join(org_geo, on="organisation_id")
    bucket_column = {Breakdown.NATURE: "nature", Breakdown.EUROPEAN: "european", Breakdown.VALUE_CLASS: "value_class"}

    out: dict[tuple[Any, ...], Any] = {}

    def add(kpis: list[Any], breakdown: Breakdown, subset: Any, spend_subset: Any, years_: list[int]) -> None:
        # like the selectors: per kind and per province only the undivided figures
        levels = [("nl", None), ("kind", "organisation_kind"), ("province", "province")]
        for geo_name, geo_column in levels if breakdown == Breakdown.ALL else levels[:1]:
            group_by = ["year"] + ([geo_column] if geo_column else [])
            bucket = bucket_column.get(breakdown)
            for with_bucket in [False, True] if bucket else [False]:
                columns = group_by + ([bucket] if with_bucket else [])
                sums = subset.groupby(columns).sum(numeric_only=True)
                spend_sums = spend_subset.groupby(group_by)["amount_cents"].sum()
                for index, row in sums.iterrows():
                    index = index if isinstance(index, tuple) else (index,)
                    year_ = int(index[0])
                    geo = "nl" if geo_column is None else f"{geo_name}:{index[1]}"
                    bucket_value = str(index[-1]) if with_bucket else "all"
                    for kpi in kpis:
                        if breakdown not in kpi.breakdowns:
                            continue
                        for item in reference.items(kpi):
                            if kpi.base == "spend":
                                spend_key = index[: len(group_by)]
                                spend_key = spend_key[0] if len(spend_key) == 1 else spend_key
                                denominator = int(spend_sums.get(spend_key, 0))
                            else:
                                denominator = int(row[kpi.base])
                            out[(kpi.id, item.code, year_, breakdown.value, bucket_value, geo)] = (
                                int(row[item.measure]),
                                denominator,
                            )

    this_year = table[table["year"] == year]
    for breakdown in Breakdown:
        add(list(CATALOGUE), breakdown, this_year, spend[spend["year"] == year], [year])
    add([k for k in CATALOGUE if k.headline], Breakdown.ALL, table[table["year"].isin(years)], spend, years)
    return out


def _cents(kpi: Any, amount: Any) -> int:
    money = kpi.value_based or kpi.id == "award-weight"
    return int((Decimal(amount) * 100).to_integral_value()) if money else int(amount)


def compare(figures: list[Any], pandas_figures: dict[tuple[Any, ...], Any]) -> tuple[int, list[str]]:
    """Every shown figure must equal pandas: numerator, denominator and the value rounded the same way."""
    from mvimonitor.dashboards.kpis import BY_ID
    from mvimonitor.dashboards.vocabulary import ratio

    compared, mismatches = 0, []
    for figure in figures:
        if figure.numerator is None or figure.denominator is None:
            continue
        kpi = BY_ID[figure.kpi]
        key = (figure.kpi, figure.item, figure.year, figure.breakdown, figure.bucket, figure.geo)
        numerator, denominator = pandas_figures.get(key, (0, 0))
        ours = (
            _cents(kpi, figure.numerator),
            _cents(kpi, figure.denominator) if kpi.value_based else int(figure.denominator),
        )
        theirs = (numerator, denominator)
        scale = Decimal(100)
        value = ratio(kpi, Decimal(numerator) / scale if kpi.value_based or kpi.id == "award-weight" else numerator,
                      Decimal(denominator) / scale if kpi.value_based else denominator)  # fmt: skip
        compared += 1
        if ours != theirs or value != figure.value:
            mismatches.append(f"{key}: selectors {ours} {figure.value} vs pandas {theirs} {value}")
    return compared, mismatches


# --- the HTTP load ---------------------------------------------------------------------------------------------------


def _member_sessions(count: int) -> tuple[list[str], int]:
    """`count` buyers (inkoper) of the organisation with the most tenders, each logged in with a session of their
    own, as 20 real users would be: (session keys, organisation id)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count

    from mvimonitor.organisations.middleware import REFRESHED_KEY
    from mvimonitor.organisations.models import Membership, Organisation, Role, User

    organisation = Organisation.objects.annotate(n=Count("tenders")).order_by("-n").first()
    assert organisation is not None, "no organisations: generate the demo set first"  # noqa: S101
    keys = []
    for number in range(count):
        user, _created = User.objects.get_or_create(username=f"bench-kpis-buyer-{number:02d}")
        Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": Role.INKOPER})
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[REFRESHED_KEY] = int(time.time())  # as the login request's response leaves it
        session.create()
        keys.append(str(session.session_key))
    return keys, organisation.pk


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (the gunicorn workers), from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent pid
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def http_load(database_url: str, year: int, requests_per_client: int, port: int) -> dict[str, Any]:
    session_keys, organisation_id = _member_sessions(CLIENTS)
    cache_dir = tempfile.mkdtemp(prefix="mvim-bench-cache-")  # one cache for all server processes
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "MVIMONITOR_CACHE_DIR": cache_dir,
        "MVIMONITOR_DB_CONN_MAX_AGE": CONN_MAX_AGE,
        # 20 anonymous clients from one address are one client to the API's rate limit: measure the server, not it
        "MVIMONITOR_API_ANON_RATE": "1000000/minute",
    }
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "mvimonitor.wsgi", "--workers", str(WORKERS)]
    runserver = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    command = (
        [*gunicorn, "--threads", str(THREADS), "--bind", f"127.0.0.1:{port}"] if SERVER == "gunicorn" else runserver
    )
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/monitoring/kpis/")
        addresses = {
            "organisation dashboard": (f"/monitoring/organisation/?year={year}", True),
            "national page": (f"/monitoring/national/?year={year}", False),
            "API national values": (f"/api/v1/kpi-values?year={year}&kpi=theme-share-tenders", False),
            "API organisation values": (
                f"/api/v1/kpi-values?scope=organisation&organisation={organisation_id}&year={year}",
                True,
            ),
        }
        results: dict[str, Any] = {}
        for name, (path, logged_in) in addresses.items():
            cookies = [f"sessionid={key}" if logged_in else "" for key in session_keys]
            cold_ms, status = _get(base + path, cookies[0])
            total = CLIENTS * requests_per_client
            load_before = os.getloadavg()[0]
            cpu_before = _cpu_seconds(server.pid)

            def client(number: int, p: str = path, c: list[str] = cookies) -> list[tuple[float, int]]:
                return [_get(base + p, c[number]) for _request in range(requests_per_client)]

            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                timings = [timing for one in pool.map(client, range(CLIENTS)) for timing in one]
            server_cpu = _cpu_seconds(server.pid) - cpu_before
            ok = sorted(ms for ms, code in timings if code == 200)
            results[name] = {
                "cold_ms": cold_ms,
                "cold_status": status,
                "requests": total,
                "errors": total - len(ok),
                "median_ms": statistics.median(ok) if ok else None,
                "p95_ms": ok[max(0, int(len(ok) * 0.95) - 1)] if ok else None,
                "server_cpu_ms": server_cpu * 1000 / total,
                "load": (load_before, os.getloadavg()[0]),
            }
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=30):  # noqa: S310 - our own local server
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"the server did not answer at {url}")


def _get(url: str, cookie: str) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - our own local server
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError):
        status = 0
    return (time.perf_counter() - started) * 1000, status


# --- the report ------------------------------------------------------------------------------------------------------


def report(result: dict[str, Any]) -> None:
    print(f"\n== {result['database']}: {result['tenders']:,} tenders ({result['years']}), year {result['year']}: "
          f"{result['tenders_in_year']:,} tenders")  # fmt: skip
    print(f"national KPI set, one year, all KPIs x breakdowns x geographies, cold: {result['national_year_s']:.2f} s")
    print(f"national headline trend over all years, cold:                        {result['national_trend_s']:.2f} s")
    total = result["national_total_s"]
    verdict = "meets" if total < TARGET_NATIONAL_SECONDS else "misses"
    print(f"national set total: {total:.2f} s ({verdict} the {TARGET_NATIONAL_SECONDS:.0f} s target); "
          f"{result['figures']:,} figures, {result['figures_shown']:,} shown; CPU of this process "
          f"{result['national_cpu_s']:.2f} s; load average {result['load_national']:.2f}")  # fmt: skip
    found = result["audit"]
    verdict = "safe" if not found["determined"] and not found["narrow"] else "NOT SAFE"
    print(f"disclosure audit of the year: {found['cells']:,} cells, {found['hidden']:,} suppressed, "
          f"{found['sensitive']:,} sensitive with intervals computed; derivable {found['determined']}, "
          f"interval below {found['level']}% {found['narrow']} ({verdict}); {found['seconds']:.1f} s")  # fmt: skip
    print(f"rebuilding all summaries (part of a full facts refresh): {result['summaries_rebuild_s']:.2f} s")
    print(f"CSV export of the facts: {result['csv_export_s']:.2f} s (not part of either timing)")
    factor = result["pandas_s"] / total if total else float("inf")
    print(f"pandas from the CSV: {result['pandas_s']:.2f} s (CPU {result['pandas_cpu_s']:.2f} s, load average "
          f"{result['load_pandas']:.2f}) -> selectors are {factor:.1f}x faster "
          f"(target {TARGET_PANDAS_FACTOR:.0f}x)")  # fmt: skip
    status = "identical" if not result["mismatches"] else f"{len(result['mismatches'])} MISMATCHES"
    print(f"compared {result['compared']:,} shown figures with pandas: {status}")
    for line in result["mismatches"][:10]:
        print(f"  {line}")
    server = (
        f"gunicorn, {WORKERS} workers x {THREADS} threads"
        if SERVER == "gunicorn"
        else "manage.py runserver --noreload"
    )
    print(
        f"HTTP, {CLIENTS} concurrent clients, each its own logged-in buyer for the organisation pages ({server}, "
        f"DEBUG off, MVIMONITOR_DB_CONN_MAX_AGE={CONN_MAX_AGE}, shared file cache, no anonymous rate limit):"
    )
    for name, figures in result["http"].items():
        p95 = figures["p95_ms"]
        mark = "" if p95 is None else (" (meets 300 ms)" if p95 < TARGET_P95_MS else " (misses 300 ms)")
        median = "n/a" if figures["median_ms"] is None else f"{figures['median_ms']:.0f} ms"
        p95_text = "n/a" if p95 is None else f"{p95:.0f} ms"
        cold = f"first (cold) {figures['cold_ms']:7.0f} ms [{figures['cold_status']}]"
        counts = f"{figures['requests']} requests: median {median}, p95 {p95_text}{mark}, errors {figures['errors']}"
        cpu = f"server CPU {figures['server_cpu_ms']:.1f} ms/request"
        load = "load average {:.2f} -> {:.2f}".format(*figures["load"])
        print(f"  {name:24s} {cold}; {counts}; {cpu}; {load}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", action="append", required=True, help="repeat for each database")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--requests-per-client", type=int, default=10)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # internal: one database
    options = parser.parse_args()
    if options.measure:
        result = measure(options.database_url[0], options.year, options.requests_per_client, options.port)
        print(json.dumps(result))
        return 0
    failed = 0
    for url in options.database_url:
        process = subprocess.run(
            [sys.executable, __file__, "--measure", "--database-url", url, "--year", str(options.year),
             "--requests-per-client", str(options.requests_per_client), "--port", str(options.port)],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if process.returncode != 0:
            print(f"\n== {url.split('://')[0]}: failed\n{process.stderr[-3000:]}")
            failed += 1
            continue
        result = json.loads(process.stdout.strip().splitlines()[-1])
        report(result)
        failed += bool(result["mismatches"])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
