from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mvimonitor.dashboards.target_services import DATA, targets_load
from mvimonitor.reference import ReferenceDataError


class Command(BaseCommand):
    help = "Load the shipped targets from mvimonitor/dashboards/data/targets.json (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(DATA), help="A targets file other than the shipped one.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = targets_load(path=Path(options["file"]))
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            for line in result.report():
                self.stdout.write(line)
