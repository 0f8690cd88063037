"""Load the shipped effect reference data: factor values from domain.md, building-block tables, policies."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.effects.loaders import effects_reference_load
from mvimonitor.reference import ReferenceDataError


class Command(BaseCommand):
    help = "Load the shipped emission factors, building-block tables and policies (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = effects_reference_load()
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] == 0:
            return
        for result in results:
            for line in result.report():
                self.stdout.write(line)
        if any(r.changed for r in results):
            self.stdout.write(self.style.SUCCESS(_("Effect reference data loaded.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Effect reference data was already up to date; nothing changed.")))
