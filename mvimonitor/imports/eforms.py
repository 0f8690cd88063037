"""eForms UBL reader: one eForms notice (TED since 2023, TenderNed for EU notices) into a `Notice`.

Pure Python + lxml, no Django. Every path below is the SDK 1.15.1 `xpathAbsolute`/`xpathRelative` of the business
term beside it (shared/data/eforms/fields/fields.json), written for lxml's ElementPath relative to the node the
reader stands on (the notice root, a lot, a lot result). Codes are kept as published; codes the project's mapping
does not know become a warning on the notice, not an error (codelists are versioned by the Publications Office).
"""

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from functools import cache

from lxml import etree

from .codes import known_codes
from .notices import (
    AwardCriterion,
    Code,
    Lot,
    LotResult,
    Notice,
    NoticeFamily,
    Party,
    ReadError,
    SourceFormat,
    Text,
)
from .xmlsafe import dutch_ids, local_name, parse_xml, to_decimal

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
}
ROOT_NAMESPACES = {
    "ContractNotice": "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2",
    "ContractAwardNotice": "urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2",
    "PriorInformationNotice": "urn:oasis:names:specification:ubl:schema:xsd:PriorInformationNotice-2",
}
EXT = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"

# BT-03 form type (the @listName of BT-02) -> notice family
FORM_TYPE_FAMILY = {
    "planning": NoticeFamily.PLANNING,
    "consultation": NoticeFamily.PLANNING,
    "competition": NoticeFamily.COMPETITION,
    "result": NoticeFamily.RESULT,
    "dir-awa-pre": NoticeFamily.RESULT,  # VEAT: names the intended winner
    "completion": NoticeFamily.RESULT,
    "cont-modif": NoticeFamily.CHANGE,
    "change": NoticeFamily.CHANGE,
}
# BT-105 procurement-procedure-type -> Tender.procedure_type choices
PROCEDURE_TYPES = {
    "open": "open",
    "restricted": "restricted",
    "comp-dial": "comp-dial",
    "neg-w-call": "neg-w-call",
    "neg-wo-call": "neg-wo-call",
    "innovation": "innovation",
    "oth-single": "other",
    "oth-mult": "other",
    "comp-tend": "other",
    "exp-int-rail": "other",
}
NATURES = {"works": "works", "supplies": "supplies", "services": "services"}
# ProcurementAdditionalType @listName -> business term (BT-06/774/775/776/805/754 on the lot's ProcurementProject)
ADDITIONAL_TYPES = {
    "strategic-procurement": "BT-06",
    "environmental-impact": "BT-774",
    "social-objective": "BT-775",
    "innovative-acquisition": "BT-776",
    "gpp-criteria": "BT-805",
    "accessibility": "BT-754",
}
LOT_PATH = "/*/cac:ProcurementProjectLot[cbc:ID/@schemeName='Lot'][cbc:ID='{lot}']"
RESULT_PATH = f"/*/{EXT}/efac:NoticeResult/efac:LotResult[cbc:ID='{{res}}']"


_PREFIX = re.compile(r"\b(" + "|".join(NS) + r"):")
_NO_ELEMENTS: tuple[etree._Element, ...] = ()


@cache
def _steps(path: str) -> tuple[str, ...]:
    """A path of child steps (cac:A/cbc:B) as the tags of its steps in Clark notation ({namespace}Name), the form
    an element's `.tag` has."""
    return tuple(_PREFIX.sub(lambda m: "{" + NS[m.group(1)] + "}", step) for step in path.split("/"))


def _first(element: etree._Element, steps: tuple[str, ...], step: int = 0) -> etree._Element | None:
    """The first element along `steps` (from `step` on) below `element`, in document order: what lxml's
    `element.find("a/b")` returns. A Python scan of an element's few children costs well under a microsecond each,
    one ElementPath search several microseconds."""
    tag = steps[step]
    if step + 1 == len(steps):
        for child in element:
            if child.tag == tag:
                return child
        return None
    for child in element:
        if child.tag == tag:
            found = _first(child, steps, step + 1)
            if found is not None:
                return found
    return None


