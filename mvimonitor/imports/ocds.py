"""OCDS reader: release packages and record packages, streamed with ijson, each release into a `Notice`.

A package of several gigabytes (TenderNed's yearly files) is never loaded whole: `iter_ocds` walks the JSON with
ijson and builds one release at a time. Each release (for a record package: the record's `compiledRelease`, or its
embedded releases when there is no compiled one) becomes one `RawNotice` whose `raw` is that release re-serialised
as JSON, so the import can keep and replay it.

Read besides the core fields: the Sustainability extension (`sustainability[]` goal/strategies/description, on lots
and on the tender) and the OCDS-for-eForms profile fields that carry MVI facts (`coveredBy` EU-CVD,
`otherRequirements.reservedParticipation`, `contractTerms.reservedExecution` and `performanceTerms`,
`hasAccessibilityCriteria`, `suitability.sme`, `awardCriteria.criteria[]`, `parties[].details.scale`,
`bids.statistics[]`, award items classified `eu-vehicles`). Profile facts that mean the same as an eForms code are
recorded with that eForms code (e.g. reservedParticipation `shelteredWorkshop` -> reserved-procurement `res-ws`) so
one mapping row serves both formats; the path says where it came from. Tender-level reserved participation,
reserved execution and sustainability apply to every lot that does not give its own (a lot's own value, also an
empty list, `false` or `hasSustainability: false`, wins).
"""

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import IO, Any

import ijson

from . import jsonstream
from .notices import (
    DEFAULT_LIMITS,
    AwardCriterion,
    Code,
    InputStoppedError,
    Limits,
    Lot,
    LotResult,
    Notice,
    NoticeFamily,
    Party,
    RawNotice,
    ReadError,
    SourceFormat,
    Text,
    check_limits,
)
from .xmlsafe import dutch_ids, to_decimal

TAG_FAMILY = {
    "planning": NoticeFamily.PLANNING,
    "planningUpdate": NoticeFamily.PLANNING,
    "tender": NoticeFamily.COMPETITION,
    "tenderAmendment": NoticeFamily.CHANGE,
    "tenderUpdate": NoticeFamily.CHANGE,
    "tenderCancellation": NoticeFamily.CHANGE,
    "award": NoticeFamily.RESULT,
    "awardUpdate": NoticeFamily.CHANGE,
    "awardCancellation": NoticeFamily.CHANGE,
    "contract": NoticeFamily.RESULT,
    "contractUpdate": NoticeFamily.CHANGE,
    "contractAmendment": NoticeFamily.CHANGE,
    "implementation": NoticeFamily.RESULT,
    "implementationUpdate": NoticeFamily.CHANGE,
    "contractTermination": NoticeFamily.CHANGE,
}
CATEGORY_NATURE = {"goods": "supplies", "works": "works", "services": "services"}
METHOD_PROCEDURE = {"open": "open", "selective": "restricted", "limited": "neg-wo-call", "direct": "other"}
RESERVED_PARTICIPATION = {"shelteredWorkshop": "res-ws", "publicServiceMissionOrganization": "res-pub-ser"}
NUTS = re.compile(r"[A-Z]{2}[0-9A-Z]{1,3}")
SIZES = {"micro", "small", "medium", "large", "sme"}


