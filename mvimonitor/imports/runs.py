"""The life cycle of an import run: made (queued), run chunk by chunk, finished (done or failed), with its counts and
failures.

- Idempotent. A notice is identified by (source format, notice id, version); seen before with the same bytes, it is
  counted unchanged and nothing is written, not even history rows.
- Transactional per notice. A chunk's new procedures are written together (`NoticeStore.write_new`); when that shared
  write meets a database error it is rolled back and its notices are imported again one by one, each in its own
  savepoint, as the chunk's other notices are. A failure rolls back that notice only, is recorded with file, notice
  and field, and the run goes on. Each chunk is committed, so the run's progress is visible to other connections.
- Alive or stalled. The run is stamped with the importing process (`process_name`) and a heartbeat when it starts and
  with every chunk it commits, in the same write as the counts; `recovery.py` resumes or fails a run whose heartbeat
  stopped. The counts committed with a chunk are exactly those of the notices committed, so a resumed run skips the
  notices it has seen and goes on counting. A process whose run was taken from it (resumed elsewhere or marked
  failed) finds out at its next commit, rolls that chunk back and stops.
"""

import gc
import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.changes import record_changed
from mvimonitor.organisations.access import Action, permitted
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.tenders.models import Tender

from . import notices as n
from .models import (
    ImportedTender,
    ImportFailure,
    ImportRun,
    ImportUpload,
    RunStatus,
    Severity,
    SourceRecord,
    compress_raw,
)
from .parallel import Detection, Fanout, fewer_collections
from .prefetch import prefetched
from .store import NewTender, NoticeStore
from .validation import NoticeFailed, first_error
from .values import Detector, FailureInfo, Outcome, claims

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000  # notices per commit (and per refresh of the derived tables)
Progress = Callable[[ImportRun], None]
COUNTS = ["seen", "created", "updated", "unchanged", "failed"]


def process_name() -> str:
    """This process as a run and the status page name it: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


class RunTakenOverError(Exception):
    """The run is no longer this process's to import: it was resumed by another process or marked failed."""


class _StopRequestedError(Exception):
    """The process is stopping (`request_stop`): the run is handed back after the chunk just committed."""


_stop = threading.Event()


def request_stop() -> None:
    """Ask the imports of this process to stop after the chunk they are writing and hand their runs back to the
    queue; the worker does this on SIGTERM, so a stopped worker leaves nothing half-done."""
    _stop.set()


def clear_stop() -> None:
    _stop.clear()


@dataclass
class RunReport:
    """What a run did, also for a dry run whose database rows are rolled back."""

    run: ImportRun
    failures: list[FailureInfo] = field(default_factory=list)
    handed_back: bool = False  # stopped after a chunk on request (`request_stop`): queued again, to go on later


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
    for a database server, yes; on SQLite the two threads cost more in switching than they overlap
    (docs/performance.md)."""
    return connection.vendor == "postgresql"


def import_run_execute(
    *,
    run: ImportRun,
    raw_notices: Iterable[n.RawNotice] | Fanout,
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

    Given a `parallel.Fanout`, the input is read by worker processes (and, with the default detector, detected there
    too), and stored here in the order of the input, exactly as if it had been read here (ADR 0027); `read_ahead`
    is then not used.
    """
    precomputed = detector is None  # the workers run the default detectors; a detector given here runs here
    if detector is None:
        from .detect import detect  # the readers' detectors; imported late, they load mapping files

        detector = detect
    importer = _RunImporter(run=run, detector=detector, precomputed=precomputed)
    with _fewer_collections():
        return _execute(importer, raw_notices, progress=progress, batch_size=batch_size, read_ahead=read_ahead)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cyclic garbage collector less often while the run imports (`parallel.fewer_collections`), then as
    before."""
    threshold = gc.get_threshold()
    fewer_collections()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _execute(
    importer: "_RunImporter",
    raw_notices: Iterable[n.RawNotice] | Fanout,
    *,
    progress: Progress | None,
    batch_size: int,
    read_ahead: bool,
) -> RunReport:
    run = importer.run
    if run.dry_run:
        with transaction.atomic():
            if run.pk is None:
                run.save()
            report = importer.execute(raw_notices, progress=progress, batch_size=batch_size, read_ahead=read_ahead)
            transaction.set_rollback(True)
        run.pk = None  # its row was rolled back with everything else
        return report
    return importer.execute(raw_notices, progress=progress, batch_size=batch_size, read_ahead=read_ahead)


@dataclass(frozen=True, slots=True)
class _Input:
    """A notice as read, with the SHA-256 and the compressed form of its bytes (made where it was read), and what
    the detectors found when a worker process ran them."""

    raw: n.RawNotice
    sha: str
    compressed: bytes | None
    detected: Detection | None = None


class _Detections:
    """The run's detector, answering from what a worker process found for a notice of the current chunk, and asking
    the detector itself for any other notice (or the same notice a second time)."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector
        self.found: dict[int, Detection] = {}  # id(notice) -> detection, for the notices of the current chunk

    def __call__(self, notice: n.Notice) -> Detection:
        found = self.found.pop(id(notice), None)
        return found if found is not None else self.detector(notice)


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


