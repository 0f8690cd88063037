"""Recompute the stored effect of every commitment with the current factor sets and realisations; a changed result
is added as a new calculation and the earlier one kept."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from mvimonitor.effects.recalculation import effects_recalculate


class Command(BaseCommand):
    help = "Recompute all effects (CO2, social return, sanctions) from commitments and realisations."

    def handle(self, *args: Any, **options: Any) -> None:
        result = effects_recalculate()
        self.stdout.write(
            _("%(n)s commitments: %(ok)s calculable, %(not)s not calculable (%(s).1f s)")
            % {"n": result.commitments, "ok": result.calculable, "not": result.not_calculable,
               "s": result.seconds_read + result.seconds_compute + result.seconds_write}
        )  # fmt: skip
        self.stdout.write(
            _("%(new)s new calculation(s) stored, %(old)s earlier one(s) kept as history; the others were unchanged.")
            % {"new": result.written, "old": result.superseded}
        )
