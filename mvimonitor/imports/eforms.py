"""eForms UBL reader: one eForms notice (TED since 2023, TenderNed for EU notices) into a `Notice`.

Pure Python + lxml, no Django. Every path below is the SDK 1.15.1 `xpathAbsolute`/`xpathRelative` of the business
term beside it (shared/data/eforms/fields/fields.json), written for lxml's ElementPath relative to the node the
reader stands on (the notice root, a lot, a lot result). Codes are kept as published; codes the project's mapping
does not know become a warning on the notice, not an error (codelists are versioned by the Publications Office).

The reader is split by what it reads. This module reads the notice itself (identity, type, procedure, buyer) and is
the one to import from; `eforms_lots.py` reads the lots, `eforms_results.py` the results; `eforms_base.py` holds the
codelist mappings and the helpers all parts share, `eforms_xml.py` the namespaces and the element scans.

Which fields a notice must have depends on its subtype (OPP-070), as the SDK's fields.json says (`eforms_rules`):
prior information notices (subtypes 1-9, E1, E2) have no procedure identifier (BT-04) and describe parts (PAR-)
instead of lots; both are read. Lot groups (GLO-) are no lots: what they say reaches the lots they group.
"""

import re
from collections.abc import Iterable

from lxml import etree

from . import eforms_rules as rules
from .codes import known_codes
from .eforms_base import (
    ADDITIONAL_TYPES,
    FORM_TYPE_FAMILY,
    LOT_PATH,
    NATURES,
    PROCEDURE_TYPES,
    RESULT_PATH,
    _Organisations,
)
from .eforms_results import _ResultReader
from .eforms_xml import EXT, NS, ROOT_NAMESPACES, _all, _date, _find, _findall, _first, _Kids, _steps, _t
from .notices import Code, Lot, Notice, NoticeFamily, Party, SourceFormat
from .xmlsafe import local_name, parse_xml

__all__ = [
    "ADDITIONAL_TYPES",
    "EXT",
    "FORM_TYPE_FAMILY",
    "LOT_PATH",
    "NATURES",
    "NS",
    "PROCEDURE_TYPES",
    "RESULT_PATH",
    "ROOT_NAMESPACES",
    "read_eforms",
]


