"""Recovery of import runs whose process stopped, the import worker that outlives database errors, and the
operators' status page (mvimonitor/imports/recovery.py, import_worker, status.py)."""

import contextlib
import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mvimonitor.imports import notices as n
from mvimonitor.imports import recovery, runs
from mvimonitor.imports.management.commands import import_worker
from mvimonitor.imports.models import ImportFailure, ImportRun, ImportWorker, RunStatus
from mvimonitor.imports.runs import process_name
from mvimonitor.imports.services import import_run_create, import_run_execute, import_upload_create
from mvimonitor.imports.tasks import _uploaded_notices, import_run_task
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import Tender
from tests.factories import OrganisationFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Real notices of every format, some of them failing (unreadable releases, a row without id), and notices that
# update a procedure imported before them: a resumed run must count all of these as an uninterrupted one does.
UPLOAD = [
    "eforms_bt805.xml",
    "eforms_all_codes.xml",
    "eforms_can_results.xml",
    "eforms_change.xml",
    "ocds_record_package.json",
    "ted_r209_award.xml",
    "ted_r209_reserved.xml",
    "tenderned.csv",
]
SEEN = 16  # notices in the upload

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English (the msgids); with the Dutch catalogue compiled they would be Dutch."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(name="Gemeente Voorbeeldstad")  # type: ignore[no-any-return]  # the buyer of the eForms fixtures


@pytest.fixture
def upload(make_member: Callable[..., User], organisation: Organisation, fixtures: Path) -> ImportRun:
    user = make_member(Role.INKOPER, organisation)
    return import_upload_create(
        user=user, organisation=organisation, files=[(name, (fixtures / name).read_bytes()) for name in UPLOAD]
    )


def _stall(
    run: ImportRun, *, minutes: int = 30, worker: str = "elsewhere:1", seen: int = 0, attempts: int = 1
) -> None:
    beat = timezone.now() - timedelta(minutes=minutes)
    ImportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=beat, heartbeat_at=beat, worker=worker, seen=seen, attempts=attempts
    )
    run.refresh_from_db()


def _task_for(run: ImportRun, status: str) -> DBTaskResult:  # type: ignore[type-arg]
    return DBTaskResult.objects.create(  # type: ignore[no-any-return]
        args_kwargs={"args": [run.pk], "kwargs": {}},
        task_path=import_run_task.module_path,
        backend_name="default",
        run_after=timezone.now(),
        status=status,
        worker_ids=["elsewhere:1"],
        started_at=timezone.now() - timedelta(hours=1) if status == "RUNNING" else None,
    )


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# -- the sweep --------------------------------------------------------------------------------------------------


