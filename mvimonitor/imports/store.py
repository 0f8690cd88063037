"""Storing notices: turns what the readers and detectors produce into tenders, lots, award criteria, contracts,
source records, import links and MVI proposals.

A notice of a procedure not seen before is built in memory as checked rows (`NoticeStore.build_new`) and written with
the other new notices of its chunk, table by table (`NoticeStore.write_new`, through `mvimonitor.bulk`). A notice of
a procedure already imported updates that tender (`updates.apply`). Both paths check what they write with the same
`validation.Validator`: each value as `clean_fields` would, then the model's own `clean()`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from mvimonitor.bulk import RowWriter
from mvimonitor.organisations.models import Organisation
from mvimonitor.organisations.validators import validate_kvk
from mvimonitor.tenders.models import (
    AwardCriterion,
    AwardCriterionType,
    Contract,
    Lot,
    ProcedureType,
    Tender,
    nature_for_cpv,
)
from mvimonitor.themes.models import ApplicationForm, CpvCode, Theme

from . import notices as n
from . import updates
from .buyers import Buyers, normalise_name, valid_id
from .catalogue_link import CatalogueIndex, CatalogueProposal
from .models import ImportedTender, ImportRun, MVIProposal, SourceRecord, compress_raw
from .validation import NoticeFailed, Validator
from .values import (
    CRITERION_TYPES,
    NATURES,
    PROCEDURE_TYPES,
    UPLOADED,
    Detector,
    MergedProposal,
    Outcome,
    as_json,
    is_sme,
    uploaded_key,
)

CONFIDENCE_RANK = {n.Confidence.HIGH: 3, n.Confidence.MEDIUM: 2, n.Confidence.LOW: 1}


class Catalogue:
    """Themes, forms and CPV codes, read once per run: they do not change while a run imports."""

    def __init__(self) -> None:
        self.themes = {t.code: t for t in Theme.objects.all()}
        self.forms = {f.code: f for f in ApplicationForm.objects.all()}
        self.cpv_codes = set(CpvCode.objects.values_list("code", flat=True))


@dataclass
class NewTender:
    """A notice of a procedure not seen before, built in memory: the rows it will add (attname -> value)."""

    raw: n.RawNotice
    notice: n.Notice
    organisation: Organisation
    tender: dict[str, Any]
    link: dict[str, Any]
    lots: dict[str, dict[str, Any]]  # by lot number
    criteria: list[tuple[str, dict[str, Any]]]  # (lot number, row)
    contracts: list[tuple[str, dict[str, Any]]]
    cpvs: list[str]
    record: dict[str, Any]
    proposals: list[tuple[str, dict[str, Any]]]
    warnings: list[tuple[str, str]]


class NoticeStore:
    """Stores the notices of one run. `warnings` collects the values left out of the notice being stored (field,
    message); `touched` the tenders written since the caller last cleared it, whose derived tables are refreshed."""

    def __init__(self, *, run: ImportRun, detector: Detector) -> None:
        self.run = run
        self.detector = detector
        self.catalogue = Catalogue()
        self.criteria = CatalogueIndex.load()  # the current release's criteria, None when it has none
        self.validator = Validator()
        self.buyers = Buyers(own=run.organisation, validator=self.validator, user=run.started_by)
        self.writer = RowWriter()
        self.warnings: list[tuple[str, str]] = []
        self.touched: set[int] = set()
        self.compressed: dict[str, bytes] = {}  # sha256 -> compressed bytes of the current chunk's notices
        self.mapping_version = ""
        try:
            from .detect import MAPPING_VERSION

            self.mapping_version = str(MAPPING_VERSION)
        except ImportError:  # pragma: no cover - only before the detectors exist
            self.mapping_version = ""

    def detect(
        self, notice: n.Notice, product_group_id: int | None = None
    ) -> tuple[list[n.Proposal], list[n.AttributeSignal]]:
        """What the detector proposes for `notice`, and the catalogue criteria it names (for a tender of product
        group `product_group_id`, None when unknown): where the proposals of every stored notice come from."""
        proposals, signals = self.detector(notice)
        if self.criteria is None:
            return proposals, signals
        return [*proposals, *self.criteria.proposals(notice, product_group_id)], signals

    def version_of(self, proposal: n.Proposal) -> str:
        """The mapping version a proposal was made with: the criteria release for a catalogue link."""
        if isinstance(proposal, CatalogueProposal) and self.criteria is not None:
            return self.criteria.version[:50]
        return self.mapping_version[:50]

    # -- one notice, on its own ----------------------------------------------------------------------------------

    def store(self, raw: n.RawNotice, notice: n.Notice, sha: str) -> Outcome:
        """Store one notice (the caller holds a savepoint): a new procedure, or an update of an imported tender."""
        organisation = self.buyers.for_notice(notice)
        stored = self.uploaded_before(notice, organisation)
        if stored is not None:
            if stored == sha:
                return Outcome.UNCHANGED
            raise NoticeFailed(
                _(
                    "Version %(version)s of this notice was imported before with other content; "
                    "a changed notice needs a new version."
                )
                % {"version": notice.version or "-"},
                field="version",
            )
        link = self.link_for(notice, organisation)
        if link is not None and self.buyers.elsewhere:
            self.warnings.append(("buyer", self.buyers.elsewhere))
        if link is None:
            item = self.build_new(raw, notice, sha, organisation)
            self.write_new([item])
            self.warnings = item.warnings
            return Outcome.CREATED
        return updates.apply(self, raw, notice, sha, organisation, link)

    def record_id(self, notice: n.Notice, organisation: Organisation) -> str:
        """The notice id its source record is stored under: as published, or for a run made for an organisation (an
        upload) within the organisation the notice is stored under (see `values.UPLOADED`): the uploader's own, or
        the buyer it was filed under. So an upload never holds the id of another organisation's notice, and the
        buyer's own later upload of the same notice finds it."""
        if self.run.organisation_id is None or organisation.pk is None:
            return notice.notice_id[:200]
        return uploaded_key(notice.notice_id, organisation.pk)

    def uploaded_before(self, notice: n.Notice, organisation: Organisation) -> str | None:
        """The SHA-256 of this very notice (format, id, version) as an upload for `organisation` stored it, if one
        did; the run looked for it under the id as published."""
        if organisation.pk is None:
            return None
        return (
            SourceRecord.objects.filter(
                source_format=notice.source_format.value,
                notice_id=uploaded_key(notice.notice_id, organisation.pk),
                version=notice.version[:100],
            )
            .values_list("sha256", flat=True)
            .first()
        )

    def link_for(self, notice: n.Notice, organisation: Organisation) -> ImportedTender | None:
        """The imported tender of this notice: same procedure, the notice it changes, or the same TED id or ocid.

        A procedure that another organisation's upload holds does not stop this organisation's notice of it: the
        upload's tender keeps its procedure under that organisation's key (`values.UPLOADED`) and the notice gets a
        tender of its own. Only a tender that some import without an organisation has confirmed (a source record
        stored under the id as published) holds its procedure against every other organisation.
        """
        links = ImportedTender.objects.select_related("tender")
        source_format = notice.source_format.value
        if notice.procedure_id:
            if organisation.pk is not None:
                own = uploaded_key(notice.procedure_id, organisation.pk)
                link = links.filter(source_format=source_format, procedure_id=own).first()
                if link is not None:
                    return link
            link = links.filter(source_format=source_format, procedure_id=notice.procedure_id).first()
            if link is not None and (link.tender.organisation_id == organisation.pk or not self.provisional(link)):
                return link
            if link is not None:
                link.procedure_id = uploaded_key(link.procedure_id, link.tender.organisation_id)
                link.save(update_fields=["procedure_id", "updated_at"])
        if notice.changes_notice_id:
            changed = [notice.changes_notice_id]
            if organisation.pk is not None:
                changed.append(uploaded_key(notice.changes_notice_id, organisation.pk))
            record = (
                SourceRecord.objects.filter(source_format=source_format, notice_id__in=changed, tender__isnull=False)
                .select_related("tender__import_link__tender")
                .first()
            )
            if record is not None and record.tender is not None and hasattr(record.tender, "import_link"):
                return record.tender.import_link

        for attribute in ("ocid", "ted_notice_id"):
            value = getattr(notice, attribute)
            if value:
                link = links.filter(**{f"tender__{attribute}": value, "tender__organisation": organisation}).first()
                if link is not None:
                    return link
        return None

    @staticmethod
    def provisional(link: ImportedTender) -> bool:
        """Whether only uploads stored notices of this tender (every source record under an upload's key)."""
        records = SourceRecord.objects.filter(tender_id=link.tender_id)
        return not records.exclude(notice_id__startswith=UPLOADED).exists()

    # -- new procedures --------------------------------------------------------------------------------------------

    def build_new(self, raw: n.RawNotice, notice: n.Notice, sha: str, organisation: Organisation) -> NewTender:
        """Everything a new procedure's notice stores, as checked rows in memory; `write_new` saves them.

        Every row is checked here (`Validator.row`), so writing meets database errors only.
        """
        self.warnings = [("buyer", self.buyers.elsewhere)] if self.buyers.elsewhere else []
        check = self.validator.row
        proposals, signals = self.detect(notice)
        values = self.tender_values(notice, signals)
        if "title" not in values:
            raise NoticeFailed(_("The notice has no title, which a new tender needs."), field="title")
        if "nature" not in values:
            raise NoticeFailed(_("The notice gives no contract nature and no CPV code to derive it."), field="nature")
        values.setdefault("procedure_type", ProcedureType.OTHER)
        tender: dict[str, Any] = {"publication_date": notice.publication_date, **values}
        check(Tender, tender, dropped=self.warnings)  # a value a rule of Tender.clean() refuses is left out
        values = {name: value for name, value in values.items() if tender[name] is not None or value is None}
        imported: dict[str, Any] = {name: as_json(value) for name, value in values.items()}
        link: dict[str, Any] = {
            "source_format": notice.source_format.value,
            "procedure_id": (notice.procedure_id or notice.notice_id)[:200],
            "imported_values": imported,
            "differences": [],
            "latest_notice_id": notice.notice_id[:200],
            "latest_version": notice.version[:100],
            "latest_publication_date": notice.publication_date,
        }
        lots: dict[str, dict[str, Any]] = {}
        criteria: list[tuple[str, dict[str, Any]]] = []
        imported_lots: dict[str, Any] = imported.setdefault("lots", {})
        imported_criteria: dict[str, Any] = imported.setdefault("award_criteria", {})
        for notice_lot in notice.lots or [n.Lot(lot_id="1")]:
            number = notice_lot.lot_id[:20] or "1"
            lot_values = self.lot_values(notice_lot, number, values["title"])
            lot = {"number": number, **lot_values}
            check(Lot, lot)
            lots[number] = lot
            imported_lots[number] = {k: as_json(v) for k, v in lot_values.items()}
            if notice_lot.award_criteria:
                wanted = self.criteria_rows(notice_lot, number)
                imported_criteria[number] = wanted
                for criterion_type, name, weight in wanted:
                    row = {
                        "criterion_type": criterion_type,
                        "name": name,
                        "weight": None if weight is None else Decimal(weight),
                    }
                    check(AwardCriterion, row)
                    criteria.append((number, row))
        contracts: list[tuple[str, dict[str, Any]]] = []
        suppliers: set[tuple[str, str]] = set()  # (lot number, normalised supplier name): one contract each
        if notice.family is n.NoticeFamily.RESULT:
            for result in notice.results:
                number = result.lot_id[:20] or "1"
                if number not in lots and result.winners and result.awarded is not False:
                    lots[number] = {"number": number, "title": values["title"]}
                for values_ in self.contract_values(result, tender.get("currency", "EUR")):
                    supplier = (number, normalise_name(values_["supplier_name"]))
                    if number in lots and supplier not in suppliers:
                        suppliers.add(supplier)
                        contract = {k: v for k, v in values_.items() if v not in (None, "")}
                        check(Contract, contract, dropped=self.warnings)
                        contracts.append((number, contract))
        mvi_proposals = [
            (
                number,
                {
                    "theme_id": theme.pk,
                    "form_id": form.pk if form else None,
                    "award_weight": weight,
                    "origin": proposal.origin.value,
                    "confidence": proposal.confidence.value,
                    "evidence": text,
                    "rule": proposal.rule[:200],
                    "mapping_version": self.version_of(proposal),
                    "criterion_id": criterion_id,
                },
            )
            for number, theme, form, proposal, text, weight, criterion_id in self.merge_proposals(lots, proposals)
        ]
        cpvs = [c for c in dict.fromkeys(notice.additional_cpvs) if c in self.catalogue.cpv_codes]
        return NewTender(
            raw=raw,
            notice=notice,
            organisation=organisation,
            tender=tender,
            link=link,
            lots=lots,
            criteria=criteria,
            contracts=contracts,
            cpvs=cpvs,
            record=self.source_values(raw, notice, sha, organisation),
            proposals=mvi_proposals,
            warnings=self.warnings,
        )

    def write_new(self, items: list[NewTender]) -> None:
        """Save the built notices with one bulk insert per table (history rows included)."""
        user = self.run.started_by
        writer = self.writer
        organisations = list({id(i.organisation): i.organisation for i in items if i.organisation.pk is None}.values())
        writer.insert_instances_with_history(Organisation, organisations, user=user)
        for item in items:
            item.tender["organisation_id"] = item.organisation.pk
            item.record["notice_id"] = self.record_id(item.notice, item.organisation)  # a new buyer has its key now
        writer.insert_with_history(Tender, [i.tender for i in items], user=user)
        writer.insert(
            Tender.additional_cpvs.through,
            [{"tender_id": i.tender["id"], "cpvcode_id": code} for i in items for code in i.cpvs],
            returning=False,
        )
        lots = []
        for item in items:
            for lot in item.lots.values():
                lot["tender_id"] = item.tender["id"]
                lots.append(lot)
        writer.insert_with_history(Lot, lots, user=user)
        for model, per_item in (
            (AwardCriterion, [(i, i.criteria) for i in items]),
            (Contract, [(i, i.contracts) for i in items]),
        ):
            children = []
            for item, rows in per_item:
                for number, row in rows:
                    row["lot_id"] = item.lots[number]["id"]
                    children.append(row)
            writer.insert_with_history(model, children, user=user)
        for item in items:
            item.record["tender_id"] = item.link["tender_id"] = item.tender["id"]
        writer.insert(SourceRecord, [i.record for i in items])
        writer.insert(ImportedTender, [i.link for i in items], returning=False)
        proposals = []
        for item in items:
            for number, row in item.proposals:
                row["lot_id"] = item.lots[number]["id"]
                row["source_record_id"] = item.record["id"]
                proposals.append(row)
        writer.insert(MVIProposal, proposals, returning=False)
        self.touched.update(i.tender["id"] for i in items)
        for organisation in organisations:
            self.buyers.remember(organisation)

    # -- values of a notice ----------------------------------------------------------------------------------------

    def source_values(
        self, raw: n.RawNotice, notice: n.Notice, sha: str, organisation: Organisation
    ) -> dict[str, Any]:
        return {
            "source_format": notice.source_format.value,
            "notice_id": self.record_id(notice, organisation),
            "version": notice.version[:100],
            "procedure_id": notice.procedure_id[:200],
            "notice_type": notice.notice_type[:50],
            "family": notice.family.value,
            "sha256": sha,
            "raw_compressed": self.compressed.get(sha) or compress_raw(raw.raw),
            "file_name": raw.file[:1000],
            "locator": raw.locator[:200],
            "run_id": None if self.run.dry_run else self.run.pk,
        }

    def tender_values(self, notice: n.Notice, signals: list[n.AttributeSignal]) -> dict[str, Any]:
        """The tender fields this notice gives (absent ones are left out, never erased)."""
        values: dict[str, Any] = {}
        if notice.title:
            values["title"] = notice.title[:500]
        if notice.description:
            values["description"] = notice.description
        main_cpv = self.cpv(notice.main_cpv, "main_cpv")
        if main_cpv:
            values["main_cpv_id"] = main_cpv
        nature = notice.nature or nature_for_cpv(notice.main_cpv) or ""
        if nature:
            if nature not in NATURES:
                raise NoticeFailed(_("Unknown contract nature “%(value)s”.") % {"value": nature}, field="nature")
            values["nature"] = nature
        if notice.procedure_type:
            values["procedure_type"] = (
                notice.procedure_type if notice.procedure_type in PROCEDURE_TYPES else ProcedureType.OTHER
            )
        if notice.is_european is not None:
            values["is_european"] = notice.is_european
        if notice.estimated_value is not None:
            values["estimated_value"] = notice.estimated_value
        if notice.currency:
            values["currency"] = notice.currency
        for name in ("ted_notice_id", "tenderned_publication_id", "ocid"):
            if getattr(notice, name):
                values[name] = getattr(notice, name)
        attributes = {s.attribute for s in signals}
        if "sme_friendly" in attributes:
            values["is_sme_friendly"] = True
        if "innovation" in attributes:
            values["is_innovative"] = True
        return values

    def cpv(self, code: str, field_name: str) -> str | None:
        """A CPV code of the catalogue, or None (with a warning when the notice gave an unknown one)."""
        if not code:
            return None
        if code not in self.catalogue.cpv_codes:
            self.warnings.append(
                (
                    field_name,
                    _("Unknown CPV code %(code)s: stored without it (load the CPV list with load_cpv).")
                    % {"code": code},
                )
            )
            return None
        return code

    def lot_values(self, notice_lot: n.Lot, number: str, tender_title: str) -> dict[str, Any]:
        values: dict[str, Any] = {"title": (notice_lot.title or tender_title)[:500]}
        if notice_lot.description:
            values["description"] = notice_lot.description
        if notice_lot.estimated_value is not None:
            values["estimated_value"] = notice_lot.estimated_value
        cpv = self.cpv(notice_lot.main_cpv, f"lot {number} main_cpv")
        if cpv:
            values["main_cpv_id"] = cpv
        return values

    @staticmethod
    def criteria_rows(notice_lot: n.Lot, number: str) -> list[list[Any]]:
        """A lot's award criteria as [type, name, weight] (the weight as `imported_values` keeps it)."""
        wanted = []
        for criterion in notice_lot.award_criteria:
            criterion_type = criterion.criterion_type
            if criterion_type not in CRITERION_TYPES:
                raise NoticeFailed(
                    _("Unknown award criterion type “%(value)s”.") % {"value": criterion_type},
                    field=f"lot {number} award criterion",
                )
            name = (criterion.name or criterion.description or AwardCriterionType(criterion_type).label)[:500]
            wanted.append([criterion_type, str(name), as_json(criterion.weight)])
        return wanted

    @staticmethod
    def contract_values(result: n.LotResult, currency: str) -> list[dict[str, Any]]:
        """One contract per winner of a lot result (none when no winner was chosen)."""
        if result.awarded is False:
            return []
        rows = []
        for winner in result.winners:
            kvk = winner.kvk_number if valid_id(validate_kvk, winner.kvk_number) else ""
            name = winner.name[:255] or kvk
            if not name:
                raise NoticeFailed(_("A winner has no name."), field=f"lot {result.lot_id} winner")
            rows.append(
                {
                    "supplier_name": name,
                    "supplier_kvk_number": kvk,
                    "supplier_is_sme": is_sme(winner.size),
                    "value": result.value if len(result.winners) == 1 else None,
                    "currency": result.currency or currency,
                    "conclusion_date": result.conclusion_date,
                }
            )
        return rows

    def merge_proposals(self, lots: Mapping[str, object], proposals: list[n.Proposal]) -> list[MergedProposal]:
        """One proposal per (lot number, theme, form): the most confident (the first of equals, so a detector's
        before a catalogue link), with the evidence of all of them, linking the criterion of the most confident
        catalogue link among them."""
        merged: dict[tuple[str, str, str], n.Proposal] = {}
        evidence: dict[tuple[str, str, str], list[str]] = {}
        criteria: dict[tuple[str, str, str], CatalogueProposal] = {}
        for proposal in proposals:
            lot_number = proposal.lot_id[:20] or "1"
            if lot_number not in lots and len(lots) == 1:
                lot_number = next(iter(lots))  # a notice without lots is stored with one
            key = (lot_number, proposal.theme, proposal.form)
            best = merged.get(key)
            if best is None or CONFIDENCE_RANK[proposal.confidence] > CONFIDENCE_RANK[best.confidence]:
                merged[key] = proposal
            texts = evidence.setdefault(key, [])
            if proposal.evidence not in texts:
                texts.append(proposal.evidence)
            if isinstance(proposal, CatalogueProposal):
                linked = criteria.get(key)
                if linked is None or CONFIDENCE_RANK[proposal.confidence] > CONFIDENCE_RANK[linked.confidence]:
                    criteria[key] = proposal
        out = []
        for key, proposal in merged.items():
            lot_number, theme_code, form_code = key
            if lot_number not in lots:
                raise NoticeFailed(
                    _("A detector proposed a theme for lot %(lot)s, which the notice does not have.")
                    % {"lot": lot_number},
                    field="lot",
                )
            theme = self.catalogue.themes.get(theme_code)
            if theme is None:
                raise NoticeFailed(_("Unknown theme code %(code)s.") % {"code": theme_code}, field="theme")
            form = self.catalogue.forms.get(form_code) if form_code else None
            if form_code and form is None:
                raise NoticeFailed(_("Unknown form of application %(code)s.") % {"code": form_code}, field="form")
            weight = proposal.award_weight if form_code == "gunningscriterium" else None
            linked = criteria.get(key)
            criterion_id = linked.criterion_id if linked is not None else None
            out.append((lot_number, theme, form, proposal, "\n".join(evidence[key]), weight, criterion_id))
        return out
