"""Load per-indicator values (NOx, PM10, PM2.5, raw materials, water) for the items of a factor set."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.effects.models import EmissionFactorSet
from mvimonitor.effects.option_loaders import indicator_factors_load
from mvimonitor.reference import ReferenceDataError


class Command(BaseCommand):
    help = (
        "Load PATH (CSV: factor_code, indicator, value, unit, source, source_year) as values per unit of the "
        "indicators beyond CO2 for the items of a factor set; the stored effects are recalculated."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--set", dest="set_name", required=True, help="name of the factor set")
        parser.add_argument("--set-version", dest="set_version", required=True, help="version of the factor set")
        parser.add_argument("--organisation", type=int, help="id of the organisation whose own set it is")

    def handle(self, *args: Any, **options: Any) -> None:
        factor_set = EmissionFactorSet.objects.filter(
            name=options["set_name"], version=options["set_version"], organisation_id=options["organisation"]
        ).first()
        if factor_set is None:
            raise CommandError(
                _("No factor set “%(name)s” version %(version)s.")
                % {"name": options["set_name"], "version": options["set_version"]}
            )
        try:
            result = indicator_factors_load(options["path"], factor_set)
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            for line in result.report():
                self.stdout.write(line)
