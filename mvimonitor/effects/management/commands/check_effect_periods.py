"""List the realisations that lie outside their commitment's period: the recalculation leaves them out until they
are corrected (docs/effects.md)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.effects.selectors import realisations_outside_commitment_period


class Command(BaseCommand):
    help = "List realisations outside their commitment's period (not counted until corrected); nothing is changed."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--fail", action="store_true", help="exit with an error when there are any")

    def handle(self, *args: Any, **options: Any) -> None:
        outside = list(realisations_outside_commitment_period())
        for realisation in outside:
            commitment = realisation.commitment
            self.stdout.write(
                _(
                    "realisation %(id)s (%(start)s–%(end)s, %(status)s) of commitment %(commitment)s “%(name)s” "
                    "(%(cstart)s–%(cend)s), organisation %(organisation)s"
                )
                % {
                    "id": realisation.pk,
                    "start": realisation.period_start,
                    "end": realisation.period_end,
                    "status": realisation.get_status_display(),
                    "commitment": commitment.pk,
                    "name": commitment.description,
                    "cstart": commitment.period_start,
                    "cend": commitment.period_end,
                    "organisation": commitment.contract.lot.tender.organisation,
                }
            )
        summary = _("%(n)s realisation(s) outside their commitment's period.") % {"n": len(outside)}
        if outside and options["fail"]:
            raise CommandError(summary)
        self.stdout.write(summary)
