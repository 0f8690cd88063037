"""Load a release of the MVI criteria tool: from a file (the tool's JSON, or the project's CSV or XLSX layout) or from
the live tool (`--url`). All or nothing; a second run of the same input changes nothing. See docs/criteria.md."""

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.themes.criteria import criteria_release_load
from mvimonitor.themes.criteria_fetch import DEFAULT_TOOL_URL, fetch_tool_json
from mvimonitor.themes.criteria_files import FORMATS, ReleaseFile, ReleaseInfo, read_release_file, read_tool_data
from mvimonitor.themes.models import CriteriaRelease, ProductGroup
from mvimonitor.themes.services import ReferenceDataError


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(_("%(value)s is not a date (YYYY-MM-DD)") % {"value": value}) from None


class Command(BaseCommand):
    help = (
        "Load a release of MVI criteria from PATH (tool JSON, CSV or XLSX) or from the live tool with --url; "
        "all criteria or none. The release's data comes from the file or from the options below."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="a .json, .csv or .xlsx file")
        parser.add_argument("--format", choices=FORMATS, help="the file's format (default: from its suffix)")
        parser.add_argument(
            "--url",
            nargs="?",
            const=DEFAULT_TOOL_URL,
            help=f"ask the live criteria tool instead of reading a file (default URL {DEFAULT_TOOL_URL})",
        )
        parser.add_argument(
            "--product-group",
            action="append",
            default=[],
            help="with --url or a file holding one bare answer of the tool: the tool's id of a product group "
            "(repeat for more; with --url the default is every group of the newest official release that has ids)",
        )
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each answer of --url")
        parser.add_argument("--release", default="", help="the release's version, e.g. mvi-criteria-2026")
        parser.add_argument("--name", default="", help="the release's name")
        parser.add_argument("--published", type=_date, help="publication date (YYYY-MM-DD)")
        parser.add_argument("--valid-from", type=_date, help="first day the release applies (YYYY-MM-DD)")
        parser.add_argument("--valid-until", type=_date, help="last day the release applies (YYYY-MM-DD)")
        parser.add_argument("--source", default="", help="the source recorded on every row")
        parser.add_argument("--source-url", default="", help="where the release was published")
        parser.add_argument("--licence", default="", help="the licence of the texts")
        parser.add_argument("--sample", action="store_true", default=None, help="mark the release as a sample")
        parser.add_argument(
            "--supersedes",
            default="",
            help="the version this release supersedes, or 'none' (default: the newest current release of the "
            "same kind that started before it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["path"]
        if (path is None) == (options["url"] is None):
            raise CommandError(_("Give either PATH or --url."))
        given = ReleaseInfo(
            version=options["release"],
            name=options["name"],
            published=options["published"],
            valid_from=options["valid_from"],
            valid_until=options["valid_until"],
            source=options["source"],
            source_url=options["source_url"],
            licence=options["licence"],
            is_sample=options["sample"],
            supersedes=options["supersedes"],
        )
        try:
            found = self._read(path, options)
            results = criteria_release_load(found, given=given)
        except ReferenceDataError as error:
            raise CommandError(_("Nothing was loaded.\n%(error)s") % {"error": error}) from error
        if options["verbosity"]:
            for result in results:
                for line in result.report():
                    self.stdout.write(line)

    def _read(self, path: Path | None, options: dict[str, Any]) -> ReleaseFile:
        groups: list[str] = options["product_group"]
        if path is None:
            url: str = options["url"]
            ids = groups or _known_ids()
            if not ids:
                raise ReferenceDataError(_("No product group has an id of the tool yet: give --product-group."))
            return read_tool_data(fetch_tool_json(url, ids, timeout=options["timeout"]), url)
        if not path.is_file():
            raise ReferenceDataError(_("%(file)s does not exist.") % {"file": path})
        if len(groups) > 1:
            raise ReferenceDataError(_("A file holds the answer for one product group: give one --product-group."))
        return read_release_file(path, options["format"], groups[0] if groups else "")


def _known_ids() -> list[str]:
    release = (
        CriteriaRelease.objects.filter(is_sample=False, product_groups__external_id__gt="")
        .order_by("-valid_from")
        .first()
    )
    if release is None:
        return []
    return list(
        ProductGroup.objects.filter(product_group_set=release)
        .exclude(external_id="")
        .order_by("external_id")
        .values_list("external_id", flat=True)
    )
