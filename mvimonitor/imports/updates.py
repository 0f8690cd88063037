"""A notice of a procedure imported before: newer versions, corrigenda and results update its tender.

Values a notice does not give are left as they are, never erased. For each tender and lot field (and each lot's list
of award criteria) `ImportedTender.imported_values` remembers the value the import last wrote: a current value that
differs from it was changed by a person, is kept, and the difference with the notice is recorded for the review page
(ADR 0010). A notice older than the latest one applied is kept as a source record and not applied (ADR 0018).
Every instance saved here is checked first by the store's `Validator`, as the rows of new procedures are.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext as _

from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import AwardCriterion, Contract, Lot, MVIApplication, Tender

from . import notices as n
from .buyers import normalise_name
from .models import ImportedTender, ImportRun, MVIProposal, ProposalStatus, SourceRecord
from .validation import NoticeFailed, Validator
from .values import Detector, MergedProposal, Outcome, as_json, criteria_text, older_than_applied, rows_equal, same


class Store(Protocol):
    """What applying a notice needs of the run's `store.NoticeStore` (which calls `apply`, so this module does not
    import it back)."""

    run: ImportRun
    detector: Detector
    validator: Validator
    warnings: list[tuple[str, str]]
    touched: set[int]
    mapping_version: str

    def source_values(
        self, raw: n.RawNotice, notice: n.Notice, sha: str, organisation: Organisation
    ) -> dict[str, Any]: ...
    def tender_values(self, notice: n.Notice, signals: list[n.AttributeSignal]) -> dict[str, Any]: ...
    def lot_values(self, notice_lot: n.Lot, number: str, tender_title: str) -> dict[str, Any]: ...
    def criteria_rows(self, notice_lot: n.Lot, number: str) -> list[list[Any]]: ...
    def contract_values(self, result: n.LotResult, currency: str) -> list[dict[str, Any]]: ...
    def merge_proposals(self, lots: Mapping[str, object], proposals: list[n.Proposal]) -> list[MergedProposal]: ...
    def detect(
        self, notice: n.Notice, product_group_id: int | None = None
    ) -> tuple[list[n.Proposal], list[n.AttributeSignal]]: ...
    def version_of(self, proposal: n.Proposal) -> str: ...


_MISSING = object()


def apply(
    store: Store,
    raw: n.RawNotice,
    notice: n.Notice,
    sha: str,
    organisation: Organisation,
    link: ImportedTender,
) -> Outcome:
    """Apply `notice` to the tender of `link` (in the caller's savepoint)."""
    tender = link.tender
    if organisation.pk is None or tender.organisation_id != organisation.pk:
        raise NoticeFailed(_("This procedure belongs to another organisation than the notice's buyer."), field="buyer")
    older = older_than_applied(notice, link)
    if older:
        # Files arrive out of order: keep the notice's bytes, but never take the tender back to an earlier state.
        _source_record(store, raw, notice, sha, tender, organisation).save()
        store.warnings.append(
            (
                older,
                _(
                    "This notice (version %(version)s, published %(date)s) is older than notice %(latest)s "
                    "(version %(latest_version)s, published %(latest_date)s), which was already applied to the "
                    "tender: it is kept as a source record and not applied."
                )
                % {
                    "version": notice.version or "-",
                    "date": notice.publication_date or "-",
                    "latest": link.latest_notice_id,
                    "latest_version": link.latest_version or "-",
                    "latest_date": link.latest_publication_date or "-",
                },
            )
        )
        return Outcome.UNCHANGED
    link.latest_notice_id = notice.notice_id[:200]
    link.latest_version = notice.version[:100]
    link.latest_publication_date = notice.publication_date or link.latest_publication_date
    proposals, signals = store.detect(notice, tender.product_group_id)
    changed = _tender_update(store, tender, link, notice, signals)
    lots = _lots_sync(store, tender, link, notice)
    changed |= lots.changed
    changed |= _criteria_sync(store, link, notice, lots.by_number)
    record = _source_record(store, raw, notice, sha, tender, organisation)
    record.save()
    changed |= _proposals_sync(store, lots.by_number, proposals, record, new_lots=lots.created)
    if notice.family is n.NoticeFamily.RESULT:
        changed |= _contracts_sync(store, tender, notice, lots.by_number)
    link.save()
    if changed:
        store.touched.add(tender.pk)
    return Outcome.UPDATED if changed else Outcome.UNCHANGED


def _source_record(
    store: Store, raw: n.RawNotice, notice: n.Notice, sha: str, tender: Tender, organisation: Organisation
) -> SourceRecord:
    return SourceRecord(tender=tender, **store.source_values(raw, notice, sha, organisation))


def _tender_update(
    store: Store, tender: Tender, link: ImportedTender, notice: n.Notice, signals: list[n.AttributeSignal]
) -> bool:
    values = store.tender_values(notice, signals)
    previous = {name: getattr(tender, name) for name in values}
    changed_fields, differences = protected_assign(tender, values, link.imported_values, "")
    link.differences = [d for d in link.differences if d["field"] not in values] + differences
    if tender.publication_date is None and notice.publication_date:
        tender.publication_date = notice.publication_date
        changed_fields.append("publication_date")
    if changed_fields:
        dropped: list[tuple[str, str]] = []
        store.validator.instance(tender, dropped=dropped, previous=previous)
        if dropped:  # a value a rule of Tender.clean() refuses: the record keeps its own, and remembers that
            store.warnings.extend(dropped)
            kept = {name for name in values if getattr(tender, name) == previous[name]}
            for name in kept:
                link.imported_values[name] = as_json(previous[name])
            changed_fields = [name for name in changed_fields if name not in kept]
        if changed_fields:
            tender.save(update_fields=[*changed_fields, "updated_at"])
    return bool(changed_fields)


@dataclass
class _Lots:
    by_number: dict[str, Lot]
    created: set[str]
    changed: bool


def _lots_sync(store: Store, tender: Tender, link: ImportedTender, notice: n.Notice) -> _Lots:
    existing: dict[str, Lot] = {lot.number: lot for lot in tender.lots.all()}
    imported_lots: dict[str, dict[str, Any]] = link.imported_values.setdefault("lots", {})
    new: list[Lot] = []
    changed = False
    for notice_lot in notice.lots or [n.Lot(lot_id="1")]:
        number = notice_lot.lot_id[:20] or "1"
        values = store.lot_values(notice_lot, number, tender.title)
        lot = existing.get(number)
        if lot is None:
            lot = Lot(tender=tender, number=number, **values)
            store.validator.instance(lot)
            new.append(lot)
            imported_lots[number] = {k: as_json(v) for k, v in values.items()}
            existing[number] = lot
            continue
        snapshot = imported_lots.setdefault(number, {})
        changed_fields, differences = protected_assign(lot, values, snapshot, f"lot {number} ")
        labels = {f"lot {number} {k}" for k in values}
        link.differences = [d for d in link.differences if d["field"] not in labels] + differences
        if changed_fields:
            store.validator.instance(lot)
            lot.save(update_fields=changed_fields)
            changed = True
    if new:
        Lot.objects.bulk_create(new)
        Lot.history.bulk_history_create(new, default_user=store.run.started_by)
        changed = True
    return _Lots(by_number=existing, created={lot.number for lot in new}, changed=changed)


def _criteria_sync(store: Store, link: ImportedTender, notice: n.Notice, lots: dict[str, Lot]) -> bool:
    imported: dict[str, list[list[Any]]] = link.imported_values.setdefault("award_criteria", {})
    changed = False
    for notice_lot in notice.lots:
        if not notice_lot.award_criteria:
            continue
        lot = lots[notice_lot.lot_id[:20] or "1"]
        wanted = store.criteria_rows(notice_lot, lot.number)
        current = [
            [c.criterion_type, c.name, as_json(c.weight)]
            for c in AwardCriterion.objects.filter(lot=lot).order_by("id")
        ]
        last = imported.get(lot.number)
        imported[lot.number] = wanted
        label = f"award criteria lot {lot.number}"
        link.differences = [d for d in link.differences if d["field"] != label]
        if rows_equal(current, wanted):
            continue
        if current and (last is None or not rows_equal(current, last)):
            # changed by hand since the last import: keep them, and show what the notice says
            link.differences.append(
                {"field": label, "notice": criteria_text(wanted), "current": criteria_text(current)}
            )
            continue
        AwardCriterion.objects.filter(lot=lot).delete()
        rows = [
            AwardCriterion(lot=lot, criterion_type=t, name=name, weight=None if w is None else Decimal(w))
            for t, name, w in wanted
        ]
        for row in rows:
            store.validator.instance(row)
        AwardCriterion.objects.bulk_create(rows)
        AwardCriterion.history.bulk_history_create(rows, default_user=store.run.started_by)
        changed = True
    return changed


def _proposals_sync(
    store: Store,
    lots: dict[str, Lot],
    proposals: list[n.Proposal],
    record: SourceRecord,
    *,
    new_lots: set[str],
) -> bool:
    merged = store.merge_proposals(lots, proposals)
    if not merged:
        return False
    lot_ids = [lot.pk for number, lot in lots.items() if number not in new_lots]
    applied: set[tuple[int, int, int | None]] = set()  # (lot, theme, form); form None = any form
    existing: dict[tuple[int, int, int | None], MVIProposal] = {}
    if lot_ids:
        for lot_id, theme_id, applied_form_id in MVIApplication.objects.filter(lot_id__in=lot_ids).values_list(
            "lot_id", "theme_id", "form_id"
        ):
            applied.add((lot_id, theme_id, applied_form_id))
            applied.add((lot_id, theme_id, None))
        existing = {(p.lot_id, p.theme_id, p.form_id): p for p in MVIProposal.objects.filter(lot_id__in=lot_ids)}
    new: list[MVIProposal] = []
    changed = False
    for number, theme, form, proposal, text, weight, criterion_id in merged:
        mapping_version = store.version_of(proposal)
        lot = lots[number]
        form_id: int | None = form.pk if form else None
        if (lot.pk, theme.pk, form_id) in applied:
            continue  # a registration exists (manual or confirmed): proposals never replace it
        current = existing.get((lot.pk, theme.pk, form_id))
        if current is None:
            new.append(
                MVIProposal(
                    lot=lot,
                    theme=theme,
                    form=form,
                    award_weight=weight,
                    criterion_id=criterion_id,
                    origin=proposal.origin.value,
                    confidence=proposal.confidence.value,
                    evidence=text,
                    rule=proposal.rule[:200],
                    mapping_version=mapping_version,
                    source_record=record,
                )
            )
            continue
        if current.status == ProposalStatus.CONFIRMED or current.evidence == text:
            continue  # confirmed, or rejected/proposed for this very evidence
        current.status = ProposalStatus.PROPOSED
        current.evidence = text
        current.origin = proposal.origin.value
        current.confidence = proposal.confidence.value
        current.award_weight = weight
        current.criterion_id = current.criterion_id or criterion_id  # a criterion linked before stays
        current.rule = proposal.rule[:200]
        current.mapping_version = mapping_version
        current.source_record = record
        current.reviewed_by = None
        current.reviewed_at = None
        current.save()
        changed = True
    if new:
        MVIProposal.objects.bulk_create(new)
        changed = True
    return changed


def _contracts_sync(store: Store, tender: Tender, notice: n.Notice, lots: dict[str, Lot]) -> bool:
    """A result notice creates or completes the contracts of its lots; an existing contract (typed in, or from an
    earlier result notice) only gets the values it lacks."""
    changed = False
    for result in notice.results:
        rows = store.contract_values(result, tender.currency)
        if not rows:
            continue
        number = result.lot_id[:20] or "1"
        lot = lots.get(number)
        if lot is None:
            lot = Lot(tender=tender, number=number, title=tender.title[:500])
            store.validator.instance(lot)
            lot.save()
            lots[number] = lot
        contracts = list(Contract.objects.filter(lot=lot))
        for values in rows:
            kvk = values["supplier_kvk_number"]
            contract = next(
                (
                    c
                    for c in contracts
                    if (kvk and c.supplier_kvk_number == kvk)
                    or normalise_name(c.supplier_name) == normalise_name(values["supplier_name"])
                ),
                None,
            )
            if contract is None:
                contract = Contract(lot=lot, **{k: v for k, v in values.items() if v not in (None, "")})
                store.validator.instance(contract, dropped=store.warnings)
                contract.save()
                contracts.append(contract)
                changed = True
                continue
            filled = [k for k, v in values.items() if v not in (None, "") and getattr(contract, k) in (None, "")]
            before = {f.attname: getattr(contract, f.attname) for f in Contract._meta.concrete_fields}
            for k in filled:
                setattr(contract, k, values[k])
            if filled:
                store.validator.instance(contract, dropped=store.warnings, previous=before)
                contract.save(update_fields=filled)
                changed = True
    return changed


def protected_assign(
    instance: models.Model, values: dict[str, Any], snapshot: dict[str, Any], label: str
) -> tuple[list[str], list[dict[str, Any]]]:
    """Set each value unless a person changed the field since the last import; then keep theirs and say so.

    Returns the changed field names and the differences (field, what the notice says, what the record has).
    `snapshot` (the values last imported) is updated in place to the notice's values.
    """
    changed: list[str] = []
    differences: list[dict[str, Any]] = []
    for name, value in values.items():
        new = as_json(value)
        current = as_json(getattr(instance, name))
        last = snapshot.get(name, current if current in (None, "") else _MISSING)
        snapshot[name] = new
        if current == new or (current is not None and new is not None and same(current, new)):
            continue
        if last is not _MISSING and (
            current == last or (current is not None and last is not None and same(current, last))
        ):
            setattr(instance, name, value)
            changed.append(name)
            continue
        differences.append({"field": f"{label}{name}", "notice": new, "current": current})
    return changed, differences
