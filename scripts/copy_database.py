"""Copy every table of one database into another, already migrated, database (for example the national demo set
from PostgreSQL into SQLite, which is far cheaper than generating a million tenders a second time).

    .venv/bin/python scripts/copy_database.py --source postgres://postgres@127.0.0.1:5432/mvi_dashboards \
        --target sqlite:////tmp/mvi_dashboards_1m.sqlite3

The target must be migrated to the same migrations as the source (`DATABASE_URL=<target> manage.py migrate`) and
must hold no data of its own except what `migrate` creates (content types, permissions, reference rows): those
tables are emptied first, so the copy has the source's primary keys everywhere. Rows are read with Django (so
values come back as Python objects) and written with the target backend's own value adaptation, table by table
in one transaction per table; foreign-key checks are switched off during the copy and checked at the end.
At the end the row count of every table is compared; any difference is an error.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 20_000
# Field types whose Python value the target backend must adapt itself (the rest pass through unchanged).
ADAPTED = {"DateTimeField", "JSONField", "UUIDField", "DecimalField", "DateField", "TimeField", "DurationField"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    options = parser.parse_args()
    import dj_database_url

    os.environ["DATABASE_URL"] = options.source
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mvimonitor.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["target"] = {**settings.DATABASES["default"], **dj_database_url.parse(options.target)}
    from django.apps import apps
    from django.db import connections, transaction

    source, target = connections["default"], connections["target"]
    models = [model for model in apps.get_models(include_auto_created=True) if model._meta.managed]
    missing = [m._meta.db_table for m in models if m._meta.db_table not in target.introspection.table_names()]
    if missing:
        print(f"the target is not migrated: tables {', '.join(sorted(missing))} are missing", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with target.constraint_checks_disabled():
        for model in models:
            copied = _copy(model, source, target, transaction)
            if copied:
                print(f"{model._meta.db_table}: {copied:,} rows ({time.perf_counter() - started:.0f} s)", flush=True)
        target.check_constraints()
    differences = []
    for model in models:
        counts = [model._default_manager.using(alias).count() for alias in ("default", "target")]
        if counts[0] != counts[1]:
            differences.append(f"{model._meta.db_table}: source {counts[0]:,}, target {counts[1]:,}")
    if differences:
        print("row counts differ:\n  " + "\n  ".join(differences), file=sys.stderr)
        return 1
    print(f"copied {len(models)} tables in {time.perf_counter() - started:.0f} s; every row count is equal")
    return 0


def _copy(model: Any, source: Any, target: Any, transaction: Any) -> int:
    fields = list(model._meta.concrete_fields)
    table = target.ops.quote_name(model._meta.db_table)
    columns = ", ".join(target.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the models
    adapt = [(position, field) for position, field in enumerate(fields) if field.get_internal_type() in ADAPTED]
    rows = model._base_manager.using("default").order_by("pk").values_list(*(f.attname for f in fields))
    copied = 0
    with transaction.atomic(using="target"), target.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        batch: list[list[Any]] = []
        for row in rows.iterator(chunk_size=CHUNK):
            values = list(row)
            for position, field in adapt:
                if values[position] is not None:
                    values[position] = field.get_db_prep_save(values[position], connection=target)
            batch.append(values)
            if len(batch) >= CHUNK:
                cursor.executemany(insert, batch)
                copied += len(batch)
                batch = []
        if batch:
            cursor.executemany(insert, batch)
            copied += len(batch)
    return copied


if __name__ == "__main__":
    raise SystemExit(main())
