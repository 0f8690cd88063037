"""eForms UBL reader: one eForms notice (TED since 2023, TenderNed for EU notices) into a `Notice`.

Pure Python + lxml, no Django. Every path below is the SDK 1.15.1 `xpathAbsolute`/`xpathRelative` of the business
term beside it (shared/data/eforms/fields/fields.json), written for lxml's ElementPath relative to the node the
reader stands on (the notice root, a lot, a lot result). Codes are kept as published; codes the project's mapping
does not know become a warning on the notice, not an error (codelists are versioned by the Publications Office).
"""

import re
from collections.abc import Iterable
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


@cache
def _q(path: str) -> str:
    """An ElementPath in Clark notation ({namespace}Name): lxml then finds it in its path cache without sorting the
    namespace map on every call, which made namespaced lookups the reader's main cost."""
    return _PREFIX.sub(lambda m: "{" + NS[m.group(1)] + "}", path)


def _t(element: etree._Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return element.text.strip()


def _date(text: str) -> date | None:
    """eForms dates carry an offset (2023-03-23+01:00); the calendar date is what counts."""
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


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

    def text_pref(self, parent: etree._Element | None, path: str) -> str:
        """A multilingual text (one element per @languageID): the notice language first, else the first one."""
        if parent is None:
            return ""
        elements = parent.findall(_q(path))
        if not elements:
            return ""
        for element in elements:
            if element.get("languageID") == self.language:
                return _t(element)
        return _t(elements[0])

    def texts(self, parent: etree._Element | None, path: str, field: str, where: str) -> list[Text]:
        if parent is None:
            return []
        return [
            Text(field=field, path=where, text=_t(element), language=element.get("languageID", ""))
            for element in parent.findall(_q(path))
            if _t(element)
        ]

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
        notice_id = ""
        for element in root.findall(_q("cbc:ID")):
            if element.get("schemeName") == "notice-id":
                notice_id = _t(element)
        self.notice_id = notice_id
        if not notice_id:
            raise self.error("the notice identifier is missing", "BT-701-notice")
        procedure_id = _t(root.find(_q("cbc:ContractFolderID")))
        if not procedure_id:
            raise self.error("the procedure identifier is missing", "BT-04-notice")
        type_element = root.find(_q("cbc:NoticeTypeCode"))
        notice_type = _t(type_element)
        if not notice_type:
            raise self.error("the notice type is missing", "BT-02-notice")
        form_type = type_element.get("listName", "") if type_element is not None else ""
        if form_type not in FORM_TYPE_FAMILY:
            raise self.error(f"unknown form type {form_type!r} for notice type {notice_type!r}", "BT-03-notice")
        known_types = known_codes("notice-type")
        if known_types is not None and notice_type not in known_types:
            raise self.error(f"unknown notice type {notice_type!r}", "BT-02-notice")
        self.language = _t(root.find(_q("cbc:NoticeLanguageCode")))
        extension = root.find(_q(EXT))

        family = FORM_TYPE_FAMILY[form_type]
        changes_notice_id = ""
        if extension is not None:
            changed = extension.find(_q("efac:Changes/efbc:ChangedNoticeIdentifier"))  # BT-758
            if changed is not None:
                changes_notice_id = _t(changed)
                family = NoticeFamily.CHANGE
            modified = extension.find(_q("efac:ContractModification/efbc:ChangedNoticeIdentifier"))  # BT-1501(n)
            if modified is not None and not changes_notice_id:
                changes_notice_id = _t(modified)

        organisations = self.organisations(extension)
        project = root.find(_q("cac:ProcurementProject"))
        estimated, currency = self.amount(
            project.find(_q("cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"))
            if project is not None
            else None,
            "BT-27-Procedure",
        )
        procedure_code = _t(root.find(_q("cac:TenderingProcess/cbc:ProcedureCode")))  # BT-105
        if procedure_code and procedure_code not in PROCEDURE_TYPES:
            self.warnings.append(f"field BT-105-Procedure: unknown procedure type {procedure_code!r}")
        regulatory_domain = _t(root.find(_q("cbc:RegulatoryDomain")))  # BT-01
        publication = extension.find(_q("efac:Publication")) if extension is not None else None
        ojs_id = ""
        publication_date = None
        if publication is not None:
            ojs_id = _t(publication.find(_q("efbc:NoticePublicationID"))).lstrip("0")  # OPP-010
            publication_date = _date(_t(publication.find(_q("efbc:PublicationDate"))))  # OPP-012
        if publication_date is None:
            publication_date = _date(_t(root.find(_q("cbc:IssueDate"))))  # BT-05(a)

        lots = [self.lot(element) for element in self.lot_elements()]
        results = self.results(extension, organisations, {lot.lot_id: lot for lot in lots})
        nature = (
            NATURES.get(_t(project.find(_q("cbc:ProcurementTypeCode[@listName='contract-nature']"))), "")
            if project is not None
            else ""
        )
        procedure_codes: list[Code] = []
        if procedure_code:
            procedure_codes.append(
                self.code(
                    "BT-105", "procurement-procedure-type", procedure_code, "/*/cac:TenderingProcess/cbc:ProcedureCode"
                )
            )
        withheld = sorted({_t(e) for e in root.iter(f"{{{NS['efbc']}}}FieldIdentifierCode") if _t(e)})  # BT-195

        return Notice(
            source_format=SourceFormat.EFORMS,
            notice_id=notice_id,
            version=_t(root.find(_q("cbc:VersionID"))),
            procedure_id=procedure_id,
            family=family,
            notice_type=notice_type,
            notice_subtype=_t(extension.find(_q("efac:NoticeSubType/cbc:SubTypeCode")))
            if extension is not None
            else "",
            language=self.language,
            publication_date=publication_date,
            buyer=self.buyer(organisations),
            title=self.text_pref(project, "cbc:Name"),
            description=self.text_pref(project, "cbc:Description"),
            nature=nature,
            procedure_type=PROCEDURE_TYPES.get(procedure_code, ""),
            is_european=regulatory_domain.startswith("3") if regulatory_domain else None,
            estimated_value=estimated,
            currency=currency,
            main_cpv=_t(project.find(_q("cac:MainCommodityClassification/cbc:ItemClassificationCode")))
            if project is not None
            else "",
            additional_cpvs=[
                _t(e) for e in project.findall(_q("cac:AdditionalCommodityClassification/cbc:ItemClassificationCode"))
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

    def lot_elements(self) -> Iterable[etree._Element]:
        for element in self.root.findall(_q("cac:ProcurementProjectLot")):
            id_element = element.find(_q("cbc:ID"))
            if id_element is not None and id_element.get("schemeName") == "Lot":
                yield element

    # -- organisations and buyer ---------------------------------------------------------------------------------
    def organisations(self, extension: etree._Element | None) -> "_Organisations":
        companies: dict[str, etree._Element] = {}
        if extension is not None:
            for company in extension.findall(_q("efac:Organizations/efac:Organization/efac:Company")):
                org_id = _t(company.find(_q("cac:PartyIdentification/cbc:ID")))  # OPT-200
                if org_id:
                    companies[org_id] = company
        return _Organisations(self, companies)

    def party(self, company: etree._Element) -> Party:
        national_id = _t(company.find(_q("cac:PartyLegalEntity/cbc:CompanyID")))  # BT-501
        country = _t(company.find(_q("cac:PostalAddress/cac:Country/cbc:IdentificationCode")))  # BT-514
        kvk, oin = dutch_ids(national_id, country)
        return Party(
            name=self.text_pref(company, "cac:PartyName/cbc:Name"),  # BT-500
            national_id=national_id,
            kvk_number=kvk,
            oin=oin,
            country=country,
            nuts=_t(company.find(_q("cac:PostalAddress/cbc:CountrySubentityCode"))),  # BT-507
            size=_t(company.find(_q("efbc:CompanySizeCode"))),  # BT-165
        )

    def buyer(self, organisations: "_Organisations") -> Party | None:
        party = self.root.find(_q("cac:ContractingParty"))
        if party is None:
            return None
        org_id = _t(party.find(_q("cac:Party/cac:PartyIdentification/cbc:ID")))  # OPT-300-Procedure-Buyer
        legal_type = ""
        for element in party.findall(_q("cac:ContractingPartyType/cbc:PartyTypeCode")):
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
    def lot(self, element: etree._Element) -> Lot:
        lot_id = _t(element.find(_q("cbc:ID")))  # BT-137
        base = LOT_PATH.format(lot=lot_id)
        project = element.find(_q("cac:ProcurementProject"))
        terms = element.find(_q("cac:TenderingTerms"))
        lot = Lot(lot_id=lot_id)
        if project is not None:
            lot.title = self.text_pref(project, "cbc:Name")  # BT-21
            lot.description = self.text_pref(project, "cbc:Description")  # BT-24
            lot.estimated_value, lot.currency = self.amount(
                project.find(_q("cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount")), "BT-27-Lot"
            )
            lot.main_cpv = _t(project.find(_q("cac:MainCommodityClassification/cbc:ItemClassificationCode")))  # BT-262
            lot.additional_cpvs = [
                _t(e) for e in project.findall(_q("cac:AdditionalCommodityClassification/cbc:ItemClassificationCode"))
            ]  # BT-263
            for additional in project.findall(_q("cac:ProcurementAdditionalType")):
                code_element = additional.find(_q("cbc:ProcurementTypeCode"))
                list_name = code_element.get("listName", "") if code_element is not None else ""
                field = ADDITIONAL_TYPES.get(list_name)
                if field is None or not _t(code_element):
                    continue
                path = (
                    f"{base}/cac:ProcurementProject/cac:ProcurementAdditionalType"
                    f"/cbc:ProcurementTypeCode[@listName='{list_name}']"
                )
                lot.codes.append(self.code(field, list_name, _t(code_element), path))
                if list_name == "strategic-procurement":  # BT-777 description
                    lot.texts += self.texts(
                        additional,
                        "cbc:ProcurementType",
                        "BT-777",
                        f"{base}/cac:ProcurementProject/cac:ProcurementAdditionalType[cbc:ProcurementTypeCode/@listName='strategic-procurement']/cbc:ProcurementType",
                    )
            sme = _t(project.find(_q("cbc:SMESuitableIndicator")))  # BT-726
            if sme:
                lot.codes.append(
                    self.code("BT-726", "indicator", sme, f"{base}/cac:ProcurementProject/cbc:SMESuitableIndicator")
                )
            lot.texts += self.texts(
                project, "cbc:Description", "BT-24", f"{base}/cac:ProcurementProject/cbc:Description"
            )
        if terms is not None:
            self.lot_terms(lot, terms, base)
        return lot

    def lot_terms(self, lot: Lot, terms: etree._Element, base: str) -> None:
        tt = f"{base}/cac:TenderingTerms"
        for requirement in terms.findall(_q("cac:TendererQualificationRequest/cac:SpecificTendererRequirement")):
            code_element = requirement.find(_q("cbc:TendererRequirementTypeCode"))
            if (
                code_element is not None
                and code_element.get("listName") == "reserved-procurement"
                and _t(code_element)
            ):
                lot.codes.append(
                    self.code(
                        "BT-71",
                        "reserved-procurement",
                        _t(code_element),
                        f"{tt}/cac:TendererQualificationRequest/cac:SpecificTendererRequirement/cbc:TendererRequirementTypeCode[@listName='reserved-procurement']",
                    )
                )
        for requirement in terms.findall(_q("cac:ContractExecutionRequirement")):
            code_element = requirement.find(_q("cbc:ExecutionRequirementCode"))
            if code_element is None:
                continue
            list_name = code_element.get("listName", "")
            if list_name == "reserved-execution" and _t(code_element):  # BT-736
                lot.codes.append(
                    self.code(
                        "BT-736",
                        "reserved-execution",
                        _t(code_element),
                        f"{tt}/cac:ContractExecutionRequirement/cbc:ExecutionRequirementCode[@listName='reserved-execution']",
                    )
                )
            elif list_name == "conditions":  # BT-70 performance terms
                lot.texts += self.texts(
                    requirement,
                    "cbc:Description",
                    "BT-70",
                    f"{tt}/cac:ContractExecutionRequirement[cbc:ExecutionRequirementCode/@listName='conditions']/cbc:Description",
                )
        extension = terms.find(_q(EXT))
        if extension is not None:
            self.lot_extension(lot, extension, f"{tt}/{EXT}")
        self.award_criteria(lot, terms, tt)

    def lot_extension(self, lot: Lot, extension: etree._Element, base: str) -> None:
        for strategic in extension.findall(_q("efac:StrategicProcurement")):
            legal_basis = strategic.find(_q("efbc:ApplicableLegalBasis"))
            scope = legal_basis.get("listName", "") if legal_basis is not None else ""
            sp = f"{base}/efac:StrategicProcurement[efbc:ApplicableLegalBasis/@listName='{scope}']"
            if scope == "cvd-scope":
                lot.codes.append(self.code("BT-717", "cvd-scope", _t(legal_basis), f"{sp}/efbc:ApplicableLegalBasis"))
                for category in strategic.findall(
                    "efac:StrategicProcurementInformation/efbc:ProcurementCategoryCode", NS
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
        for criterion in extension.findall(_q("efac:SelectionCriteria")):  # BT-809 / BT-750
            code_element = criterion.find(_q("cbc:TendererRequirementTypeCode"))
            path = f"{base}/efac:SelectionCriteria"
            if code_element is not None and _t(code_element):
                lot.codes.append(
                    self.code(
                        "BT-809", "selection-criterion", _t(code_element), f"{path}/cbc:TendererRequirementTypeCode"
                    )
                )
            lot.texts += self.texts(criterion, "cbc:Description", "BT-750", f"{path}/cbc:Description")

    def eed_details(self, lot: Lot, strategic: etree._Element, base: str) -> None:
        details_path = f"{base}/efac:StrategicProcurementInformation/efac:ProcurementDetails"
        for details in strategic.findall(_q("efac:StrategicProcurementInformation/efac:ProcurementDetails")):
            basis = _t(details.find(_q("efbc:LegalFrameworkCode")))  # BT-811(a)
            if basis:
                lot.codes.append(
                    self.code("BT-811(a)", "energy-efficiency-basis", basis, f"{details_path}/efbc:LegalFrameworkCode")
                )
            item = _t(details.find(_q("efbc:AssetCategoryCode")))  # BT-811(b)
            if item:
                lot.codes.append(
                    self.code("BT-811(b)", "energy-efficiency-item", item, f"{details_path}/efbc:AssetCategoryCode")
                )
            label = _t(details.find(_q("efac:AssetLabel/efbc:LabelCode")))  # BT-812
            if label:
                lot.codes.append(
                    self.code(
                        "BT-812", "energy-efficiency-label", label, f"{details_path}/efac:AssetLabel/efbc:LabelCode"
                    )
                )
            for metric in details.findall(_q("efac:AssetMetric")):  # BT-813 / BT-814
                metric_code = _t(metric.find(_q("efbc:AssetMetricCode")))
                value = to_decimal(metric.findtext(_q("efbc:AssetMetricNumeric")))
                if metric_code and value is not None:
                    lot.energy_metrics[metric_code] = lot.energy_metrics.get(metric_code, Decimal(0)) + value

    def award_criteria(self, lot: Lot, terms: etree._Element, base: str) -> None:
        path = f"{base}/cac:AwardingTerms/cac:AwardingCriterion/cac:SubordinateAwardingCriterion"
        for index, criterion in enumerate(
            terms.findall(_q("cac:AwardingTerms/cac:AwardingCriterion/cac:SubordinateAwardingCriterion")), start=1
        ):
            weight_kind = ""
            weight_number = None
            for parameter in criterion.findall(_q(f"{EXT}/efac:AwardCriterionParameter")):
                parameter_code = parameter.find(_q("efbc:ParameterCode"))
                if parameter_code is not None and parameter_code.get("listName") == "number-weight":
                    weight_kind = _t(parameter_code)  # BT-5421
                    weight_number = to_decimal(parameter.findtext(_q("efbc:ParameterNumeric")))  # BT-541
            weight = None
            if weight_number is not None and weight_kind in ("per-exa", "per-mid"):
                weight = weight_number
            elif weight_number is not None and weight_kind in ("dec-exa", "dec-mid"):
                weight = weight_number * 100
            here = f"{path}[{index}]"
            name = self.text_pref(criterion, "cbc:Name")
            description = self.text_pref(criterion, "cbc:Description")
            lot.award_criteria.append(
                AwardCriterion(
                    criterion_type=_t(criterion.find(_q("cbc:AwardingCriterionTypeCode"))),  # BT-539
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
        self, extension: etree._Element | None, organisations: "_Organisations", lots: dict[str, Lot]
    ) -> list[LotResult]:
        if extension is None:
            return []
        notice_result = extension.find(_q("efac:NoticeResult"))
        if notice_result is None:
            return []
        tenders = {_t(t.find(_q("cbc:ID"))): t for t in notice_result.findall(_q("efac:LotTender"))}
        parties = {_t(p.find(_q("cbc:ID"))): p for p in notice_result.findall(_q("efac:TenderingParty"))}
        contracts = {_t(c.find(_q("cbc:ID"))): c for c in notice_result.findall(_q("efac:SettledContract"))}
        results = []
        for lot_result in notice_result.findall(_q("efac:LotResult")):
            result_id = _t(lot_result.find(_q("cbc:ID")))  # OPT-322
            lot_id = _t(lot_result.find(_q("efac:TenderLot/cbc:ID")))  # BT-13713
            if not lot_id:
                self.warnings.append(f"field BT-13713-LotResult: lot result {result_id} names no lot (skipped)")
                continue
            result = LotResult(lot_id=lot_id)
            status = _t(lot_result.find(_q("cbc:TenderResultCode")))  # BT-142
            result.awarded = True if status == "selec-w" else False if status in ("clos-nw", "open-nw") else None
            for statistic in lot_result.findall(_q("efac:ReceivedSubmissionsStatistics")):  # BT-760 / BT-759
                statistic_code = _t(statistic.find(_q("efbc:StatisticsCode")))
                count = to_decimal(statistic.findtext(_q("efbc:StatisticsNumeric")))
                if count is None:
                    continue
                if statistic_code == "tenders":
                    result.tenders_received = int(count)
                elif statistic_code == "t-sme":
                    result.sme_tenders_received = int(count)
            total = Decimal(0)
            seen: set[str] = set()
            # the tenders a lot result references are its winners, unless no winner was chosen (BT-142)
            references = [] if result.awarded is False else lot_result.findall(_q("efac:LotTender/cbc:ID"))
            for reference in references:  # OPT-320
                tender = tenders.get(_t(reference))
                if tender is None:
                    continue
                value, currency = self.amount(
                    tender.find(_q("cac:LegalMonetaryTotal/cbc:PayableAmount")), "BT-720-Tender"
                )
                if value is not None:
                    total += value
                    result.value = total
                    result.currency = currency
                party = parties.get(_t(tender.find(_q("efac:TenderingParty/cbc:ID"))))  # OPT-310
                if party is None:
                    continue
                for tenderer in party.findall(_q("efac:Tenderer/cbc:ID")):  # OPT-300-Tenderer
                    org_id = _t(tenderer)
                    if org_id in organisations and org_id not in seen:
                        seen.add(org_id)
                        result.winners.append(organisations[org_id])
            framework_max, framework_currency = self.amount(
                lot_result.find(_q("efac:FrameworkAgreementValues/cbc:MaximumValueAmount")), "BT-709-LotResult"
            )
            if framework_max is not None:  # a framework's value is its maximum, not the sum of the winners' tenders
                result.value, result.currency = framework_max, framework_currency
            for reference in lot_result.findall(_q("efac:SettledContract/cbc:ID")):  # OPT-315
                contract = contracts.get(_t(reference))
                if contract is not None:
                    result.contract_number = _t(contract.find(_q("efac:ContractReference/cbc:ID")))  # BT-150
                    result.conclusion_date = _date(_t(contract.find(_q("cbc:IssueDate"))))  # BT-145
                    break
            lot = lots.get(lot_id)
            if lot is not None:
                self.result_strategic(lot, lot_result, RESULT_PATH.format(res=result_id))
            results.append(result)
        return results

    def result_strategic(self, lot: Lot, lot_result: etree._Element, base: str) -> None:
        for strategic in lot_result.findall(_q("efac:StrategicProcurement/efac:StrategicProcurementInformation")):
            category = strategic.find(_q("efbc:ProcurementCategoryCode"))
            sp = f"{base}/efac:StrategicProcurement/efac:StrategicProcurementInformation"
            if category is not None and category.get("listName") == "cvd-contract-type":
                lot.codes.append(
                    self.code("BT-735", "cvd-contract-type", _t(category), f"{sp}/efbc:ProcurementCategoryCode")
                )
                for details in strategic.findall(_q("efac:ProcurementDetails")):
                    vehicle_category = _t(details.find(_q("efbc:AssetCategoryCode")))  # BT-723
                    if vehicle_category:
                        lot.codes.append(
                            self.code(
                                "BT-723",
                                "vehicle-category",
                                vehicle_category,
                                f"{sp}/efac:ProcurementDetails/efbc:AssetCategoryCode",
                            )
                        )
                    for statistic in details.findall(_q("efac:StrategicProcurementStatistics")):
                        vehicle_type = _t(statistic.find(_q("efbc:StatisticsCode")))  # OPT-155
                        count = to_decimal(statistic.findtext(_q("efbc:StatisticsNumeric")))  # OPT-156
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
            elif strategic.find(_q("efac:ProcurementDetails/efbc:LegalFrameworkCode")) is not None:
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
