"""The import service: stores notices read by the readers in the procurement record, one notice at a time.

Rules (docs/imports.md, "Import service"):

- Idempotent. A notice is identified by (source format, notice id, version); seen before with the same bytes, it is
  counted unchanged and nothing is written, not even history rows.
- Transactional per notice. Each notice runs in its own savepoint: a failure rolls back that notice only, is recorded
  with file, notice and field, and the run goes on. Notices are committed in batches, so the run's progress is visible
  to other connections while it runs.
- A buyer's manual change is never overwritten. `ImportedTender.imported_values` remembers what the import last wrote
  to each field; a current value that differs from it was changed by a person, is kept, and the difference with the
  notice is recorded for the review page (ADR 0010).
- Detected MVI applications are stored as `MVIProposal`s; only a buyer's confirmation makes them `MVIApplication`s.
  A proposal never replaces an MVI application, and a rejected proposal is not proposed again for the same evidence.
- Organisations are matched by national id, KvK number, OIN, then normalised name. An unknown buyer is created with
  status pending for a beheerder to confirm. A run made for one organisation (an upload) only writes that
  organisation's tenders.
"""

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache, partial
from operator import itemgetter
from typing import Any

import psycopg
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, permitted
from mvimonitor.organisations.models import Organisation, OrganisationKind, OrganisationStatus, User
from mvimonitor.organisations.validators import validate_kvk, validate_oin
from mvimonitor.tenders.changes import record_changed
from mvimonitor.tenders.models import (
    AwardCriterion,
    AwardCriterionType,
    Contract,
    Lot,
    MVIApplication,
    Nature,
    ProcedureType,
    Tender,
    nature_for_cpv,
)
from mvimonitor.themes.models import ApplicationForm, CpvCode, Theme

from . import notices as n
from .models import (
    ImportedTender,
    ImportFailure,
    ImportRun,
    ImportUpload,
    MVIProposal,
    ProposalStatus,
    RunStatus,
    Severity,
    SourceRecord,
    compress_raw,
)
from .prefetch import prefetched

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000  # notices per commit (and per monitoring-facts refresh)
Detector = Callable[[n.Notice], tuple[list[n.Proposal], list[n.AttributeSignal]]]
Progress = Callable[[ImportRun], None]

CONFIDENCE_RANK = {n.Confidence.HIGH: 3, n.Confidence.MEDIUM: 2, n.Confidence.LOW: 1}

# eForms buyer-legal-type (BT-11) → organisation kind, as a first guess for a pending buyer; a beheerder confirms it.
KIND_FOR_LEGAL_TYPE = {
    "cga": OrganisationKind.RIJK,
    "ra": OrganisationKind.PROVINCIE,
    "la": OrganisationKind.GEMEENTE,
    "body-pl": OrganisationKind.PUBLIEKRECHTELIJKE_INSTELLING,
    "body-pl-cga": OrganisationKind.PUBLIEKRECHTELIJKE_INSTELLING,
    "body-pl-ra": OrganisationKind.PUBLIEKRECHTELIJKE_INSTELLING,
    "body-pl-la": OrganisationKind.PUBLIEKRECHTELIJKE_INSTELLING,
}

# The choices, as sets (Django builds `.values` anew on every access).
NATURES = frozenset(Nature.values)
PROCEDURE_TYPES = frozenset(ProcedureType.values)
CRITERION_TYPES = frozenset(AwardCriterionType.values)

# Tender fields the import writes, protected against overwriting a manual change.
TENDER_FIELDS = (
    "title",
    "description",
    "nature",
    "procedure_type",
    "is_european",
    "estimated_value",
    "currency",
    "main_cpv_id",
    "ted_notice_id",
    "tenderned_publication_id",
    "ocid",
    "is_sme_friendly",
    "is_innovative",
)
LOT_FIELDS = ("title", "description", "estimated_value", "main_cpv_id")


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class NoticeFailed(Exception):  # noqa: N818 - a control-flow signal, carried to the failure record
    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class FailureInfo:
    severity: str
    file: str
    locator: str
    notice: str
    field: str
    message: str


@dataclass
class RunReport:
    """What a run did, also for a dry run whose database rows are rolled back."""

    run: ImportRun
    failures: list[FailureInfo] = field(default_factory=list)


# --- run life cycle -------------------------------------------------------------------------------------------------


@transaction.atomic
def import_run_create(
    *,
    source_description: str,
    user: User | None = None,
    organisation: Organisation | None = None,
    dry_run: bool = False,
) -> ImportRun:
    """A new, queued run. Made for an organisation, it needs the user's EDIT_TENDERS right there.

    A dry run is returned unsaved: it exists only inside the transaction that `import_run_execute` rolls back.
    """
    if organisation is not None and user is not None and not permitted(user, Action.EDIT_TENDERS, organisation):
        raise PermissionDenied(_("You may not import notices for this organisation."))
    run = ImportRun(
        source_description=source_description[:1000],
        started_by=user,
        organisation=organisation,
        dry_run=dry_run,
    )
    run.full_clean(exclude=["organisation", "started_by"])
    if not dry_run:  # a dry run is saved inside its own rolled-back transaction by import_run_execute
        run.save()
    return run


@transaction.atomic
def import_upload_create(*, user: User, organisation: Organisation, files: list[tuple[str, bytes]]) -> ImportRun:
    """Keep uploaded files in the database and make a queued run for them (the caller enqueues the task)."""
    if not files:
        raise ValidationError({"files": _("Choose at least one file.")})
    names = ", ".join(name for name, _content in files)
    run = import_run_create(source_description=names, user=user, organisation=organisation)
    ImportUpload.objects.bulk_create(
        ImportUpload(run=run, name=name[:255], content=content, size=len(content)) for name, content in files
    )
    return run


def read_ahead_pays() -> bool:
    """Whether reading ahead in a second thread speeds an import up on this database (ADR 0021): where storing waits
    for a database server, yes; on SQLite the two threads cost more in switching than they overlap (measured)."""
    return connection.vendor == "postgresql"


def import_run_execute(
    *,
    run: ImportRun,
    raw_notices: Iterable[n.RawNotice],
    detector: Detector | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    read_ahead: bool = False,
) -> RunReport:
    """Import every notice of `raw_notices` into the record under `run`, and finish the run.

    A dry run does all the work inside one transaction that is rolled back at the end: the report tells what would
    happen, the database is left as it was (the run row included).

    With `read_ahead`, `raw_notices` is iterated in a second thread while the notices read before are stored
    (`prefetch.prefetched`, ADR 0021): only for inputs whose reading does not use the database (files, folders,
    archives), since that thread has no share in this thread's transaction.
    """
    if detector is None:
        from .detect import detect  # the readers' detectors; imported late, they load mapping files

        detector = detect
    importer = _Importer(run=run, detector=detector)
    if run.dry_run:
        with transaction.atomic():
            if run.pk is None:
                run.save()
            report = importer.execute(raw_notices, progress=progress, batch_size=batch_size, read_ahead=read_ahead)
            transaction.set_rollback(True)
        run.pk = None  # its row was rolled back with everything else
        return report
    return importer.execute(raw_notices, progress=progress, batch_size=batch_size, read_ahead=read_ahead)


# --- the importer ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)  # the same buyers and suppliers come back in notice after notice
def normalise_name(name: str) -> str:
    """Lower case, no accents or punctuation, whitespace collapsed: 'Gemeente  Den-Haag' → 'gemeente den haag'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _json(value: Any) -> Any:
    """A field value as stored in `imported_values` (JSON): decimals and dates as strings."""
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        try:
            return Decimal(a) == Decimal(b)
        except ArithmeticError:
            return a == b
    return bool(a == b)


@dataclass(frozen=True, slots=True)
class _Input:
    """A notice as read, with the SHA-256 and the compressed form of its bytes (made where it was read)."""

    raw: n.RawNotice
    sha: str
    compressed: bytes | None


def _prepare(raw: n.RawNotice, *, compress: bool = False) -> _Input:
    """Hash a read notice's bytes and, in the reading thread (where it overlaps with storing), compress them too;
    otherwise they are compressed only when stored. An unreadable notice's bytes are never stored."""
    if raw.notice is None:
        return _Input(raw=raw, sha="", compressed=None)
    return _Input(
        raw=raw, sha=hashlib.sha256(raw.raw).hexdigest(), compressed=compress_raw(raw.raw) if compress else None
    )


