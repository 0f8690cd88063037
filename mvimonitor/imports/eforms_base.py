"""The eForms reader's shared state and helpers: codelist mappings, evidence paths, the warnings a notice collects,
multilingual texts, codes checked against the project's codelists, amounts, and the notice's organisations.

Internal to the eForms reader: `eforms_lots.py`, `eforms_results.py` and `eforms.py` build on `_ReaderBase`.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal

from lxml import etree

from .codes import known_codes
from .eforms_xml import EXT, _Kids, _t
from .notices import Code, NoticeFamily, Party, ReadError, Text
from .xmlsafe import dutch_ids, to_decimal

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
# a lot, a part (PAR-, prior information notices) or a lot group (GLO-): BT-137-Lot / -Part / -LotsGroup
PROJECT_LOT_PATH = "/*/cac:ProcurementProjectLot[cbc:ID/@schemeName='{scheme}'][cbc:ID='{lot}']"
# BT-539 award-criterion-type: the types the store's award criteria accept (tenders.AwardCriterionType)
CRITERION_TYPES = frozenset({"price", "quality", "cost"})
RESULT_PATH = f"/*/{EXT}/efac:NoticeResult/efac:LotResult[cbc:ID='{{res}}']"


class _ReaderBase:
    """What every part of the eForms reader shares while it reads one notice: the notice's id and language, the
    warnings collected so far, and the helpers that add to them."""

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

    def texts(self, elements: Iterable[etree._Element], field: str, where: str) -> list[Text]:
        """One `Text` per non-empty element, in the element's language (@languageID), else the notice's (BT-702a)."""
        out = []
        for element in elements:
            text = _t(element)
            if text:
                language = element.get("languageID", "") or self.language
                out.append(Text(field=field, path=where, text=text, language=language))
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

    # -- organisations ------------------------------------------------------------------------------------------
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


class _Organisations:
    """The notice's organisations by technical id (OPT-200), turned into a `Party` only when one is referenced
    (most notices list a dozen organisations and reference two)."""

    def __init__(self, reader: _ReaderBase, companies: dict[str, etree._Element]) -> None:
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
