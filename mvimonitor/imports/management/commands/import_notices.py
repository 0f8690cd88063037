"""Import procurement notices from files, folders, zip and tar.gz archives (eForms, TED R2.0.9, OCDS, TenderNed)."""

import sys
import time
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from mvimonitor.imports import notices as n
from mvimonitor.imports.models import ImportRun, RunStatus
from mvimonitor.imports.parallel import Fanout, groups_of, path_units
from mvimonitor.imports.recovery import fail_run
from mvimonitor.imports.services import import_run_create, import_run_execute, read_ahead_pays
from mvimonitor.organisations.models import Organisation


class _ProgressBar:
    """A one-line progress report on stderr, redrawn at most ten times a second."""

    def __init__(self, stream: Any, *, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.start = time.monotonic()
        self.last = 0.0

        self.seen = 0

    def count(self, raw_notices: Iterable[n.RawNotice], run: ImportRun) -> Iterator[n.RawNotice]:
        for raw in raw_notices:
            self.tick(run)
            yield raw

    def tick(self, run: ImportRun) -> None:
        """One notice more was read."""
        self.seen += 1
        now = time.monotonic()
        if self.enabled and now - self.last > 0.1:
            self.last = now
            self.draw(self.seen, run)

    def draw(self, seen: int, run: ImportRun) -> None:
        rate = seen / max(time.monotonic() - self.start, 1e-9)
        self.stream.write(
            f"\r[{'#' * min(seen // 100 % 31, 30):<30}] {seen} read, {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.failed} failed ({rate:.0f}/s)"
        )
        self.stream.flush()

    def close(self, run: ImportRun) -> None:
        if self.enabled:
            self.draw(run.seen, run)
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import notices from PATH... (files, folders, .zip, .tar.gz): store the raw notice, update tenders, lots, "
        "award criteria and contracts, and propose MVI applications for the buyer to review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--dry-run", action="store_true", help="read and check everything, write nothing")
        parser.add_argument(
            "--organisation",
            type=int,
            metavar="ID",
            help="import for this organisation only: every notice's buyer must be it or unknown",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            metavar="N",
            help="read and detect in N worker processes while this one stores, in the order read (default 1: all "
            "in this process)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from mvimonitor.imports.sources import read_paths

        paths: list[Path] = options["paths"]
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"Not found: {', '.join(missing)}")
        organisation = None
        if options["organisation"] is not None:
            organisation = Organisation.objects.filter(pk=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"There is no organisation with id {options['organisation']}.")
        run = import_run_create(
            source_description=" ".join(str(p) for p in paths),
            organisation=organisation,
            dry_run=options["dry_run"],
        )
        bar = _ProgressBar(sys.stderr, enabled=not options["no_progress"] and options["verbosity"] > 0)
        raw_notices: Iterable[n.RawNotice] | Fanout
        if options["workers"] > 1:
            raw_notices = Fanout(
                groups_of(path_units(paths)), workers=options["workers"], on_notice=partial(bar.tick, run)
            )
        else:
            raw_notices = bar.count(read_paths([str(p) for p in paths]), run)
        try:
            report = import_run_execute(run=run, raw_notices=raw_notices, read_ahead=read_ahead_pays())
        except KeyboardInterrupt:
            self._stopped(run, _("The import was stopped by the user; run the command again to finish it."))
            raise CommandError("Stopped; the chunks committed before are kept. Run the command again.") from None
        except (OperationalError, InterfaceError) as error:
            message = _("The database was unavailable (%(error)s); run the command again.") % {"error": error}
            self._stopped(run, message)
            raise CommandError(message) from error
        bar.close(run)
        for failure in report.failures:
            self.stderr.write(failure.line())
        prefix = "Dry run (nothing written): " if run.dry_run else f"Import run {run.pk}: "
        self.stdout.write(
            f"{prefix}{run.seen} notices seen, {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.failed} failed."
        )
        if run.status == RunStatus.FAILED:
            raise CommandError(run.message or "The import failed.")

    def _stopped(self, run: ImportRun, message: str) -> None:
        """Fail a run that stopped half-way, so it does not show as running; if even that fails, the recovery sweep
        of the import worker fails it later."""
        if run.dry_run or run.status != RunStatus.RUNNING:
            return
        try:
            fail_run(run, message=message)
        except (OperationalError, InterfaceError):
            self.stderr.write("The run could not be marked failed; the import worker's recovery sweep will do so.")
