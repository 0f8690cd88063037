"""TED R2.0.9 reader: one `TED_EXPORT` document (TED publications 2011-2023, forms F01-F25 of 2014) into a `Notice`.

The old forms carry no MVI codes. What they do carry is read: award criteria with their weights per lot, reserved
contracts (sheltered workshops / sheltered employment programmes, public-service-mission organisations), the
performance conditions and technical/professional selection text, the procedure (innovation partnership), and on
award notices the winners with their SME flag and the tender counts. Reserved contracts and the innovation
partnership are translated to the eForms codes with the same meaning (reserved-procurement `res-ws`,
reserved-execution `yes`, procurement-procedure-type `innovation`), so one mapping row serves both formats; the
evidence keeps the TED element.

Elements are matched on local name (`{*}`), so every namespace spelling of R2.0.9 reads the same. TED has published
R2.0.9 documents in several: `http://publications.europa.eu/resource/schema/ted/R2.0.9/publication` (the daily
packages from 2018), `http://formex.publications.europa.eu/ted/schema/export/R2.0.9.S01.E01` (2016-2017 packages),
the relative `ted/R2.0.9.S02/publication` (notices as TED's notice pages serve them) and the `.S0x` variants of the
first; the version is read from the namespace or from the `VERSION` attribute (R2.0.9.S01.E01 ... R2.0.9.S05.E01).
Older schemas (R2.0.8 and R2.0.7: the forms before 2016, and the defence forms F16-F19 until 2023) have another form
grammar and are refused as an unsupported schema version, naming it.
"""

import re
from datetime import date
from decimal import Decimal

from lxml import etree

from .notices import AwardCriterion, Code, Lot, LotResult, Notice, NoticeFamily, Party, ReadError, SourceFormat, Text
from .xmlsafe import dutch_ids, local_name, parse_xml, to_decimal

SUPPORTED_SCHEMA = "R2.0.9"
# A TED schema version as namespaces and VERSION attributes spell it: R2.0.9, R2.0.9.S02, R2.0.9.S02.E01, R2.0.8.S04
_SCHEMA_VERSION = re.compile(r"R\d+\.\d+\.\d+(?:\.S\d+)?(?:\.E\d+)?", re.IGNORECASE)
# Where TED's export namespaces live: publications.europa.eu (and its formex host), or relative "ted/..."
_TED_NAMESPACE = re.compile(r"^(?:https?://(?:[a-z]+\.)?publications\.europa\.eu/|ted/)", re.IGNORECASE)

# form element (without _2014) -> family; F21-F23 (social and other specific services) depend on the document type
FORM_FAMILY = {
    "F01": NoticeFamily.PLANNING,
    "F04": NoticeFamily.PLANNING,
    "F08": NoticeFamily.PLANNING,
    "F02": NoticeFamily.COMPETITION,
    "F05": NoticeFamily.COMPETITION,
    "F07": NoticeFamily.COMPETITION,
    "F12": NoticeFamily.COMPETITION,
    "F24": NoticeFamily.COMPETITION,
    "F03": NoticeFamily.RESULT,
    "F06": NoticeFamily.RESULT,
    "F13": NoticeFamily.RESULT,
    "F15": NoticeFamily.RESULT,
    "F25": NoticeFamily.RESULT,
    "F14": NoticeFamily.CHANGE,
    "F20": NoticeFamily.CHANGE,
}
SOCIAL_FORMS = {"F21", "F22", "F23"}
PROCEDURES = {
    "PT_OPEN": "open",
    "PT_RESTRICTED": "restricted",
    "PT_COMPETITIVE_NEGOTIATION": "neg-w-call",
    "PT_NEGOTIATED_WITH_PRIOR_CALL": "neg-w-call",
    "PT_COMPETITIVE_DIALOGUE": "comp-dial",
    "PT_INNOVATION_PARTNERSHIP": "innovation",
    "PT_AWARD_CONTRACT_WITHOUT_CALL": "neg-wo-call",
    "PT_NEGOTIATED_WITHOUT_PUBLICATION": "neg-wo-call",
    "PT_AWARD_CONTRACT_WITHOUT_PUBLICATION": "neg-wo-call",
    "PT_INVOLVING_NEGOTIATION": "neg-w-call",
}
NATURES = {"WORKS": "works", "SUPPLIES": "supplies", "SERVICES": "services"}
# CA_TYPE -> eForms buyer-legal-type, where the meaning is the same
CA_TYPES = {
    "MINISTRY": "cga",
    "NATIONAL_AGENCY": "cga",
    "REGIONAL_AUTHORITY": "ra",
    "REGIONAL_AGENCY": "ra",
    "BODY_PUBLIC": "body-pl",
    "EU_INSTITUTION": "eu-ins-bod-ag",
}
# reserved-contract flags -> (eForms list, eForms code)
RESERVED = {
    "RESTRICTED_SHELTERED_WORKSHOP": ("reserved-procurement", "res-ws"),
    "RESTRICTED_SHELTERED_PROGRAM": ("reserved-execution", "yes"),
    "RESERVED_ORGANISATIONS_SERVICE_MISSION": ("reserved-procurement", "res-pub-ser"),
}


