"""Load CPV codes from the official formats: the eForms CPV CSV table or a Genericode (.gc) code list."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.themes.services import DEFAULT_CPV_SOURCE, DEFAULT_CPV_YEAR, ReferenceDataError, cpv_load


class Command(BaseCommand):
    help = "Load CPV codes from a CSV (code,label_en,label_nl,...) or Genericode .gc file; all rows or none."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="a .csv or .gc file")
        parser.add_argument("--source", default=DEFAULT_CPV_SOURCE, help="source recorded on every row")
        parser.add_argument("--year", type=int, default=DEFAULT_CPV_YEAR, help="year of the source")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(_("%(file)s does not exist.") % {"file": path})
        try:
            result = cpv_load(path=path, source=options["source"], year=options["year"])
        except ReferenceDataError as error:
            raise CommandError(_("Nothing was loaded. %(error)s") % {"error": error}) from error
        if options["verbosity"]:
            for line in result.report():
                self.stdout.write(line)
