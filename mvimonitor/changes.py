"""The one seam through which the procurement record announces its changes to the tables derived from it.

Every write path (the services, the import, the admin, the demo generators) calls `record_changed` inside the
transaction that wrote the rows. The record spans several apps (organisations, tenders, the contracts' commitments in
effects), so the seam is a project-level module that imports none of them. The apps that keep derived tables
(monitoring facts, stored effects) register a refresher in their `AppConfig.ready()`; each refresher runs in the
caller's transaction, so the derived tables commit or roll back with the record and are never behind it. The record
apps therefore import nothing from the apps that derive from them. See
docs/adr/0023-one-seam-for-changes-to-the-record.md.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class RecordChange:
    """What changed, by key. Empty sets mean "nothing of this kind"; `everything` means "rebuild all"."""

    tender_ids: frozenset[int] = frozenset()  # a tender, its lots, award criteria or MVI applications were written
    removed_tender_ids: frozenset[int] = frozenset()  # these tenders are about to be deleted (still in the database)
    contract_organisation_ids: frozenset[int] = frozenset()  # contracts, commitments or realisations of these buyers
    organisation_ids: frozenset[int] = frozenset()  # these organisations' own details (kind, province, ...) changed
    everything: bool = False  # a bulk load or repair: every derived row is rebuilt

    def __bool__(self) -> bool:
        return bool(
            self.tender_ids
            or self.removed_tender_ids
            or self.contract_organisation_ids
            or self.organisation_ids
            or self.everything
        )


Refresher = Callable[[RecordChange], None]
_refreshers: dict[str, Refresher] = {}


def register(name: str, refresher: Refresher) -> None:
    """Called from an `AppConfig.ready()`; registering the same name again replaces the refresher (a reload)."""
    _refreshers[name] = refresher


def refreshers() -> tuple[str, ...]:
    """The registered names, in the order they run."""
    return tuple(_refreshers)


def record_changed(
    *,
    tender_ids: Iterable[int] = (),
    removed_tender_ids: Iterable[int] = (),
    contract_organisation_ids: Iterable[int] = (),
    organisation_ids: Iterable[int] = (),
    everything: bool = False,
) -> RecordChange:
    """Announce a change to the record; every registered refresher brings its derived tables up to date at once.

    Must run inside the transaction that wrote the change: a refresher that fails rolls the write back with it."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_changed() must be called inside the transaction that changed the record.")
    change = RecordChange(
        tender_ids=frozenset(tender_ids),
        removed_tender_ids=frozenset(removed_tender_ids),
        contract_organisation_ids=frozenset(contract_organisation_ids),
        organisation_ids=frozenset(organisation_ids),
        everything=everything,
    )
    if change:
        for refresher in _refreshers.values():
            refresher(change)
    return change