def _decimal_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def release_bytes(release: object) -> bytes:
    return json.dumps(release, default=_decimal_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _cpv(value: object) -> str:
    text = str(value or "").strip()
    digits = text.split("-")[0].split(".")[0]
    return digits[:8] if digits[:8].isdigit() and len(digits) >= 8 else ""


def _date(value: object) -> date | None:
    text = str(value or "")
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _amount(value: object) -> tuple[Decimal | None, str]:
    data = _dict(value)
    amount = data.get("amount")
    number = amount if isinstance(amount, Decimal) else to_decimal(str(amount)) if amount is not None else None
    return number, str(data.get("currency") or "")


class _Reader:
    def __init__(self, release: dict[str, Any], file: str, locator: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.release = release
        self.file = file
        self.locator = locator
        self.limits = limits
        self.warnings: list[str] = []

    def check_lists(self, name: str) -> None:
        """Refuse a release whose lists (lots, items, awards, ...) hold more entries than a notice may, before they
        are read."""
        release = self.release
        tender = _dict(release.get("tender"))
        awards = [_dict(a) for a in _list(release.get("awards"))]
        lots = max(len(_list(tender.get("lots"))), 1)
        sustainability = _list(tender.get("sustainability"))
        # what reading makes of them: tender-level sustainability is copied to every lot, and an award gives one
        # result per related lot, each with all of the award's suppliers
        counts = {
            "tender.lots": (len(_list(tender.get("lots"))), self.limits.max_lots),
            "tender.items": (len(_list(tender.get("items"))), self.limits.max_entries),
            "tender.sustainability": (
                lots * sum(1 + len(_list(_dict(e).get("strategies"))) for e in sustainability),
                self.limits.max_entries,
            ),
            "parties": (len(_list(release.get("parties"))), self.limits.max_entries),
            "awards": (len(awards), self.limits.max_entries),
            "awards.relatedLots": (
                sum(max(len(_list(a.get("relatedLots"))), 1) * (1 + len(_list(a.get("suppliers")))) for a in awards),
                self.limits.max_entries,
            ),
            "contracts": (len(_list(release.get("contracts"))), self.limits.max_entries),
            "bids.statistics": (len(_list(_dict(release.get("bids")).get("statistics"))), self.limits.max_entries),
        }
        for path, (count, limit) in counts.items():
            if count > limit:
                raise ReadError(
                    f"the release has {count} entries in {path} (as read), above the limit of {limit}",
                    file=self.file,
                    notice=name,
                    field=path,
                )

    def read(self) -> Notice:
        release = self.release
        release_id = str(release.get("id") or "")
        ocid = str(release.get("ocid") or "")
        if not ocid:
            raise ReadError("the release has no ocid", file=self.file, notice=release_id or self.locator, field="ocid")
        if not release_id:
            raise ReadError("the release has no id", file=self.file, notice=self.locator, field="id")
        self.check_lists(release_id)
        tags = [str(t) for t in _list(release.get("tag"))]
        tender = _dict(release.get("tender"))
        parties = {str(p.get("id")): p for p in _list(release.get("parties")) if isinstance(p, dict)}
        family = self.family(tags, release)
        value, currency = _amount(tender.get("value"))
        items = [i for i in _list(tender.get("items")) if isinstance(i, dict)]
        main_cpv, additional = self.cpvs(tender, items)
        method_details = str(tender.get("procurementMethodDetails") or "")
        procedure_type = METHOD_PROCEDURE.get(str(tender.get("procurementMethod") or ""), "")
        codes: list[Code] = []
        if "innovat" in method_details.lower():
            procedure_type = "innovation"
            codes.append(
                Code(
                    "tender.procurementMethodDetails",
                    "procurement-procedure-type",
                    "innovation",
                    "tender.procurementMethodDetails",
                )
            )
        lots = self.lots(tender, items)
        return Notice(
            source_format=SourceFormat.OCDS,
            notice_id=release_id,
            version=str(release.get("date") or ""),
            procedure_id=ocid,
            family=family,
            notice_type=",".join(tags),
            language=str(release.get("language") or ""),
            publication_date=_date(release.get("date")),
            buyer=self.buyer(release, parties),
            title=str(tender.get("title") or ""),
            description=str(tender.get("description") or ""),
            nature=CATEGORY_NATURE.get(str(tender.get("mainProcurementCategory") or ""), ""),
            procedure_type=procedure_type,
            is_european=("GPA" in _list(tender.get("coveredBy"))) or None,
            estimated_value=value,
            currency=currency,
            main_cpv=main_cpv,
            additional_cpvs=additional,
            ocid=ocid,
            lots=lots,
            results=self.results(release, parties),
            codes=codes,
            warnings=self.warnings,
        )

    @staticmethod
    def family(tags: list[str], release: dict[str, Any]) -> NoticeFamily:
        families = [TAG_FAMILY[t] for t in tags if t in TAG_FAMILY]
        if NoticeFamily.CHANGE in families:
            return NoticeFamily.CHANGE
        if families:
            return families[-1]
        if release.get("awards") or release.get("contracts"):
            return NoticeFamily.RESULT  # a compiled release: its latest stage
        if release.get("tender"):
            return NoticeFamily.COMPETITION
        return NoticeFamily.PLANNING

    @staticmethod
    def cpvs(holder: dict[str, Any], items: list[dict[str, Any]]) -> tuple[str, list[str]]:
        found: list[str] = []
        classification = _dict(holder.get("classification"))
        if str(classification.get("scheme", "")).upper() == "CPV":
            found.append(_cpv(classification.get("id")))
        for item in items:
            for cls in [_dict(item.get("classification")), *map(_dict, _list(item.get("additionalClassifications")))]:
                if str(cls.get("scheme", "")).upper() == "CPV":
                    found.append(_cpv(cls.get("id")))
        unique = list(dict.fromkeys(c for c in found if c))
        return (unique[0] if unique else ""), unique[1:]

    def party(self, data: dict[str, Any]) -> Party:
        identifier = _dict(data.get("identifier"))
        address = _dict(data.get("address"))
        details = _dict(data.get("details"))
        scheme = str(identifier.get("scheme") or "")
        national_id = str(identifier.get("id") or "")
        country = str(address.get("country") or address.get("countryName") or "")
        kvk, oin = "", ""
        if scheme == "NL-KVK":
            kvk = national_id
        elif scheme == "NL-OIN":
            oin = national_id
        else:
            kvk, oin = dutch_ids(national_id, country)
        legal_type = ""
        for cls in _list(details.get("classifications")):
            if _dict(cls).get("scheme") == "eu-buyer-legal-type":
                legal_type = str(cls.get("id") or "")
        scale = str(details.get("scale") or "")
        region = str(address.get("region") or "")
        return Party(
            name=str(data.get("name") or identifier.get("legalName") or ""),
            national_id=national_id,
            kvk_number=kvk,
            oin=oin,
            country=country,
            nuts=region if NUTS.fullmatch(region) else "",
            size=scale if scale in SIZES else "",
            legal_type=legal_type,
        )

    def buyer(self, release: dict[str, Any], parties: dict[str, Any]) -> Party | None:
        reference = _dict(release.get("buyer"))
        data = parties.get(str(reference.get("id"))) if reference else None
        if data is None:
            data = next((p for p in parties.values() if "buyer" in _list(p.get("roles"))), None)
        if data is None:
            return Party(name=str(reference.get("name") or "")) if reference.get("name") else None
        return self.party(data)

    # -- lots ---------------------------------------------------------------------------------------------------
    def lots(self, tender: dict[str, Any], items: list[dict[str, Any]]) -> list[Lot]:
        raw_lots = [lot for lot in _list(tender.get("lots")) if isinstance(lot, dict)]
        if not raw_lots:
            if not tender:
                return []
            lot = self.lot(tender, "tender", "1", items)
            return [lot]
        lots = []
        by_lot: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            by_lot.setdefault(str(item.get("relatedLot") or ""), []).append(item)
        for index, data in enumerate(raw_lots):
            lot_id = str(data.get("id") or index + 1)
            lot_items = by_lot.get(lot_id, [])
            lots.append(self.lot(data, f"tender.lots[{index}]", lot_id, lot_items, tender))
        return lots

    def lot(
        self,
        data: dict[str, Any],
        base: str,
        lot_id: str,
        items: list[dict[str, Any]],
        tender: dict[str, Any] | None = None,
    ) -> Lot:
        """One lot from `data`; `tender` (for a real lot of a tender) gives the tender-level reserved participation,
        reserved execution and sustainability, which apply to the lot unless the lot gives its own."""
        value, currency = _amount(data.get("value"))
        main_cpv, additional = self.cpvs(data, items)
        lot = Lot(
            lot_id=lot_id,
            title=str(data.get("title") or ""),
            description=str(data.get("description") or ""),
            estimated_value=value,
            currency=currency,
            main_cpv=main_cpv,
            additional_cpvs=additional,
        )
        if lot.description:
            lot.texts.append(Text("description", f"{base}.description", lot.description))
        self.sustainability(lot, *self.inherited(data, tender, base, "sustainability"))
        if "EU-CVD" in _list(data.get("coveredBy")):
            lot.codes.append(Code("coveredBy", "cvd-scope", "true", f"{base}.coveredBy"))
        for index, cls in enumerate(_list(data.get("additionalClassifications"))):
            if _dict(cls).get("scheme") == "eu-cvd-contract-type":
                lot.codes.append(
                    Code(
                        "additionalClassifications",
                        "cvd-contract-type",
                        str(cls.get("id")),
                        f"{base}.additionalClassifications[{index}].id",
                    )
                )
        holder, where = self.inherited(data, tender, base, "otherRequirements", "reservedParticipation")
        other = _dict(holder.get("otherRequirements"))
        for index, reserved in enumerate(_list(other.get("reservedParticipation"))):
            code = RESERVED_PARTICIPATION.get(str(reserved))
            if code is None:
                self.warnings.append(
                    f"field {where}.otherRequirements.reservedParticipation: unknown code {reserved!r}"
                )
                continue
            lot.codes.append(
                Code(
                    "otherRequirements.reservedParticipation",
                    "reserved-procurement",
                    code,
                    f"{where}.otherRequirements.reservedParticipation[{index}]",
                )
            )
        holder, where = self.inherited(data, tender, base, "contractTerms", "reservedExecution")
        if _dict(holder.get("contractTerms")).get("reservedExecution") is True:
            lot.codes.append(
                Code(
                    "contractTerms.reservedExecution",
                    "reserved-execution",
                    "yes",
                    f"{where}.contractTerms.reservedExecution",
                )
            )
        terms = _dict(data.get("contractTerms"))
        if terms.get("performanceTerms"):
            lot.texts.append(
                Text(
                    "contractTerms.performanceTerms",
                    f"{base}.contractTerms.performanceTerms",
                    str(terms["performanceTerms"]),
                )
            )
        if isinstance(data.get("hasAccessibilityCriteria"), bool):
            lot.codes.append(
                Code(
                    "hasAccessibilityCriteria",
                    "accessibility",
                    "inc" if data["hasAccessibilityCriteria"] else "n-inc",
                    f"{base}.hasAccessibilityCriteria",
                )
            )
        suitability = _dict(data.get("suitability"))
        if isinstance(suitability.get("sme"), bool):
            lot.codes.append(
                Code(
                    "suitability.sme",
                    "indicator",
                    "true" if suitability["sme"] else "false",
                    f"{base}.suitability.sme",
                )
            )
        criteria = _dict(data.get("awardCriteria"))
        for index, criterion in enumerate(_list(criteria.get("criteria"))):
            criterion = _dict(criterion)
            weight_number, weight_kind = None, ""
            for number in _list(criterion.get("numbers")):
                number = _dict(number)
                if number.get("weight"):
                    raw = number.get("number")
                    weight_number = (
                        raw if isinstance(raw, Decimal) else to_decimal(str(raw)) if raw is not None else None
                    )
                    weight_kind = str(number.get("weight"))
            weight = None
            if weight_number is not None and weight_kind in ("percentageExact", "percentageRangeMiddle"):
                weight = weight_number
            elif weight_number is not None and weight_kind in ("decimalExact", "decimalRangeMiddle"):
                weight = weight_number * 100
            lot.award_criteria.append(
                AwardCriterion(
                    criterion_type=str(criterion.get("type") or ""),
                    name=str(criterion.get("name") or ""),
                    description=str(criterion.get("description") or ""),
                    weight=weight,
                    weight_kind=weight_kind,
                    path=f"{base}.awardCriteria.criteria[{index}]",
                    weight_number=weight_number,
                )
            )
        return lot

    @staticmethod
    def inherited(
        data: dict[str, Any], tender: dict[str, Any] | None, base: str, name: str, inner: str = ""
    ) -> tuple[dict[str, Any], str]:
        """Where the lot's value of `name` (or `name.inner`) comes from: the lot when it says anything about it
        (also `false`, an empty list, or `hasSustainability: false` for sustainability), else the tender."""
        if tender is None:
            return data, base
        if inner:
            says = inner in _dict(data.get(name))
        else:
            says = name in data or data.get(f"has{name[:1].upper()}{name[1:]}") is False
        return (data, base) if says else (tender, "tender")

    def sustainability(self, lot: Lot, holder: dict[str, Any], base: str) -> None:
        for index, entry in enumerate(_list(holder.get("sustainability"))):
            entry = _dict(entry)
            here = f"{base}.sustainability[{index}]"
            goal = str(entry.get("goal") or "")
            if goal:
                lot.codes.append(Code("sustainability.goal", "ocds-sustainability-goal", goal, f"{here}.goal"))
            for position, strategy in enumerate(_list(entry.get("strategies"))):
                lot.codes.append(
                    Code(
                        "sustainability.strategies",
                        "ocds-sustainability-strategy",
                        str(strategy),
                        f"{here}.strategies[{position}]",
                    )
                )
            if entry.get("description"):
                lot.texts.append(Text("sustainability.description", f"{here}.description", str(entry["description"])))

    # -- results ------------------------------------------------------------------------------------------------
    def results(self, release: dict[str, Any], parties: dict[str, Any]) -> list[LotResult]:
        statistics: dict[str, dict[str, int]] = {}
        for statistic in _list(_dict(release.get("bids")).get("statistics")):
            statistic = _dict(statistic)
            measure = str(statistic.get("measure") or "")
            count = to_decimal(str(statistic.get("value"))) if statistic.get("value") is not None else None
            if count is not None:
                statistics.setdefault(str(statistic.get("relatedLot") or "1"), {})[measure] = int(count)
        contracts = {str(_dict(c).get("awardID")): _dict(c) for c in _list(release.get("contracts"))}
        results = []
        for award in _list(release.get("awards")):
            award = _dict(award)
            related = [str(lot) for lot in _list(award.get("relatedLots"))] or ["1"]
            value, currency = _amount(award.get("value"))
            status = str(award.get("status") or "")
            winners = []
            for supplier in _list(award.get("suppliers")):
                supplier = _dict(supplier)
                data = parties.get(str(supplier.get("id")))
                winners.append(self.party(data) if data else Party(name=str(supplier.get("name") or "")))
            contract = contracts.get(str(award.get("id")), {})
            for lot_id in related:
                counts = statistics.get(lot_id, {})
                results.append(
                    LotResult(
                        lot_id=lot_id,
                        winners=list(winners),
                        value=value,
                        currency=currency,
                        tenders_received=counts.get("bids"),
                        sme_tenders_received=counts.get("smeBids"),
                        contract_number=str(contract.get("id") or ""),
                        conclusion_date=_date(contract.get("dateSigned")),
                        awarded=True
                        if status in ("active", "pending")
                        else False
                        if status == "unsuccessful"
                        else None,
                    )
                )
        return results


def read_release(release: object, *, file: str = "", locator: str = "", limits: Limits = DEFAULT_LIMITS) -> Notice:
    if not isinstance(release, dict):
        raise ReadError("a release must be a JSON object", file=file, notice=locator)
    return _Reader(release, file, locator, limits).read()


def _problem(built: jsonstream.Built, file: str, locator: str) -> RawNotice:
    """A release or record left unread because it passed a limit; the file keeps its bytes."""
    name = built.ids.get("id") or built.ids.get("ocid") or locator
    what = "record" if locator.startswith("records") and "." not in locator else "release"
    error = ReadError(f"the {what} is {built.problem} (not read)", file=file, notice=name, field=built.field)
    return RawNotice(file=file, locator=locator, raw=b"", error=error)


def iter_ocds(stream: IO[bytes], *, file: str = "", limits: Limits = DEFAULT_LIMITS) -> Iterator[RawNotice]:
    """Stream the releases of an OCDS package in one pass, one release (or record) in memory at a time.

    A release or record larger than `limits.max_notice_bytes` or nested deeper than `limits.max_depth` is reported
    (file, release id or place) and skipped; the ones after it are read on. The package may be UTF-8 (with or
    without a byte-order mark) or UTF-16/UTF-32 with a byte-order mark.
    """
    events = ijson.basic_parse(jsonstream.utf8(stream))
    kind = ""
    index = -1
    try:
        event, _value = next(events, ("", None))
        if event != "start_map":
            raise ReadError(
                "not an OCDS release package or record package (no 'releases' or 'records' key)",
                file=file,
                field="releases",
            )
        for event, value in events:
            if event == "end_map":
                break
            event, first = next(events)
            if kind or value not in ("releases", "records"):
                jsonstream.skip(event, events)
                continue
            kind = str(value)
            if event != "start_array":
                jsonstream.skip(event, events)
                continue
            for event, first in events:
                if event == "end_array":
                    break
                index += 1
                built = jsonstream.build(
                    event, first, events, max_bytes=limits.max_notice_bytes, max_depth=limits.max_depth
                )
                if built.problem:
                    yield _problem(built, file, f"{kind}[{index}]")
                elif kind == "releases":
                    yield _one(built.value, file, f"releases[{index}]", limits)
                else:
                    yield from _record(built.value, file, index, limits)
        if not kind:
            raise ReadError(
                "not an OCDS release package or record package (no 'releases' or 'records' key)",
                file=file,
                field="releases",
            )
        if index < 0:
            yield RawNotice(
                file=file, locator="", raw=b"", error=ReadError(f"the package has no {kind}", file=file, field=kind)
            )
    except InputStoppedError:
        raise  # a limit of the archive the package comes from: the caller reports it
    except ReadError as not_a_package:
        yield RawNotice(file=file, locator="", raw=b"", error=not_a_package)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        if not kind:
            yield RawNotice(file=file, locator="", raw=b"", error=ReadError(f"malformed JSON: {exc}", file=file))
            return
        where = f"after item {index}" if index >= 0 else "before the first item"
        broken = ReadError(f"malformed JSON {where}: {exc}", file=file, notice=f"{kind}[{index + 1}]")
        yield RawNotice(file=file, locator=f"{kind}[{index + 1}]", raw=b"", error=broken)


def _record(record: object, file: str, index: int, limits: Limits) -> Iterator[RawNotice]:
    record = _dict(record)
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict):
        yield _one(compiled, file, f"records[{index}].compiledRelease", limits)
        return
    embedded = [r for r in _list(record.get("releases")) if isinstance(r, dict) and "ocid" in r and "id" in r]
    if not embedded:
        problem = ReadError(
            "the record has neither a compiledRelease nor embedded releases",
            file=file,
            notice=f"records[{index}]",
            field="compiledRelease",
        )
        yield RawNotice(file=file, locator=f"records[{index}]", raw=release_bytes(record), error=problem)
    for position, release in enumerate(embedded):
        yield _one(release, file, f"records[{index}].releases[{position}]", limits)


def _one(release: object, file: str, locator: str, limits: Limits = DEFAULT_LIMITS) -> RawNotice:
    raw = release_bytes(release)
    try:
        notice = read_release(release, file=file, locator=locator, limits=limits)
        check_limits(notice, limits, file=file, locator=locator)
    except ReadError as error:
        return RawNotice(file=file, locator=locator, raw=raw, error=error)
    return RawNotice(file=file, locator=locator, raw=raw, notice=notice)
