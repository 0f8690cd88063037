"""Pull the notices TenderNed published since a date and import them as one run (docs/imports.md, "TenderNed pull").

    manage.py pull_tenderned [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--ignore-cursor] [--enqueue]

Without `--since` the pull goes on from the cursor its last pull left. The credentials come from the environment
(MVIMONITOR_TENDERNED_USER, MVIMONITOR_TENDERNED_PASSWORD), never from the command line.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError

from mvimonitor.imports.models import RunStatus
from mvimonitor.imports.tenderned_pull import describe, pull_tenderned, pull_tenderned_task


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = (
        "Pull the notices TenderNed published since a date (or since the last pull) and import them as one run: "
        "their public XML is read as eForms or TED and stored like any import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            type=_date,
            metavar="YYYY-MM-DD",
            help="first publication date (default: where the last pull ended)",
        )
        parser.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="last publication date (default: none)")
        parser.add_argument(
            "--ignore-cursor",
            action="store_true",
            help="pull from --since even where earlier pulls went further (notices imported before count unchanged)",
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the pull for the import worker instead of running it here"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since: date | None = options["since"]
        until: date | None = options["until"]
        if options["ignore_cursor"] and since is None:
            raise CommandError("--ignore-cursor needs --since.")
        if options["enqueue"]:
            result = pull_tenderned_task.enqueue(
                since=since.isoformat() if since else None,
                until=until.isoformat() if until else None,
                ignore_cursor=options["ignore_cursor"],
            )
            self.stdout.write(f"TenderNed pull queued for the import worker (task {result.id}).")
            return
        try:
            pulled = pull_tenderned(since=since, until=until, ignore_cursor=options["ignore_cursor"])
        except (ImproperlyConfigured, ValidationError) as error:
            message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise CommandError(message) from None
        except KeyboardInterrupt:
            raise CommandError("Stopped; the chunks committed before are kept. Run the command again.") from None
        except (OperationalError, InterfaceError) as error:
            raise CommandError(f"The database was unavailable ({error}); run the command again.") from error
        for failure in pulled.report.failures:
            self.stderr.write(failure.line())
        self.stdout.write(
            "TenderNed pull, import run {run}: {listed} publications to import, {seen} notices seen, {created} "
            "created, {updated} updated, {unchanged} unchanged, {failed} failed; cursor {cursor}.".format(
                **describe(pulled)
            )
        )
        if pulled.run.status == RunStatus.FAILED:
            raise CommandError(pulled.run.message or "The pull failed.")
