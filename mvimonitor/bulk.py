"""Bulk writes (and one bulk read) by each database's fastest plain path: the one module that knows how SQLite and
PostgreSQL differ there.

Everything runs on Django's connection, inside the caller's transaction, and bypasses the ORM's per-object machinery
(no model instances, no signals, no history unless asked for): for derived tables and for writes whose values the
caller has checked already.

- `insert_rows(model, columns, rows, returning=...)`: rows as tuples of Python values in the order of `columns`
  (attnames). Each value is converted by the backend's own adapters (dates, decimals, JSON, bytes), so the stored
  value is the one Django would store. PostgreSQL: ``COPY ... FROM STDIN`` (new keys taken from the table's sequence
  beforehand when they are asked for, since COPY cannot return them). SQLite: one prepared statement for all rows
  (``executemany``), or multi-row ``INSERT ... RETURNING`` when the new keys are asked for.
- `delete_ids(model, ids)`, `delete_where(queryset)`, `delete_all(model)`: deletes without collecting objects;
  `delete_all` truncates on PostgreSQL (no dead row versions left for the next insert to step over).
- `number_table(query, width)`: the rows of a values_list query of numbers and booleans as one float64 array (NULL as
  NaN). PostgreSQL: all rows packed by the server into one binary value of doubles, read by one numpy call instead of
  a Python object per value; SQLite: the cursor's rows.
- `RowWriter`: rows as dicts (attname -> value) filled as a new model instance would fill them (defaults, auto_now),
  their new keys set as ``row["id"]``, and optionally a "created" history row each (django-simple-history).
"""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from itertools import islice
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

# A value of each type whose adapter may hand it back unchanged: then the column needs no conversion at all.
_SAMPLES: dict[str, Any] = {
    "DateTimeField": datetime(2000, 1, 1, tzinfo=UTC),
    "DateField": date(2000, 1, 1),
    "DecimalField": Decimal("1.5"),
}
_SQLITE_ROWS_PER_STATEMENT = 500  # multi-row INSERT ... RETURNING: at most this many rows
_SQLITE_PARAMETERS = 30_000  # and at most this many parameters (SQLite allows 32,766)
_SQLITE_EXECUTEMANY_ROWS = 50_000  # executemany is fed in slices of this many rows, so memory stays bounded

Converter = Callable[[Any], Any]


def _hands_back(converter: Converter, sample: Any) -> bool:
    """Whether the adapter returns its value unchanged (tried on a sample; no sample or an error: assume not)."""
    if sample is None:
        return False
    try:
        return converter(sample) is sample
    except (ArithmeticError, ValueError, TypeError):
        return False


def _converter(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> Converter | None:
    """The backend adapter a value of `field` needs before the driver takes it; None when it goes as it is."""
    ops = connection.ops
    internal = field.get_internal_type()
    converter: Converter | None = None
    if internal == "DateTimeField":
        converter = ops.adapt_datetimefield_value
    elif internal == "DateField":
        converter = ops.adapt_datefield_value
    elif internal == "DecimalField":
        converter = partial(
            ops.adapt_decimalfield_value,
            max_digits=field.max_digits,  # type: ignore[attr-defined]
            decimal_places=field.decimal_places,  # type: ignore[attr-defined]
        )
    elif internal == "JSONField" and connection.vendor == "postgresql":
        # JSON text, which COPY hands to the column's own input function: what Django's Jsonb adapter would send, but
        # a text can be reused for every row holding the same object, where the adapter serialises each row again
        encoder = field.encoder  # type: ignore[attr-defined]
        converter = partial(json.dumps, cls=encoder) if encoder is not None else json.dumps
    elif internal in {"JSONField", "BinaryField"}:
        converter = partial(field.get_db_prep_save, connection=connection)
    if converter is None or _hands_back(converter, _SAMPLES.get(internal)):
        return None  # PostgreSQL: dates and decimals go as they are
    return converter


@dataclass(frozen=True)
class _Table:
    """A model's table and the columns of one kind of insert, with what their values need."""

    alias: str
    table: str  # quoted
    table_name: str
    pk_column: str  # quoted
    pk_name: str
    names: str  # the quoted column names, comma-separated
    width: int
    converters: tuple[tuple[int, Converter], ...]  # (column index, adapter)


_tables: dict[tuple[str, type[models.Model], tuple[str, ...]], _Table] = {}


def _table(model: type[models.Model], columns: Sequence[str], alias: str) -> _Table:
    key = (alias, model, tuple(columns))
    table = _tables.get(key)
    if table is not None:
        return table
    connection = connections[alias]
    quote = connection.ops.quote_name
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in columns]
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 - every model has a primary key
    converters = []
    for index, f in enumerate(fields):
        converter = _converter(f, connection)
        if converter is not None:
            converters.append((index, converter))
    table = _Table(
        alias=alias,
        table=quote(model._meta.db_table),
        table_name=model._meta.db_table,
        pk_column=quote(str(pk.column)),
        pk_name=str(pk.column),
        names=", ".join(quote(str(f.column)) for f in fields),
        width=len(fields),
        converters=tuple(converters),
    )
    _tables[key] = table
    return table