class _Reader(_ResultReader):
    """One eForms notice: the notice-level fields here, the lots and results from the classes it builds on."""

    # -- the notice --------------------------------------------------------------------------------------------
    def read(self) -> Notice:
        root = self.root
        name = local_name(root)
        namespace = etree.QName(root).namespace or ""
        if name not in ROOT_NAMESPACES:
            raise self.error(
                f"root element {name!r} is not an eForms notice (ContractNotice, ContractAwardNotice, "
                "PriorInformationNotice)",
                "root",
            )
        if namespace != ROOT_NAMESPACES[name]:
            raise self.error(
                f"root element {name} has namespace {namespace!r}, expected {ROOT_NAMESPACES[name]}", "root"
            )
        kids = _Kids(root)
        extension_element = kids.first(EXT)
        extension = _Kids(extension_element) if extension_element is not None else None
        # OPP-070: which fields are mandatory depends on the subtype (eforms_rules, from the SDK's fields.json)
        subtype = extension.text("efac:NoticeSubType/cbc:SubTypeCode") if extension is not None else ""
        notice_id = ""
        for element in kids.all("cbc:ID"):
            if element.get("schemeName") == "notice-id":
                notice_id = _t(element)
        self.notice_id = notice_id
        if not notice_id and rules.mandatory("BT-701-notice", subtype):
            raise self.error("the notice identifier is missing", "BT-701-notice")
        if not rules.known_subtype(subtype):
            what = f"unknown notice subtype {subtype!r}" if subtype else "the notice subtype is missing"
            self.warnings.append(f"field OPP-070-notice: {what}; only fields every subtype needs are required")
        procedure_id = kids.text("cbc:ContractFolderID")
        if not procedure_id:
            if rules.mandatory("BT-04-notice", subtype):
                raise self.error("the procedure identifier is missing", "BT-04-notice")
            if not rules.forbidden("BT-04-notice", subtype):
                self.warnings.append(
                    "field BT-04-notice: the procedure identifier is missing; the notice identifier is used instead"
                )
        type_element = kids.first("cbc:NoticeTypeCode")
        notice_type = _t(type_element)
        if not notice_type and rules.mandatory("BT-02-notice", subtype):
            raise self.error("the notice type is missing", "BT-02-notice")
        form_type = type_element.get("listName", "") if type_element is not None else ""
        if form_type not in FORM_TYPE_FAMILY:
            raise self.error(f"unknown form type {form_type!r} for notice type {notice_type!r}", "BT-03-notice")
        known_types = known_codes("notice-type")
        if known_types is not None and notice_type not in known_types:
            raise self.error(f"unknown notice type {notice_type!r}", "BT-02-notice")
        self.language = kids.text("cbc:NoticeLanguageCode")  # BT-702(a)
        languages = [self.language] if self.language else []
        for element in kids.all("cac:AdditionalNoticeLanguage/cbc:ID"):  # BT-702(b)
            language = _t(element)
            if language and language not in languages:
                languages.append(language)

        family = FORM_TYPE_FAMILY[form_type]
        changes_notice_id = ""
        if extension is not None:
            changed = extension.first("efac:Changes/efbc:ChangedNoticeIdentifier")  # BT-758
            if changed is not None:
                changes_notice_id = _t(changed)
                family = NoticeFamily.CHANGE
            modified = extension.first("efac:ContractModification/efbc:ChangedNoticeIdentifier")  # BT-1501(n)
            if modified is not None and not changes_notice_id:
                changes_notice_id = _t(modified)
        if not procedure_id:
            # A prior information notice has no procedure yet (the SDK forbids BT-04 for it): the notice's own
            # identifier groups its versions as one procedure, and a change of it joins the notice it changes
            # (BT-758 is that notice's identifier and version, "<uuid>-01").
            procedure_id = re.sub(r"-\d{2}$", "", changes_notice_id) if changes_notice_id else notice_id

        organisations = self.organisations(extension)
        project_element = kids.first("cac:ProcurementProject")
        project = _Kids(project_element) if project_element is not None else None
        estimated, currency = self.amount(
            project.first("cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount")
            if project is not None
            else None,
            "BT-27-Procedure",
        )
        procedure_code = kids.text("cac:TenderingProcess/cbc:ProcedureCode")  # BT-105
        if procedure_code and procedure_code not in PROCEDURE_TYPES:
            self.warnings.append(f"field BT-105-Procedure: unknown procedure type {procedure_code!r}")
        regulatory_domain = kids.text("cbc:RegulatoryDomain")  # BT-01
        publication = extension.first("efac:Publication") if extension is not None else None
        ojs_id = ""
        publication_date = None
        if publication is not None:
            ojs_id = _t(_find(publication, "efbc:NoticePublicationID")).lstrip("0")  # OPP-010
            publication_date = _date(_t(_find(publication, "efbc:PublicationDate")))  # OPP-012
        if publication_date is None:
            publication_date = _date(kids.text("cbc:IssueDate"))  # BT-05(a)

        lots = [self.lot(lot_kids, scheme) for scheme, lot_kids in self.lot_elements(kids)]
        self.apply_groups(lots, [self.lot(group, "LotsGroup") for group in self.group_elements(kids)], kids)
        results = self.results(extension, organisations, {lot.lot_id: lot for lot in lots})
        nature = ""
        if project is not None:
            for type_code in project.all("cbc:ProcurementTypeCode"):
                if type_code.get("listName") == "contract-nature":
                    nature = NATURES.get(_t(type_code), "")
                    break
        procedure_codes: list[Code] = []
        if procedure_code:
            procedure_codes.append(
                self.code(
                    "BT-105", "procurement-procedure-type", procedure_code, "/*/cac:TenderingProcess/cbc:ProcedureCode"
                )
            )
        # BT-195: one walk in C over the tree for the one tag (cheap, unlike a walk in Python)
        withheld = sorted({text for e in root.iter(_steps("efbc:FieldIdentifierCode")[0]) if (text := _t(e))})

        return Notice(
            source_format=SourceFormat.EFORMS,
            notice_id=notice_id,
            version=kids.text("cbc:VersionID"),
            procedure_id=procedure_id,
            family=family,
            notice_type=notice_type,
            notice_subtype=subtype,
            language=self.language,
            languages=languages,
            publication_date=publication_date,
            buyer=self.buyer(kids, organisations),
            title=self.text_pref(project.all("cbc:Name")) if project is not None else "",
            description=self.text_pref(project.all("cbc:Description")) if project is not None else "",
            nature=nature,
            procedure_type=PROCEDURE_TYPES.get(procedure_code, ""),
            is_european=regulatory_domain.startswith("3") if regulatory_domain else None,
            estimated_value=estimated,
            currency=currency,
            main_cpv=project.text("cac:MainCommodityClassification/cbc:ItemClassificationCode")
            if project is not None
            else "",
            additional_cpvs=[
                _t(e) for e in project.all("cac:AdditionalCommodityClassification/cbc:ItemClassificationCode")
            ]
            if project is not None
            else [],
            ted_notice_id=ojs_id,
            changes_notice_id=changes_notice_id,
            lots=lots,
            results=results,
            codes=procedure_codes,
            withheld=withheld,
            warnings=self.warnings,
        )

    @staticmethod
    def lot_elements(kids: _Kids) -> Iterable[tuple[str, _Kids]]:
        """The lots (BT-137-Lot) and the parts of a prior information notice (BT-137-Part), in document order."""
        for element in kids.all("cac:ProcurementProjectLot"):
            lot = _Kids(element)
            id_element = lot.first("cbc:ID")
            scheme = id_element.get("schemeName", "") if id_element is not None else ""
            if scheme in ("Lot", "Part"):
                yield scheme, lot

    @staticmethod
    def group_elements(kids: _Kids) -> Iterable[_Kids]:
        """The lot groups (BT-137-LotsGroup): not lots themselves, their signals reach their lots."""
        for element in kids.all("cac:ProcurementProjectLot"):
            group = _Kids(element)
            id_element = group.first("cbc:ID")
            if id_element is not None and id_element.get("schemeName") == "LotsGroup":
                yield group

    def apply_groups(self, lots: list[Lot], groups: list[Lot], kids: _Kids) -> None:
        """Give each lot the signals of the groups it belongs to (BT-330 group, BT-1375 its lots)."""
        if not groups:
            return
        by_id = {group.lot_id: group for group in groups}
        members: dict[str, list[Lot]] = {}
        lots_by_id = {lot.lot_id: lot for lot in lots}
        lot_steps = _steps("cac:ProcurementProjectLotReference/cbc:ID")
        for composition in kids.all("cac:TenderingTerms/cac:LotDistribution/cac:LotsGroup"):
            group_id = _t(_find(composition, "cbc:LotsGroupID"))  # BT-330
            for reference in _all((composition,), lot_steps):  # BT-1375
                lot = lots_by_id.get(_t(reference))
                if lot is not None:
                    members.setdefault(group_id, []).append(lot)
        for group_id, group in by_id.items():
            if group_id not in members:
                self.warnings.append(f"field BT-330-Procedure: lot group {group_id} names no lot of the notice")
                continue
            for lot in members[group_id]:
                self.inherit(lot, group)

    # -- organisations and buyer ---------------------------------------------------------------------------------
    def organisations(self, extension: _Kids | None) -> _Organisations:
        companies: dict[str, etree._Element] = {}
        if extension is not None:
            org_id_steps = _steps("cac:PartyIdentification/cbc:ID")
            for company in extension.all("efac:Organizations/efac:Organization/efac:Company"):
                org_id = _t(_first(company, org_id_steps))  # OPT-200
                if org_id:
                    companies[org_id] = company
        return _Organisations(self, companies)

    def buyer(self, kids: _Kids, organisations: _Organisations) -> Party | None:
        party = kids.first("cac:ContractingParty")
        if party is None:
            return None
        org_id = _t(_find(party, "cac:Party/cac:PartyIdentification/cbc:ID"))  # OPT-300-Procedure-Buyer
        legal_type = ""
        for element in _findall(party, "cac:ContractingPartyType/cbc:PartyTypeCode"):
            if element.get("listName") == "buyer-legal-type":  # BT-11
                legal_type = _t(element)
        found = organisations.get(org_id)
        if found is None:
            if org_id:
                self.warnings.append(f"field OPT-300-Procedure-Buyer: organisation {org_id} is not in the notice")
            return None
        return Party(
            name=found.name,
            national_id=found.national_id,
            kvk_number=found.kvk_number,
            oin=found.oin,
            country=found.country,
            nuts=found.nuts,
            size=found.size,
            legal_type=legal_type,
        )


def read_eforms(data: bytes, *, file: str = "", root: etree._Element | None = None) -> Notice:
    """Read one eForms notice from its bytes (or an already parsed root). Raises `ReadError`."""
    if root is None:
        root = parse_xml(data, file=file)
    return _Reader(root, file).read()
