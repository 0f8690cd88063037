"""What the readers produce and the detectors consume: one procurement notice as plain, typed data.

Pure Python: no Django imports, so readers and detectors can be tested and benchmarked without a database.
Every reader (eForms UBL, TED R2.0.9, OCDS, TenderNed) maps its input to `Notice`; `mvimonitor.imports.services`
persists a `Notice` through the domain services. Values are `None` when the source does not give them, and
`withheld` lists the fields the publisher deferred (eForms BT-195), which are unknown rather than absent.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class SourceFormat(StrEnum):
    EFORMS = "eforms"
    TED_R209 = "ted-r2.0.9"
    OCDS = "ocds"
    TENDERNED = "tenderned"


class NoticeFamily(StrEnum):
    PLANNING = "planning"
    COMPETITION = "competition"
    RESULT = "result"
    CHANGE = "change"  # corrigendum / change notice / contract modification


class ReadError(ValueError):
    """A notice that cannot be read. Says where: file, notice (when known) and field (when known)."""

    def __init__(self, message: str, *, file: str = "", notice: str = "", field: str = "") -> None:
        self.message = message
        self.file = file
        self.notice = notice
        self.field = field
        where = ", ".join(
            f"{label} {value}" for label, value in (("file", file), ("notice", notice), ("field", field)) if value
        )
        super().__init__(f"{where}: {message}" if where else message)


MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What one input may hold, the one place of the readers' limits (keyword arguments of `sources.read_paths` and
    `sources.read_upload` override them). A notice or file beyond a limit is refused with a `ReadError` naming file,
    notice and field; the other notices go on.

    One notice: `max_xml_bytes` (an XML document, parsed whole), `max_notice_bytes` (an OCDS release or record, about
    its JSON text, counted while it is read), `max_depth` (JSON nesting inside one release), `max_lots`,
    `max_entries` (of each list a notice holds: items, awards, results, winners, codes, texts, award criteria, CPV
    codes) and `max_text_chars` (one text field). Archives: `max_members`, `max_member_bytes`, `max_total_bytes`,
    `max_ratio` (checked on the bytes actually produced, from 1 MB on) and `max_temp_bytes` (all bytes written to
    temporary files while one call reads its archives, workbooks inside archives included).
    """

    max_xml_bytes: int = 50 * MB
    max_notice_bytes: int = 16 * MB
    max_depth: int = 64
    max_lots: int = 1_000
    max_entries: int = 10_000
    max_text_chars: int = 100_000
    max_members: int = 100_000
    max_member_bytes: int = 4 * 1024 * MB
    max_total_bytes: int = 16 * 1024 * MB
    max_ratio: int = 200
    max_temp_bytes: int = 2 * 1024 * MB


DEFAULT_LIMITS = Limits()


class InputStoppedError(ReadError):
    """Reading an input itself had to stop (an archive limit was reached while a member was read): a reader lets it
    pass to the caller that opened the input, instead of reporting it as a fault of one notice."""


@dataclass(frozen=True, slots=True)
class Code:
    """One explicit code read from a notice, with where it was found.

    `field` is the business term (eForms BT-774, or the OCDS path / TED element for the other formats), `list_name`
    the codelist (environmental-impact, social-objective, ...), `value` the code as published, `path` the XPath or
    JSON path it came from (evidence shown to the buyer).
    """

    field: str
    list_name: str
    value: str
    path: str


@dataclass(frozen=True, slots=True)
class Text:
    """A free text that may carry MVI signals: award-criterion description, performance conditions, BT-777, ..."""

    field: str
    path: str
    text: str
    language: str = ""  # ISO 639-2/B as published (NLD, ENG, DEU) or "" when unknown


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    national_id: str = ""  # BT-501 company id as published (KvK, OIN, or another register's id)
    kvk_number: str = ""  # 8 digits when recognisable
    oin: str = ""  # 20 characters when recognisable
    country: str = ""  # ISO 3166-1 alpha-3 as in eForms (NLD) or alpha-2 (OCDS); readers keep what is published
    nuts: str = ""
    size: str = ""  # eForms economic-operator-size: micro, small, medium, large, sme; "" unknown
    legal_type: str = ""  # eForms buyer-legal-type (BT-11)


