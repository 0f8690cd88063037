"""Pull notices from TenderNed: every publication since a date, its public XML read as any uploaded XML (eForms or TED
R2.0.9, told apart by `sources`), all imported as one run through the idempotent import service.

- **Order and cursor.** The list of publications (`tenderned_api`) is read whole first, then imported in the order
  (publication date, publication id). `PullCursor` keeps, per listing endpoint, the last publication whose notice is
  committed, and the first date of the range it continues. It is moved after every committed chunk (the run's
  `progress` callback), never before: a pull that stops (worker killed, TenderNed unavailable, 401) resumes after the
  last publication committed, and notices read again are counted unchanged, never imported twice.
- **Which range.** Without `since`, or with a `since` inside the cursor's range, a pull goes on after the cursor.
  A `since` before the range or after its end starts a new range there (`ignore_cursor` always does).
- **Failures.** A publication whose XML TenderNed does not have (404), or that cannot be read or stored, is recorded as
  a failure of that notice and the pull goes on (the cursor passes it). Refused credentials (401/403), TenderNed
  unavailable after the retries, or an unreadable list stop the run as failed, with the reason; the cursor stays.
- **Schedule.** `pull_tenderned_task` is a django-tasks job run by `manage.py import_worker`; `manage.py
  pull_tenderned --enqueue` queues it (e.g. from cron, once a day). A worker that stops hands the pull over: its run
  is closed with what it did and the task is queued again, to go on from the cursor in a new run.
"""

import contextlib
import dataclasses
import io
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from . import notices as n
from .models import ImportRun, PullCursor, RunStatus
from .recovery import fail_run, is_stalled
from .runs import RunReport, import_run_create, import_run_execute
from .tenderned_api import (
    PASSWORD_SETTING,
    USER_SETTING,
    Publication,
    TenderNedClient,
    TenderNedConfig,
    TenderNedNotFoundError,
    order_key,
)

logger = logging.getLogger(__name__)

SOURCE = "tenderned pull"
# Notices per commit: each one is a request to TenderNed first, so a chunk commits (and moves the cursor) after at
# most this many requests, and a pull that stops loses little.
PULL_BATCH_SIZE = 100
HEARTBEAT_SECONDS = 30.0  # at most this often the run's heartbeat is stamped between commits


