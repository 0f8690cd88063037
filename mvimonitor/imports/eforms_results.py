"""The results of an eForms notice (efac:NoticeResult): per lot result the winners, tender counts, value and
contract, and the CVD and EED results added to the lot. Internal to the eForms reader (see `eforms.py`).
"""

from decimal import Decimal

from .eforms_base import RESULT_PATH, _Organisations
from .eforms_lots import _LotReader
from .eforms_xml import _date, _find, _findall, _first, _Kids, _steps, _t, _text_or_none
from .notices import Lot, LotResult
from .xmlsafe import to_decimal


class _ResultReader(_LotReader):
    """Reads the notice result into `LotResult`s; EED results reuse the lots' reading of EED details."""

    def results(self, extension: _Kids | None, organisations: _Organisations, lots: dict[str, Lot]) -> list[LotResult]:
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