def test_a_stalled_upload_is_queued_again_and_its_dead_task_failed(
    settings: Any, upload: ImportRun, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = DATABASE_QUEUE
    _stall(upload, seen=4)
    dead = _task_for(upload, "RUNNING")

    with django_capture_on_commit_callbacks(execute=True):
        report = recovery.sweep()

    upload.refresh_from_db()
    assert report.resumed == [upload.pk]
    assert (upload.status, upload.seen, upload.attempts) == (RunStatus.QUEUED, 4, 1)
    assert "interrupted after 4 notices" in upload.message
    dead.refresh_from_db()
    assert (dead.status, dead.exception_class_path) == ("FAILED", recovery.STOPPED_CLASS_PATH)
    fresh = DBTaskResult.objects.get(status="READY")
    assert fresh.args_kwargs["args"] == [upload.pk]


def test_a_run_with_a_recent_heartbeat_is_left_alone(upload: ImportRun) -> None:
    _stall(upload, minutes=1)

    assert not recovery.sweep()
    upload.refresh_from_db()
    assert upload.status == RunStatus.RUNNING


def test_the_stall_threshold_is_a_setting(settings: Any, upload: ImportRun) -> None:
    _stall(upload, minutes=5)
    assert recovery.stalled_runs() == []

    settings.MVIMONITOR_IMPORT_STALL_SECONDS = 120

    assert recovery.stalled_runs() == [upload]


def test_a_run_whose_process_is_gone_from_this_host_is_stalled_at_once(upload: ImportRun) -> None:
    _stall(upload, minutes=0, worker=f"{socket.gethostname()}:{_dead_pid()}")
    alive = import_run_create(source_description="alive")
    _stall(alive, minutes=0, worker=process_name())

    assert recovery.stalled_runs() == [upload]
    assert set(recovery.stalled_runs(idle=process_name())) == {upload, alive}  # the sweeping worker, between tasks


def test_a_stalled_command_line_run_is_failed_with_the_reason() -> None:
    run = import_run_create(source_description="/data/ted/2025-01.tar.gz")
    _stall(run)

    report = recovery.sweep()

    run.refresh_from_db()
    assert report.failed == [run.pk]
    assert run.status == RunStatus.FAILED
    assert run.finished_at is not None
    assert "Run the command again" in run.message


def test_an_upload_interrupted_too_often_is_failed_with_the_reason(upload: ImportRun) -> None:
    _stall(upload, attempts=recovery.max_attempts())

    assert recovery.sweep().failed == [upload.pk]
    upload.refresh_from_db()
    assert upload.status == RunStatus.FAILED
    assert f"interrupted {recovery.max_attempts()} times" in upload.message


def test_a_queued_upload_whose_task_was_lost_is_queued_again(
    settings: Any, upload: ImportRun, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = DATABASE_QUEUE
    ImportRun.objects.filter(pk=upload.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    waiting = _task_for(import_upload_create(user=upload.started_by, organisation=upload.organisation, files=[
        ("a.xml", b"<a/>")]), "READY")  # fmt: skip
    ImportRun.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        report = recovery.sweep()

    assert report.requeued == [upload.pk]  # the other run's task is waiting in the queue: left alone
    tasks = DBTaskResult.objects.filter(status="READY").exclude(pk=waiting.pk)
    assert [t.args_kwargs["args"] for t in tasks] == [[upload.pk]]
    assert recovery.sweep().requeued == []  # now it has a task


def test_a_queued_upload_whose_tasks_keep_failing_is_failed_in_the_end(settings: Any, upload: ImportRun) -> None:
    settings.TASKS = DATABASE_QUEUE
    ImportRun.objects.filter(pk=upload.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    for _attempt in range(2 * recovery.max_attempts()):
        _task_for(upload, "FAILED")

    assert recovery.sweep().failed == [upload.pk]
    upload.refresh_from_db()
    assert upload.status == RunStatus.FAILED
    assert "could not be started" in upload.message


# -- resuming -----------------------------------------------------------------------------------------------------


def _killed_after(notices: Iterator[n.RawNotice], count: int) -> Iterator[n.RawNotice]:
    """The notices, until the process 'dies' (a BaseException, as nothing in the import catches it)."""
    for seen, notice in enumerate(notices):
        if seen == count:
            raise KeyboardInterrupt
        yield notice


def test_a_resumed_upload_ends_with_the_counts_of_an_uninterrupted_run(
    upload: ImportRun, organisation: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    dry = import_run_create(source_description="dry", organisation=organisation, dry_run=True)
    expected = import_run_execute(run=dry, raw_notices=_uploaded_notices(upload))
    counts = (dry.seen, dry.created, dry.updated, dry.unchanged, dry.failed)
    assert (dry.seen, dry.failed > 0, dry.updated > 0) == (SEEN, True, True)  # the mix this test is about
    assert Tender.objects.count() == 0

    run = ImportRun.objects.get(pk=upload.pk)  # as the worker reads it
    with pytest.raises(KeyboardInterrupt):  # the worker dies in the sixth chunk of two
        import_run_execute(run=run, raw_notices=_killed_after(_uploaded_notices(run), 11), batch_size=2)
    run.refresh_from_db()
    assert (run.status, run.seen, run.attempts) == (RunStatus.RUNNING, 10, 1)  # five chunks committed
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):  # the test settings run a task when it is queued
        assert recovery.sweep().resumed == [run.pk]

    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.DONE, 2)
    assert (run.seen, run.created, run.updated, run.unchanged, run.failed) == counts
    assert ImportFailure.objects.filter(run=run).count() == len(expected.failures)
    assert Tender.objects.count() == dry.created
    assert "resumed where it stopped" in run.message


def test_a_process_whose_run_was_taken_over_stops_at_its_next_commit(upload: ImportRun) -> None:
    run = ImportRun.objects.get(pk=upload.pk)

    def operator_fails_it_midway(notices: Iterator[n.RawNotice]) -> Iterator[n.RawNotice]:
        for seen, notice in enumerate(notices):
            if seen == 3:
                recovery.fail_run(ImportRun.objects.get(pk=run.pk), message="Marked as failed.")
            yield notice

    import_run_execute(run=run, raw_notices=operator_fails_it_midway(_uploaded_notices(run)), batch_size=2)

    run.refresh_from_db()
    assert (run.status, run.message, run.seen) == (RunStatus.FAILED, "Marked as failed.", 2)
    assert Tender.objects.count() <= 2  # the chunk it was in when it was taken over was rolled back


def test_a_stopping_worker_hands_its_run_back_after_the_chunk_it_writes(upload: ImportRun) -> None:
    run = ImportRun.objects.get(pk=upload.pk)

    def stop_requested_midway(notices: Iterator[n.RawNotice]) -> Iterator[n.RawNotice]:
        for seen, notice in enumerate(notices):
            if seen == 3:
                runs.request_stop()  # as the worker does on SIGTERM
            yield notice

    try:
        report = import_run_execute(run=run, raw_notices=stop_requested_midway(_uploaded_notices(run)), batch_size=2)
    finally:
        runs.clear_stop()

    assert report.handed_back
    run.refresh_from_db()
    assert (run.status, run.seen, run.attempts) == (RunStatus.QUEUED, 4, 0)  # after the chunk with the fourth notice
    assert "worker stopped after 4 notices" in run.message

    import_run_task.call(run.pk)

    run.refresh_from_db()
    assert (run.status, run.seen, run.attempts) == (RunStatus.DONE, SEEN, 1)


def test_a_task_that_loses_the_database_leaves_the_run_for_the_sweep(
    monkeypatch: pytest.MonkeyPatch, upload: ImportRun, django_capture_on_commit_callbacks: Any
) -> None:
    def locked(**kwargs: Any) -> None:
        raise OperationalError("database is locked")

    dry = import_run_create(source_description="dry", organisation=upload.organisation, dry_run=True)
    import_run_execute(run=dry, raw_notices=_uploaded_notices(upload))  # what an uninterrupted run counts
    monkeypatch.setattr("mvimonitor.imports.runs.record_changed", locked)
    with pytest.raises(OperationalError):
        import_run_task.call(upload.pk)
    upload.refresh_from_db()
    assert (upload.status, upload.worker) == (RunStatus.RUNNING, process_name())  # not failed: not the notices' fault
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.sweep(idle=process_name()).resumed == [upload.pk]  # the worker, now idle, resumes it at once

    upload.refresh_from_db()
    assert (upload.status, upload.seen, upload.failed) == (RunStatus.DONE, SEEN, dry.failed)
    assert dry.failed > 0


def test_the_command_records_a_heartbeat_and_fails_its_run_when_the_database_is_lost(
    monkeypatch: pytest.MonkeyPatch, fixtures: Path
) -> None:
    call_command("import_notices", str(fixtures / "eforms_bt805.xml"), stdout=io.StringIO(), stderr=io.StringIO())
    run = ImportRun.objects.get()
    assert (run.worker, run.attempts) == (process_name(), 1)
    assert run.heartbeat_at is not None
    assert run.heartbeat_at >= run.started_at

    def locked(**kwargs: Any) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr("mvimonitor.imports.runs.record_changed", locked)
    with pytest.raises(CommandError, match="database was unavailable"):
        call_command("import_notices", str(fixtures / "eforms_pin.xml"), stdout=io.StringIO(), stderr=io.StringIO())
    assert ImportRun.objects.get(source_description__endswith="eforms_pin.xml").status == RunStatus.FAILED


# -- the worker ---------------------------------------------------------------------------------------------------


@pytest.fixture
def _signal_handlers() -> Iterator[None]:
    """The worker installs its own SIGINT and SIGTERM handlers; pytest gets its own back."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_signal_handlers")
def test_the_worker_outlives_a_locked_database_and_runs_the_task_afterwards(
    settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, upload: ImportRun
) -> None:
    settings.TASKS = DATABASE_QUEUE
    import_run_task.enqueue(upload.pk)
    calls = {"failed": 0}
    real = import_worker.exclusive_transaction

    @contextlib.contextmanager
    def locked_twice(using: str | None = None) -> Iterator[None]:
        if calls["failed"] < 2:
            calls["failed"] += 1
            raise OperationalError("database is locked")  # as SQLite's BEGIN EXCLUSIVE after its lock timeout
        with real(using):
            yield

    monkeypatch.setattr(import_worker, "exclusive_transaction", locked_twice)

    call_command(
        "import_worker", "--batch", "--no-startup-delay", "--no-reload", "--max-backoff", "0", stdout=io.StringIO()
    )

    assert calls["failed"] == 2
    assert "The database is unavailable (database is locked)" in caplog.text
    upload.refresh_from_db()
    assert (upload.status, upload.seen) == (RunStatus.DONE, SEEN)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    worker = ImportWorker.objects.get()
    assert (worker.name, worker.stopped_at is not None) == (process_name(), True)


# -- the status page ------------------------------------------------------------------------------------------------


@pytest.fixture
def operator(db: None) -> User:
    return UserFactory(is_superuser=True, is_staff=True)  # type: ignore[no-any-return]


def test_the_status_page_shows_a_stalled_run_with_its_actions(
    logged_in: Callable[[User], Any], operator: User, upload: ImportRun
) -> None:
    _stall(upload, seen=6)
    import_run_create(source_description="wachtend.xml")  # queued
    failed = import_run_create(source_description="mislukt.xml")
    recovery.fail_run(failed, message="De reden van het falen")
    recovery.worker_started("werker:42")

    page = logged_in(operator).get(reverse("imports:status"))

    html = page.content.decode()
    assert page.status_code == 200
    stalled = html.split('id="mvim-stalled-heading"')[1].split("</section>")[0]
    assert upload.source_description[:40] in stalled
    assert reverse("imports:status-run-action", args=[upload.pk]) in stalled
    assert 'value="resume"' in stalled
    queued = html.split('id="mvim-queued-heading"')[1].split("</section>")[0]
    assert "wachtend.xml" in queued
    assert 'value="fail"' in queued
    assert 'value="resume"' not in queued  # a queued run is waiting, not stalled
    assert "De reden van het falen" in html.split('id="mvim-failed-heading"')[1]
    assert "werker:42" in html


@pytest.mark.parametrize("role", [Role.BEHEERDER, "staff"])
def test_the_status_page_and_its_actions_are_refused_to_others(
    role: str, logged_in: Callable[[User], Any], make_member: Callable[..., User], upload: ImportRun
) -> None:
    user = make_member(Role.BEHEERDER, upload.organisation)
    if role == "staff":
        user.is_staff = True
        user.save()
    _stall(upload)
    client = logged_in(user)

    assert client.get(reverse("imports:status")).status_code == 403
    assert client.post(reverse("imports:status-run-action", args=[upload.pk]), {"action": "fail"}).status_code == 403
    upload.refresh_from_db()
    assert upload.status == RunStatus.RUNNING


def test_the_status_page_asks_an_anonymous_visitor_to_log_in(client: Any) -> None:
    response = client.get(reverse("imports:status"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_operator_resumes_or_fails_a_stalled_run(
    settings: Any, logged_in: Callable[[User], Any], operator: User, upload: ImportRun
) -> None:
    settings.TASKS = DATABASE_QUEUE
    _stall(upload, attempts=recovery.max_attempts())  # the sweep would give up; an operator may still resume
    client = logged_in(operator)
    action = reverse("imports:status-run-action", args=[upload.pk])

    assert client.post(action, {"action": "resume"}).status_code == 302
    upload.refresh_from_db()
    assert upload.status == RunStatus.QUEUED

    client.post(action, {"action": "fail"})
    upload.refresh_from_db()
    assert (upload.status, upload.message) == (RunStatus.FAILED, "Marked as failed by a system manager.")

    response = client.post(action, {"action": "resume"}, follow=True)  # a failed run is not resumed
    upload.refresh_from_db()
    assert upload.status == RunStatus.FAILED
    assert "cannot be done" in response.content.decode()


# -- a real worker process, killed half-way -------------------------------------------------------------------------


def _tenderned_rows(count: int, buyer: str) -> bytes:
    header = (
        "ID publicatie;TenderNed kenmerk;Publicatiedatum;Type publicatie;Naam aanbestedende dienst;AD land;"
        "Naam aanbesteding;Type opdracht;CPV-codes;Nationaal of Europees;Procedure;"
        "Oorspronkelijk geraamde waarde - bedrag;Oorspronkelijk geraamde waarde - valuta"
    )
    rows = [
        f"{400000 + i};{900000 + i};2024-03-01;Aankondiging van een opdracht;{buyer};NL;"
        f"Schoonmaak {i};Diensten;90910000-9;NA;Openbaar;{1000 + i};EUR"
        for i in range(count)
    ]
    return "\n".join([header, *rows]).encode()


def _query(path: Path, sql: str) -> Any:
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        return db.execute(sql).fetchone()


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "readers", [1, 2]
)  # MVIMONITOR_IMPORT_WORKERS: reading in the worker, or in processes of its own
def test_workers_killed_or_stopped_half_way_leave_a_run_the_next_worker_finishes(
    settings: Any, make_member: Callable[..., User], organisation: Organisation, tmp_path: Path, readers: int
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the worker processes share a copy of the SQLite test database")
    settings.TASKS = DATABASE_QUEUE
    total, chunk = 700, 100
    run = import_upload_create(
        user=make_member(Role.INKOPER, organisation),
        organisation=organisation,
        files=[("tenderned.csv", _tenderned_rows(total, organisation.name))],
    )
    import_run_task.enqueue(run.pk)
    database = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(database)) as copy:
        connection.connection.backup(copy)  # the migrated test database, with the run, for the worker processes
    (tmp_path / "worker_settings.py").write_text(
        f"from mvimonitor.settings import *  # noqa: F403\nMVIMONITOR_IMPORT_BATCH_SIZE = {chunk}\n"
        f"MVIMONITOR_IMPORT_WORKERS = {readers}\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "worker_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
    }
    command = [sys.executable, "manage.py", "import_worker", "--no-startup-delay", "--no-reload", "--interval", "0.1"]

    def state() -> tuple[str, int, int, int]:
        sql = f"SELECT status, seen, created, attempts FROM imports_importrun WHERE id={run.pk}"  # noqa: S608
        return _query(database, sql)  # type: ignore[no-any-return]

    def start(*extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603
            [*command, *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    first = start()
    try:
        _wait_for(lambda: state()[1] >= chunk, 60)  # a chunk is committed
    finally:
        first.kill()  # SIGKILL: nothing of it runs any more
        first.communicate()
    status, killed_at, created, _attempts = state()
    assert (status, killed_at % chunk, created) == ("running", 0, killed_at)
    assert killed_at < total

    second = start()
    try:
        _wait_for(lambda: state()[1] > killed_at, 60)  # resumed at once: its process is gone from this host
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=30)
    finally:
        second.kill()
    assert second.returncode == 0, output
    assert f"Recovery: runs resumed [{run.pk}]" in output
    status, stopped_at, created, attempts = state()
    assert (status, stopped_at % chunk, created, attempts) == ("queued", 0, stopped_at, 1)  # handed back, not counted
    assert killed_at < stopped_at < total

    third = start("--batch")
    try:
        output, _ = third.communicate(timeout=60)
    finally:
        third.kill()
    assert third.returncode == 0, output
    assert state() == ("done", total, total, 2)  # two starts, of which one was cut off; nothing counted twice
    assert _query(database, "SELECT COUNT(*) FROM tenders_tender") == (total,)
    assert _query(database, "SELECT COUNT(*) FROM imports_importworker WHERE stopped_at IS NOT NULL") == (2,)
