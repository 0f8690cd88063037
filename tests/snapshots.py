"""Data that many tests need, built once per test run and copied back into each test's database.

The first test that asks for a snapshot runs its builder (the real loader) and keeps the rows it added, table by
table; later tests get the same rows, primary keys included, by bulk inserts, which costs a few queries instead of
the loader's round trip per row. Foreign keys are checked at the end of the transaction on both databases, so the
tables can be filled in any order. The rows the builder reads from the database before it starts (other snapshots it
depends on) are not part of it. Where a module has put the same data into the database outside the test
transaction, the builder runs instead, as the loaders change nothing that is already there.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction


@dataclass
class Snapshot:
    rows: list[tuple[type[models.Model], list[models.Model]]]


_SNAPSHOTS: dict[str, Snapshot] = {}


def _models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]


def _primary_keys(model: type[models.Model]) -> set[object]:
    return set(model._base_manager.values_list("pk", flat=True))


def _take(build: Callable[[], None]) -> Snapshot:
    before = {model: _primary_keys(model) for model in _models()}
    build()
    rows: list[tuple[type[models.Model], list[models.Model]]] = []
    for model, known in before.items():
        added = [row for row in model._base_manager.order_by("pk") if row.pk not in known]
        if added:
            rows.append((model, added))
    return Snapshot(rows)


def _restore(snapshot: Snapshot) -> None:
    for model, rows in snapshot.rows:
        model._base_manager.bulk_create(rows, batch_size=500)
    # explicit primary keys leave PostgreSQL's sequences behind; the next row a test creates must not collide
    statements = connection.ops.sequence_reset_sql(no_style(), [model for model, _rows in snapshot.rows])
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def load(key: str, build: Callable[[], None]) -> None:
    """Put the snapshot `key` into the test database, building it with `build` the first time."""
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        taken = _take(build)
        if taken.rows:  # nothing added: the data was there already, and this is no snapshot of it
            _SNAPSHOTS[key] = taken
        return
    try:
        # one transaction (a savepoint inside a test's own): foreign keys are checked when it ends, whatever the
        # order of the tables, also for tests that run without a transaction of their own (the browser tests)
        with transaction.atomic():
            _restore(snapshot)
    except IntegrityError:
        # a module's own data outside the test transaction holds the same rows already (under other keys on
        # PostgreSQL, whose sequences never go back): the loader changes nothing that is already there
        build()


# --- the snapshots of the shipped reference data ---------------------------------------------------------------------


def reference_data() -> None:
    """Themes, forms, ambition levels, product groups, thresholds ... without the full CPV list and without the sample
    release of criteria (`load_reference --without-cpv-list --without-sample-criteria`)."""
    from django.core.management import call_command

    load(
        "reference_data",
        lambda: call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0),
    )


def sample_release() -> None:
    """The reference data and the shipped sample release of criteria (`sample-2026`), as `make run` loads it."""
    from mvimonitor.themes.criteria import criteria_release_load
    from mvimonitor.themes.criteria_files import read_tool_json
    from mvimonitor.themes.services import DATA_DIR, SAMPLE_RELEASE_FILE

    reference_data()
    load("sample_release", lambda: criteria_release_load(read_tool_json(DATA_DIR / SAMPLE_RELEASE_FILE)))


def effects_reference() -> None:
    """The reference data and the shipped effect reference data (`load_effects_reference`)."""
    from django.core.management import call_command

    reference_data()
    load("effects_reference", lambda: call_command("load_effects_reference", verbosity=0))
