"""Background work of the imports: one task runs one queued import run (django-tasks, database backend).

The upload page stores the files with the run (`ImportUpload`) and enqueues `import_run_task` after the commit; the
worker (`manage.py import_worker`) reads the files back and imports them through `services.import_run_execute`, which
stores the counts after every batch so the page can show progress.

A run that was interrupted (its worker killed, the database unavailable) is queued again by the recovery sweep
(`recovery.py`) and resumed here: the notices its committed chunks counted as seen are read again but skipped, so the
counts go on where they stopped and end as those of an uninterrupted run.

With `MVIMONITOR_IMPORT_WORKERS` above 1 the uploaded files are read (and their notices detected) by that many worker
processes while the task's own process stores them in the order of the files (`parallel.py`, ADR 0027); a file is
read whole by one worker, so several files spread over the workers and one large archive does not.
"""

import io
import itertools
from collections.abc import Iterable, Iterator

from django.conf import settings
from django_tasks import task

from . import notices as n
from .models import ImportRun, ImportUpload, RunStatus
from .parallel import Fanout, Unit, worker_count
from .services import import_run_execute


def _uploaded_notices(run: ImportRun) -> Iterator[n.RawNotice]:
    from .sources import read_upload

    for upload in run.uploads.all().only("id", "name", "content").iterator(chunk_size=1):
        yield from read_upload(upload.name, io.BytesIO(bytes(upload.content)))


def _uploaded_units(run: ImportRun) -> Iterator[list[Unit]]:
    """The stored files of a run, one group each, in the order `_uploaded_notices` reads them; each file's bytes
    are loaded only when a worker is about to read it."""
    for upload_id in list(run.uploads.order_by("pk").values_list("pk", flat=True)):
        name, content = ImportUpload.objects.filter(pk=upload_id).values_list("name", "content").get()
        yield [Unit(name, bytes(content))]


@task()
def import_run_task(run_id: int) -> str:
    """Import the uploaded files of run `run_id`, or what is left of them; returns the run's final status."""
    run = ImportRun.objects.select_related("organisation", "started_by").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return str(run.status)  # already picked up (a task delivered twice does no harm)
    # Stored uploads are read in the same order every time, so the first `seen` notices are those already counted.
    workers = worker_count(settings.MVIMONITOR_IMPORT_WORKERS)
    raw_notices: Iterable[n.RawNotice] | Fanout = (
        Fanout(_uploaded_units(run), workers=workers, skip=run.seen)
        if workers > 1
        else itertools.islice(_uploaded_notices(run), run.seen, None)
    )
    report = import_run_execute(run=run, raw_notices=raw_notices, batch_size=settings.MVIMONITOR_IMPORT_BATCH_SIZE)
    if report.handed_back:  # the worker is stopping: the next one goes on with it
        import_run_task.enqueue(run.pk)
    return str(run.status)