@dataclass(frozen=True, slots=True)
class AwardCriterion:
    criterion_type: str  # price, quality, cost
    name: str
    description: str = ""
    weight: Decimal | None = None  # percentage 0-100 when the notice gives a weight in percent
    weight_kind: str = ""  # eForms number-weight: per-exa, per-fix, ord-imp, ... (BT-5421)
    path: str = ""
    weight_number: Decimal | None = None  # BT-541 as published (points, rank or percentage), before normalising


@dataclass(slots=True)
class Lot:
    lot_id: str  # eForms BT-137 (LOT-0001); OCDS lots[].id; "1" for notices without lots
    title: str = ""
    description: str = ""
    estimated_value: Decimal | None = None
    currency: str = ""
    main_cpv: str = ""  # 8 digits, no check digit
    additional_cpvs: list[str] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    award_criteria: list[AwardCriterion] = field(default_factory=list)
    # Clean Vehicles Directive on result notices (OPT-155/156): vehicle type code (vehicles, vehicles-clean,
    # vehicles-zero-emission) -> count, summed over the vehicle categories (BT-723, kept in `codes`)
    vehicle_counts: dict[str, int] = field(default_factory=dict)
    # Energy Efficiency Directive results (BT-813 nrg-con-yr, BT-814 nrg-sav-yr): metric code -> kWh per year
    energy_metrics: dict[str, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class LotResult:
    lot_id: str
    winners: list[Party] = field(default_factory=list)
    # awarded value: BT-709 framework maximum when given, else the sum of the winning tenders (BT-720); TED VAL_TOTAL
    value: Decimal | None = None
    currency: str = ""
    tenders_received: int | None = None
    sme_tenders_received: int | None = None
    contract_number: str = ""
    conclusion_date: date | None = None
    awarded: bool | None = None  # False: no winner chosen (BT-142 clos-nw / open-nw)


@dataclass(slots=True)
class Notice:
    source_format: SourceFormat
    notice_id: str  # the publication's own id (eForms BT-701 UUID, TED doc id, OCDS release id, TenderNed id)
    version: str  # eForms BT-757; OCDS release date; "" when the format has none
    procedure_id: str  # groups notices of one procedure: eForms BT-04, OCDS ocid, TED/TenderNed reference
    family: NoticeFamily
    notice_type: str = ""  # eForms BT-02 (cn-standard, can-social, ...), TED form, OCDS tag
    notice_subtype: str = ""  # eForms OPP-070 (1-40, E1-E6, ...)
    language: str = ""  # the notice's main language (eForms BT-702(a)); the first of `languages`
    publication_date: date | None = None
    buyer: Party | None = None
    title: str = ""
    description: str = ""
    nature: str = ""  # works, supplies, services (the Tender.nature choices)
    procedure_type: str = ""  # the Tender.procedure_type choices
    is_european: bool | None = None
    estimated_value: Decimal | None = None
    currency: str = ""
    main_cpv: str = ""
    additional_cpvs: list[str] = field(default_factory=list)
    ted_notice_id: str = ""  # 123456-2024
    tenderned_publication_id: str = ""
    ocid: str = ""
    changes_notice_id: str = ""  # the notice this one changes (eForms BT-758), "" if none
    lots: list[Lot] = field(default_factory=list)
    results: list[LotResult] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)  # procedure-level codes (rare), e.g. TED R2.0.9 flags
    withheld: list[str] = field(default_factory=list)  # eForms BT-195 field identifiers published later
    # Problems that do not stop the notice from being read (an unknown code, an unparsable number in an optional
    # field), each naming the field: shown in the import report, never silently dropped.
    warnings: list[str] = field(default_factory=list)
    # Every language the notice is published in (eForms BT-702(a) then BT-702(b), ISO 639-2/B as published), the
    # main one first; a reader that sets only `language` gets it here as the one language.
    languages: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.languages and self.language:
            self.languages = [self.language]


class ProposalOrigin(StrEnum):
    EXPLICIT_CODE = "explicit_code"
    STRUCTURED_SIGNAL = "structured_signal"
    TEXT_DETECTION = "text_detection"
    CATALOGUE = "catalogue"  # a criterion of the MVI catalogue named in the notice (`catalogue_link`)