def _chunks(items: Iterable[_Input], size: int) -> Iterator[list[_Input]]:
    """The items in lists of `size`. When the input breaks off (an archive damaged half-way), the notices read
    before the break are still handed on, and the error comes after them."""
    iterator = iter(items)
    while True:
        chunk: list[_Input] = []
        try:
            for item in iterator:
                chunk.append(item)
                if len(chunk) == size:
                    break
        except Exception:
            if chunk:
                yield chunk
            raise
        if not chunk:
            return
        yield chunk


def _first_error(error: ValidationError, prefix: str) -> tuple[str, str]:
    if hasattr(error, "error_dict"):
        name, errors = next(iter(error.message_dict.items()))
        return f"{prefix}.{name}", " ".join(errors)
    return prefix, " ".join(error.messages)


class _Catalogue:
    """Themes, forms and CPV codes, read once per run: they do not change while a run imports."""

    def __init__(self) -> None:
        self.themes = {t.code: t for t in Theme.objects.all()}
        self.forms = {f.code: f for f in ApplicationForm.objects.all()}
        self.cpv_codes = set(CpvCode.objects.values_list("code", flat=True))


class _Buyers:
    """Organisations by each key, read once per run; rebuilt after a failed notice may have rolled back a new one."""

    def __init__(self) -> None:
        self.load()

    def load(self) -> None:
        self.by_national_id: dict[str, Organisation] = {}
        self.by_kvk: dict[str, Organisation] = {}
        self.by_oin: dict[str, Organisation] = {}
        self.by_name: dict[str, Organisation] = {}
        for organisation in Organisation.objects.only("id", "name", "national_id", "kvk_number", "oin", "status"):
            self.remember(organisation)

    def forget(self, organisations: list[Organisation]) -> None:
        """Drop organisations built for a notice that failed before they were saved."""
        for index in (self.by_national_id, self.by_kvk, self.by_oin, self.by_name):
            for key in [k for k, o in index.items() if any(o is x for x in organisations)]:
                del index[key]

    def remember(self, organisation: Organisation) -> None:
        for key, index in (
            (organisation.national_id, self.by_national_id),
            (organisation.kvk_number, self.by_kvk),
            (organisation.oin, self.by_oin),
            (normalise_name(organisation.name), self.by_name),
        ):
            if key:
                index.setdefault(key, organisation)

    def match(self, party: n.Party) -> Organisation | None:
        national_id = party.national_id.strip()
        candidates = (
            self.by_national_id.get(national_id) if national_id else None,
            self.by_kvk.get(national_id) if national_id else None,
            self.by_oin.get(national_id) if national_id else None,
            self.by_kvk.get(party.kvk_number) if party.kvk_number else None,
            self.by_oin.get(party.oin) if party.oin else None,
            self.by_name.get(normalise_name(party.name)) if party.name else None,
        )
        return next((c for c in candidates if c is not None), None)


# A value of each type whose adapter may hand it back unchanged: then the column needs no conversion at all.
_SAMPLES: dict[str, Any] = {
    "DateTimeField": datetime(2000, 1, 1, tzinfo=UTC),
    "DateField": date(2000, 1, 1),
    "DecimalField": Decimal("1.5"),
}


def _hands_back(converter: Callable[[Any], Any], sample: Any) -> bool:
    """Whether the adapter returns its value unchanged (tried on a sample; no sample or an error: assume not)."""
    if sample is None:
        return False
    try:
        return converter(sample) is sample
    except (ArithmeticError, ValueError, TypeError):
        return False


@dataclass(frozen=True)
class _InsertPlan:
    table: str  # quoted
    table_name: str
    pk_column: str  # quoted
    pk_name: str
    names: str
    width: int
    defaults: dict[str, Any]
    made: list[tuple[str, Any]]
    auto: list[tuple[str, bool]]
    converters: list[tuple[int, Any]]
    values: Callable[[dict[str, Any]], Any]


