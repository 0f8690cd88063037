"""Load RIVM's published national effect results from a CSV file (context beside the national table, ADR 0043)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mvimonitor.effects.published_loader import published_results_load
from mvimonitor.reference import ReferenceDataError
from mvimonitor.reference_command import write_report


class Command(BaseCommand):
    help = (
        "Load RIVM's published national effect results (CSV: period, product_groups, indicator, value, unit, basis, "
        "source_title, source_url, source_year, confidence, note). A bad row refuses the whole file; idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = published_results_load(options["path"])
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        write_report(
            self,
            [result],
            options["verbosity"],
            lambda: _("RIVM published results loaded."),
            lambda: _("RIVM published results were already up to date; nothing changed."),
        )
