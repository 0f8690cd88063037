"""Benchmark: evaluate every policy rule over N synthetic tenders (a script that prints figures, not a test).

    .venv/bin/python scripts/bench_rules.py --tenders 1000000 \
        --postgres postgres://postgres@127.0.0.1:5432/mvi_rules_bench
    .venv/bin/python scripts/bench_rules.py --tenders 100000          # a scratch SQLite file

With --postgres the database is created for the run and dropped after it (unless --keep). The data are made in the
database with INSERT … SELECT over a numbers series, not through the ORM: organisations (a share of them of kind
Rijk), one tender, one lot and one monitoring fact per tender, a contract with start and end date for most tenders,
MVI applications (social return, ISV as a contract clause, a catalogue criterion at level significant) and a
product group for some. Everything is derived from the tender number, so a run is repeatable. The shipped reference
data and rules are loaded first.

Then `evaluation.evaluate` runs twice: into an empty findings table, and again (replacing every finding). Per rule
it prints the seconds and the findings written, and the tenders per second over all rules.
"""

import argparse
import os
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 5.0


def _admin_url(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def create_database(url: str) -> None:
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _defaults(model: Any, given: dict[str, str]) -> dict[str, str]:
    """SQL for every NOT NULL column of `model` without a value in `given` (the database has no defaults)."""
    from django.db import models

    out = dict(given)
    for field in model._meta.concrete_fields:
        column = field.column
        if column in out or field.null or (field.primary_key and isinstance(field, models.AutoField)):
            continue
        if isinstance(field, models.BooleanField):
            out[column] = "FALSE"
        elif isinstance(field, models.DateTimeField):
            out[column] = "CURRENT_TIMESTAMP"
        elif isinstance(field, models.DateField):
            out[column] = "CURRENT_DATE"
        elif isinstance(field, models.JSONField):
            out[column] = "'[]'"
        elif isinstance(field, models.CharField | models.TextField):
            out[column] = "''"
        else:
            out[column] = "0"
    return out


def _insert(model: Any, given: dict[str, str], source: str, params: list[Any] | None = None) -> float:
    from django.db import connection

    columns = _defaults(model, given)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    sql = f"INSERT INTO {table} ({names}) SELECT {', '.join(columns.values())} {source}"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
    return time.perf_counter() - started


def generate(tenders: int, organisations: int, rijk_share: float) -> dict[str, float]:
    from django.db import connection, transaction

    from mvimonitor.dashboards.models import TenderFact
    from mvimonitor.dashboards.vocabulary import bits
    from mvimonitor.organisations.models import Organisation
    from mvimonitor.tenders.models import Contract, Lot, MVIApplication, Tender
    from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, Criterion, ProductGroup, Theme

    postgres = connection.vendor == "postgresql"
    series = (
        "FROM generate_series(1, %s) AS s(i)"
        if postgres
        else "FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %s) SELECT i FROM s) s"
    )

    def day(offset: str) -> str:
        return f"(DATE '2021-01-01' + ({offset}))" if postgres else f"date('2021-01-01', '+' || ({offset}) || ' days')"

    rijk_count = max(1, round(organisations * rijk_share))
    with transaction.atomic():
        Organisation.objects.bulk_create(
            Organisation(name=f"Bench {n}", kind="rijk" if n < rijk_count else "gemeente")
            for n in range(organisations)
        )
    first_org = Organisation.objects.order_by("pk").values_list("pk", flat=True).first()
    if first_org is None:
        raise SystemExit("no organisation was made")
    sroi, keten = (Theme.objects.get(code=code).pk for code in ("sroi", "keten"))
    clause = ApplicationForm.objects.get(code="contractbepaling").pk
    group = ProductGroup.objects.order_by("pk").first()
    if group is None:
        raise SystemExit("load_reference loads no product group")
    criterion = Criterion.objects.create(
        product_group=group,
        code="BENCH-1",
        title="Bench criterion",
        theme_id=sroi,
        form_id=clause,
        ambition_level=AmbitionLevel.objects.get(code="significant"),
        source="bench",
        source_year=2025,
    )
    theme_bits = bits(Theme)
    sroi_bit, keten_bit = 1 << theme_bits[sroi], 1 << theme_bits[keten]
    org = f"({first_org} + (i %% {organisations}))"
    # Value: from EUR 50,000 up in steps, so each rule meets tenders on both sides of its amount; some missing.
    value = "CASE WHEN i %% 50 = 0 THEN NULL ELSE 50000 + (i %% 97) * 7919 END"
    published = day("i %% 1800")
    nature = "CASE i %% 3 WHEN 0 THEN 'works' WHEN 1 THEN 'supplies' ELSE 'services' END"
    kind = f"CASE WHEN (i %% {organisations}) < {rijk_count} THEN 'rijk' ELSE 'gemeente' END"
    year = f"EXTRACT(YEAR FROM {published})" if postgres else f"strftime(%s, {published})"
    mask = f"(CASE WHEN i %% 5 < 2 THEN {sroi_bit} ELSE 0 END) + (CASE WHEN i %% 10 = 3 THEN {keten_bit} ELSE 0 END)"
    timings: dict[str, float] = {}
    with transaction.atomic():
        timings["tenders"] = _insert(
            Tender,
            {
                "id": "i",
                "organisation_id": org,
                "title": "'Bench tender'",
                "publication_date": published,
                "nature": nature,
                "procedure_type": "'open'",
                "is_european": "(i %% 4 = 0)",
                "estimated_value": value,
                "currency": "'EUR'",
                "product_group_id": f"CASE WHEN i %% 5 = 0 THEN {group.pk} ELSE NULL END",
                "is_synthetic": "TRUE",
            },
            series,
            [tenders],
        )
        timings["lots"] = _insert(
            Lot, {"id": "i", "tender_id": "i", "number": "'1'", "title": "'Lot'"}, series, [tenders]
        )
        timings["facts"] = _insert(
            TenderFact,
            {
                "tender_id": "i",
                "organisation_id": org,
                "organisation_kind": kind,
                "year": f"CAST({year} AS INTEGER)",
                "publication_date": published,
                "nature": nature,
                "is_european": "(i %% 4 = 0)",
                "value": value,
                "value_class": "'unknown'",
                "theme_mask": mask,
                "in_product_group": "(i %% 5 = 0)",
            },
            series,
            ["%Y", tenders] if not postgres else [tenders],
        )
        timings["contracts"] = _insert(
            Contract,
            {
                "lot_id": "i",
                "supplier_name": "'Bench BV'",
                "currency": "'EUR'",
                "start_date": published,
                "end_date": f"CASE WHEN i %% 11 = 0 THEN NULL ELSE {day('i %% 1800 + 30 + (i %% 13) * 30')} END",
            },
            series + " WHERE i %% 10 <> 7",
            [tenders],
        )
        timings["applications"] = _insert(
            MVIApplication,
            {
                "lot_id": "i",
                "theme_id": f"CASE WHEN i %% 10 = 3 THEN {keten} ELSE {sroi} END",
                "form_id": str(clause),
                "criterion_id": f"CASE WHEN i %% 10 = 0 THEN {criterion.pk} ELSE NULL END",
                "origin": "'manual'",
                "confidence": "'high'",
            },
            series + " WHERE i %% 5 < 2 OR i %% 10 = 3",
            [tenders],
        )
    if postgres:
        with connection.cursor() as cursor:
            for model in (Tender, Lot, TenderFact, Contract, MVIApplication):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return timings


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from mvimonitor.rules.evaluation import evaluate
    from mvimonitor.rules.services import rules_load

    call_command("migrate", verbosity=0)
    call_command("load_reference", "--without-cpv-list", verbosity=0)
    rules_load()
    started = time.perf_counter()
    timings = generate(args.tenders, args.organisations, args.rijk_share)
    print(f"database: {connection.vendor}; {args.tenders:,} tenders, {args.organisations} organisations, ")
    print(f"  Rijk share {args.rijk_share:.0%}; generated in {time.perf_counter() - started:.1f} s")
    print("  " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()))
    for label in ("into an empty findings table", "again, replacing every finding"):
        runs = evaluate()
        total = sum(item.seconds for item in runs)
        print(f"evaluation {label}: {total:.2f} s, {args.tenders / total:,.0f} tenders/s")
        for item in runs:
            print(f"  {item.rule.code} v{item.rule.version}: {item.seconds:.2f} s, {item.findings:,} findings")
            for note in item.notes:
                print(f"    {note}")
    verdict = "meets" if total <= TARGET_SECONDS else "misses"
    print(f"target {TARGET_SECONDS:.0f} s for all rules: the re-evaluation {verdict} it ({total:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenders", type=int, default=1_000_000)
    parser.add_argument("--organisations", type=int, default=400)
    parser.add_argument("--rijk-share", type=float, default=0.1, help="share of the organisations of kind Rijk")
    parser.add_argument("--postgres", help="postgres://… of a database to create for the run and drop after it")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database after the run")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mvimonitor.settings")
    if args.postgres:
        create_database(args.postgres)
        os.environ["DATABASE_URL"] = args.postgres
        try:
            run(args)
        finally:
            from django.db import connections

            connections.close_all()
            if not args.keep:
                drop_database(args.postgres)
    else:
        scratch = tempfile.mkdtemp(prefix="bench-rules-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
        run(args)
        print(f"(scratch database {scratch}/bench.sqlite3)")


if __name__ == "__main__":
    main()
