"""Load the shipped effect reference data: factor values from domain.md, building-block tables, policies."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.effects.loaders import effects_reference_load
from mvimonitor.reference import ReferenceDataError
from mvimonitor.reference_command import write_report


class Command(BaseCommand):
    help = "Load the shipped emission factors, building-block tables and policies (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = effects_reference_load()
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        write_report(
            self,
            results,
            options["verbosity"],
            lambda: _("Effect reference data loaded."),
            lambda: _("Effect reference data was already up to date; nothing changed."),
        )
