"""The operators' status page of the imports: the queue, running and stalled runs, recent failures and the workers.

For superusers only, like the import records in the admin: it lists the runs of every organisation. A stalled run
can be resumed (an upload) or marked failed from here; a queued run can be marked failed. Both go through
`recovery.py`, the same transitions the worker's sweep makes.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .models import ImportRun, ImportUpload, ImportWorker, RunStatus
from .recovery import fail_run, is_stalled, last_sign_of_life, resume_run, stall_seconds

RECENT_FAILURES = 20
WORKER_SILENCE_SECONDS = 300  # a worker polls and records itself about once a minute, and its runs each chunk


@dataclass
class WorkerRow:
    name: str
    started_at: datetime
    last_seen: datetime
    stopped_at: datetime | None
    silent: bool


def _require_operator(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only system managers may see the state of the import worker."))


def _workers(now: datetime) -> list[WorkerRow]:
    """The workers, each last seen when it recorded itself or when a run it imports gave a sign of life."""
    heartbeats: dict[str, datetime] = {}
    for name, beat in ImportRun.objects.filter(status=RunStatus.RUNNING).values_list("worker", "heartbeat_at"):
        if name and beat and beat > heartbeats.get(name, beat - timedelta(seconds=1)):
            heartbeats[name] = beat
    rows = []
    for worker in ImportWorker.objects.all()[:20]:
        seen = max(worker.seen_at, heartbeats.get(worker.name, worker.seen_at))
        silent = worker.stopped_at is None and seen < now - timedelta(seconds=WORKER_SILENCE_SECONDS)
        rows.append(WorkerRow(worker.name, worker.started_at, seen, worker.stopped_at, silent))
    return rows


@login_required
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    now = timezone.now()
    unfinished = ImportRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING], dry_run=False)
    unfinished = unfinished.select_related("organisation").order_by("created_at", "id")
    unfinished = unfinished.annotate(resumable=Exists(ImportUpload.objects.filter(run=OuterRef("pk"))))
    queued, running, stalled = [], [], []
    for run in unfinished:
        run.last_sign_of_life = last_sign_of_life(run)  # type: ignore[attr-defined]
        if run.status == RunStatus.QUEUED:
            queued.append(run)
        elif is_stalled(run, now=now):
            stalled.append(run)
        else:
            running.append(run)
    failed = (
        ImportRun.objects.filter(status=RunStatus.FAILED)
        .select_related("organisation")
        .order_by("-finished_at", "-id")[:RECENT_FAILURES]
    )
    workers = _workers(now)
    alive = [w for w in workers if w.stopped_at is None and not w.silent]
    return render(
        request,
        "imports/status.html",
        {
            "queued": queued,
            "running": running,
            "stalled": stalled,
            "failed": failed,
            "workers": workers,
            "no_worker": not alive,
            "stall_minutes": max(stall_seconds() // 60, 1),
        },
    )


@login_required
@require_POST
def status_run_action(request: HttpRequest, run_id: int) -> HttpResponse:
    """Resume a stalled upload, or mark an unfinished run failed."""
    _require_operator(request)
    run = get_object_or_404(ImportRun, pk=run_id, dry_run=False)
    action = request.POST.get("action")
    if action == "resume" and is_stalled(run) and run.uploads.exists():
        message = _("The import stalled after %(seen)s notices and was resumed by a system manager.") % {
            "seen": run.seen
        }
        done = resume_run(run, message=message)
        success = _("The import is queued again; it goes on where it stopped.")
    elif action == "fail" and run.status in {RunStatus.QUEUED, RunStatus.RUNNING}:
        done = fail_run(run, message=_("Marked as failed by a system manager."))
        success = _("The import was marked as failed.")
    else:
        done, success = False, ""
    if done:
        messages.success(request, success)
    else:
        messages.error(request, _("This cannot be done with this import (any more); the page shows its state now."))
    return redirect("imports:status")
