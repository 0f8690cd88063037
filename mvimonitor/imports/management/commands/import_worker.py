"""Run the import worker: django-tasks' database worker that outlives database trouble and recovers stalled runs.

    manage.py import_worker [--interval 1] [--sweep-interval 60] [--batch] [--max-tasks N] [--reload]

It takes the queued tasks as `db_worker` does (the same options), and besides:

- a database error while it polls (a write lock held longer than the lock timeout, a lost connection) is logged, the
  connection closed, and it tries again after a pause that doubles up to `--max-backoff` seconds;
- when it starts, after every task and every `--sweep-interval` seconds it runs the recovery sweep
  (`mvimonitor/imports/recovery.py`): stalled runs are resumed or failed, queued uploads without a task queued again;
  and it records that it is alive, for the status page (`/imports/status/`);
- SIGTERM or SIGINT stops it cleanly: a run being imported stops after the chunk it is writing and is queued again,
  to go on where it stopped with the next worker. A second signal stops it at once; the run is then found stalled
  and resumed by the next worker.
"""

import contextlib
import logging
import os
import random
import signal
import sys
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from mvimonitor.imports.recovery import sweep, worker_seen, worker_started
from mvimonitor.imports.runs import clear_stop, process_name, request_stop

logger = logging.getLogger("mvimonitor.imports.worker")

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
SLICE = 0.2  # seconds: how soon a pause notices a stop signal


class RecoveringWorker(db_worker.Worker):
    """The database worker's loop, one poll at a time, with the database errors caught and the sweep run."""

    def __init__(self, *, sweep_interval: float, max_backoff: float, **options: Any) -> None:
        super().__init__(**options)
        self.name = process_name()
        self.sweep_interval = sweep_interval
        self.max_backoff = max_backoff
        self.backoff = 0.0
        self.next_sweep = 0.0

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            logger.warning("Received %s again - stopping at once.", signal.strsignal(signum))
            self.reset_signals()
            sys.exit(1)
        logger.warning(
            "Received %s - stopping after the chunk being imported (send it again to stop at once).",
            signal.strsignal(signum),
        )
        self.running = False
        request_stop()  # a run being imported is handed back to the queue after its current chunk

    def run(self) -> None:
        logger.info("Import worker %s started (queues %s)", self.name, ",".join(self.queue_names))
        clear_stop()
        if self.startup_delay and self.interval:
            self.pause(random.random())  # noqa: S311 - workers started together do not all poll at once
        self._safely(worker_started, self.name)
        while self.running:
            try:
                if time.monotonic() >= self.next_sweep:
                    self.housekeeping()
                ran, empty = self.poll()
                if ran:
                    self.housekeeping()  # at once: a run the task left unfinished is resumed
            except DATABASE_UNAVAILABLE as error:
                self.backoff = min(max(self.backoff * 2, 1.0), self.max_backoff)
                logger.warning("The database is unavailable (%s); trying again in %.0f s.", error, self.backoff)
                self._close_connections()
                self.pause(self.backoff)
                continue
            self.backoff = 0.0
            if self.batch and empty:
                logger.info("No more tasks to run; import worker %s stops.", self.name)
                break
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran %d tasks; import worker %s stops.", self._run_tasks, self.name)
                break
            if not ran:
                self.pause(self.interval)
        self._safely(worker_seen, self.name, stopped=True)
        logger.info("Import worker %s stopped.", self.name)

    def poll(self) -> tuple[bool, bool]:
        """Take one ready task and run it: (whether a task ran, whether the queue was empty)."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)  # claimed, so no other worker runs it
        if task_result is None:
            return False, True
        self.run_task(task_result)
        close_old_connections()
        return True, False

    def housekeeping(self) -> None:
        """The recovery sweep and this worker's sign of life. Database errors go up to the loop, other errors are
        logged: a sweep that fails is tried again at the next one."""
        self.next_sweep = time.monotonic() + self.sweep_interval
        try:
            report = sweep(idle=self.name)
            worker_seen(self.name)
        except DATABASE_UNAVAILABLE:
            self.next_sweep = 0.0
            raise
        except Exception:
            logger.exception("The recovery sweep failed")
            return
        if report:
            logger.warning(
                "Recovery: runs resumed %s, failed %s, queued again %s", report.resumed, report.failed, report.requeued
            )

    def pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while self.running and time.monotonic() < end:
            time.sleep(min(SLICE, max(end - time.monotonic(), 0)))

    def _safely(self, function: Any, *args: Any, **kwargs: Any) -> None:
        try:
            function(*args, **kwargs)
        except DATABASE_UNAVAILABLE as error:
            logger.warning("Could not record the worker's state: %s", error)
            self._close_connections()

    @staticmethod
    def _close_connections() -> None:
        for connection in connections.all(initialized_only=True):
            with contextlib.suppress(*DATABASE_UNAVAILABLE):  # broken already; it is made again on next use
                connection.close()


class Command(db_worker.Command):
    help = (
        "Run the import worker: run queued tasks like db_worker, outlive database errors (lock timeouts, lost "
        "connections) and resume or fail stalled import runs."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=process_name()[:64])
        parser.add_argument(
            "--sweep-interval",
            type=db_worker.valid_interval,
            default=60,
            help="Seconds between recovery sweeps while idle (default: %(default)r)",
        )
        parser.add_argument(
            "--max-backoff",
            type=db_worker.valid_interval,
            default=30,
            help="Longest pause in seconds after a database error (default: %(default)r)",
        )

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        logger.setLevel({0: logging.CRITICAL, 1: logging.INFO}.get(verbosity, logging.DEBUG))
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler(self.stdout))

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        reload = options["reload"] and not options["batch"]
        worker = RecoveringWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
            sweep_interval=options["sweep_interval"],
            max_backoff=options["max_backoff"],
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process that runs the worker
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
