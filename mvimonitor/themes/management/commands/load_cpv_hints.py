"""Load CPV codes named per product group in old criteria documents, as proposed CPV mappings (suggestions only)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.themes.cpv_mapping import cpv_hints_load
from mvimonitor.themes.services import ReferenceDataError


class Command(BaseCommand):
    help = (
        "Load CPV hints per product group (CSV: product_group_name_nl, cpv_code, source_title, source_year, and "
        "source_url and note when present) as proposed mappings; all rows or none. Nothing is assigned from them."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="the CSV file, e.g. mvi_pg_cpv_hints_historical.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(_("%(file)s does not exist.") % {"file": path})
        try:
            result = cpv_hints_load(path=path)
        except ReferenceDataError as error:
            raise CommandError(_("Nothing was loaded. %(error)s") % {"error": error}) from error
        if options["verbosity"]:
            for line in result.report():
                self.stdout.write(line)
