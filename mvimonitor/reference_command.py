"""The management command that loads one app's shipped JSON reference file: the ISV lists, the award prices and
discount schemes, the Manifest ladder. Each app's command names its loader, its default file and its two closing
messages; reporting, the failure status and "nothing changed" are the same for all of them."""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mvimonitor.reference import ReferenceDataError, TableResult


class LoadShippedReferenceCommand(BaseCommand):
    default_path: ClassVar[Path]

    def load(self, path: Path) -> Sequence[TableResult]:
        raise NotImplementedError

    def loaded_message(self) -> str:
        raise NotImplementedError

    def unchanged_message(self) -> str:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", type=Path, default=self.default_path, help="JSON file (default: the shipped one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = self.load(options["path"])
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        write_report(self, results, options["verbosity"], self.loaded_message, self.unchanged_message)


def write_report(
    command: BaseCommand,
    results: Sequence[TableResult],
    verbosity: int,
    loaded: Callable[[], str],
    unchanged: Callable[[], str],
) -> None:
    """What a loader did, table by table, and one closing line: `loaded()` when anything changed, else
    `unchanged()` (messages made only when written, in the active language). Nothing at verbosity 0."""
    if verbosity == 0:
        return
    for result in results:
        for line in result.report():
            command.stdout.write(line)
    changed = any(result.changed for result in results)
    command.stdout.write(command.style.SUCCESS(loaded() if changed else unchanged()))
