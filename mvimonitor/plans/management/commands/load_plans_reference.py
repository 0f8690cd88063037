"""Load the shipped ladder steps of the Manifest MVOI (idempotent)."""

from collections.abc import Sequence
from pathlib import Path

from django.utils.translation import gettext as _

from mvimonitor.plans.loaders import DATA_FILE, load_plans_reference
from mvimonitor.reference import TableResult
from mvimonitor.reference_command import LoadShippedReferenceCommand


class Command(LoadShippedReferenceCommand):
    help = "Load the shipped ladder steps of the Manifest MVOI for action plans (idempotent)."
    default_path = DATA_FILE

    def load(self, path: Path) -> Sequence[TableResult]:
        return load_plans_reference(path)

    def loaded_message(self) -> str:
        return _("Action plan reference data loaded.")

    def unchanged_message(self) -> str:
        return _("Action plan reference data was already up to date; nothing changed.")