def _text(element: etree._Element | None) -> str:
    """All text of an element (TED wraps paragraphs in <P>), whitespace-normalised."""
    if element is None:
        return ""
    return " ".join(" ".join(str(part) for part in element.itertext()).split())


def _find(element: etree._Element | None, path: str) -> etree._Element | None:
    if element is None:
        return None
    return element.find("{*}" + path.replace("/", "/{*}"))


def _findall(element: etree._Element | None, path: str) -> list[etree._Element]:
    if element is None:
        return []
    return element.findall("{*}" + path.replace("/", "/{*}"))


def _yyyymmdd(text: str) -> date | None:
    text = text.strip()
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def _party(address: etree._Element | None, size: str = "", legal_type: str = "") -> Party | None:
    if address is None:
        return None
    national_id = _text(_find(address, "NATIONALID"))
    compact = national_id.replace(" ", "")
    country_element = _find(address, "COUNTRY")
    nuts_element = _find(address, "NUTS")
    country = country_element.get("VALUE", "") if country_element is not None else ""
    kvk, oin = dutch_ids(compact, country)
    return Party(
        name=_text(_find(address, "OFFICIALNAME")),
        national_id=national_id,
        kvk_number=kvk,
        oin=oin,
        country=country,
        nuts=nuts_element.get("CODE", "") if nuts_element is not None else "",
        size=size,
        legal_type=legal_type,
    )


