"""Load national reference options (JSON or CSV, a source on every row) and recalculate the stored effects."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mvimonitor.effects.option_loaders import SHIPPED_OPTIONS, reference_options_load
from mvimonitor.reference import ReferenceDataError


class Command(BaseCommand):
    help = (
        "Load reference options from PATH (JSON or CSV; default: the options shipped with MVI Monitor). A stored "
        "version does not change: a change is a new version. The stored effects are recalculated when anything "
        "was added."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, nargs="?", default=SHIPPED_OPTIONS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = reference_options_load(options["path"])
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            for line in result.report():
                self.stdout.write(line)
