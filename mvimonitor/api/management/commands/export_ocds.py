"""Write the published tenders of one year as an OCDS 1.1 release package (the bulk file of `GET /ocds/releases`)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mvimonitor.api import ocds_releases
from mvimonitor.tenders.models import Tender


class Command(BaseCommand):
    help = (
        "Write the tenders published in YEAR as an OCDS 1.1 release package (JSON, UTF-8), streamed: one release "
        "in memory at a time. Holds every organisation's records (or one with --organisation); the file is not "
        "disclosure-controlled."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Publication year of the tenders.")
        parser.add_argument("--output", required=True, help="The file to write ('-' for standard output).")
        parser.add_argument("--organisation", type=int, help="Only the tenders of this organisation (its id).")
        parser.add_argument(
            "--uri", help="The package's URI (default urn:mvimonitor:ocds:<year>), e.g. where it will be published."
        )
        parser.add_argument(
            "--include-synthetic", action="store_true", help="Also the synthetic demo tenders (left out by default)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 1990 <= year <= 2100:
            raise CommandError(f"--year must lie between 1990 and 2100, not {year}")
        tenders = Tender.objects.filter(publication_date__year=year)
        if options["organisation"] is not None:
            tenders = tenders.filter(organisation_id=options["organisation"])
        if not options["include_synthetic"]:
            tenders = tenders.filter(is_synthetic=False)
        head = ocds_releases.package_head(
            uri=options["uri"] or f"urn:mvimonitor:ocds:{year}", published=ocds_releases.published_date(tenders)
        )
        output = options["output"]
        if output == "-":
            self.stdout.ending = ""  # the package as it is written, no line ends added
            ocds_releases.write_package(self.stdout, head, ocds_releases.iter_releases(tenders))  # type: ignore[arg-type]
            return
        path = Path(output)
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8") as out:
                count = ocds_releases.write_package(out, head, ocds_releases.iter_releases(tenders))
            partial.replace(path)  # a reader never sees half a file
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"cannot write {path}: {error}") from error
        if count == 0:
            self.stderr.write(f"no published tenders in {year}: {path} holds an empty package (not valid OCDS)")
        else:
            self.stdout.write(f"{count} releases written to {path}")