def tenderned_config() -> TenderNedConfig:
    """The client's settings (docs/configuration.md); the credentials come from the environment only."""
    return TenderNedConfig(
        base_url=settings.MVIMONITOR_TENDERNED_URL,
        user=settings.MVIMONITOR_TENDERNED_USER,
        password=settings.MVIMONITOR_TENDERNED_PASSWORD,
        timeout=float(settings.MVIMONITOR_TENDERNED_TIMEOUT),
        attempts=int(settings.MVIMONITOR_TENDERNED_ATTEMPTS),
        backoff=float(settings.MVIMONITOR_TENDERNED_BACKOFF),
        max_wait=float(settings.MVIMONITOR_TENDERNED_MAX_WAIT),
        page_size=int(settings.MVIMONITOR_TENDERNED_PAGE_SIZE),
        max_xml_bytes=n.DEFAULT_LIMITS.max_xml_bytes,
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """What a pull reads: publications from `start` (to `until`) ordered after `after`; the cursor's range from
    `range_since`."""

    start: date
    until: date | None
    after: tuple[date, str] | None
    range_since: date


def plan_pull(
    cursor: PullCursor | None, *, since: date | None, until: date | None = None, ignore_cursor: bool = False
) -> Plan:
    """Where a pull starts, given the cursor (see the module's text)."""
    if cursor is not None and not ignore_cursor:
        continues = since is None or cursor.since <= since <= cursor.last_publication_date
        if continues:
            return Plan(
                start=cursor.last_publication_date,
                until=until,
                after=order_key(cursor.last_publication_date, cursor.last_publication_id),
                range_since=cursor.since,
            )
    if since is None:
        raise ValidationError(
            {"since": _("Nothing was pulled from TenderNed before: give the first publication date to pull from.")}
        )
    return Plan(start=since, until=until, after=None, range_since=since)


def _check(config: TenderNedConfig) -> None:
    if not config.user or not config.password:
        raise ImproperlyConfigured(
            _("The TenderNed credentials are not set: set %(user)s and %(password)s in the environment.")
            % {"user": USER_SETTING, "password": PASSWORD_SETTING}
        )


def _running_pull(config: TenderNedConfig) -> ImportRun | None:
    """A pull of the same endpoint that is still going on (not stalled), which a second pull would only duplicate."""
    runs = ImportRun.objects.filter(
        status=RunStatus.RUNNING, dry_run=False, source_description__startswith=f"{SOURCE} {config.endpoint} "
    )
    return next((run for run in runs if not is_stalled(run)), None)


class _Feed:
    """The notices of a pull in import order, and the publication each one came from, for the cursor."""

    def __init__(self, client: TenderNedClient, plan: Plan, run: ImportRun) -> None:
        self.client = client
        self.plan = plan
        self.run = run
        self.keys: list[tuple[date, str, str] | None] = []  # per notice yielded: (date, order, id), None for none
        self.listed = 0
        self.stamped = time.monotonic()

    def alive(self) -> None:
        """Stamp the run's heartbeat while TenderNed is being asked between commits (a long list, slow answers, pauses
        before a retry), so the recovery sweep does not take a working pull for a stalled one."""
        now = time.monotonic()
        if now - self.stamped < HEARTBEAT_SECONDS:
            return
        self.stamped = now
        ImportRun.objects.filter(pk=self.run.pk, status=RunStatus.RUNNING, worker=self.run.worker).update(
            heartbeat_at=timezone.now()
        )

    def __iter__(self) -> Iterator[n.RawNotice]:
        plan, endpoint = self.plan, self.client.config.endpoint
        found: dict[str, Publication] = {}
        problems: list[str] = []
        for entry in self.client.publications(since=plan.start, until=plan.until):
            self.alive()
            if isinstance(entry, str):
                problems.append(entry)
            elif entry.publication_id not in found:  # a page that shifted while the list was read repeats entries
                found[entry.publication_id] = entry
        for problem in problems:
            self.keys.append(None)
            yield n.RawNotice(file=endpoint, locator="", raw=b"", error=n.ReadError(problem, file=endpoint))
        wanted = sorted(
            (
                p
                for p in found.values()
                if p.publication_date >= plan.start
                and (plan.until is None or p.publication_date <= plan.until)
                and (plan.after is None or p.order > plan.after)
            ),
            key=lambda p: p.order,
        )
        self.listed = len(wanted)
        logger.info(
            "TenderNed pull: %(count)s publications to import from %(start)s",
            {"count": len(wanted), "start": plan.start},
        )
        for publication in wanted:
            yield from self._notices(publication)

    def _notices(self, publication: Publication) -> Iterator[n.RawNotice]:
        from .sources import read_upload  # the readers load their mappings; imported when a pull runs

        key = (publication.publication_date, publication.order[1], publication.publication_id)
        url = self.client.public_xml_url(publication.publication_id)
        locator = f"publicatieId {publication.publication_id}"
        self.alive()
        data, answer = b"", "HTTP 404"
        with contextlib.suppress(TenderNedNotFoundError):
            data, answer = self.client.public_xml(publication.publication_id), _("an empty answer")
        if not data.strip():  # not found, or found empty: both seen for publications without XML
            self.keys.append(key)
            message = _("TenderNed has no public XML for publication %(id)s (%(answer)s).") % {
                "id": publication.publication_id,
                "answer": answer,
            }
            yield n.RawNotice(
                file=url,
                locator=locator,
                raw=b"",
                error=n.ReadError(message, file=url, notice=publication.publication_id),
            )
            return
        # all of a publication's notices are counted before the first is handed on, so a chunk that ends inside them
        # is seen not to complete it (`committed`)
        notices = list(read_upload(url, io.BytesIO(data), max_xml_bytes=self.client.config.max_xml_bytes))
        self.keys.extend([key] * len(notices))
        for raw in notices:
            yield dataclasses.replace(raw, locator=raw.locator or locator)

    def committed(self, seen: int) -> tuple[date, str] | None:
        """The last publication (date, id) whose notices are all among the first `seen` notices yielded."""
        unfinished = self.keys[seen] if seen < len(self.keys) else None
        for key in reversed(self.keys[:seen]):
            if key is not None and key != unfinished:
                return key[0], key[2]
        return None


def _advance(endpoint: str, plan: Plan, run: ImportRun, position: tuple[date, str]) -> None:
    publication_date, publication_id = position
    PullCursor.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "since": plan.range_since,
            "last_publication_date": publication_date,
            "last_publication_id": publication_id,
            "run": run,
        },
    )