def _all(elements: Iterable[etree._Element], steps: tuple[str, ...], step: int = 0) -> list[etree._Element]:
    """Every element along `steps` (from `step` on) below `elements`, in document order (`findall("a/b")`)."""
    level = list(elements)
    for tag in steps[step:]:
        level = [child for parent in level for child in parent if child.tag == tag]
    return level


def _find(element: etree._Element | None, path: str) -> etree._Element | None:
    return None if element is None else _first(element, _steps(path))


def _findall(element: etree._Element | None, path: str) -> list[etree._Element]:
    return [] if element is None else _all((element,), _steps(path))


def _t(element: etree._Element | None) -> str:
    if element is None:
        return ""
    text = element.text
    return "" if text is None else text.strip()


def _text_or_none(element: etree._Element | None) -> str | None:
    """What `findtext` gives for a found or missing element, as far as `to_decimal` can tell."""
    return None if element is None else element.text


def _date(text: str) -> date | None:
    """eForms dates carry an offset (2023-03-23+01:00); the calendar date is what counts."""
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


class _Kids:
    """The children of an element the reader asks many questions of (the notice, its extension, a lot, a project),
    grouped by tag in one pass: each question is then a dictionary lookup instead of a search."""

    __slots__ = ("by_tag",)

    def __init__(self, element: etree._Element) -> None:
        by_tag: dict[str, list[etree._Element]] = {}
        for child in element:
            tag = child.tag  # lxml builds this string on every access: read it once
            found = by_tag.get(tag)
            if found is None:
                by_tag[tag] = [child]
            else:
                found.append(child)
        self.by_tag = by_tag

    def first(self, path: str) -> etree._Element | None:
        """`element.find(path)`."""
        steps = _steps(path)
        found = self.by_tag.get(steps[0])
        if not found:
            return None
        if len(steps) == 1:
            return found[0]
        for child in found:
            element = _first(child, steps, 1)
            if element is not None:
                return element
        return None

    def all(self, path: str) -> Sequence[etree._Element]:
        """`element.findall(path)`."""
        steps = _steps(path)
        found = self.by_tag.get(steps[0])
        if not found:
            return _NO_ELEMENTS
        return found if len(steps) == 1 else _all(found, steps, 1)

    def text(self, path: str) -> str:
        return _t(self.first(path))


