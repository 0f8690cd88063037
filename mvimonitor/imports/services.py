"""The import service's public entry points, for the views, the API, the command and the background task.

Where the work is done (docs/imports.md, "Import service"):

- `runs`: making runs, running them chunk by chunk with per-notice savepoints, progress, counts and failures;
- `store` and `updates`: storing notices as tenders, lots, award criteria, contracts, source records and proposals
  (new procedures as checked rows written together, through `mvimonitor.bulk`; imported ones updated in place);
- `validation`: the one check of everything the import writes (field values and each model's `clean()`);
- `buyers`: matching a notice's buyer to an organisation, or making a pending one;
- `review`: a buyer confirms or rejects a proposal.
"""

from .buyers import normalise_name
from .review import proposal_confirm, proposal_reject
from .runs import (
    BATCH_SIZE,
    Progress,
    RunReport,
    import_run_create,
    import_run_execute,
    import_upload_create,
    read_ahead_pays,
)
from .validation import NoticeFailed
from .values import Detector, FailureInfo, Outcome

__all__ = [
    "BATCH_SIZE",
    "Detector",
    "FailureInfo",
    "NoticeFailed",
    "Outcome",
    "Progress",
    "RunReport",
    "import_run_create",
    "import_run_execute",
    "import_upload_create",
    "normalise_name",
    "proposal_confirm",
    "proposal_reject",
    "read_ahead_pays",
]
