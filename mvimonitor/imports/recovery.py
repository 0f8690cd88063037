"""Recovery of import runs whose process stopped: stalled runs are resumed or failed, and no run waits for ever.

A run is *stalled* when it is running but its process gave no sign of life (`ImportRun.heartbeat_at`, stamped with
every chunk committed) for `MVIMONITOR_IMPORT_STALL_SECONDS`, or when its process is known to be gone: a process on
this host that no longer exists, or the sweeping worker itself while it is between tasks. The sweep (`sweep`, run
by `manage.py import_worker` when it starts and about once a minute) then:

- resumes a stalled upload: queued again, with a message, and a new task; the task skips the notices the run had
  committed (`tasks.py`), so the counts end as those of an uninterrupted run. After `MVIMONITOR_IMPORT_MAX_ATTEMPTS`
  starts it is failed instead, with the reason;
- fails a stalled command-line run: there is nothing to resume it from, and running the command again is safe;
- marks the dead task of a stalled or queued run failed, and queues a task again for a queued upload that has none
  (its enqueue was lost, or its worker died between taking the task and starting the run).

Every change is a conditional update on the run's status and attempt, so two sweeps, or a sweep and a process that
was only slow, never both act on one run: the slow process finds out at its next commit and stops (`runs.py`).
"""

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ImportRun, ImportWorker, RunStatus
from .tasks import import_run_task

logger = logging.getLogger(__name__)

STOPPED_CLASS_PATH = "mvimonitor.imports.recovery.WorkerStopped"


def stall_seconds() -> int:
    return int(settings.MVIMONITOR_IMPORT_STALL_SECONDS)


def max_attempts() -> int:
    return int(settings.MVIMONITOR_IMPORT_MAX_ATTEMPTS)


def process_gone(name: str, *, idle: str | None = None) -> bool:
    """Whether process `name` ("host:pid") certainly runs no import: it is `idle` (the sweeping worker between
    tasks), or it ran on this host and no longer exists. A process elsewhere is judged by its heartbeat only."""
    if not name:
        return False
    if name == idle:
        return True
    host, _sep, pid = name.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def last_sign_of_life(run: ImportRun) -> datetime:
    return run.heartbeat_at or run.started_at or run.created_at


def is_stalled(run: ImportRun, *, now: datetime | None = None, idle: str | None = None) -> bool:
    if run.status != RunStatus.RUNNING or run.dry_run:
        return False
    now = now or timezone.now()
    return last_sign_of_life(run) < now - timedelta(seconds=stall_seconds()) or process_gone(run.worker, idle=idle)


def stalled_runs(*, idle: str | None = None) -> list[ImportRun]:
    now = timezone.now()
    running = ImportRun.objects.filter(status=RunStatus.RUNNING, dry_run=False).select_related("organisation")
    return [run for run in running if is_stalled(run, now=now, idle=idle)]


def _transition(run: ImportRun, **values: Any) -> bool:
    """Change the run as it was read (status and attempt), or nothing if it changed since (another process acted)."""
    changed = ImportRun.objects.filter(pk=run.pk, status=run.status, attempts=run.attempts).update(**values)
    if changed:
        for name, value in values.items():
            setattr(run, name, value)
    return bool(changed)


def fail_run(run: ImportRun, *, message: str) -> bool:
    """Fail an unfinished run with `message` (and its dead task); False if it changed meanwhile."""
    with transaction.atomic():
        done = _transition(run, status=RunStatus.FAILED, finished_at=timezone.now(), message=message)
        if done:
            _fail_tasks(run.pk, message)
    if done:
        logger.warning("Import run %(run)s failed: %(message)s", {"run": run.pk, "message": message})
    return done


def resume_run(run: ImportRun, *, message: str) -> bool:
    """Queue a stalled upload again, to go on where its last committed chunk ended; False if it changed meanwhile."""
    with transaction.atomic():
        # the heartbeat now says since when it waits in the queue again
        done = _transition(run, status=RunStatus.QUEUED, heartbeat_at=timezone.now(), message=message)
        if done:
            _fail_tasks(run.pk, message)
            transaction.on_commit(partial(import_run_task.enqueue, run.pk))
    if done:
        logger.warning("Import run %(run)s resumed after %(seen)s notices", {"run": run.pk, "seen": run.seen})
    return done


def recover(run: ImportRun) -> str:
    """Resume or fail one stalled run, as the sweep does; returns "resumed", "failed" or "" (it changed meanwhile)."""
    since = timezone.localtime(last_sign_of_life(run)).strftime("%Y-%m-%d %H:%M")
    if not run.uploads.exists():
        message = _(
            "The importing process stopped before the import was finished (last sign of life %(time)s). Run the "
            "command again: notices imported before are counted as unchanged."
        ) % {"time": since}
        return "failed" if fail_run(run, message=message) else ""
    if run.attempts >= max_attempts():
        message = _(
            "The import was interrupted %(count)s times (last sign of life %(time)s) and is not resumed again. "
            "Ask an administrator to look at the import worker, then upload the files again."
        ) % {"count": run.attempts, "time": since}
        return "failed" if fail_run(run, message=message) else ""
    message = _(
        "The import was interrupted after %(seen)s notices (last sign of life %(time)s) and is resumed where it "
        "stopped."
    ) % {"seen": run.seen, "time": since}
    return "resumed" if resume_run(run, message=message) else ""