class _Reader:
    def __init__(self, root: etree._Element, file: str) -> None:
        self.root = root
        self.file = file
        self.notice_id = root.get("DOC_ID", "")
        self.warnings: list[str] = []

    def error(self, message: str, field: str) -> ReadError:
        return ReadError(message, file=self.file, notice=self.notice_id, field=field)

    def check_schema(self) -> None:
        """Refuse anything but a TED_EXPORT document of schema R2.0.9, saying which version it is when it is not."""
        root = self.root
        namespace = etree.QName(root).namespace or ""
        if local_name(root) != "TED_EXPORT" or (namespace and not _TED_NAMESPACE.match(namespace)):
            raise self.error(
                f"root element {local_name(root)!r} in namespace {namespace!r} is not a TED_EXPORT document", "root"
            )
        version = schema_version(root)
        if version and not version.upper().startswith(SUPPORTED_SCHEMA):
            raise self.error(
                f"unsupported TED schema version {version}: only {SUPPORTED_SCHEMA} (TED notices from 2016 to 2023, "
                "forms F01-F25) is read",
                "TED_EXPORT/@VERSION",
            )
        if not version and not namespace:
            raise self.error("the TED_EXPORT document names no namespace and no schema version", "root")

    def read(self) -> Notice:
        root = self.root
        self.check_schema()
        if not self.notice_id:
            raise self.error("the document id is missing", "TED_EXPORT/@DOC_ID")
        forms = [child for child in _findall(root, "FORM_SECTION/*") if isinstance(child.tag, str)]
        if not forms:
            raise self.error("the document has no form", "FORM_SECTION")
        form = next((f for f in forms if f.get("CATEGORY") == "ORIGINAL"), forms[0])
        form_name = local_name(form).split("_", 1)[0]
        coded = _find(root, "CODED_DATA_SECTION")
        document_type = _text(_find(coded, "CODIF_DATA/TD_DOCUMENT_TYPE")).lower()
        if form_name in SOCIAL_FORMS:
            family = (
                NoticeFamily.RESULT
                if "award" in document_type
                else NoticeFamily.PLANNING
                if "prior information" in document_type
                else NoticeFamily.COMPETITION
            )
        elif form_name in FORM_FAMILY:
            family = FORM_FAMILY[form_name]
        else:
            raise self.error(f"unknown or unsupported form {local_name(form)!r}", "FORM_SECTION")

        body = _find(form, "CONTRACTING_BODY")
        ca_type = _find(body, "CA_TYPE")
        buyer = _party(
            _find(body, "ADDRESS_CONTRACTING_BODY"),
            legal_type=CA_TYPES.get(ca_type.get("VALUE", ""), "") if ca_type is not None else "",
        )
        contract = _find(form, "OBJECT_CONTRACT")
        nature_element = _find(contract, "TYPE_CONTRACT")
        main_cpv_element = _find(contract, "CPV_MAIN/CPV_CODE")
        main_cpv = main_cpv_element.get("CODE", "") if main_cpv_element is not None else ""
        estimated = _find(contract, "VAL_ESTIMATED_TOTAL")
        if estimated is None:
            estimated = _find(contract, "VAL_TOTAL")
        own_number = _text(_find(coded, "NOTICE_DATA/NO_DOC_OJS"))
        previous = _text(_find(form, "PROCEDURE/NOTICE_NUMBER_OJ"))
        procedure = _find(form, "PROCEDURE")
        procedure_type = ""
        codes: list[Code] = []
        for child in procedure if procedure is not None else []:
            name = local_name(child)
            if name.startswith("PT_"):
                procedure_type = PROCEDURES.get(name, "other")
                if name == "PT_INNOVATION_PARTNERSHIP":
                    codes.append(
                        Code(
                            "PROCEDURE/PT_INNOVATION_PARTNERSHIP",
                            "procurement-procedure-type",
                            "innovation",
                            f"FORM_SECTION/{local_name(form)}/PROCEDURE/PT_INNOVATION_PARTNERSHIP",
                        )
                    )
        lefti = _find(form, "LEFTI")
        for child in lefti if lefti is not None else []:
            name = local_name(child)
            if name in RESERVED:  # reserved contract flags
                list_name, value = RESERVED[name]
                codes.append(Code(f"LEFTI/{name}", list_name, value, f"FORM_SECTION/{local_name(form)}/LEFTI/{name}"))
        lots = self.lots(contract, form, main_cpv)
        doc_id = self.notice_id
        number, _, year = doc_id.partition("-")
        return Notice(
            source_format=SourceFormat.TED_R209,
            notice_id=doc_id,
            version="",
            procedure_id=previous or own_number or doc_id,
            family=family,
            notice_type=form_name,
            notice_subtype=_text(_find(coded, "CODIF_DATA/TD_DOCUMENT_TYPE")),
            language=form.get("LG", "") or _text(_find(coded, "NOTICE_DATA/LG_ORIG")),
            publication_date=_yyyymmdd(_text(_find(coded, "REF_OJS/DATE_PUB"))),
            buyer=buyer,
            title=_text(_find(contract, "TITLE")),
            description=_text(_find(contract, "SHORT_DESCR")),
            nature=NATURES.get(nature_element.get("CTYPE", ""), "") if nature_element is not None else "",
            procedure_type=procedure_type,
            is_european=True,
            estimated_value=to_decimal(estimated.text) if estimated is not None else None,
            currency=estimated.get("CURRENCY", "") if estimated is not None else "",
            main_cpv=main_cpv,
            additional_cpvs=[],
            ted_notice_id=f"{number.lstrip('0') or '0'}-{year}" if number.isdigit() and year.isdigit() else "",
            lots=lots,
            results=self.results(form),
            codes=codes,
            warnings=self.warnings,
        )

    def lots(self, contract: etree._Element | None, form: etree._Element, main_cpv: str) -> list[Lot]:
        form_path = f"FORM_SECTION/{local_name(form)}"
        lefti = _find(form, "LEFTI")
        shared_texts: list[Text] = []
        for name, field in (
            ("PERFORMANCE_CONDITIONS", "LEFTI/PERFORMANCE_CONDITIONS"),
            ("TECHNICAL_PROFESSIONAL_INFO", "LEFTI/TECHNICAL_PROFESSIONAL_INFO"),
            ("SUITABILITY", "LEFTI/SUITABILITY"),
        ):
            text = _text(_find(lefti, name))
            if text:
                shared_texts.append(
                    Text(field=field, path=f"{form_path}/LEFTI/{name}", text=text, language=form.get("LG", ""))
                )
        lots = []
        for index, item in enumerate(_findall(contract, "OBJECT_DESCR"), start=1):
            lot_no = _text(_find(item, "LOT_NO")) or str(index)
            here = f"{form_path}/OBJECT_CONTRACT/OBJECT_DESCR[{index}]"
            value = _find(item, "VAL_OBJECT")
            item_cpv = _find(item, "CPV_MAIN/CPV_CODE")
            lot = Lot(
                lot_id=lot_no,
                title=_text(_find(item, "TITLE")),
                description=_text(_find(item, "SHORT_DESCR")),
                estimated_value=to_decimal(value.text) if value is not None else None,
                currency=value.get("CURRENCY", "") if value is not None else "",
                main_cpv=item_cpv.get("CODE", "") if item_cpv is not None else main_cpv,
                additional_cpvs=[c.get("CODE", "") for c in _findall(item, "CPV_ADDITIONAL/CPV_CODE")],
            )
            if lot.description:
                lot.texts.append(
                    Text("OBJECT_DESCR/SHORT_DESCR", f"{here}/SHORT_DESCR", lot.description, form.get("LG", ""))
                )
            lot.texts += shared_texts
            lot.award_criteria = self.criteria(_find(item, "AC"), f"{here}/AC", lot_no)
            lots.append(lot)
        return lots

    def criteria(self, ac: etree._Element | None, base: str, lot_no: str) -> list[AwardCriterion]:
        if ac is None:
            return []
        raw: list[tuple[str, str, Decimal | None, str]] = []
        counters: dict[str, int] = {}
        for child in ac:
            name = local_name(child)
            kind = {"AC_QUALITY": "quality", "AC_COST": "cost", "AC_PRICE": "price"}.get(name)
            if kind is None:
                continue
            counters[name] = counters.get(name, 0) + 1
            weighting = _text(_find(child, "AC_WEIGHTING"))
            number = to_decimal(weighting)
            if weighting and number is None:
                self.warnings.append(f"lot {lot_no}, field {name}/AC_WEIGHTING: {weighting!r} is not a number")
            label = _text(_find(child, "AC_CRITERION")) or ("Price" if kind == "price" else "")
            raw.append((kind, label, number, f"{base}/{name}[{counters[name]}]"))
        numbers = [number for _, _, number, _ in raw if number is not None]
        # AC_WEIGHTING is free text; read it as a percentage only when the lot's weights add up to 100
        percent = bool(numbers) and len(numbers) == len(raw) and abs(sum(numbers, Decimal(0)) - 100) <= 1
        return [
            AwardCriterion(
                criterion_type=kind,
                name=label,
                weight=number if percent else None,
                weight_kind="per-exa" if percent else "",
                path=path,
                weight_number=number,
            )
            for kind, label, number, path in raw
        ]

    def results(self, form: etree._Element) -> list[LotResult]:
        results = []
        for award in _findall(form, "AWARD_CONTRACT"):
            lot_no = _text(_find(award, "LOT_NO")) or "1"
            result = LotResult(lot_id=lot_no, contract_number=_text(_find(award, "CONTRACT_NO")))
            awarded = _find(award, "AWARDED_CONTRACT")
            if awarded is None:
                result.awarded = False if _find(award, "NO_AWARDED_CONTRACT") is not None else None
                results.append(result)
                continue
            result.awarded = True
            result.conclusion_date = _yyyymmdd(_text(_find(awarded, "DATE_CONCLUSION_CONTRACT")))
            tenders = to_decimal(_text(_find(awarded, "TENDERS/NB_TENDERS_RECEIVED")))
            sme_tenders = to_decimal(_text(_find(awarded, "TENDERS/NB_TENDERS_RECEIVED_SME")))
            result.tenders_received = int(tenders) if tenders is not None else None
            result.sme_tenders_received = int(sme_tenders) if sme_tenders is not None else None
            total = _find(awarded, "VALUES/VAL_TOTAL")
            if total is not None:
                result.value, result.currency = to_decimal(total.text), total.get("CURRENCY", "")
            for contractor in _findall(awarded, "CONTRACTORS/CONTRACTOR"):
                size = (
                    "sme"
                    if _find(contractor, "SME") is not None
                    else "large"
                    if _find(contractor, "NO_SME") is not None
                    else ""
                )
                party = _party(_find(contractor, "ADDRESS_CONTRACTOR"), size=size)
                if party is not None:
                    result.winners.append(party)
            results.append(result)
        return results


def schema_version(root: etree._Element) -> str:
    """The TED schema version of a TED_EXPORT document (R2.0.9.S02, R2.0.8.S04.E01, ...): from its namespace, else
    its `VERSION` attribute, else that of its first form; "" when none says."""
    candidates = [etree.QName(root).namespace or "", root.get("VERSION", "")]
    section = _find(root, "FORM_SECTION")
    if section is not None:
        candidates += [str(form.get("VERSION", "")) for form in section if isinstance(form.tag, str)][:1]
    for text in candidates:
        match = _SCHEMA_VERSION.search(text)
        if match:
            return match.group(0)
    return ""


def read_ted(data: bytes, *, file: str = "", root: etree._Element | None = None) -> Notice:
    """Read one TED R2.0.9 `TED_EXPORT` document. Raises `ReadError`."""
    if root is None:
        root = parse_xml(data, file=file)
    return _Reader(root, file).read()
