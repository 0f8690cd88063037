"""Load an emission-factor list in the official download format (CSV) as a versioned set."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.effects.loaders import factor_set_import
from mvimonitor.organisations.models import Organisation
from mvimonitor.reference import ReferenceDataError


class Command(BaseCommand):
    help = (
        "Load PATH (the CSV download of CO2emissiefactoren.nl, or a list in that format) as a factor set. A public "
        "set is published and no longer changes: a correction is a new --set-version with --supersedes and --reason."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--name", required=True, help="name of the set, e.g. 'CO2emissiefactoren.nl'")
        parser.add_argument("--set-version", dest="set_version", required=True, help="version, e.g. '2026-01'")
        parser.add_argument("--year", type=int, required=True, help="publication year")
        parser.add_argument("--source", required=True, help="where the file came from (URL, date)")
        parser.add_argument("--organisation", type=int, help="id of the organisation whose own set this is")
        parser.add_argument(
            "--supersedes",
            default="",
            metavar="VERSION",
            help="for a correction: the version (of the same name) this new version corrects; needs --reason",
        )
        parser.add_argument("--reason", default="", help="for a correction: why the earlier version was wrong")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = None
        if options["organisation"] is not None:
            organisation = Organisation.objects.filter(pk=options["organisation"]).first()
            if organisation is None:
                raise CommandError(_("No organisation with id %(id)s.") % {"id": options["organisation"]})
        try:
            result = factor_set_import(
                user=None,
                path=options["path"],
                name=options["name"],
                version=options["set_version"],
                publication_year=options["year"],
                source=options["source"],
                organisation=organisation,
                supersedes=options["supersedes"],
                correction_reason=options["reason"],
            )
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        for line in result.report():
            self.stdout.write(line)
