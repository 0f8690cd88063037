"""Background work of the imports: one task runs one queued import run (django-tasks, database backend).

The upload page stores the files with the run (`ImportUpload`) and enqueues `import_run_task` after the commit; the
worker (`manage.py db_worker`) reads the files back and imports them through `services.import_run_execute`, which
stores the counts after every batch so the page can show progress.
"""

import io
from collections.abc import Iterator

from django_tasks import task

from . import notices as n
from .models import ImportRun, RunStatus
from .services import import_run_execute


def _uploaded_notices(run: ImportRun) -> Iterator[n.RawNotice]:
    from .sources import read_upload

    for upload in run.uploads.all().only("id", "name", "content").iterator(chunk_size=1):
        yield from read_upload(upload.name, io.BytesIO(bytes(upload.content)))


@task()
def import_run_task(run_id: int) -> str:
    """Import the uploaded files of run `run_id`; returns the run's final status."""
    run = ImportRun.objects.select_related("organisation", "started_by").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return str(run.status)  # already picked up (a task delivered twice does no harm)
    import_run_execute(run=run, raw_notices=_uploaded_notices(run))
    return str(run.status)
