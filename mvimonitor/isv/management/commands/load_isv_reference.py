"""Load the shipped ISV reference data (idempotent)."""

from collections.abc import Sequence
from pathlib import Path

from django.utils.translation import gettext as _

from mvimonitor.isv.loaders import DATA_FILE, load_isv_reference
from mvimonitor.reference import TableResult
from mvimonitor.reference_command import LoadShippedReferenceCommand


class Command(LoadShippedReferenceCommand):
    help = "Load the ISV risk-category lists, their mapping, the suggestions and the ILO issues (idempotent)."
    default_path = DATA_FILE

    def load(self, path: Path) -> Sequence[TableResult]:
        return load_isv_reference(path)

    def loaded_message(self) -> str:
        return _("ISV reference data loaded.")

    def unchanged_message(self) -> str:
        return _("ISV reference data was already up to date; nothing changed.")
