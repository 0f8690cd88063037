"""Load the shipped CO2 prices and CO2-Prestatieladder discount schemes (idempotent)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mvimonitor.award.loaders import DATA_FILE, load_award_reference
from mvimonitor.reference import ReferenceDataError


class Command(BaseCommand):
    help = "Load the shipped CO2 prices per tonne and ladder discount schemes for award (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", type=Path, default=DATA_FILE, help="JSON file (default: the shipped one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = load_award_reference(options["path"])
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] == 0:
            return
        for result in results:
            for line in result.report():
                self.stdout.write(line)
        if any(result.changed for result in results):
            self.stdout.write(self.style.SUCCESS(_("Award reference data loaded.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Award reference data was already up to date; nothing changed.")))
