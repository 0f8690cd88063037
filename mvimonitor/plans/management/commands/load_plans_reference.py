"""Load the shipped ladder steps of the Manifest MVOI (idempotent)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mvimonitor.plans.loaders import DATA_FILE, load_plans_reference
from mvimonitor.reference import ReferenceDataError


class Command(BaseCommand):
    help = "Load the shipped ladder steps of the Manifest MVOI for action plans (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", type=Path, default=DATA_FILE, help="JSON file (default: the shipped one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = load_plans_reference(options["path"])
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] == 0:
            return
        for result in results:
            for line in result.report():
                self.stdout.write(line)
        if any(result.changed for result in results):
            self.stdout.write(self.style.SUCCESS(_("Action plan reference data loaded.")))
        else:
            self.stdout.write(
                self.style.SUCCESS(_("Action plan reference data was already up to date; nothing changed."))
            )
