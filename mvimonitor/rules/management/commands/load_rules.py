from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mvimonitor.reference import ReferenceDataError
from mvimonitor.rules.services import DATA, rules_load


class Command(BaseCommand):
    help = "Load the policy rules from mvimonitor/rules/data/rules.json (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(DATA), help="A rules file other than the shipped one.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = rules_load(path=Path(options["file"]))
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        for line in result.report():
            self.stdout.write(line)