@dataclass
class PullReport:
    report: RunReport
    listed: int  # publications to import after the cursor
    cursor: PullCursor | None  # as the pull left it

    @property
    def run(self) -> ImportRun:
        return self.report.run


def pull_tenderned(
    *,
    since: date | None,
    until: date | None = None,
    ignore_cursor: bool = False,
    config: TenderNedConfig | None = None,
    sleep: Callable[[float], None] | None = None,
    batch_size: int | None = None,
) -> PullReport:
    """Pull the publications of TenderNed (see the module's text) as one import run, and move the cursor."""
    config = config or tenderned_config()
    _check(config)
    if until is not None and since is not None and until < since:
        raise ValidationError({"until": _("The last publication date lies before the first.")})
    busy = _running_pull(config)
    if busy is not None:
        raise ValidationError(
            _("Import run %(run)s is pulling from TenderNed already; wait until it has finished.") % {"run": busy.pk}
        )
    cursor = PullCursor.objects.filter(endpoint=config.endpoint).first()
    plan = plan_pull(cursor, since=since, until=until, ignore_cursor=ignore_cursor)
    window = f"{plan.start.isoformat()}..{plan.until.isoformat() if plan.until else ''}"
    run = import_run_create(source_description=f"{SOURCE} {config.endpoint} {window}")
    client = TenderNedClient(config) if sleep is None else TenderNedClient(config, sleep=sleep)
    feed = _Feed(client, plan, run)
    moved: list[tuple[date, str]] = []

    def progress(current: ImportRun) -> None:
        position = feed.committed(current.seen)
        if position is not None and (not moved or position != moved[-1]):
            _advance(config.endpoint, plan, current, position)
            moved.append(position)

    try:
        report = import_run_execute(
            run=run,
            raw_notices=feed,
            progress=progress,
            batch_size=batch_size or min(int(settings.MVIMONITOR_IMPORT_BATCH_SIZE), PULL_BATCH_SIZE),
        )
    except (KeyboardInterrupt, OperationalError, InterfaceError) as error:
        # stopped half-way (by the user, or the database went away): the run does not stay "running"; if even that
        # fails, the import worker's recovery sweep fails it later
        message = _("The pull stopped before it was finished (%(reason)s); the next pull goes on from the cursor.") % {
            "reason": str(error) or _("stopped by the user")
        }
        with contextlib.suppress(OperationalError, InterfaceError):
            if run.status == RunStatus.RUNNING:
                fail_run(run, message=message)
        raise
    return PullReport(
        report=report, listed=feed.listed, cursor=PullCursor.objects.filter(endpoint=config.endpoint).first()
    )


def close_handed_back(run: ImportRun) -> bool:
    """Close a pull run a stopping worker handed back: it has no files to resume from, so it ends with what it
    committed, and the pull goes on from the cursor in a new run."""
    message = _("The worker stopped after %(seen)s notices; the pull goes on from there in a new run.") % {
        "seen": run.seen
    }
    with transaction.atomic():
        closed = ImportRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED, attempts=run.attempts).update(
            status=RunStatus.DONE, finished_at=timezone.now(), message=message
        )
    run.refresh_from_db()
    return bool(closed)


@task()
def pull_tenderned_task(since: str | None = None, until: str | None = None, ignore_cursor: bool = False) -> str:
    """The scheduled pull (`manage.py pull_tenderned --enqueue`): dates as YYYY-MM-DD; returns the run's status."""
    pulled = pull_tenderned(
        since=date.fromisoformat(since) if since else None,
        until=date.fromisoformat(until) if until else None,
        ignore_cursor=ignore_cursor,
    )
    if pulled.report.handed_back and close_handed_back(pulled.run):
        pull_tenderned_task.enqueue(since=since, until=until)
    return str(pulled.run.status)


def describe(pulled: PullReport) -> dict[str, Any]:
    """The figures a command or a log line reports about a pull."""
    run = pulled.run
    cursor = pulled.cursor
    return {
        "run": run.pk,
        "listed": pulled.listed,
        "seen": run.seen,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "failed": run.failed,
        "cursor": f"{cursor.last_publication_date} {cursor.last_publication_id}" if cursor else "-",
    }