class Confidence(StrEnum):
    HIGH = "high"  # explicit code
    MEDIUM = "medium"  # structured signal, or an award criterion / performance condition text
    LOW = "low"  # description text only


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed MVI application for one lot, produced by a detector, to be confirmed by a buyer.

    `theme` is a Theme code (milieu, klimaat, circulair, keten, d_i, sroi), `form` an ApplicationForm code
    (selectie, minimumeis, gunningscriterium, contractbepaling) or "" when the source does not say how it was
    applied. `evidence` says which field/path and code, or which phrase, led to it; `rule` names the mapping row.
    """

    lot_id: str
    theme: str
    form: str
    origin: ProposalOrigin
    confidence: Confidence
    evidence: str
    rule: str
    award_weight: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AttributeSignal:
    """A tender attribute that is not a theme: MKB-vriendelijk (sme_friendly) or innovatiegericht (innovation)."""

    lot_id: str
    attribute: str  # sme_friendly, innovation
    origin: ProposalOrigin
    confidence: Confidence
    evidence: str
    rule: str


@dataclass(frozen=True, slots=True)
class RawNotice:
    """One notice as read from an input, before it is stored: its own bytes, and the notice or why it failed.

    `file` is the file as given, with the member inside an archive after `!/` (``daily.tar.gz!/123-2024.xml``);
    `locator` says where in the file (``""`` for one notice per file, ``releases[3]``, ``row 17``). `raw` holds the
    notice's own bytes (the XML document, the one OCDS release as JSON, the one TenderNed row as JSON), so the
    import can keep it and replay it. Exactly one of `notice` and `error` is set.
    """

    file: str
    locator: str
    raw: bytes
    notice: Notice | None = None
    error: ReadError | None = None
    # Reader remarks about the input that are not errors (TenderNed: unknown columns), on the first notice of a file
    warnings: tuple[str, ...] = ()


def _notice_texts(notice: Notice) -> list[tuple[str, str]]:
    texts = [("title", notice.title), ("description", notice.description)]
    if notice.buyer is not None:
        texts.append(("buyer.name", notice.buyer.name))
    for lot in notice.lots:
        texts += [(f"lot {lot.lot_id} title", lot.title), (f"lot {lot.lot_id} description", lot.description)]
        texts += [(text.path or text.field, text.text) for text in lot.texts]
        for criterion in lot.award_criteria:
            texts += [(criterion.path or "award criterion", criterion.name), (criterion.path, criterion.description)]
    for result in notice.results:
        texts += [(f"result {result.lot_id} winner", winner.name) for winner in result.winners]
    return texts


def _notice_lists(notice: Notice) -> list[tuple[str, int]]:
    lots = notice.lots
    return [
        ("results", len(notice.results)),
        ("winners", sum(len(r.winners) for r in notice.results)),
        ("codes", len(notice.codes) + sum(len(lot.codes) for lot in lots)),
        ("texts", sum(len(lot.texts) for lot in lots)),
        ("award criteria", sum(len(lot.award_criteria) for lot in lots)),
        ("CPV codes", len(notice.additional_cpvs) + sum(len(lot.additional_cpvs) for lot in lots)),
        ("warnings", len(notice.warnings)),
    ]


def check_limits(notice: Notice, limits: Limits = DEFAULT_LIMITS, *, file: str = "", locator: str = "") -> None:
    """Raise `ReadError` when `notice` holds more than `limits` allow: lots, entries of a list, a text's length."""
    where = notice.notice_id or locator
    if len(notice.lots) > limits.max_lots:
        raise ReadError(
            f"the notice has {len(notice.lots)} lots, above the limit of {limits.max_lots}",
            file=file,
            notice=where,
            field="lots",
        )
    for name, count in _notice_lists(notice):
        if count > limits.max_entries:
            raise ReadError(
                f"the notice has {count} {name}, above the limit of {limits.max_entries}",
                file=file,
                notice=where,
                field=name,
            )
    for name, text in _notice_texts(notice):
        if len(text) > limits.max_text_chars:
            raise ReadError(
                f"the text is {len(text)} characters long, above the limit of {limits.max_text_chars}",
                file=file,
                notice=where,
                field=name,
            )
