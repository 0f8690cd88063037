"""Load the shipped ISV reference data (idempotent)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mvimonitor.isv.loaders import DATA_FILE, load_isv_reference
from mvimonitor.reference import ReferenceDataError


class Command(BaseCommand):
    help = "Load the ISV risk-category lists, their mapping, the suggestions and the ILO issues (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", type=Path, default=DATA_FILE, help="JSON file (default: the shipped one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = load_isv_reference(options["path"])
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] == 0:
            return
        for result in results:
            for line in result.report():
                self.stdout.write(line)
        if any(result.changed for result in results):
            self.stdout.write(self.style.SUCCESS(_("ISV reference data loaded.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("ISV reference data was already up to date; nothing changed.")))
