"""Rebuild the monitoring fact table from the procurement record (after bulk loads or a change of value classes)."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from mvimonitor.dashboards.services import facts_refresh


class Command(BaseCommand):
    help = "Rebuild the monitoring facts of every tender (one set-based INSERT ... SELECT)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tender", type=int, action="append", help="only this tender id (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = facts_refresh(tender_ids=options["tender"])
        self.stdout.write(
            _("Monitoring facts rebuilt for %(count)s tenders in %(seconds).1f s.")
            % {"count": count, "seconds": time.monotonic() - started}
        )
