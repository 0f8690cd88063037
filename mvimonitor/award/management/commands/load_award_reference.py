"""Load the shipped CO2 prices and CO2-Prestatieladder discount schemes (idempotent)."""

from collections.abc import Sequence
from pathlib import Path

from django.utils.translation import gettext as _

from mvimonitor.award.loaders import DATA_FILE, load_award_reference
from mvimonitor.reference import TableResult
from mvimonitor.reference_command import LoadShippedReferenceCommand


class Command(LoadShippedReferenceCommand):
    help = "Load the shipped CO2 prices per tonne and ladder discount schemes for award (idempotent)."
    default_path = DATA_FILE

    def load(self, path: Path) -> Sequence[TableResult]:
        return load_award_reference(path)

    def loaded_message(self) -> str:
        return _("Award reference data loaded.")

    def unchanged_message(self) -> str:
        return _("Award reference data was already up to date; nothing changed.")