class _Reader:
    def __init__(self, root: etree._Element, file: str) -> None:
        self.root = root
        self.file = file
        self.notice_id = ""
        self.language = ""
        self.warnings: list[str] = []

    # -- helpers -----------------------------------------------------------------------------------------------
    def error(self, message: str, field: str) -> ReadError:
        return ReadError(message, file=self.file, notice=self.notice_id, field=field)

    def text_pref(self, elements: Sequence[etree._Element]) -> str:
        """A multilingual text (one element per @languageID): the notice language first, else the first one."""
        if not elements:
            return ""
        language = self.language
        for element in elements:
            if element.get("languageID") == language:
                return _t(element)
        return _t(elements[0])

    @staticmethod
    def texts(elements: Iterable[etree._Element], field: str, where: str) -> list[Text]:
        out = []
        for element in elements:
            text = _t(element)
            if text:
                out.append(Text(field=field, path=where, text=text, language=element.get("languageID", "")))
        return out

    def code(self, field: str, list_name: str, value: str, path: str) -> Code:
        known = known_codes(list_name)
        if known is not None and value not in known:
            self.warnings.append(
                f"field {field}: unknown code {value!r} in codelist {list_name} (kept, no theme proposed)"
            )
        return Code(field=field, list_name=list_name, value=value, path=path)

    def amount(self, element: etree._Element | None, field: str) -> tuple[Decimal | None, str]:
        if element is None:
            return None, ""
        value = to_decimal(element.text)
        if value is None and _t(element):
            self.warnings.append(f"field {field}: {_t(element)!r} is not a number (ignored)")
        return value, element.get("currencyID", "")

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
        notice_id = ""
        for element in kids.all("cbc:ID"):
            if element.get("schemeName") == "notice-id":
                notice_id = _t(element)
        self.notice_id = notice_id
        if not notice_id:
            raise self.error("the notice identifier is missing", "BT-701-notice")
        procedure_id = kids.text("cbc:ContractFolderID")
        if not procedure_id:
            raise self.error("the procedure identifier is missing", "BT-04-notice")
        type_element = kids.first("cbc:NoticeTypeCode")
        notice_type = _t(type_element)
        if not notice_type:
            raise self.error("the notice type is missing", "BT-02-notice")
        form_type = type_element.get("listName", "") if type_element is not None else ""
        if form_type not in FORM_TYPE_FAMILY:
            raise self.error(f"unknown form type {form_type!r} for notice type {notice_type!r}", "BT-03-notice")
        known_types = known_codes("notice-type")
        if known_types is not None and notice_type not in known_types:
            raise self.error(f"unknown notice type {notice_type!r}", "BT-02-notice")
        self.language = kids.text("cbc:NoticeLanguageCode")
        extension_element = kids.first(EXT)
        extension = _Kids(extension_element) if extension_element is not None else None

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

        lots = [self.lot(lot_kids) for lot_kids in self.lot_elements(kids)]
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
            notice_subtype=extension.text("efac:NoticeSubType/cbc:SubTypeCode") if extension is not None else "",
            language=self.language,
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
    def lot_elements(kids: _Kids) -> Iterable[_Kids]:
        for element in kids.all("cac:ProcurementProjectLot"):
            lot = _Kids(element)
            id_element = lot.first("cbc:ID")
            if id_element is not None and id_element.get("schemeName") == "Lot":
                yield lot

    # -- organisations and buyer ---------------------------------------------------------------------------------
    def organisations(self, extension: _Kids | None) -> "_Organisations":
        companies: dict[str, etree._Element] = {}
        if extension is not None:
            org_id_steps = _steps("cac:PartyIdentification/cbc:ID")
            for company in extension.all("efac:Organizations/efac:Organization/efac:Company"):
                org_id = _t(_first(company, org_id_steps))  # OPT-200
                if org_id:
                    companies[org_id] = company
        return _Organisations(self, companies)

    def party(self, company_element: etree._Element) -> Party:
        company = _Kids(company_element)
        national_id = company.text("cac:PartyLegalEntity/cbc:CompanyID")  # BT-501
        country = company.text("cac:PostalAddress/cac:Country/cbc:IdentificationCode")  # BT-514
        kvk, oin = dutch_ids(national_id, country)
        return Party(
            name=self.text_pref(company.all("cac:PartyName/cbc:Name")),  # BT-500
            national_id=national_id,
            kvk_number=kvk,
            oin=oin,
            country=country,
            nuts=company.text("cac:PostalAddress/cbc:CountrySubentityCode"),  # BT-507
            size=company.text("efbc:CompanySizeCode"),  # BT-165
        )

    def buyer(self, kids: _Kids, organisations: "_Organisations") -> Party | None:
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

    # -- lots -----------------------------------------------------------------------------------------------------
    def lot(self, element: _Kids) -> Lot:
        lot_id = element.text("cbc:ID")  # BT-137
        base = LOT_PATH.format(lot=lot_id)
        project_element = element.first("cac:ProcurementProject")
        terms = element.first("cac:TenderingTerms")
        lot = Lot(lot_id=lot_id)
        if project_element is not None:
            project = _Kids(project_element)
            descriptions = project.all("cbc:Description")
            lot.title = self.text_pref(project.all("cbc:Name"))  # BT-21
            lot.description = self.text_pref(descriptions)  # BT-24
            lot.estimated_value, lot.currency = self.amount(
                project.first("cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"), "BT-27-Lot"
            )
            lot.main_cpv = project.text("cac:MainCommodityClassification/cbc:ItemClassificationCode")  # BT-262
            lot.additional_cpvs = [
                _t(e) for e in project.all("cac:AdditionalCommodityClassification/cbc:ItemClassificationCode")
            ]  # BT-263
            type_code = _steps("cbc:ProcurementTypeCode")
            for additional in project.all("cac:ProcurementAdditionalType"):
                code_element = _first(additional, type_code)
                list_name = code_element.get("listName", "") if code_element is not None else ""
                field = ADDITIONAL_TYPES.get(list_name)
                value = _t(code_element)
                if field is None or not value:
                    continue
                path = (
                    f"{base}/cac:ProcurementProject/cac:ProcurementAdditionalType"
                    f"/cbc:ProcurementTypeCode[@listName='{list_name}']"
                )
                lot.codes.append(self.code(field, list_name, value, path))
                if list_name == "strategic-procurement":  # BT-777 description
                    lot.texts += self.texts(
                        _findall(additional, "cbc:ProcurementType"),
                        "BT-777",
                        f"{base}/cac:ProcurementProject/cac:ProcurementAdditionalType[cbc:ProcurementTypeCode/@listName='strategic-procurement']/cbc:ProcurementType",
                    )
            sme = project.text("cbc:SMESuitableIndicator")  # BT-726
            if sme:
                lot.codes.append(
                    self.code("BT-726", "indicator", sme, f"{base}/cac:ProcurementProject/cbc:SMESuitableIndicator")
                )
            lot.texts += self.texts(descriptions, "BT-24", f"{base}/cac:ProcurementProject/cbc:Description")
        if terms is not None:
            self.lot_terms(lot, _Kids(terms), base)
        return lot

    def lot_terms(self, lot: Lot, terms: _Kids, base: str) -> None:
        tt = f"{base}/cac:TenderingTerms"
        requirement_code = _steps("cbc:TendererRequirementTypeCode")
        for requirement in terms.all("cac:TendererQualificationRequest/cac:SpecificTendererRequirement"):
            code_element = _first(requirement, requirement_code)
            if code_element is not None and code_element.get("listName") == "reserved-procurement":
                value = _t(code_element)
                if value:
                    lot.codes.append(
                        self.code(
                            "BT-71",
                            "reserved-procurement",
                            value,
                            f"{tt}/cac:TendererQualificationRequest/cac:SpecificTendererRequirement/cbc:TendererRequirementTypeCode[@listName='reserved-procurement']",
                        )
                    )
        execution_code = _steps("cbc:ExecutionRequirementCode")
        for requirement in terms.all("cac:ContractExecutionRequirement"):
            code_element = _first(requirement, execution_code)
            if code_element is None:
                continue
            list_name = code_element.get("listName", "")
            if list_name == "reserved-execution":  # BT-736
                value = _t(code_element)
                if value:
                    lot.codes.append(
                        self.code(
                            "BT-736",
                            "reserved-execution",
                            value,
                            f"{tt}/cac:ContractExecutionRequirement/cbc:ExecutionRequirementCode[@listName='reserved-execution']",
                        )
                    )
            elif list_name == "conditions":  # BT-70 performance terms
                lot.texts += self.texts(
                    _findall(requirement, "cbc:Description"),
                    "BT-70",
                    f"{tt}/cac:ContractExecutionRequirement[cbc:ExecutionRequirementCode/@listName='conditions']/cbc:Description",
                )
        extension = terms.first(EXT)
        if extension is not None:
            self.lot_extension(lot, extension, f"{tt}/{EXT}")
        self.award_criteria(lot, terms, tt)

    def lot_extension(self, lot: Lot, extension: etree._Element, base: str) -> None:
        for strategic in _findall(extension, "efac:StrategicProcurement"):
            legal_basis = _find(strategic, "efbc:ApplicableLegalBasis")
            scope = legal_basis.get("listName", "") if legal_basis is not None else ""
            sp = f"{base}/efac:StrategicProcurement[efbc:ApplicableLegalBasis/@listName='{scope}']"
            if scope == "cvd-scope":
                lot.codes.append(self.code("BT-717", "cvd-scope", _t(legal_basis), f"{sp}/efbc:ApplicableLegalBasis"))
                for category in _findall(
                    strategic, "efac:StrategicProcurementInformation/efbc:ProcurementCategoryCode"
                ):
                    lot.codes.append(
                        self.code(
                            "BT-735",
                            "cvd-contract-type",
                            _t(category),
                            f"{sp}/efac:StrategicProcurementInformation/efbc:ProcurementCategoryCode",
                        )
                    )
            elif scope == "eed-scope":
                lot.codes.append(self.code("BT-810", "eed-scope", _t(legal_basis), f"{sp}/efbc:ApplicableLegalBasis"))
                self.eed_details(lot, strategic, sp)
        for criterion in _findall(extension, "efac:SelectionCriteria"):  # BT-809 / BT-750
            code_element = _find(criterion, "cbc:TendererRequirementTypeCode")
            path = f"{base}/efac:SelectionCriteria"
            value = _t(code_element)
            if value:
                lot.codes.append(
                    self.code("BT-809", "selection-criterion", value, f"{path}/cbc:TendererRequirementTypeCode")
                )
            lot.texts += self.texts(_findall(criterion, "cbc:Description"), "BT-750", f"{path}/cbc:Description")

    def eed_details(self, lot: Lot, strategic: etree._Element, base: str) -> None:
        details_path = f"{base}/efac:StrategicProcurementInformation/efac:ProcurementDetails"
        for details_element in _findall(strategic, "efac:StrategicProcurementInformation/efac:ProcurementDetails"):
            details = _Kids(details_element)
            basis = details.text("efbc:LegalFrameworkCode")  # BT-811(a)
            if basis:
                lot.codes.append(
                    self.code("BT-811(a)", "energy-efficiency-basis", basis, f"{details_path}/efbc:LegalFrameworkCode")
                )
            item = details.text("efbc:AssetCategoryCode")  # BT-811(b)
            if item:
                lot.codes.append(
                    self.code("BT-811(b)", "energy-efficiency-item", item, f"{details_path}/efbc:AssetCategoryCode")
                )
            label = details.text("efac:AssetLabel/efbc:LabelCode")  # BT-812
            if label:
                lot.codes.append(
                    self.code(
                        "BT-812", "energy-efficiency-label", label, f"{details_path}/efac:AssetLabel/efbc:LabelCode"
                    )
                )
            for metric in details.all("efac:AssetMetric"):  # BT-813 / BT-814
                metric_code = _t(_find(metric, "efbc:AssetMetricCode"))
                value = to_decimal(_text_or_none(_find(metric, "efbc:AssetMetricNumeric")))
                if metric_code and value is not None:
                    lot.energy_metrics[metric_code] = lot.energy_metrics.get(metric_code, Decimal(0)) + value

    def award_criteria(self, lot: Lot, terms: _Kids, base: str) -> None:
        path = f"{base}/cac:AwardingTerms/cac:AwardingCriterion/cac:SubordinateAwardingCriterion"
        parameter_code_steps = _steps("efbc:ParameterCode")
        parameter_numeric_steps = _steps("efbc:ParameterNumeric")
        for index, criterion_element in enumerate(
            terms.all("cac:AwardingTerms/cac:AwardingCriterion/cac:SubordinateAwardingCriterion"), start=1
        ):
            criterion = _Kids(criterion_element)
            weight_kind = ""
            weight_number = None
            for parameter in criterion.all(f"{EXT}/efac:AwardCriterionParameter"):
                parameter_code = _first(parameter, parameter_code_steps)
                if parameter_code is not None and parameter_code.get("listName") == "number-weight":
                    weight_kind = _t(parameter_code)  # BT-5421
                    weight_number = to_decimal(_text_or_none(_first(parameter, parameter_numeric_steps)))  # BT-541
            weight = None
            if weight_number is not None and weight_kind in ("per-exa", "per-mid"):
                weight = weight_number
            elif weight_number is not None and weight_kind in ("dec-exa", "dec-mid"):
                weight = weight_number * 100
            here = f"{path}[{index}]"
            name = self.text_pref(criterion.all("cbc:Name"))
            description = self.text_pref(criterion.all("cbc:Description"))
            lot.award_criteria.append(
                AwardCriterion(
                    criterion_type=criterion.text("cbc:AwardingCriterionTypeCode"),  # BT-539
                    name=name,  # BT-734
                    description=description,  # BT-540
                    weight=weight,
                    weight_kind=weight_kind,
                    path=here,
                    weight_number=weight_number,
                )
            )
        self.normalise_points(lot)

    @staticmethod
    def normalise_points(lot: Lot) -> None:
        """Points (poi-exa/poi-mid) become a percentage when every criterion of the lot is weighted in points."""
        criteria = lot.award_criteria
        if not criteria or any(
            c.weight_kind not in ("poi-exa", "poi-mid") or c.weight_number is None for c in criteria
        ):
            return
        total = sum((c.weight_number or Decimal(0)) for c in criteria)
        if total <= 0:
            return
        lot.award_criteria = [
            AwardCriterion(
                criterion_type=c.criterion_type,
                name=c.name,
                description=c.description,
                weight=((c.weight_number or Decimal(0)) * 100 / total).quantize(Decimal("0.01")),
                weight_kind=c.weight_kind,
                path=c.path,
                weight_number=c.weight_number,
            )
            for c in criteria
        ]

    # -- results --------------------------------------------------------------------------------------------------
    def results(
        self, extension: _Kids | None, organisations: "_Organisations", lots: dict[str, Lot]
    ) -> list[LotResult]:
        if extension is None:
            return []
        notice_result_element = extension.first("efac:NoticeResult")
        if notice_result_element is None:
            return []
        notice_result = _Kids(notice_result_element)
        id_steps = _steps("cbc:ID")
        tenders = {_t(_first(t, id_steps)): t for t in notice_result.all("efac:LotTender")}
        parties = {_t(_first(p, id_steps)): p for p in notice_result.all("efac:TenderingParty")}
        contracts = {_t(_first(c, id_steps)): c for c in notice_result.all("efac:SettledContract")}
        results = []
        for lot_result_element in notice_result.all("efac:LotResult"):
            lot_result = _Kids(lot_result_element)
            result_id = lot_result.text("cbc:ID")  # OPT-322
            lot_id = lot_result.text("efac:TenderLot/cbc:ID")  # BT-13713
            if not lot_id:
                self.warnings.append(f"field BT-13713-LotResult: lot result {result_id} names no lot (skipped)")
                continue
            result = LotResult(lot_id=lot_id)
            status = lot_result.text("cbc:TenderResultCode")  # BT-142
            result.awarded = True if status == "selec-w" else False if status in ("clos-nw", "open-nw") else None
            for statistic in lot_result.all("efac:ReceivedSubmissionsStatistics"):  # BT-760 / BT-759
                statistic_code = _t(_find(statistic, "efbc:StatisticsCode"))
                count = to_decimal(_text_or_none(_find(statistic, "efbc:StatisticsNumeric")))
                if count is None:
                    continue
                if statistic_code == "tenders":
                    result.tenders_received = int(count)
                elif statistic_code == "t-sme":
                    result.sme_tenders_received = int(count)
            total = Decimal(0)
            seen: set[str] = set()
            # the tenders a lot result references are its winners, unless no winner was chosen (BT-142)
            references = () if result.awarded is False else lot_result.all("efac:LotTender/cbc:ID")
            for reference in references:  # OPT-320
                tender = tenders.get(_t(reference))
                if tender is None:
                    continue
                value, currency = self.amount(
                    _find(tender, "cac:LegalMonetaryTotal/cbc:PayableAmount"), "BT-720-Tender"
                )
                if value is not None:
                    total += value
                    result.value = total
                    result.currency = currency
                party = parties.get(_t(_find(tender, "efac:TenderingParty/cbc:ID")))  # OPT-310
                if party is None:
                    continue
                for tenderer in _findall(party, "efac:Tenderer/cbc:ID"):  # OPT-300-Tenderer
                    org_id = _t(tenderer)
                    if org_id in organisations and org_id not in seen:
                        seen.add(org_id)
                        result.winners.append(organisations[org_id])
            framework_max, framework_currency = self.amount(
                lot_result.first("efac:FrameworkAgreementValues/cbc:MaximumValueAmount"), "BT-709-LotResult"
            )
            if framework_max is not None:  # a framework's value is its maximum, not the sum of the winners' tenders
                result.value, result.currency = framework_max, framework_currency
            for reference in lot_result.all("efac:SettledContract/cbc:ID"):  # OPT-315
                contract = contracts.get(_t(reference))
                if contract is not None:
                    result.contract_number = _t(_find(contract, "efac:ContractReference/cbc:ID"))  # BT-150
                    result.conclusion_date = _date(_t(_find(contract, "cbc:IssueDate")))  # BT-145
                    break
            lot = lots.get(lot_id)
            if lot is not None:
                self.result_strategic(lot, lot_result, RESULT_PATH.format(res=result_id))
            results.append(result)
        return results

    def result_strategic(self, lot: Lot, lot_result: _Kids, base: str) -> None:
        for strategic in lot_result.all("efac:StrategicProcurement/efac:StrategicProcurementInformation"):
            category = _find(strategic, "efbc:ProcurementCategoryCode")
            sp = f"{base}/efac:StrategicProcurement/efac:StrategicProcurementInformation"
            if category is not None and category.get("listName") == "cvd-contract-type":
                lot.codes.append(
                    self.code("BT-735", "cvd-contract-type", _t(category), f"{sp}/efbc:ProcurementCategoryCode")
                )
                for details in _findall(strategic, "efac:ProcurementDetails"):
                    vehicle_category = _t(_find(details, "efbc:AssetCategoryCode"))  # BT-723
                    if vehicle_category:
                        lot.codes.append(
                            self.code(
                                "BT-723",
                                "vehicle-category",
                                vehicle_category,
                                f"{sp}/efac:ProcurementDetails/efbc:AssetCategoryCode",
                            )
                        )
                    for statistic in _findall(details, "efac:StrategicProcurementStatistics"):
                        vehicle_type = _t(_find(statistic, "efbc:StatisticsCode"))  # OPT-155
                        count = to_decimal(_text_or_none(_find(statistic, "efbc:StatisticsNumeric")))  # OPT-156
                        if vehicle_type and count is not None:
                            lot.vehicle_counts[vehicle_type] = lot.vehicle_counts.get(vehicle_type, 0) + int(count)
                            lot.codes.append(
                                self.code(
                                    "OPT-155",
                                    "vehicles",
                                    vehicle_type,
                                    f"{sp}/efac:ProcurementDetails/efac:StrategicProcurementStatistics/efbc:StatisticsCode",
                                )
                            )
            elif _find(strategic, "efac:ProcurementDetails/efbc:LegalFrameworkCode") is not None:
                parent = strategic.getparent()
                if parent is not None:
                    self.eed_details(lot, parent, f"{base}/efac:StrategicProcurement")


class _Organisations:
    """The notice's organisations by technical id (OPT-200), turned into a `Party` only when one is referenced
    (most notices list a dozen organisations and reference two)."""

    def __init__(self, reader: _Reader, companies: dict[str, etree._Element]) -> None:
        self.reader = reader
        self.companies = companies
        self.parties: dict[str, Party] = {}

    def __contains__(self, org_id: object) -> bool:
        return org_id in self.companies

    def get(self, org_id: str) -> Party | None:
        if org_id not in self.companies:
            return None
        if org_id not in self.parties:
            self.parties[org_id] = self.reader.party(self.companies[org_id])
        return self.parties[org_id]

    def __getitem__(self, org_id: str) -> Party:
        party = self.get(org_id)
        if party is None:
            raise KeyError(org_id)
        return party


def read_eforms(data: bytes, *, file: str = "", root: etree._Element | None = None) -> Notice:
    """Read one eForms notice from its bytes (or an already parsed root). Raises `ReadError`."""
    if root is None:
        root = parse_xml(data, file=file)
    return _Reader(root, file).read()
