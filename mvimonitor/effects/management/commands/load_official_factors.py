"""Load one list year of the official Dutch CO2 emission factors (CO2emissiefactoren.nl) as a public set."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext

from mvimonitor.effects.loaders import factor_set_load
from mvimonitor.effects.official_list import read_official_list
from mvimonitor.reference import ReferenceDataError

DEFAULT_NAME = "CO2emissiefactoren.nl"
LANGS = ("nl", "en")


def _description(year: int, count: int, language: str) -> str:
    with translation.override(language):
        return gettext("The official list of %(year)s: %(count)s factors, each with its own source and year.") % {
            "year": year,
            "count": count,
        }


class Command(BaseCommand):
    help = (
        "Load PATH (.csv or .xlsx in the column layout of the official list: list_version, valid_year, category, "
        "subcategory, item_name, unit, wtw_kg_co2e, ttw_kg_co2e, wtt_kg_co2e, source_url, source_year, ...) as the "
        "public, published factor set of its list year. Idempotent."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # --version names the set's version here, not the program's: this option replaces Django's own.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--year", type=int, help="the list year to load, when the file holds several")
        parser.add_argument("--name", default=DEFAULT_NAME, help=f"name of the set (default '{DEFAULT_NAME}')")
        parser.add_argument(
            "--version", "--set-version", dest="set_version", help="version of the set (default: the list year)"
        )
        parser.add_argument("--supersedes", default="", help="for a correction: the version of the set it corrects")
        parser.add_argument("--reason", default="", help="for a correction: why the set is corrected")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            official = read_official_list(options["path"], options["year"])
            result = factor_set_load(
                rows=official.rows,
                name=options["name"],
                version=options["set_version"] or str(official.year),
                publication_year=official.year,
                source=official.source,
                note=f"The official list of {official.year} ({official.list_version}), {len(official.rows)} factors, "
                "each with its own source and year.",
                supersedes=options["supersedes"],
                correction_reason=options["reason"],
                texts={f"description_{code}": _description(official.year, len(official.rows), code) for code in LANGS},
            )
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] == 0:
            return
        for line in result.report():
            self.stdout.write(line)