class _RunImporter:
    def __init__(self, *, run: ImportRun, detector: Detector, precomputed: bool = False) -> None:
        self.run = run
        self.detections = _Detections(detector)
        self.precomputed = precomputed
        self.store = NoticeStore(run=run, detector=self.detections)
        self.report = RunReport(run=run)

    def _inputs(
        self, raw_notices: Iterable[n.RawNotice] | Fanout, *, batch_size: int, read_ahead: bool
    ) -> Iterator[_Input]:
        if isinstance(raw_notices, Fanout):
            return (
                _Input(raw=p.raw, sha=p.sha, compressed=p.compressed, detected=p.detected)
                for p in raw_notices.prepared(detect=self.precomputed)
            )
        if read_ahead:
            # read ahead by a whole chunk: while this thread writes one chunk (mostly waiting for the database),
            # the other reads the next
            return prefetched(raw_notices, partial(_prepare, compress=True), depth=batch_size)
        return map(_prepare, raw_notices)

    def execute(
        self,
        raw_notices: Iterable[n.RawNotice] | Fanout,
        *,
        progress: Progress | None,
        batch_size: int,
        read_ahead: bool,
    ) -> RunReport:
        inputs = self._inputs(raw_notices, batch_size=batch_size, read_ahead=read_ahead)
        try:
            return self._execute(inputs, progress=progress, batch_size=batch_size)
        finally:
            close = getattr(inputs, "close", None)
            if close is not None:
                close()  # stops the reading thread or the worker processes at once, not when collected

    def _execute(self, inputs: Iterator[_Input], *, progress: Progress | None, batch_size: int) -> RunReport:
        run = self.run
        if not self._start():
            logger.warning("Import run %(run)s was started by another process; left to it", {"run": run.pk})
            run.refresh_from_db()
            return self.report
        try:
            for chunk in _chunks(inputs, batch_size):
                with transaction.atomic():
                    self._import_chunk(chunk)
                    # Same transaction as the records, so dashboards never count a tender differently from the record.
                    record_changed(tender_ids=self.store.touched)
                    self.store.touched.clear()
                    self._save(*COUNTS)
                if progress is not None:
                    progress(run)
                if _stop.is_set() and not run.dry_run:
                    raise _StopRequestedError
        except _StopRequestedError:
            self._hand_back()
            return self.report
        except RunTakenOverError:
            logger.warning("Import run %(run)s was taken over; this process stops importing it", {"run": run.pk})
            run.refresh_from_db()
            return self.report
        except (OperationalError, InterfaceError):
            # The database was unavailable (a write lock held too long, a lost connection), which is not the notices'
            # fault: the run stays running as last committed, for the recovery sweep to resume, or the command to fail.
            logger.exception("Import run %(run)s lost the database", {"run": run.pk})
            raise
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
            if run.attempts > 1:
                run.message = _(
                    "The import was interrupted and resumed where it stopped (attempt %(attempt)s); "
                    "the counts cover every notice."
                ) % {"attempt": run.attempts}
        run.finished_at = timezone.now()
        try:
            self._save("status", "message", "finished_at", *COUNTS)
        except RunTakenOverError:
            logger.warning("Import run %(run)s was taken over before it finished", {"run": run.pk})
            run.refresh_from_db()
        if progress is not None:
            progress(run)
        return self.report

    def _start(self) -> bool:
        """Claim the queued run for this process: running, one attempt more, stamped. False when another process
        claimed it first (a task delivered twice)."""
        run = self.run
        now = timezone.now()
        started_at = run.started_at or now  # a resumed run keeps the time it was first started
        claimed = ImportRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED, attempts=run.attempts).update(
            status=RunStatus.RUNNING, started_at=started_at, attempts=run.attempts + 1, heartbeat_at=now,
            worker=process_name(),
        )  # fmt: skip
        if not claimed:
            return False
        run.status, run.started_at, run.attempts = RunStatus.RUNNING, started_at, run.attempts + 1
        run.heartbeat_at, run.worker = now, process_name()
        return True

    def _hand_back(self) -> None:
        """Queue the run again where its last chunk ended, without counting this start as an attempt."""
        run = self.run
        message = _("The worker stopped after %(seen)s notices; the import goes on from there when a worker runs.") % {
            "seen": run.seen
        }
        mine = ImportRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, attempts=run.attempts, worker=run.worker)
        now = timezone.now()
        if mine.update(status=RunStatus.QUEUED, attempts=run.attempts - 1, heartbeat_at=now, message=message):
            logger.warning("Import run %(run)s handed back after %(seen)s notices", {"run": run.pk, "seen": run.seen})
            self.report.handed_back = True
        run.refresh_from_db()

    def _save(self, *fields: str) -> None:
        """Store `fields` of the run and a new heartbeat if the run is still this process's, else RunTakenOverError."""
        run = self.run
        run.heartbeat_at = timezone.now()
        values = {name: getattr(run, name) for name in (*fields, "heartbeat_at")}
        mine = ImportRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, attempts=run.attempts, worker=run.worker)
        if not mine.update(**values):
            raise RunTakenOverError(run.pk)

    def _import_chunk(self, chunk: list[_Input]) -> None:
        """Import a chunk: new procedures are built in memory and written together; the rest one at a time.

        Building checks everything a notice needs (and records its failure) before anything is written, so the
        shared write only meets database errors; if it meets one, it is rolled back and the chunk's new notices are
        imported again one by one, each in its own savepoint. Either way a notice is stored whole or not at all.
        """
        store = self.store
        notices = [item.raw.notice for item in chunk if item.raw.notice is not None]
        known = self._known_versions(notices)
        taken = self._existing_procedures(notices)
        batch: list[NewTender] = []
        deferred: list[_Input] = []
        store.compressed = {item.sha: item.compressed for item in chunk if item.compressed is not None}
        self.detections.found = {
            id(item.raw.notice): item.detected for item in chunk if item.detected is not None and item.raw.notice
        }
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
            notice_claims = claims(notice)
            if notice_claims & taken:
                deferred.append(item)
                continue
            taken |= notice_claims
            store.buyers.unsaved = []
            try:
                organisation = store.buyers.for_notice(notice)
                batch.append(store.build_new(raw, notice, sha, organisation))
            except (NoticeFailed, ValidationError) as error:
                store.buyers.forget_unsaved()
                self._fail_notice(raw, notice, error)
        if batch:
            try:
                with transaction.atomic():
                    store.write_new(batch)
            except DatabaseError:
                logger.warning(
                    "A shared write failed; importing its %(count)s notices one by one", {"count": len(batch)}
                )
                store.buyers.load()
                deferred = [_Input(raw=new.raw, sha=new.record["sha256"], compressed=None) for new in batch] + deferred
            else:
                self._count_created(batch)
        for item in deferred:
            assert item.raw.notice is not None  # noqa: S101 - only read notices are deferred
            self._import_one(item.raw, item.raw.notice, item.sha)
        store.compressed = {}
        self.detections.found = {}

    @staticmethod
    def _known_versions(notices: list[n.Notice]) -> dict[tuple[str, str, str], str]:
        """(format, notice id, version) -> sha256 of the notices of this chunk that were stored before."""
        if not notices:
            return {}
        keys = {(x.source_format.value, x.notice_id, x.version) for x in notices}
        rows = SourceRecord.objects.filter(  # the unique index leads with the format
            source_format__in={x.source_format.value for x in notices}, notice_id__in={x.notice_id for x in notices}
        ).values_list("source_format", "notice_id", "version", "sha256")
        return {(f, i, v): sha for f, i, v, sha in rows if (f, i, v) in keys}

    @staticmethod
    def _existing_procedures(notices: list[n.Notice]) -> set[tuple[str, str]]:
        """Claims (see `values.claims`) of this chunk's notices that an imported tender already holds."""
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
        store = self.store
        store.warnings = []
        store.buyers.unsaved = []
        try:
            with transaction.atomic():
                outcome = store.store(raw, notice, sha)
        except (NoticeFailed, ValidationError) as error:
            store.buyers.forget_unsaved()
            self._fail_notice(raw, notice, error)
            return
        except DatabaseError as error:
            store.buyers.load()  # an organisation saved in the rolled-back savepoint is gone again
            self._fail(file=raw.file, locator=raw.locator, notice=notice.notice_id, field="", message=str(error))
            return
        self._record_warnings(raw, notice, store.warnings)
        if outcome is Outcome.CREATED:
            self.run.created += 1
        elif outcome is Outcome.UPDATED:
            self.run.updated += 1
        else:
            self.run.unchanged += 1

    def _count_created(self, batch: list[NewTender]) -> None:
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
            field_name, message = first_error(error, "notice")
        self._fail(file=raw.file, locator=raw.locator, notice=notice.notice_id, field=field_name, message=message)

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