class _Inserter:
    """The import's bulk writes, history rows included: COPY on PostgreSQL; on SQLite one prepared statement for
    many rows, or multi-row ``INSERT ... RETURNING`` where the new keys are needed.

    The rows are plain dicts (attname -> value), not model instances: building a model instance per row and preparing
    every value through the generic field machinery was most of the cost of storing a notice. The conversion of each
    column is chosen once per model, with the backend's own adapters (`connection.ops.adapt_*`, `get_db_prep_save`
    for JSON and binary), so the stored values are the ones Django would store; columns a row does not give get the
    field's default, as a new model instance would. SQLite needs RETURNING (3.35+) to learn the new primary keys;
    otherwise rows are inserted one at a time.
    """

    def __init__(self) -> None:
        self.plans: dict[type[models.Model], _InsertPlan] = {}

    def _plan(self, model: type[models.Model]) -> "_InsertPlan":
        plan = self.plans.get(model)
        if plan is not None:
            return plan
        ops = connection.ops
        columns: list[str] = []
        defaults: dict[str, Any] = {}  # values of columns a row leaves out, as a new model instance would have them
        made: list[tuple[str, Any]] = []  # columns whose default is made per row (dict, list, ...)
        auto: list[tuple[str, bool]] = []  # (attname, always): auto_now is always now, auto_now_add when not given
        converters: list[tuple[int, Any]] = []  # (column index, adapter) for values the driver cannot take as they are
        for f in model._meta.concrete_fields:
            if f.primary_key and f.get_internal_type() in {"AutoField", "BigAutoField"}:
                continue
            internal = f.get_internal_type()
            converter: Any = None
            if internal == "DateTimeField":
                converter = ops.adapt_datetimefield_value
            elif internal == "DateField":
                converter = ops.adapt_datefield_value
            elif internal == "DecimalField":
                converter = partial(
                    ops.adapt_decimalfield_value,
                    max_digits=f.max_digits,  # type: ignore[attr-defined]
                    decimal_places=f.decimal_places,  # type: ignore[attr-defined]
                )
            elif internal in {"JSONField", "BinaryField"}:
                converter = partial(f.get_db_prep_save, connection=connection)
            if converter is not None and not _hands_back(converter, _SAMPLES.get(internal)):
                converters.append((len(columns), converter))  # PostgreSQL: dates and decimals go as they are
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                auto.append((f.attname, bool(getattr(f, "auto_now", False))))
            if f.has_default() and callable(f.default):
                made.append((f.attname, f.default))
            else:
                defaults[f.attname] = f.get_default()
            columns.append(f.attname)
        pk = model._meta.pk
        assert pk is not None  # noqa: S101 - every model has a primary key
        quote = connection.ops.quote_name
        column_names = [str(f.column) for f in model._meta.concrete_fields if f.attname in set(columns)]
        plan = _InsertPlan(
            table=quote(model._meta.db_table),
            table_name=model._meta.db_table,
            pk_column=quote(str(pk.column)),
            pk_name=str(pk.column),
            names=", ".join(quote(c) for c in column_names),
            width=len(columns),
            defaults=defaults,
            made=made,
            auto=auto,
            converters=converters,
            values=itemgetter(*columns),
        )
        self.plans[model] = plan
        return plan

    def insert_rows(self, model: type[models.Model], rows: list[dict[str, Any]], *, returning: bool = True) -> None:
        """Insert `rows` (attname -> value); with `returning`, each row gets its new primary key as ``row["id"]``."""
        if not rows:
            return
        plan = self._plan(model)
        now = timezone.now()
        memo: dict[tuple[Any, int], Any] = {}  # one conversion per converter and object: dates repeat in a chunk
        values: list[Any] = []
        for row in rows:
            for attname, always in plan.auto:
                if always or row.get(attname) is None:
                    row[attname] = now
            for attname, make in plan.made:
                if attname not in row:
                    row[attname] = make()
            out = plan.values({**plan.defaults, **row})
            if plan.width == 1:
                out = (out,)
            if plan.converters:
                out = list(out)
                for index, converter in plan.converters:
                    value = out[index]
                    if value is not None:
                        key = (converter, id(value))
                        converted = memo.get(key, _MISSING)
                        if converted is _MISSING:
                            converted = converter(value)
                            if isinstance(value, (datetime, date)):
                                memo[key] = converted  # the row keeps the object alive, so its id is not reused
                        out[index] = converted
            values.append(out)
        if connection.vendor == "postgresql":
            self._insert_copy(plan, rows, values, returning=returning)
            return
        self._insert_sqlite(plan, rows, values, returning=returning)  # the only other database (ADR 0002)

    @staticmethod
    def _insert_sqlite(plan: "_InsertPlan", rows: list[dict[str, Any]], values: list[Any], *, returning: bool) -> None:
        """SQLite, on the driver's own cursor (same connection and transaction) with its own ``?`` placeholders:
        Django's cursor rewrites ``%s`` to ``?`` with a regular expression over every statement, a noticeable cost
        for statements of hundreds of rows (py-spy: 4% of an import). Rows whose keys are not needed go through one
        prepared statement (``executemany``); the others as multi-row ``INSERT ... RETURNING`` (SQLite 3.35+), in
        statements of at most 500 rows and 30,000 parameters."""
        placeholder = "(" + ", ".join(["?"] * plan.width) + ")"
        connection.ensure_connection()
        with connection.wrap_database_errors:
            cursor = connection.connection.cursor()
            try:
                if not returning:
                    # Table and column names come from the models; every value is a parameter.
                    cursor.executemany(f"INSERT INTO {plan.table} ({plan.names}) VALUES {placeholder}", values)  # noqa: S608
                    return
                if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover - SQLite < 3.35
                    for row, out in zip(rows, values, strict=True):
                        cursor.execute(f"INSERT INTO {plan.table} ({plan.names}) VALUES {placeholder}", out)  # noqa: S608
                        row["id"] = cursor.lastrowid
                    return
                per_statement = max(1, min(500, 30000 // plan.width))
                for start in range(0, len(values), per_statement):
                    chunk = values[start : start + per_statement]
                    many = ", ".join([placeholder] * len(chunk))
                    sql = f"INSERT INTO {plan.table} ({plan.names}) VALUES {many} RETURNING {plan.pk_column}"  # noqa: S608
                    cursor.execute(sql, [value for row in chunk for value in row])
                    for row, (pk,) in zip(rows[start : start + per_statement], cursor.fetchall(), strict=True):
                        row["id"] = pk
            finally:
                cursor.close()

    @staticmethod
    def _insert_copy(plan: "_InsertPlan", rows: list[dict[str, Any]], values: list[Any], *, returning: bool) -> None:
        """PostgreSQL: the rows through COPY, the fastest way in; new primary keys are taken from the table's own
        sequence beforehand (one query), since COPY cannot return them.

        Row by row INSERTs, even pipelined, cost the server about ten times as much per row (each statement is
        planned and executed on its own), which made PostgreSQL the slower database for imports.
        """
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.ClientCursor(connection.connection) as driver_cursor:
            # A cursor of the driver on Django's connection (same transaction): Django's wrapper has no COPY.
            names = plan.names
            if returning:
                driver_cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [plan.table_name, plan.pk_name, len(rows)],
                )
                keys = sorted(key for (key,) in driver_cursor.fetchall())  # ascending, as the inserts would be
                for row, key in zip(rows, keys, strict=True):
                    row["id"] = key
                names = f"{plan.pk_column}, {names}"
            # Table and column names come from the models; the values go as COPY data, never as SQL text.
            with driver_cursor.copy(f"COPY {plan.table} ({names}) FROM STDIN") as copy:
                if returning:
                    for row, out in zip(rows, values, strict=True):
                        copy.write_row((row["id"], *out))
                else:
                    for out in values:
                        copy.write_row(out)

    def insert_rows_with_history(self, model: type[models.Model], rows: list[dict[str, Any]], *, user: Any) -> None:
        """Insert `rows`, then one "created" history row each (django-simple-history's table and columns)."""
        self.insert_rows(model, rows)
        extra = {
            "history_date": timezone.now(),
            "history_change_reason": None,
            "history_type": "+",
            "history_user_id": getattr(user, "pk", None),
        }
        history_model = model.history.model  # type: ignore[attr-defined]
        self.insert_rows(history_model, [{**row, **extra} for row in rows], returning=False)

    def insert_with_history(self, model: type[models.Model], objs: list[Any], *, user: Any) -> None:
        """Model instances (a run's few new organisations): inserted as rows, their primary keys set."""
        rows = []
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            rows.append({f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key})
        self.insert_rows_with_history(model, rows, user=user)
        for obj, row in zip(objs, rows, strict=True):
            obj.pk = row["id"]
            obj._state.adding = False
            obj._state.db = connection.alias
            for name, value in row.items():  # auto_now(_add) values the insert set
                if name != "id":
                    setattr(obj, name, value)


class _Checker:
    """The checks `clean_fields` makes (null, blank, choices, the field's validators), for the values a row sets.

    Columns a row leaves out get their defaults, which are valid, and relations are checked by the import itself
    (catalogue codes and ids it read), so only the given values are checked, without building model instances. On a
    problem the field's own `clean` is called, so the error is Django's, word for word. A maximum length (the most
    common validator by far) is compared directly, as `MaxLengthValidator` compares it.
    """

    def __init__(self) -> None:
        self.plans: dict[type[models.Model], list[_FieldCheck]] = {}

    def _plan(self, model: type[models.Model]) -> "list[_FieldCheck]":
        plan = self.plans.get(model)
        if plan is None:
            plan = []
            for f in model._meta.concrete_fields:
                if f.primary_key or f.is_relation:
                    continue
                lengths = [v.limit_value for v in f.validators if type(v) is MaxLengthValidator]
                plan.append(
                    _FieldCheck(
                        attname=f.attname,
                        field=f,
                        choices=frozenset(value for value, _label in f.flatchoices) if f.choices else None,
                        max_length=lengths[0] if len(lengths) == 1 and isinstance(lengths[0], int) else None,
                        validators=tuple(
                            v for v in f.validators if not (len(lengths) == 1 and type(v) is MaxLengthValidator)
                        ),
                        empty=tuple(f.empty_values),
                        blank=f.blank,
                    )
                )
            self.plans[model] = plan
        return plan

    def check(self, model: type[models.Model], row: dict[str, Any]) -> None:
        """Raise ValidationError ({field: messages}) for the first value `clean_fields` would refuse."""
        for item in self._plan(model):
            if item.attname not in row:
                continue
            value = row[item.attname]
            if value in item.empty:
                ok = item.blank  # clean_fields skips an empty value of a blank field, and refuses it otherwise
            else:
                ok = item.choices is None or value in item.choices
                if ok and item.max_length is not None:
                    ok = len(value) <= item.max_length
                if ok:
                    try:
                        for validator in item.validators:
                            validator(value)
                    except ValidationError:
                        ok = False
            if not ok:
                try:
                    item.field.clean(value, None)
                except ValidationError as error:
                    raise ValidationError({item.field.name: error.messages}) from None


@dataclass(frozen=True, slots=True)
class _FieldCheck:
    attname: str
    field: Any
    choices: frozenset[Any] | None
    max_length: int | None
    validators: tuple[Any, ...]
    empty: tuple[Any, ...]
    blank: bool


class _Importer:
    def __init__(self, *, run: ImportRun, detector: Detector) -> None:
        self.run = run
        self.detector = detector
        self.catalogue = _Catalogue()
        self.buyers = _Buyers()
        self.report = RunReport(run=run)
        self.warnings: list[tuple[str, str]] = []
        self.new_buyers: list[Organisation] = []  # built for the notice being imported, not saved yet
        self.inserter = _Inserter()
        self.checker = _Checker()
        self.touched: set[int] = set()  # tenders written in the current chunk, whose monitoring facts are rebuilt
        self.compressed: dict[str, bytes] = {}  # sha256 -> compressed bytes of the current chunk's notices
        self.mapping_version = ""
        try:
            from .detect import MAPPING_VERSION

            self.mapping_version = str(MAPPING_VERSION)
        except ImportError:  # pragma: no cover - only before the detectors exist
            self.mapping_version = ""

    # -- run -----------------------------------------------------------------------------------------------------

    def execute(
        self, raw_notices: Iterable[n.RawNotice], *, progress: Progress | None, batch_size: int, read_ahead: bool
    ) -> RunReport:
        run = self.run
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
        # read ahead by a whole chunk: while this thread writes one chunk (mostly waiting for the database), the other
        # reads the next
        inputs = (
            prefetched(raw_notices, partial(_prepare, compress=True), depth=batch_size)
            if read_ahead
            else map(_prepare, raw_notices)
        )
        try:
            for chunk in _chunks(inputs, batch_size):
                with transaction.atomic():
                    self._import_chunk(chunk)
                    # Same transaction as the records, so dashboards never count a tender differently from the record.
                    record_changed(tender_ids=self.touched)
                    self.touched.clear()
                    run.save(update_fields=["seen", "created", "updated", "unchanged", "failed"])
                if progress is not None:
                    progress(run)
        except n.ReadError as error:  # a whole input could not be opened (not one notice)
            self._fail(file=error.file, locator="", notice=error.notice, field=error.field, message=error.message)
            run.status = RunStatus.FAILED
            run.message = str(error)
        except Exception as error:
            logger.exception("Import run %(run)s stopped", {"run": run.pk})
            run.status = RunStatus.FAILED
            run.message = _("The import stopped unexpectedly: %(error)s") % {"error": error}
        else:
            run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(
            update_fields=["status", "message", "finished_at", "seen", "created", "updated", "unchanged", "failed"]
        )
        if progress is not None:
            progress(run)
        return self.report

    def _import_chunk(self, chunk: list[_Input]) -> None:
        """Import a chunk: new procedures are built in memory and written together; the rest one at a time.

        Building checks everything a notice needs (and records its failure) before anything is written, so the
        shared write only meets database errors; if it meets one, it is rolled back and the chunk's new notices are
        imported again one by one, each in its own savepoint. Either way a notice is stored whole or not at all.
        """
        notices = [item.raw.notice for item in chunk if item.raw.notice is not None]
        known = self._known_versions(notices)
        taken = self._existing_procedures(notices)
        batch: list[_NewTender] = []
        deferred: list[_Input] = []
        self.compressed = {item.sha: item.compressed for item in chunk if item.compressed is not None}
        for item in chunk:
            self.run.seen += 1
            raw, sha, notice = item.raw, item.sha, item.raw.notice
            if notice is None:
                self._fail_unread(raw)
                continue
            key = (notice.source_format.value, notice.notice_id, notice.version)
            if key in known:
                self._already_known(raw, notice, known[key], sha)
                continue
            known[key] = sha  # the same notice twice in one run is unchanged the second time
            claims = _claims(notice)
            if claims & taken:
                deferred.append(item)
                continue
            taken |= claims
            self.new_buyers = []
            try:
                organisation = self._organisation_for(notice)
                batch.append(self._build_new(raw, notice, sha, organisation))
            except (NoticeFailed, ValidationError) as error:
                self._forget_unsaved_buyers()
                self._fail_notice(raw, notice, error)
        if batch:
            try:
                with transaction.atomic():
                    self._write_new(batch)
            except DatabaseError:
                logger.warning(
                    "A shared write failed; importing its %(count)s notices one by one", {"count": len(batch)}
                )
                self.buyers.load()
                deferred = [_Input(raw=new.raw, sha=new.record["sha256"], compressed=None) for new in batch] + deferred
            else:
                self._count_created(batch)
        for item in deferred:
            assert item.raw.notice is not None  # noqa: S101 - only read notices are deferred
            self._import_one(item.raw, item.raw.notice, item.sha)
        self.compressed = {}

    def _known_versions(self, notices: list[n.Notice]) -> dict[tuple[str, str, str], str]:
        """(format, notice id, version) -> sha256 of the notices of this chunk that were stored before."""
        if not notices:
            return {}
        keys = {(x.source_format.value, x.notice_id, x.version) for x in notices}
        rows = SourceRecord.objects.filter(  # the unique index leads with the format
            source_format__in={x.source_format.value for x in notices}, notice_id__in={x.notice_id for x in notices}
        ).values_list("source_format", "notice_id", "version", "sha256")
        return {(f, i, v): sha for f, i, v, sha in rows if (f, i, v) in keys}

    def _existing_procedures(self, notices: list[n.Notice]) -> set[tuple[str, str]]:
        """Claims (see `_claims`) of this chunk's notices that an imported tender already holds."""
        taken: set[tuple[str, str]] = set()
        procedures = {x.procedure_id for x in notices if x.procedure_id}
        if procedures:
            taken |= {
                ("procedure", f"{f}|{p}")
                for f, p in ImportedTender.objects.filter(procedure_id__in=procedures).values_list(
                    "source_format", "procedure_id"
                )
            }
        changed = {x.changes_notice_id for x in notices if x.changes_notice_id}
        if changed:
            taken |= {
                ("notice", i)
                for i in SourceRecord.objects.filter(
                    source_format__in={x.source_format.value for x in notices},
                    notice_id__in=changed,
                    tender__isnull=False,
                ).values_list("notice_id", flat=True)
            }
        for attribute in ("ocid", "ted_notice_id"):
            values = {getattr(x, attribute) for x in notices if getattr(x, attribute)}
            if values:
                found = Tender.objects.filter(**{f"{attribute}__in": values}, import_link__isnull=False).values_list(
                    attribute, flat=True
                )
                taken |= {(attribute, v) for v in found}
        return taken

    def _import_one(self, raw: n.RawNotice, notice: n.Notice, sha: str) -> None:
        """One notice in its own savepoint: stored whole, or rolled back and recorded as a failure."""
        self.warnings = []
        self.new_buyers = []
        try:
            with transaction.atomic():
                outcome = self._store(raw, notice, sha)
        except (NoticeFailed, ValidationError) as error:
            self._forget_unsaved_buyers()
            self._fail_notice(raw, notice, error)
            return
        except DatabaseError as error:
            self.buyers.load()  # an organisation saved in the rolled-back savepoint is gone again
            self._fail(file=raw.file, locator=raw.locator, notice=notice.notice_id, field="", message=str(error))
            return
        self._record_warnings(raw, notice, self.warnings)
        if outcome is Outcome.CREATED:
            self.run.created += 1
        elif outcome is Outcome.UPDATED:
            self.run.updated += 1
        else:
            self.run.unchanged += 1

    def _count_created(self, batch: list["_NewTender"]) -> None:
        self.run.created += len(batch)
        for item in batch:
            self._record_warnings(item.raw, item.notice, item.warnings)

    def _record_warnings(self, raw: n.RawNotice, notice: n.Notice, warnings: list[tuple[str, str]]) -> None:
        reader_warnings = [("", w) for w in (*raw.warnings, *notice.warnings)]
        for field_name, message in [*reader_warnings, *warnings]:
            self._fail(
                file=raw.file,
                locator=raw.locator,
                notice=notice.notice_id,
                field=field_name,
                message=message,
                severity=Severity.WARNING,
            )

    def _fail_unread(self, raw: n.RawNotice) -> None:
        error = raw.error or n.ReadError(_("The reader returned neither a notice nor an error."))
        self._fail(
            file=error.file or raw.file,
            locator=raw.locator,
            notice=error.notice,
            field=error.field,
            message=error.message,
        )

    def _already_known(self, raw: n.RawNotice, notice: n.Notice, stored_sha: str, sha: str) -> None:
        if stored_sha == sha:
            self.run.unchanged += 1
            return
        self._fail(
            file=raw.file,
            locator=raw.locator,
            notice=notice.notice_id,
            field="version",
            message=_(
                "Version %(version)s of this notice was imported before with other content; "
                "a changed notice needs a new version."
            )
            % {"version": notice.version or "-"},
        )

    def _fail_notice(self, raw: n.RawNotice, notice: n.Notice, error: Exception) -> None:
        if isinstance(error, NoticeFailed):
            field_name, message = error.field, error.message
        else:
            assert isinstance(error, ValidationError)  # noqa: S101 - the two kinds _import_one catches
            field_name, message = _first_error(error, "notice")
        self._fail(file=raw.file, locator=raw.locator, notice=notice.notice_id, field=field_name, message=message)

    def _forget_unsaved_buyers(self) -> None:
        self.buyers.forget(self.new_buyers)
        self.new_buyers = []

    def _fail(
        self, *, file: str, locator: str, notice: str, field: str, message: str, severity: str = Severity.ERROR
    ) -> None:
        if severity == Severity.ERROR:
            self.run.failed += 1
        info = FailureInfo(
            severity=str(severity),
            file=file[:1000],
            locator=locator[:200],
            notice=notice[:200],
            field=field[:200],
            message=message,
        )
        self.report.failures.append(info)
        ImportFailure.objects.create(run=self.run, **info.__dict__)

    # -- one notice ----------------------------------------------------------------------------------------------

    def _store(self, raw: n.RawNotice, notice: n.Notice, sha: str) -> Outcome:
        organisation = self._organisation_for(notice)
        link = self._link_for(notice, organisation)
        if link is None:
            item = self._build_new(raw, notice, sha, organisation)
            self._write_new([item])
            self.warnings = item.warnings
            return Outcome.CREATED
        tender = link.tender
        if organisation.pk is None or tender.organisation_id != organisation.pk:
            raise NoticeFailed(
                _("This procedure belongs to another organisation than the notice's buyer."), field="buyer"
            )
        older = _older_than_applied(notice, link)
        if older:
            # Files arrive out of order: keep the notice's bytes, but never take the tender back to an earlier state.
            self._source_record(raw, notice, sha, tender).save()
            self.warnings.append(
                (
                    older,
                    _(
                        "This notice (version %(version)s, published %(date)s) is older than notice %(latest)s "
                        "(version %(latest_version)s, published %(latest_date)s), which was already applied to the "
                        "tender: it is kept as a source record and not applied."
                    )
                    % {
                        "version": notice.version or "-",
                        "date": notice.publication_date or "-",
                        "latest": link.latest_notice_id,
                        "latest_version": link.latest_version or "-",
                        "latest_date": link.latest_publication_date or "-",
                    },
                )
            )
            return Outcome.UNCHANGED
        link.latest_notice_id = notice.notice_id[:200]
        link.latest_version = notice.version[:100]
        link.latest_publication_date = notice.publication_date or link.latest_publication_date
        proposals, signals = self.detector(notice)
        changed = self._tender_update(tender, link, notice, signals)
        lots = self._lots_sync(tender, link, notice)
        changed |= lots.changed
        changed |= self._criteria_sync(link, notice, lots.by_number)
        record = self._source_record(raw, notice, sha, tender)
        record.save()
        changed |= self._proposals_sync(lots.by_number, proposals, record, new_lots=lots.created)
        if notice.family is n.NoticeFamily.RESULT:
            changed |= self._contracts_sync(tender, notice, lots.by_number)
        link.save()
        if changed:
            self.touched.add(tender.pk)
        return Outcome.UPDATED if changed else Outcome.UNCHANGED

    def _source_values(self, raw: n.RawNotice, notice: n.Notice, sha: str) -> dict[str, Any]:
        return {
            "source_format": notice.source_format.value,
            "notice_id": notice.notice_id[:200],
            "version": notice.version[:100],
            "procedure_id": notice.procedure_id[:200],
            "notice_type": notice.notice_type[:50],
            "family": notice.family.value,
            "sha256": sha,
            "raw_compressed": self.compressed.get(sha) or compress_raw(raw.raw),
            "file_name": raw.file[:1000],
            "locator": raw.locator[:200],
            "run_id": None if self.run.dry_run else self.run.pk,
        }

    def _source_record(self, raw: n.RawNotice, notice: n.Notice, sha: str, tender: Tender) -> SourceRecord:
        return SourceRecord(tender=tender, **self._source_values(raw, notice, sha))

    def _organisation_for(self, notice: n.Notice) -> Organisation:
        """The notice's buyer; an unknown one comes back unsaved (pending), to be saved with the notice."""
        own = self.run.organisation
        buyer = notice.buyer
        if buyer is None or (not buyer.name and not buyer.national_id):
            if own is not None:
                return own
            raise NoticeFailed(_("The notice names no buyer."), field="buyer")
        match = self.buyers.match(buyer)
        if own is not None:
            if match is not None and match.pk != own.pk:
                raise NoticeFailed(
                    _("The buyer %(buyer)s is another organisation than %(own)s, for which this import was made.")
                    % {"buyer": buyer.name or buyer.national_id, "own": own.name},
                    field="buyer",
                )
            return own
        if match is not None:
            return match
        return self._pending_organisation(buyer)

    def _pending_organisation(self, buyer: n.Party) -> Organisation:
        kvk = buyer.kvk_number if _valid(validate_kvk, buyer.kvk_number) else ""
        oin = buyer.oin if _valid(validate_oin, buyer.oin) else ""
        name = (buyer.name or buyer.national_id).strip()[:255]
        if not name:
            raise NoticeFailed(_("The buyer has no name."), field="buyer.name")
        organisation = Organisation(
            name=name,
            kind=KIND_FOR_LEGAL_TYPE.get(buyer.legal_type, OrganisationKind.OVERIG),
            kvk_number=kvk,
            oin=oin,
            national_id=buyer.national_id.strip()[:100],
            status=OrganisationStatus.PENDING,
        )
        organisation.clean_fields(exclude=["parent"])
        self.buyers.remember(organisation)
        self.new_buyers.append(organisation)
        return organisation

    def _link_for(self, notice: n.Notice, organisation: Organisation) -> ImportedTender | None:
        """The imported tender of this notice: same procedure, the notice it changes, or the same TED id or ocid."""
        links = ImportedTender.objects.select_related("tender")
        if notice.procedure_id:
            link = links.filter(source_format=notice.source_format.value, procedure_id=notice.procedure_id).first()
            if link is not None:
                return link
        if notice.changes_notice_id:
            record = (
                SourceRecord.objects.filter(
                    source_format=notice.source_format.value, notice_id=notice.changes_notice_id, tender__isnull=False
                )
                .select_related("tender__import_link__tender")
                .first()
            )
            if record is not None and record.tender is not None and hasattr(record.tender, "import_link"):
                return record.tender.import_link
        for attribute in ("ocid", "ted_notice_id"):
            value = getattr(notice, attribute)
            if value:
                link = links.filter(**{f"tender__{attribute}": value, "tender__organisation": organisation}).first()
                if link is not None:
                    return link
        return None

    # -- tender --------------------------------------------------------------------------------------------------

    def _tender_values(self, notice: n.Notice, signals: list[n.AttributeSignal]) -> dict[str, Any]:
        """The tender fields this notice gives (absent ones are left out, never erased)."""
        values: dict[str, Any] = {}
        if notice.title:
            values["title"] = notice.title[:500]
        if notice.description:
            values["description"] = notice.description
        main_cpv = self._cpv(notice.main_cpv, "main_cpv")
        if main_cpv:
            values["main_cpv_id"] = main_cpv
        nature = notice.nature or nature_for_cpv(notice.main_cpv) or ""
        if nature:
            if nature not in NATURES:
                raise NoticeFailed(_("Unknown contract nature “%(value)s”.") % {"value": nature}, field="nature")
            values["nature"] = nature
        if notice.procedure_type:
            values["procedure_type"] = (
                notice.procedure_type if notice.procedure_type in PROCEDURE_TYPES else ProcedureType.OTHER
            )
        if notice.is_european is not None:
            values["is_european"] = notice.is_european
        if notice.estimated_value is not None:
            values["estimated_value"] = notice.estimated_value
        if notice.currency:
            values["currency"] = notice.currency
        for name in ("ted_notice_id", "tenderned_publication_id", "ocid"):
            if getattr(notice, name):
                values[name] = getattr(notice, name)
        attributes = {s.attribute for s in signals}
        if "sme_friendly" in attributes:
            values["is_sme_friendly"] = True
        if "innovation" in attributes:
            values["is_innovative"] = True
        return values

    def _cpv(self, code: str, field_name: str) -> str | None:
        if not code:
            return None
        if code not in self.catalogue.cpv_codes:
            self.warnings.append(
                (
                    field_name,
                    _("Unknown CPV code %(code)s: stored without it (load the CPV list with load_cpv).")
                    % {"code": code},
                )
            )
            return None
        return code

    def _build_new(self, raw: n.RawNotice, notice: n.Notice, sha: str, organisation: Organisation) -> "_NewTender":
        """Everything a new procedure's notice stores, as checked rows in memory; `_write_new` saves them.

        Every value is checked here (`_Checker`, the checks of `clean_fields`), so writing meets database errors only.
        """
        self.warnings = []
        check = self.checker.check
        proposals, signals = self.detector(notice)
        values = self._tender_values(notice, signals)
        if "title" not in values:
            raise NoticeFailed(_("The notice has no title, which a new tender needs."), field="title")
        if "nature" not in values:
            raise NoticeFailed(_("The notice gives no contract nature and no CPV code to derive it."), field="nature")
        values.setdefault("procedure_type", ProcedureType.OTHER)
        tender: dict[str, Any] = {"publication_date": notice.publication_date, **values}
        check(Tender, tender)
        imported: dict[str, Any] = {name: _json(value) for name, value in values.items()}
        link: dict[str, Any] = {
            "source_format": notice.source_format.value,
            "procedure_id": (notice.procedure_id or notice.notice_id)[:200],
            "imported_values": imported,
            "differences": [],
            "latest_notice_id": notice.notice_id[:200],
            "latest_version": notice.version[:100],
            "latest_publication_date": notice.publication_date,
        }
        lots: dict[str, dict[str, Any]] = {}
        criteria: list[tuple[str, dict[str, Any]]] = []
        imported_lots: dict[str, Any] = imported.setdefault("lots", {})
        imported_criteria: dict[str, Any] = imported.setdefault("award_criteria", {})
        for notice_lot in notice.lots or [n.Lot(lot_id="1")]:
            number = notice_lot.lot_id[:20] or "1"
            lot_values = self._lot_values(notice_lot, number, values["title"])
            lot = {"number": number, **lot_values}
            check(Lot, lot)
            lots[number] = lot
            imported_lots[number] = {k: _json(v) for k, v in lot_values.items()}
            if notice_lot.award_criteria:
                wanted = self._criteria_rows(notice_lot, number)
                imported_criteria[number] = wanted
                for criterion_type, name, weight in wanted:
                    row = {
                        "criterion_type": criterion_type,
                        "name": name,
                        "weight": None if weight is None else Decimal(weight),
                    }
                    check(AwardCriterion, row)
                    criteria.append((number, row))
        contracts: list[tuple[str, dict[str, Any]]] = []
        suppliers: set[tuple[str, str]] = set()  # (lot number, normalised supplier name): one contract each
        if notice.family is n.NoticeFamily.RESULT:
            for result in notice.results:
                number = result.lot_id[:20] or "1"
                if number not in lots and result.winners and result.awarded is not False:
                    lots[number] = {"number": number, "title": values["title"]}
                for values_ in self._contract_values(result, tender.get("currency", "EUR")):
                    supplier = (number, normalise_name(values_["supplier_name"]))
                    if number in lots and supplier not in suppliers:
                        suppliers.add(supplier)
                        contract = {k: v for k, v in values_.items() if v not in (None, "")}
                        check(Contract, contract)
                        contracts.append((number, contract))
        mvi_proposals = [
            (
                number,
                {
                    "theme_id": theme.pk,
                    "form_id": form.pk if form else None,
                    "award_weight": weight,
                    "origin": proposal.origin.value,
                    "confidence": proposal.confidence.value,
                    "evidence": text,
                    "rule": proposal.rule[:200],
                    "mapping_version": self.mapping_version[:50],
                },
            )
            for number, theme, form, proposal, text, weight in self._merge_proposals(lots, proposals)
        ]
        cpvs = [c for c in dict.fromkeys(notice.additional_cpvs) if c in self.catalogue.cpv_codes]
        return _NewTender(
            raw=raw,
            notice=notice,
            organisation=organisation,
            tender=tender,
            link=link,
            lots=lots,
            criteria=criteria,
            contracts=contracts,
            cpvs=cpvs,
            record=self._source_values(raw, notice, sha),
            proposals=mvi_proposals,
            warnings=self.warnings,
        )

    def _write_new(self, items: list["_NewTender"]) -> None:
        """Save the built notices with one multi-row insert per table (history rows included)."""
        user = self.run.started_by
        insert = self.inserter
        organisations = list({id(i.organisation): i.organisation for i in items if i.organisation.pk is None}.values())
        insert.insert_with_history(Organisation, organisations, user=user)
        for item in items:
            item.tender["organisation_id"] = item.organisation.pk
        insert.insert_rows_with_history(Tender, [i.tender for i in items], user=user)
        insert.insert_rows(
            Tender.additional_cpvs.through,
            [{"tender_id": i.tender["id"], "cpvcode_id": code} for i in items for code in i.cpvs],
            returning=False,
        )
        lots = []
        for item in items:
            for lot in item.lots.values():
                lot["tender_id"] = item.tender["id"]
                lots.append(lot)
        insert.insert_rows_with_history(Lot, lots, user=user)
        for model, per_item in (
            (AwardCriterion, [(i, i.criteria) for i in items]),
            (Contract, [(i, i.contracts) for i in items]),
        ):
            children = []
            for item, rows in per_item:
                for number, row in rows:
                    row["lot_id"] = item.lots[number]["id"]
                    children.append(row)
            insert.insert_rows_with_history(model, children, user=user)
        for item in items:
            item.record["tender_id"] = item.link["tender_id"] = item.tender["id"]
        insert.insert_rows(SourceRecord, [i.record for i in items])
        insert.insert_rows(ImportedTender, [i.link for i in items], returning=False)
        proposals = []
        for item in items:
            for number, row in item.proposals:
                row["lot_id"] = item.lots[number]["id"]
                row["source_record_id"] = item.record["id"]
                proposals.append(row)
        insert.insert_rows(MVIProposal, proposals, returning=False)
        self.touched.update(i.tender["id"] for i in items)
        for organisation in organisations:
            self.buyers.remember(organisation)

    def _lot_values(self, notice_lot: n.Lot, number: str, tender_title: str) -> dict[str, Any]:
        values: dict[str, Any] = {"title": (notice_lot.title or tender_title)[:500]}
        if notice_lot.description:
            values["description"] = notice_lot.description
        if notice_lot.estimated_value is not None:
            values["estimated_value"] = notice_lot.estimated_value
        cpv = self._cpv(notice_lot.main_cpv, f"lot {number} main_cpv")
        if cpv:
            values["main_cpv_id"] = cpv
        return values

    def _criteria_rows(self, notice_lot: n.Lot, number: str) -> list[list[Any]]:
        wanted = []
        for criterion in notice_lot.award_criteria:
            criterion_type = criterion.criterion_type
            if criterion_type not in CRITERION_TYPES:
                raise NoticeFailed(
                    _("Unknown award criterion type “%(value)s”.") % {"value": criterion_type},
                    field=f"lot {number} award criterion",
                )
            name = (criterion.name or criterion.description or AwardCriterionType(criterion_type).label)[:500]
            wanted.append([criterion_type, str(name), _json(criterion.weight)])
        return wanted

    def _contract_values(self, result: n.LotResult, currency: str) -> list[dict[str, Any]]:
        if result.awarded is False:
            return []
        rows = []
        for winner in result.winners:
            kvk = winner.kvk_number if _valid(validate_kvk, winner.kvk_number) else ""
            name = winner.name[:255] or kvk
            if not name:
                raise NoticeFailed(_("A winner has no name."), field=f"lot {result.lot_id} winner")
            rows.append(
                {
                    "supplier_name": name,
                    "supplier_kvk_number": kvk,
                    "supplier_is_sme": _is_sme(winner.size),
                    "value": result.value if len(result.winners) == 1 else None,
                    "currency": result.currency or currency,
                    "conclusion_date": result.conclusion_date,
                }
            )
        return rows

    def _merge_proposals(
        self, lots: Mapping[str, object], proposals: list[n.Proposal]
    ) -> list[tuple[str, Theme, ApplicationForm | None, n.Proposal, str, Decimal | None]]:
        """One proposal per (lot number, theme, form): the most confident, with the evidence of all of them."""
        merged: dict[tuple[str, str, str], n.Proposal] = {}
        evidence: dict[tuple[str, str, str], list[str]] = {}
        for proposal in proposals:
            lot_number = proposal.lot_id[:20] or "1"
            if lot_number not in lots and len(lots) == 1:
                lot_number = next(iter(lots))  # a notice without lots is stored with one
            key = (lot_number, proposal.theme, proposal.form)
            best = merged.get(key)
            if best is None or CONFIDENCE_RANK[proposal.confidence] > CONFIDENCE_RANK[best.confidence]:
                merged[key] = proposal
            texts = evidence.setdefault(key, [])
            if proposal.evidence not in texts:
                texts.append(proposal.evidence)
        out = []
        for key, proposal in merged.items():
            lot_number, theme_code, form_code = key
            if lot_number not in lots:
                raise NoticeFailed(
                    _("A detector proposed a theme for lot %(lot)s, which the notice does not have.")
                    % {"lot": lot_number},
                    field="lot",
                )
            theme = self.catalogue.themes.get(theme_code)
            if theme is None:
                raise NoticeFailed(_("Unknown theme code %(code)s.") % {"code": theme_code}, field="theme")
            form = self.catalogue.forms.get(form_code) if form_code else None
            if form_code and form is None:
                raise NoticeFailed(_("Unknown form of application %(code)s.") % {"code": form_code}, field="form")
            weight = proposal.award_weight if form_code == "gunningscriterium" else None
            out.append((lot_number, theme, form, proposal, "\n".join(evidence[key]), weight))
        return out

    def _tender_update(
        self, tender: Tender, link: ImportedTender, notice: n.Notice, signals: list[n.AttributeSignal]
    ) -> bool:
        values = self._tender_values(notice, signals)
        changed_fields, differences = _protected_assign(tender, values, link.imported_values, "")
        link.differences = [d for d in link.differences if d["field"] not in values] + differences
        if tender.publication_date is None and notice.publication_date:
            tender.publication_date = notice.publication_date
            changed_fields.append("publication_date")
        if changed_fields:
            tender.clean_fields(exclude=["organisation", "main_cpv", "product_group", "mvi_confirmed_by"])
            tender.save(update_fields=[*changed_fields, "updated_at"])
        return bool(changed_fields)

    # -- lots and award criteria ---------------------------------------------------------------------------------

    @dataclass
    class _Lots:
        by_number: dict[str, Lot]
        created: set[str]
        changed: bool

    def _lots_sync(self, tender: Tender, link: ImportedTender, notice: n.Notice) -> "_Importer._Lots":
        existing: dict[str, Lot] = {lot.number: lot for lot in tender.lots.all()}
        imported_lots: dict[str, dict[str, Any]] = link.imported_values.setdefault("lots", {})
        new: list[Lot] = []
        changed = False
        for notice_lot in notice.lots or [n.Lot(lot_id="1")]:
            number = notice_lot.lot_id[:20] or "1"
            values = self._lot_values(notice_lot, number, tender.title)
            lot = existing.get(number)
            if lot is None:
                lot = Lot(tender=tender, number=number, **values)
                lot.clean_fields(exclude=["tender", "main_cpv"])
                new.append(lot)
                imported_lots[number] = {k: _json(v) for k, v in values.items()}
                existing[number] = lot
                continue
            snapshot = imported_lots.setdefault(number, {})
            changed_fields, differences = _protected_assign(lot, values, snapshot, f"lot {number} ")
            labels = {f"lot {number} {k}" for k in values}
            link.differences = [d for d in link.differences if d["field"] not in labels] + differences
            if changed_fields:
                lot.clean_fields(exclude=["tender", "main_cpv"])
                lot.save(update_fields=changed_fields)
                changed = True
        if new:
            Lot.objects.bulk_create(new)
            Lot.history.bulk_history_create(new, default_user=self.run.started_by)
            changed = True
        return self._Lots(by_number=existing, created={lot.number for lot in new}, changed=changed)

    def _criteria_sync(self, link: ImportedTender, notice: n.Notice, lots: dict[str, Lot]) -> bool:
        imported: dict[str, list[list[Any]]] = link.imported_values.setdefault("award_criteria", {})
        changed = False
        for notice_lot in notice.lots:
            if not notice_lot.award_criteria:
                continue
            lot = lots[notice_lot.lot_id[:20] or "1"]
            wanted = self._criteria_rows(notice_lot, lot.number)
            current = [
                [c.criterion_type, c.name, _json(c.weight)]
                for c in AwardCriterion.objects.filter(lot=lot).order_by("id")
            ]
            last = imported.get(lot.number)
            imported[lot.number] = wanted
            label = f"award criteria lot {lot.number}"
            link.differences = [d for d in link.differences if d["field"] != label]
            if _rows_equal(current, wanted):
                continue
            if current and (last is None or not _rows_equal(current, last)):
                # changed by hand since the last import: keep them, and show what the notice says
                link.differences.append(
                    {"field": label, "notice": _criteria_text(wanted), "current": _criteria_text(current)}
                )
                continue
            AwardCriterion.objects.filter(lot=lot).delete()
            rows = [
                AwardCriterion(lot=lot, criterion_type=t, name=name, weight=None if w is None else Decimal(w))
                for t, name, w in wanted
            ]
            for row in rows:
                row.clean_fields(exclude=["lot"])
            AwardCriterion.objects.bulk_create(rows)
            AwardCriterion.history.bulk_history_create(rows, default_user=self.run.started_by)
            changed = True
        return changed

    def _proposals_sync(
        self, lots: dict[str, Lot], proposals: list[n.Proposal], record: SourceRecord, *, new_lots: set[str]
    ) -> bool:
        merged = self._merge_proposals(lots, proposals)
        if not merged:
            return False
        lot_ids = [lot.pk for number, lot in lots.items() if number not in new_lots]
        applied: set[tuple[int, int, int | None]] = set()  # (lot, theme, form); form None = any form
        existing: dict[tuple[int, int, int | None], MVIProposal] = {}
        if lot_ids:
            for lot_id, theme_id, applied_form_id in MVIApplication.objects.filter(lot_id__in=lot_ids).values_list(
                "lot_id", "theme_id", "form_id"
            ):
                applied.add((lot_id, theme_id, applied_form_id))
                applied.add((lot_id, theme_id, None))
            existing = {(p.lot_id, p.theme_id, p.form_id): p for p in MVIProposal.objects.filter(lot_id__in=lot_ids)}
        new: list[MVIProposal] = []
        changed = False
        for number, theme, form, proposal, text, weight in merged:
            lot = lots[number]
            form_id: int | None = form.pk if form else None
            if (lot.pk, theme.pk, form_id) in applied:
                continue  # a registration exists (manual or confirmed): proposals never replace it
            current = existing.get((lot.pk, theme.pk, form_id))
            if current is None:
                new.append(
                    MVIProposal(
                        lot=lot,
                        theme=theme,
                        form=form,
                        award_weight=weight,
                        origin=proposal.origin.value,
                        confidence=proposal.confidence.value,
                        evidence=text,
                        rule=proposal.rule[:200],
                        mapping_version=self.mapping_version[:50],
                        source_record=record,
                    )
                )
                continue
            if current.status == ProposalStatus.CONFIRMED or current.evidence == text:
                continue  # confirmed, or rejected/proposed for this very evidence
            current.status = ProposalStatus.PROPOSED
            current.evidence = text
            current.origin = proposal.origin.value
            current.confidence = proposal.confidence.value
            current.award_weight = weight
            current.rule = proposal.rule[:200]
            current.mapping_version = self.mapping_version[:50]
            current.source_record = record
            current.reviewed_by = None
            current.reviewed_at = None
            current.save()
            changed = True
        if new:
            MVIProposal.objects.bulk_create(new)
            changed = True
        return changed

    # -- contracts from result notices -----------------------------------------------------------------------

    def _contracts_sync(self, tender: Tender, notice: n.Notice, lots: dict[str, Lot]) -> bool:
        changed = False
        for result in notice.results:
            rows = self._contract_values(result, tender.currency)
            if not rows:
                continue
            number = result.lot_id[:20] or "1"
            lot = lots.get(number)
            if lot is None:
                lot = Lot(tender=tender, number=number, title=tender.title[:500])
                lot.clean_fields(exclude=["tender", "main_cpv"])
                lot.save()
                lots[number] = lot
            contracts = list(Contract.objects.filter(lot=lot))
            for values in rows:
                kvk = values["supplier_kvk_number"]
                contract = next(
                    (
                        c
                        for c in contracts
                        if (kvk and c.supplier_kvk_number == kvk)
                        or normalise_name(c.supplier_name) == normalise_name(values["supplier_name"])
                    ),
                    None,
                )
                if contract is None:
                    contract = Contract(lot=lot, **{k: v for k, v in values.items() if v not in (None, "")})
                    contract.clean_fields(exclude=["lot"])
                    contract.save()
                    contracts.append(contract)
                    changed = True
                    continue
                # An existing contract (typed in, or from an earlier result notice) only gets what it lacks.
                filled = [k for k, v in values.items() if v not in (None, "") and getattr(contract, k) in (None, "")]
                for k in filled:
                    setattr(contract, k, values[k])
                if filled:
                    contract.clean_fields(exclude=["lot"])
                    contract.save(update_fields=filled)
                    changed = True
        return changed


@dataclass
class _NewTender:
    """A notice of a procedure not seen before, built in memory: the rows it will add (attname -> value)."""

    raw: n.RawNotice
    notice: n.Notice
    organisation: Organisation
    tender: dict[str, Any]
    link: dict[str, Any]
    lots: dict[str, dict[str, Any]]  # by lot number
    criteria: list[tuple[str, dict[str, Any]]]  # (lot number, row)
    contracts: list[tuple[str, dict[str, Any]]]
    cpvs: list[str]
    record: dict[str, Any]
    proposals: list[tuple[str, dict[str, Any]]]
    warnings: list[tuple[str, str]]


def _claims(notice: n.Notice) -> set[tuple[str, str]]:
    """What ties a notice to a tender: its procedure, the notice it changes, its ocid and TED id.

    Two notices of one chunk with a claim in common (or a claim an imported tender holds) are not built together:
    the later one is imported after the earlier one is stored, so it finds and updates that tender.
    """
    claims = {("notice", notice.notice_id)}
    if notice.procedure_id:
        claims.add(("procedure", f"{notice.source_format.value}|{notice.procedure_id}"))
    if notice.changes_notice_id:
        claims.add(("notice", notice.changes_notice_id))
    for attribute in ("ocid", "ted_notice_id"):
        value = getattr(notice, attribute)
        if value:
            claims.add((attribute, value))
    return claims


def _version_key(version: str) -> tuple[int, int, str]:
    """Versions compare as numbers when both are numbers (eForms BT-757 "01", "02"), else as text (OCDS dates)."""
    stripped = version.strip()
    return (0, int(stripped), "") if stripped.isdigit() else (1, 0, stripped)


def _older_than_applied(notice: n.Notice, link: ImportedTender) -> str:
    """The field that shows `notice` is older than the latest notice applied to the tender ("" when it is not).

    A version of the same notice compares by version; other notices of the procedure by publication date. When
    either side does not say (no date, a link from before this was recorded), the notice is applied as before.
    """
    if not link.latest_notice_id:
        return ""
    if notice.notice_id[:200] == link.latest_notice_id and notice.version and link.latest_version:
        return "version" if _version_key(notice.version) < _version_key(link.latest_version) else ""
    if notice.publication_date and link.latest_publication_date:
        return "publication_date" if notice.publication_date < link.latest_publication_date else ""
    return ""


def _valid(validator: Callable[[str], None], value: str) -> bool:
    if not value:
        return False
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _is_sme(size: str) -> bool | None:
    if size in {"micro", "small", "medium", "sme"}:
        return True
    if size == "large":
        return False
    return None


def _rows_equal(a: list[list[Any]], b: list[list[Any]]) -> bool:
    return len(a) == len(b) and all(
        x[0] == y[0]
        and x[1] == y[1]
        and (x[2] == y[2] or (x[2] is not None and y[2] is not None and _same(x[2], y[2])))
        for x, y in zip(a, b, strict=True)
    )


def _criteria_text(rows: list[list[Any]]) -> str:
    return "; ".join(f"{name} ({weight}%)" if weight is not None else str(name) for _type, name, weight in rows)


def _protected_assign(
    instance: models.Model, values: dict[str, Any], snapshot: dict[str, Any], label: str
) -> tuple[list[str], list[dict[str, Any]]]:
    """Set each value unless a person changed the field since the last import; then keep theirs and say so.

    Returns the changed field names and the differences (field, what the notice says, what the record has).
    `snapshot` (the values last imported) is updated in place to the notice's values.
    """
    changed: list[str] = []
    differences: list[dict[str, Any]] = []
    for name, value in values.items():
        new = _json(value)
        current = _json(getattr(instance, name))
        last = snapshot.get(name, current if current in (None, "") else _MISSING)
        snapshot[name] = new
        if current == new or (current is not None and new is not None and _same(current, new)):
            continue
        if last is not _MISSING and (
            current == last or (current is not None and last is not None and _same(current, last))
        ):
            setattr(instance, name, value)
            changed.append(name)
            continue
        differences.append({"field": f"{label}{name}", "notice": new, "current": current})
    return changed, differences


_MISSING = object()


# --- review: proposals become registrations -------------------------------------------------------------------------


@transaction.atomic
def proposal_confirm(
    *,
    user: User,
    proposal: MVIProposal,
    theme: Theme | None = None,
    form: ApplicationForm | None = None,
    ambition_level: Any = None,
    award_weight: Decimal | None = None,
) -> MVIApplication:
    """Turn a proposal into an MVI application, as proposed or corrected (theme, form, ambition, weight)."""
    from mvimonitor.tenders.services import mvi_application_create

    if not permitted(user, Action.EDIT_MVI, proposal.lot.tender.organisation_id):
        raise PermissionDenied(_("You may not change the MVI registration of this tender."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("This proposal was already reviewed."))
    chosen_form = form or proposal.form
    if chosen_form is None:
        raise ValidationError({"form": _("Choose the form of application: the notice does not say it.")})
    chosen_theme = theme or proposal.theme
    weight = award_weight if award_weight is not None else proposal.award_weight
    if chosen_form.code != "gunningscriterium":
        weight = None
    corrected = chosen_theme.pk != proposal.theme_id or chosen_form.pk != proposal.form_id
    application = mvi_application_create(
        user=user,
        lot=proposal.lot,
        theme=chosen_theme,
        form=chosen_form,
        ambition_level=ambition_level,
        award_weight=weight,
        origin=proposal.origin,
        confidence=proposal.confidence,
        evidence=proposal.evidence + ("\n" + _("Corrected by the buyer.") if corrected else ""),
    )
    proposal.status = ProposalStatus.CONFIRMED
    proposal.application = application
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["status", "application", "reviewed_by", "reviewed_at"])
    return application


@transaction.atomic
def proposal_reject(*, user: User, proposal: MVIProposal) -> MVIProposal:
    """The buyer says the proposal is wrong; it stays rejected until a notice brings other evidence."""
    if not permitted(user, Action.EDIT_MVI, proposal.lot.tender.organisation_id):
        raise PermissionDenied(_("You may not change the MVI registration of this tender."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("This proposal was already reviewed."))
    proposal.status = ProposalStatus.REJECTED
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return proposal