# -- the task queue (django-tasks' database backend) --------------------------------------------------------------


def _database_queue() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(import_run_task.get_backend(), DatabaseBackend)


def _tasks_of(run_ids: set[int], *statuses: str) -> dict[int, list[Any]]:
    """The import tasks in `statuses` per run, for the runs in `run_ids`."""
    from django_tasks_db.models import DBTaskResult

    found: dict[int, list[Any]] = {}
    if not run_ids or not _database_queue():
        return found
    rows = DBTaskResult.objects.filter(task_path=import_run_task.module_path, status__in=statuses)
    for row in rows.only("id", "status", "args_kwargs", "started_at", "worker_ids"):
        call = row.args_kwargs or {}
        run_id = call["args"][0] if call.get("args") else call.get("kwargs", {}).get("run_id")
        if run_id in run_ids:
            found.setdefault(run_id, []).append(row)
    return found


def _fail_tasks(run_id: int, message: str) -> None:
    """Mark the running tasks of a run failed: their worker is gone, so the queue does not show them running."""
    from django_tasks_db.models import DBTaskResult

    tasks = _tasks_of({run_id}, "RUNNING").get(run_id, [])
    DBTaskResult.objects.filter(pk__in=[t.pk for t in tasks]).update(
        status="FAILED", finished_at=timezone.now(), exception_class_path=STOPPED_CLASS_PATH, traceback=message
    )


def _task_alive(task: Any, *, now: datetime, idle: str | None) -> bool:
    if task.status == "READY":
        return True
    worker = (task.worker_ids or [""])[-1]
    started = task.started_at or now
    return not process_gone(worker, idle=idle) and started >= now - timedelta(seconds=stall_seconds())


def requeue_waiting(*, idle: str | None = None) -> tuple[list[int], list[int]]:
    """Queue a task again for every queued upload that has no live task, or fail it when its tasks kept failing
    before the import could start; returns the runs queued again and those failed."""
    if not _database_queue():
        return [], []
    now = timezone.now()
    waiting = {
        run.pk: run
        for run in ImportRun.objects.filter(status=RunStatus.QUEUED, dry_run=False, uploads__isnull=False).distinct()
        if (run.heartbeat_at or run.created_at) < now - timedelta(seconds=min(stall_seconds(), 60))
    }
    tasks = _tasks_of(set(waiting), "READY", "RUNNING", "FAILED")
    requeued, failed = [], []
    for run_id, run in waiting.items():
        if any(t.status != "FAILED" and _task_alive(t, now=now, idle=idle) for t in tasks.get(run_id, [])):
            continue
        failures = sum(t.status == "FAILED" for t in tasks.get(run_id, []))
        if failures >= 2 * max_attempts():  # never started: something other than a stopped worker is wrong
            message = _(
                "The import could not be started: its task failed %(count)s times. Ask an administrator to look at "
                "the import worker's log, then upload the files again."
            ) % {"count": failures}
            if fail_run(run, message=message):
                failed.append(run_id)
            continue
        message = _("The task of this import was lost; it was queued again.")
        with transaction.atomic():
            if _transition(run, heartbeat_at=now, message=message):
                _fail_tasks(run_id, message)
                transaction.on_commit(partial(import_run_task.enqueue, run_id))
                requeued.append(run_id)
    return requeued, failed


# -- the sweep and the workers ---------------------------------------------------------------------------------


@dataclass
class SweepReport:
    resumed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.resumed or self.failed or self.requeued)


def sweep(*, idle: str | None = None) -> SweepReport:
    """Resume or fail every stalled run and queue again the queued uploads without a task. `idle` names the sweeping
    worker when it runs no task, so its own unfinished runs count as stalled at once."""
    report = SweepReport()
    for run in stalled_runs(idle=idle):
        outcome = recover(run)
        if outcome:
            getattr(report, outcome).append(run.pk)
    requeued, failed = requeue_waiting(idle=idle)
    report.requeued, report.failed = requeued, report.failed + failed
    return report


def worker_seen(name: str, *, stopped: bool = False) -> None:
    """Record that worker `name` is alive (or stopped), for the status page."""
    now = timezone.now()
    updated = ImportWorker.objects.filter(name=name).update(seen_at=now, stopped_at=now if stopped else None)
    if not updated:
        ImportWorker.objects.create(name=name, started_at=now, seen_at=now, stopped_at=now if stopped else None)


def worker_started(name: str) -> None:
    now = timezone.now()
    ImportWorker.objects.update_or_create(name=name, defaults={"started_at": now, "seen_at": now, "stopped_at": None})
