"""Load the shipped reference data, or an official table supplied by the user (`load_reference PATH --kind ...`)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.themes.services import (
    ReferenceDataError,
    TableResult,
    product_groups_load,
    reference_load,
    thresholds_load,
)

LOADERS = {"thresholds": thresholds_load, "product-groups": product_groups_load}


class Command(BaseCommand):
    help = "Load the shipped MVI reference data (idempotent), or an official CSV table given as PATH with --kind."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="CSV file with an official table (optional)")
        parser.add_argument("--kind", choices=sorted(LOADERS), help="which table PATH holds")
        parser.add_argument(
            "--without-cpv-list",
            action="store_true",
            help="leave out the full CPV 2008 list (9,454 codes; for test set-ups that do not need it)",
        )
        parser.add_argument(
            "--without-sample-criteria",
            action="store_true",
            help="leave out the sample release of criteria (never loaded in production)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["path"]
        kind: str | None = options["kind"]
        if (path is None) != (kind is None):
            raise CommandError(_("Give both PATH and --kind, or neither to load the shipped reference data."))
        sample = not options["without_sample_criteria"] and not settings.PRODUCTION
        try:
            results = (
                [LOADERS[kind](path=path)]
                if path is not None and kind is not None
                else reference_load(cpv_list=not options["without_cpv_list"], sample_criteria=sample)
            )
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        self._report(results, options["verbosity"])
        if path is None and settings.PRODUCTION and options["verbosity"]:
            self.stdout.write(_("The sample release of criteria is not loaded in production."))

    def _report(self, results: list[TableResult], verbosity: int) -> None:
        if verbosity == 0:
            return
        for result in results:
            for line in result.report():
                self.stdout.write(line)
        if any(result.changed for result in results):
            self.stdout.write(self.style.SUCCESS(_("Reference data loaded.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Reference data was already up to date; nothing changed.")))
