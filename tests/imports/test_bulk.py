"""`mvimonitor.bulk`: the same rows and keys on SQLite (executemany, INSERT ... RETURNING) and PostgreSQL (COPY)."""

import pytest

from mvimonitor import bulk
from mvimonitor.imports.models import ImportFailure, ImportRun

COLUMNS = ("run_id", "severity", "file", "locator", "notice", "field", "message")


@pytest.fixture
def run(db: None) -> ImportRun:
    return ImportRun.objects.create(source_description="bulk")


def _rows(run: ImportRun, count: int) -> list[tuple[object, ...]]:
    return [(run.pk, "error", f"{i}.xml", "", f"notice-{i}", "", f"message {i}") for i in range(count)]


def test_insert_rows_returns_the_new_keys_in_row_order(run):
    keys = bulk.insert_rows(ImportFailure, COLUMNS, _rows(run, 3), returning=True)

    assert len(keys) == 3
    assert keys == sorted(keys)
    stored = dict(ImportFailure.objects.values_list("pk", "notice"))
    assert [stored[key] for key in keys] == ["notice-0", "notice-1", "notice-2"]


def test_insert_rows_without_keys_and_the_deletes(run):
    assert bulk.insert_rows(ImportFailure, COLUMNS, iter(_rows(run, 5))) == []
    keys = list(ImportFailure.objects.order_by("pk").values_list("pk", flat=True))

    assert bulk.delete_ids(ImportFailure, keys[:2]) == 2
    assert bulk.delete_where(ImportFailure.objects.filter(notice="notice-2")) == 1
    assert sorted(ImportFailure.objects.values_list("notice", flat=True)) == ["notice-3", "notice-4"]


def test_update_ids_sets_values_on_exactly_those_rows(run):
    bulk.insert_rows(ImportFailure, COLUMNS, _rows(run, 4))
    keys = list(ImportFailure.objects.order_by("pk").values_list("pk", flat=True))

    assert bulk.update_ids(ImportFailure, keys[1:3], {"severity": "warning", "field": "x"}) == 2
    assert bulk.update_ids(ImportFailure, [], {"severity": "warning"}) == 0

    rows = list(ImportFailure.objects.order_by("pk").values_list("severity", "field"))
    assert rows == [("error", ""), ("warning", "x"), ("warning", "x"), ("error", "")]


def test_delete_all_empties_the_table(transactional_db: None):
    # committed rows: PostgreSQL refuses TRUNCATE in the transaction that inserted rows whose deferred foreign-key
    # checks are still pending, and a rebuild empties the table before it inserts
    run = ImportRun.objects.create(source_description="bulk")
    bulk.insert_rows(ImportFailure, COLUMNS, _rows(run, 2))

    bulk.delete_all(ImportFailure)

    assert not ImportFailure.objects.exists()


def test_row_writer_fills_defaults_and_sets_keys(run):
    rows: list[dict[str, object]] = [{"run_id": run.pk, "message": "m", "notice": "a"}]

    bulk.RowWriter().insert(ImportFailure, rows)

    failure = ImportFailure.objects.get()
    assert rows[0]["id"] == failure.pk
    assert (failure.severity, failure.file) == ("error", "")  # the field defaults, as a new instance has them


def test_number_table_reads_numbers_booleans_and_nulls_as_one_float_array(run):
    from decimal import Decimal

    import numpy as np
    from django.db.models import BooleanField, DecimalField, ExpressionWrapper, FloatField, Q, Value

    other = ImportRun.objects.create(source_description="other")
    query = (
        ImportRun.objects.filter(pk__in=[run.pk, other.pk])
        .annotate(
            _mine=ExpressionWrapper(Q(source_description="bulk"), output_field=BooleanField()),
            _amount=Value(Decimal("1234567.125"), output_field=DecimalField(max_digits=12, decimal_places=3)),
            _nothing=Value(None, output_field=FloatField()),
        )
        .order_by("pk")
        .values_list("pk", "_mine", "_amount", "_nothing")
    )

    table = bulk.number_table(query, 4)

    assert table.dtype == np.float64
    assert table.shape == (2, 4)
    assert table[:, 0].tolist() == [float(run.pk), float(other.pk)]
    assert table[:, 1].tolist() == [1.0, 0.0]
    assert table[:, 2].tolist() == [1234567.125, 1234567.125]
    assert np.isnan(table[:, 3]).all()
    assert bulk.number_table(query.none(), 4).shape == (0, 4)
    with pytest.raises(ValueError, match="The query has 4 columns, not 3"):
        bulk.number_table(query, 3)