def _converted(table: _Table, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """The rows with each value the driver cannot take as it is converted: once per date, JSON object or list seen
    (rows of one write share them: dates, the factors a calculation used) and once for all empty JSON objects. A value
    must not change while its rows are written (every caller builds its rows before handing them over)."""
    if not table.converters:
        yield from rows
        return
    # (converter, id) -> (the value, kept alive so that its id cannot be reused, and its conversion)
    memo: dict[tuple[Any, Any], tuple[Any, Any]] = {}
    for row in rows:
        out = list(row)
        for index, converter in table.converters:
            value = out[index]
            if value is None:
                continue
            kind = type(value)
            if kind is dict and not value:
                key: tuple[Any, Any] = (converter, "{}")
            elif kind in _MEMO_TYPES:
                key = (converter, id(value))
            else:
                out[index] = converter(value)
                continue
            found = memo.get(key)
            if found is None:
                found = memo[key] = (value, converter(value))
            out[index] = found[1]
        yield out


_MEMO_TYPES = frozenset({date, datetime, dict, list})


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> list[Any]:
    """Insert `rows` (Python values in the order of `columns`, attnames) into `model`'s table.

    Returns the new primary keys in the order of the rows when `returning`, else an empty list. The primary key is
    not among `columns` when it is to be returned. Nothing is filled in: a column left out gets the database's
    default (Django keeps none, so a NOT NULL column must be given).
    """
    table = _table(model, columns, using)
    values = _converted(table, rows)
    connection = connections[using]
    if connection.vendor == "postgresql":
        return _copy(connection, table, values, returning=returning)
    if connection.vendor == "sqlite":
        return _sqlite(connection, table, values, returning=returning)
    raise NotImplementedError(f"bulk writes support PostgreSQL and SQLite, not {connection.vendor}")  # ADR 0002


def _sqlite(
    connection: BaseDatabaseWrapper, table: _Table, values: Iterable[Sequence[Any]], *, returning: bool
) -> list[Any]:
    """SQLite, on the driver's own cursor (same connection and transaction) with its own ``?`` placeholders: Django's
    cursor rewrites ``%s`` to ``?`` with a regular expression over every statement, a noticeable cost for statements
    of hundreds of rows. Rows whose keys are not needed go through one prepared statement (``executemany``); the
    others as multi-row ``INSERT ... RETURNING`` (SQLite 3.35+)."""
    placeholder = "(" + ", ".join(["?"] * table.width) + ")"
    # Table and column names come from the models; every value is a parameter.
    single = f"INSERT INTO {table.table} ({table.names}) VALUES {placeholder}"  # noqa: S608
    connection.ensure_connection()
    keys: list[Any] = []
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            if not returning:
                iterator = iter(values)
                while batch := list(islice(iterator, _SQLITE_EXECUTEMANY_ROWS)):
                    cursor.executemany(single, batch)
                return keys
            if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover - SQLite < 3.35
                for out in values:
                    cursor.execute(single, out)
                    keys.append(cursor.lastrowid)
                return keys
            per_statement = max(1, min(_SQLITE_ROWS_PER_STATEMENT, _SQLITE_PARAMETERS // table.width))
            iterator = iter(values)
            while batch := list(islice(iterator, per_statement)):
                many = ", ".join([placeholder] * len(batch))
                sql = f"INSERT INTO {table.table} ({table.names}) VALUES {many} RETURNING {table.pk_column}"  # noqa: S608
                cursor.execute(sql, [value for row in batch for value in row])
                keys.extend(pk for (pk,) in cursor.fetchall())
        finally:
            cursor.close()
    return keys


def _copy(
    connection: BaseDatabaseWrapper, table: _Table, values: Iterable[Sequence[Any]], *, returning: bool
) -> list[Any]:
    """PostgreSQL: the rows through COPY, the fastest way in (row-by-row INSERTs, even pipelined, are planned and
    executed one statement at a time). New primary keys are taken from the table's own sequence beforehand, in one
    query, since COPY cannot return them."""
    connection.ensure_connection()
    keys: list[Any] = []
    # A cursor of the driver on Django's connection (same transaction): Django's cursor wrapper has no COPY.
    with connection.wrap_database_errors, psycopg.ClientCursor(connection.connection) as cursor:
        names = table.names
        if returning:
            values = list(values)
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table.table_name, table.pk_name, len(values)],
            )
            keys = sorted(key for (key,) in cursor.fetchall())  # ascending, as the inserts would have made them
            names = f"{table.pk_column}, {names}"
        # Table and column names come from the models; the values go as COPY data, never as SQL text.
        with cursor.copy(f"COPY {table.table} ({names}) FROM STDIN") as copy:
            if returning:
                for key, out in zip(keys, values, strict=True):
                    copy.write_row((key, *out))
            else:
                for out in values:
                    copy.write_row(out)
    return keys


def _keyed(model: type[models.Model], using: str) -> tuple[Any, str, str]:
    """The connection, and the quoted table and primary-key column of a model."""
    connection = connections[using]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 - every model has a primary key
    return connection, quote(model._meta.db_table), quote(str(pk.column))


def delete_ids(model: type[models.Model], ids: Iterable[Any], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Delete the rows with these primary keys, without collecting objects or sending signals; returns the count.

    On PostgreSQL one statement takes all keys as an array; SQLite gets them in slices that stay below its limit on
    parameters."""
    keys = list(ids)
    if not keys:
        return 0
    connection, table, column = _keyed(model, using)
    deleted = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [keys])  # noqa: S608 - names from the model
            return int(cursor.rowcount)
        for start in range(0, len(keys), _SQLITE_PARAMETERS):
            part = keys[start : start + _SQLITE_PARAMETERS]
            placeholders = ", ".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})", part)  # noqa: S608
            deleted += int(cursor.rowcount)
    return deleted


def update_ids(
    model: type[models.Model], ids: Iterable[Any], values: dict[str, Any], *, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Set `values` (field name -> value) on the rows with these primary keys, without signals; returns the count.

    On PostgreSQL one statement takes all keys as an array (an IN list of ten thousand parameters costs more to
    parse and plan than to update); SQLite gets them in slices that stay below its limit on parameters."""
    keys = list(ids)
    if not keys:
        return 0
    connection, table, column = _keyed(model, using)
    fields = [model._meta.get_field(name) for name in values]
    assignments = ", ".join(
        f"{connection.ops.quote_name(str(field.column))} = %s"  # type: ignore[union-attr]
        for field in fields
    )
    prepared = [
        field.get_db_prep_value(values[field.name], connection)  # type: ignore[union-attr]
        for field in fields
    ]
    updated = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE {column} = ANY(%s)", [*prepared, keys])  # noqa: S608
            return int(cursor.rowcount)
        step = _SQLITE_PARAMETERS - len(prepared)
        for start in range(0, len(keys), step):
            part = keys[start : start + step]
            placeholders = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE {column} IN ({placeholders})",  # noqa: S608
                [*prepared, *part],
            )
            updated += int(cursor.rowcount)
    return updated


def delete_where(queryset: models.QuerySet[Any]) -> int:
    """Delete the rows of `queryset` in one statement, without collecting objects, cascades or signals."""
    return int(queryset._raw_delete(queryset.db))


def delete_all(model: type[models.Model], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Empty `model`'s table for a full rebuild. PostgreSQL truncates: a DELETE would leave a dead row version per row
    that every unique-index check of the new rows steps over until autovacuum; readers wait for the commit instead
    (TRUNCATE takes an exclusive lock). Nothing may refer to the table by foreign key, and PostgreSQL refuses it in a
    transaction that has written rows whose deferred foreign-key checks are still pending: empty first, then insert."""
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table}")
        else:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the name comes from the model


@dataclass(frozen=True)
class _RowPlan:
    """How a dict row becomes a full row of a model: every concrete column but an automatic primary key."""

    columns: tuple[str, ...]
    defaults: dict[str, Any]  # values of columns a row leaves out, as a new model instance would have them
    made: tuple[tuple[str, Callable[[], Any]], ...]  # columns whose default is made per row (dict, list, ...)
    auto: tuple[tuple[str, bool], ...]  # (attname, always): auto_now is always now, auto_now_add when not given
    values: Callable[[dict[str, Any]], Any]


class RowWriter:
    """Rows as dicts (attname -> value), not model instances: building an instance per row and preparing every value
    through the generic field machinery costs far more than the write. Columns a row leaves out get the field's
    default, auto_now(_add) columns the time of the write, as a new model instance would have them."""

    def __init__(self, *, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self.plans: dict[type[models.Model], _RowPlan] = {}

    def _plan(self, model: type[models.Model]) -> _RowPlan:
        plan = self.plans.get(model)
        if plan is not None:
            return plan
        columns: list[str] = []
        defaults: dict[str, Any] = {}
        made: list[tuple[str, Callable[[], Any]]] = []
        auto: list[tuple[str, bool]] = []
        for f in model._meta.concrete_fields:
            if f.primary_key and f.get_internal_type() in {"AutoField", "BigAutoField"}:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                auto.append((f.attname, bool(getattr(f, "auto_now", False))))
            if f.has_default() and callable(f.default):
                made.append((f.attname, f.default))
            else:
                defaults[f.attname] = f.get_default()
            columns.append(f.attname)
        getter = itemgetter(*columns)
        plan = _RowPlan(
            columns=tuple(columns),
            defaults=defaults,
            made=tuple(made),
            auto=tuple(auto),
            values=getter if len(columns) > 1 else lambda row: (getter(row),),
        )
        self.plans[model] = plan
        return plan

    def insert(self, model: type[models.Model], rows: list[dict[str, Any]], *, returning: bool = True) -> None:
        """Insert `rows`; with `returning`, each row gets its new primary key as ``row["id"]``. The rows are filled
        in place with the defaults and automatic times they were stored with."""
        if not rows:
            return
        plan = self._plan(model)
        now = timezone.now()
        values = []
        for row in rows:
            for attname, always in plan.auto:
                if always or row.get(attname) is None:
                    row[attname] = now
            for attname, make in plan.made:
                if attname not in row:
                    row[attname] = make()
            values.append(plan.values({**plan.defaults, **row}))
        keys = insert_rows(model, plan.columns, values, returning=returning, using=self.using)
        for row, key in zip(rows, keys, strict=False):
            row["id"] = key

    def insert_with_history(self, model: type[models.Model], rows: list[dict[str, Any]], *, user: Any) -> None:
        """Insert `rows`, then one "created" history row each (django-simple-history's table and columns)."""
        self.insert(model, rows)
        extra = {
            "history_date": timezone.now(),
            "history_change_reason": None,
            "history_type": "+",
            "history_user_id": getattr(user, "pk", None),
        }
        history_model = model.history.model  # type: ignore[attr-defined]
        self.insert(history_model, [{**row, **extra} for row in rows], returning=False)

    def insert_instances_with_history(self, model: type[models.Model], objs: list[Any], *, user: Any) -> None:
        """Unsaved model instances, inserted as rows with their history; their primary keys (and automatic times)
        are set on them, and they count as saved."""
        rows = []
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            rows.append({f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key})
        self.insert_with_history(model, rows, user=user)
        for obj, row in zip(objs, rows, strict=True):
            obj.pk = row["id"]
            obj._state.adding = False
            obj._state.db = self.using
            for name, value in row.items():  # auto_now(_add) values the insert set
                if name != "id":
                    setattr(obj, name, value)


# --- one bulk read ---------------------------------------------------------------------------------------------------

_PG_BOOLEAN = 16  # the type OID of boolean: cast through integer (there is no cast to double precision)


def number_table(query: Any, width: int) -> npt.NDArray[np.float64]:
    """The rows of `query` (a values_list queryset of `width` columns, each a number or a boolean) as one float64 array
    of shape (rows, width), in no particular row order: NULL becomes NaN, a boolean 0 or 1. Ids stay exact below 2⁵³.

    PostgreSQL packs the rows into one binary value (`float8send` of every column cast to double precision, NULL as
    NaN, each row's values side by side; at most 1 GB, some 130 million numbers) that numpy reads in one call, instead
    of a Python object per value; elsewhere the rows come from the cursor."""
    connection = connections[query.db]
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # a query that can have no rows (e.g. `.none()`)
        return np.empty((0, width))
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            _check_width(len(cursor.description or ()), width)
            return np.array(cursor.fetchall(), dtype=np.float64).reshape(-1, width)
    connection.ensure_connection()
    # A cursor of the driver on Django's connection (same transaction), asking for the result in binary.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS q LIMIT 0", params)  # noqa: S608 - the query's own SQL
        types = [column.type_code for column in cursor.description or ()]
        _check_width(len(types), width)
        names = ", ".join(f"c{i}" for i in range(width))
        packed = " || ".join(
            f"float8send(COALESCE(CAST(q.c{i}{'::integer' if kind == _PG_BOOLEAN else ''} AS double precision), "
            "'NaN'))"
            for i, kind in enumerate(types)
        )
        cursor.execute(
            f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) AS q({names})",  # noqa: S608 - the query's own SQL
            params,
            binary=True,
        )
        row = cursor.fetchone()
    data = row[0] if row is not None else None
    if not data:
        return np.empty((0, width))
    return np.frombuffer(data, dtype=">f8").astype(np.float64).reshape(-1, width)


def _check_width(columns: int, width: int) -> None:
    if columns != width:
        raise ValueError(f"The query has {columns} columns, not {width}.")
