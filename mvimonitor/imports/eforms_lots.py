"""The lots of an eForms notice: project, codes (BT-06/774/775/776/805/754/726), texts, reserved contracts, CVD and
EED scope, selection criteria and award criteria. Parts of a prior information notice (PAR-) and lot groups (GLO-)
are read the same way; a group's signals then reach its lots (`inherit`). Internal to the eForms reader (see
`eforms.py`).
"""

from decimal import Decimal

from lxml import etree

from .eforms_base import ADDITIONAL_TYPES, CRITERION_TYPES, PROJECT_LOT_PATH, _ReaderBase
from .eforms_xml import EXT, _find, _findall, _first, _Kids, _steps, _t, _text_or_none
from .notices import AwardCriterion, Lot
from .xmlsafe import to_decimal


class _LotReader(_ReaderBase):
    """Reads the lots (cac:ProcurementProjectLot with schemeName Lot, Part or LotsGroup) into `Lot`s."""

    def lot(self, element: _Kids, scheme: str = "Lot") -> Lot:
        lot_id = element.text("cbc:ID")  # BT-137
        base = PROJECT_LOT_PATH.format(scheme=scheme, lot=lot_id)
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
            # BT-748 "used"/"n-used" (usage codelist; SDK 1.15 no longer lists the field, notices still carry it):
            # a criterion the buyer marks as not used is not a requirement, so neither its code nor its text counts
            if _t(_find(criterion, "cbc:CalculationExpressionCode")) == "n-used":
                continue
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
            criterion_type = criterion.text("cbc:AwardingCriterionTypeCode")  # BT-539
            if criterion_type not in CRITERION_TYPES:
                self.untyped_criterion(lot, criterion, criterion_type, here, index)
                continue
            name = self.text_pref(criterion.all("cbc:Name"))
            description = self.text_pref(criterion.all("cbc:Description"))
            lot.award_criteria.append(
                AwardCriterion(
                    criterion_type=criterion_type,
                    name=name,  # BT-734
                    description=description,  # BT-540
                    weight=weight,
                    weight_kind=weight_kind,
                    path=here,
                    weight_number=weight_number,
                )
            )
        self.normalise_points(lot)

    def untyped_criterion(self, lot: Lot, criterion: _Kids, criterion_type: str, here: str, index: int) -> None:
        """A criterion without a known BT-539 type ("price is not the only criterion; see the documents") cannot be
        stored as an award criterion (its type is price, quality or cost): its name and description are kept as
        texts of the lot (BT-734, BT-540) and a warning names the field, instead of losing the notice."""
        what = f"unknown type {criterion_type!r}" if criterion_type else "no type"
        field = "BT-539-LotsGroup" if lot.lot_id.startswith("GLO-") else "BT-539-Lot"
        self.warnings.append(
            f"field {field}: award criterion {index} of {lot.lot_id} has {what} "
            "(its text is kept, not as an award criterion)"
        )
        lot.texts += self.texts(criterion.all("cbc:Name"), "BT-734", f"{here}/cbc:Name")
        lot.texts += self.texts(criterion.all("cbc:Description"), "BT-540", f"{here}/cbc:Description")

    @staticmethod
    def inherit(lot: Lot, group: Lot) -> None:
        """What a lot group (GLO-) says reaches each of its lots, where the lot does not say it itself: codes per
        field and codelist (BT-726 SME-suitable, BT-06, ...), texts per field, and the award criteria when the lot
        has none. The group's paths stay as evidence. A lot in several groups takes the first group's value."""
        own_codes = {(code.field, code.list_name) for code in lot.codes}
        lot.codes += [code for code in group.codes if (code.field, code.list_name) not in own_codes]
        own_texts = {text.field for text in lot.texts}
        lot.texts += [text for text in group.texts if text.field not in own_texts]
        if not lot.award_criteria:
            lot.award_criteria = list(group.award_criteria)

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
