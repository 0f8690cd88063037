"""TenderNed open-data reader: the XLSX datasets (openpyxl, read-only, row by row) and CSV exports.

Columns are matched by name, not position: names are compared case-, accent- and spacing-insensitively and each
field accepts the spellings seen across TenderNed's releases (shared/data/tenderned/README.md). Columns the reader
does not know are reported once, as a warning on the file's first notice; a missing mandatory column fails the file
with one `ReadError` naming it. Each row becomes one `RawNotice` whose `raw` is the row as JSON (header -> value).

TenderNed's bulk data has no MVI columns; what it gives (buyer, CPV, procedure, values, winner with SME flag) is read,
the description is kept as text for the weakest (description) detection, and the innovation partnership procedure
is recorded with the eForms code of the same meaning.
"""

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from .notices import (
    AwardCriterion,
    Code,
    Lot,
    LotResult,
    Notice,
    NoticeFamily,
    Party,
    RawNotice,
    ReadError,
    SourceFormat,
    Text,
)
from .xmlsafe import dutch_ids

# canonical field -> accepted column names (normalised with _norm)
COLUMNS: dict[str, tuple[str, ...]] = {
    "publication_id": ("ID publicatie", "Id publicatie", "publicatieId", "Publicatie ID"),
    "procedure_ref": ("TenderNed kenmerk", "Kenmerk", "TenderNed-kenmerk"),
    "publication_date": ("Publicatiedatum", "Datum publicatie"),
    "publication_type": ("Publicatie soort", "Type publicatie", "Soort publicatie"),
    "buyer_name": (
        "Naam aanbestedende dienst",
        "Officiële naam aanbestedende dienst",
        "AD officiele benaming",
        "Officiële benaming aanbestedende dienst",
    ),
    "buyer_id": (
        "Nationaal identificatienummer",
        "AD nationaal identificatienummer",
        "KvK-nummer aanbestedende dienst",
    ),
    "buyer_city": ("AD plaats",),
    "buyer_country": ("AD land",),
    "buyer_type": ("Soort aanbestedende dienst",),
    "title": ("Naam aanbesteding", "Titel aanbesteding"),
    "description": ("Omschrijving aanbesteding", "Korte beschrijving aanbesteding", "Korte beschrijving"),
    "nature": ("Type opdracht", "Aard van de opdracht"),
    "cpv": ("CPV-codes", "CPV code", "CPV-code", "Hoofd CPV-code", "CPV-code hoofdopdracht"),
    "additional_cpv": ("Aanvullende CPV-codes", "Overige CPV-codes"),
    "national_eu": ("Nationaal of Europees", "Europees of nationaal"),
    "procedure": ("Procedure", "Type procedure"),
    "estimated_value": ("Oorspronkelijk geraamde waarde - bedrag", "Geraamde waarde - bedrag", "Geraamde waarde"),
    "estimated_currency": ("Oorspronkelijk geraamde waarde - valuta", "Geraamde waarde - valuta"),
    "award_criterion": ("Gunningscriterium", "Gunningscriteria", "Gunningscriterium type"),
    "awarded_value": ("Waarde - bedrag", "Definitieve waarde - bedrag", "Waarde gegunde opdracht - bedrag"),
    "awarded_currency": ("Waarde - valuta", "Definitieve waarde - valuta", "Waarde gegunde opdracht - valuta"),
    "award_date": ("Datum gunning", "Gunningsdatum"),
    "lot_id": ("ID perceel", "Perceel ID", "Perceelnummer"),
    "lot_name": ("Naam perceel", "Perceelnaam"),
    "tenders": ("Aantal inschrijvingen", "Aantal ontvangen inschrijvingen"),
    "winner_name": ("Naam gegunde onderneming", "Naam ondernemer", "Gegunde onderneming"),
    "winner_kvk": ("ON kvknummer", "Kvknummer", "KvK-nummer ondernemer"),
    "winner_country": ("ON land",),
    "winner_city": ("ON plaats",),
    "winner_sme": ("MKB", "Ondernemer is MKB", "Gegunde onderneming MKB", "ON MKB"),
}
# columns seen in TenderNed files that the reader knowingly does not use (no warning)
IGNORED = (
    "URL TenderNed",
    "AD postadres",
    "AD postcode",
    "Internetadres aanbestedende dienst",
    "Aanvang opdracht",
    "Voltooiing opdracht",
    "Termijn voltooiing opdracht",
    "Tijdseenheid periode voltooiing opdracht",
    "Datum besluit gunning",
    "Aantal elektronische inschrijvingen",
    "Laagste inschrijving",
    "Hoogste inschrijving",
    "Onderaanneming",
    "GPA",
    "Elektronische veiling",
    "Raamovereenkomst",
    "Dynamisch aankoopsysteem",
    "ON postcode",
    "ON adres",
    "ON internetadres",
    "Digitaal",
    "Btw inbegrepen",
    "Deelnamekosten",
)
MANDATORY = ("publication_id", "title", "buyer_name")
NATURES = {"leveringen": "supplies", "werken": "works", "diensten": "services"}
PROCEDURES = {
    "openbaar": "open",
    "niet-openbaar": "restricted",
    "mededingingsprocedure met onderhandeling": "neg-w-call",
    "concurrentiegerichte dialoog": "comp-dial",
    "innovatiepartnerschap": "innovation",
    "onderhandeling zonder bekendmaking": "neg-wo-call",
    "onderhandelingsprocedure zonder aankondiging": "neg-wo-call",
    "onderhandse procedure": "meervoudig-onderhands",
    "meervoudig onderhands": "meervoudig-onderhands",
    "enkelvoudig onderhands": "enkelvoudig-onderhands",
    "nationaal openbaar": "nationaal-openbaar",
    "marktconsultatie": "other",
}
SHEETS = ("OpenData sheet", "Dataset 2016-2022")


def _norm(name: object) -> str:
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[\s_]+", " ", text).strip().lower()


ALIASES = {_norm(alias): field for field, aliases in COLUMNS.items() for alias in aliases}
IGNORED_NORMALISED = {_norm(name) for name in IGNORED}


def match_columns(headers: list[str], file: str) -> tuple[dict[str, int], list[str]]:
    """(canonical field -> column index, warnings). Raises ReadError when a mandatory column is missing."""
    found: dict[str, int] = {}
    unknown = []
    for index, header in enumerate(headers):
        key = _norm(header)
        if not key:
            continue
        field = ALIASES.get(key)
        if field is not None and field not in found:
            found[field] = index
        elif field is None and key not in IGNORED_NORMALISED:
            unknown.append(str(header))
    missing = [field for field in MANDATORY if field not in found]
    if missing:
        names = ", ".join(f"{COLUMNS[m][0]!r}" for m in missing)
        raise ReadError(
            f"mandatory column(s) missing: {names} (columns found: {len(headers)})",
            file=file,
            field=COLUMNS[missing[0]][0],
        )
    warnings = [f"unknown column {name!r} ignored" for name in unknown]
    return found, warnings


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _amount(text: str) -> Decimal | None:
    cleaned = text.replace("€", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "").strip()
    if not cleaned:
        return None
    if "," in cleaned:  # Dutch notation: 1.234.567,89
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _date(text: str) -> date | None:
    for candidate in (text[:10],):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            pass
    match = re.fullmatch(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})", text.split(" ")[0])
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


def _cpvs(text: str) -> list[str]:
    return [code[:8] for code in re.findall(r"\d{8}(?:-\d)?", text)]


def _family(kind: str) -> NoticeFamily:
    lowered = kind.lower()
    if "rectificatie" in lowered or lowered in ("rec", "rvo"):
        return NoticeFamily.CHANGE
    if "gegund" in lowered or "gunning" in lowered or lowered == "ago":
        return NoticeFamily.RESULT
    if "vooraankondiging" in lowered or "marktconsultatie" in lowered or lowered in ("vop", "mac"):
        return NoticeFamily.PLANNING
    return NoticeFamily.COMPETITION


def read_row(values: dict[str, str], *, file: str, locator: str) -> Notice:
    """One TenderNed row (canonical field -> cell text) into a Notice."""
    publication_id = values.get("publication_id", "")
    if not publication_id:
        raise ReadError("the publication id is empty", file=file, notice=locator, field=COLUMNS["publication_id"][0])
    warnings: list[str] = []
    title = values.get("title", "")
    if not title:
        raise ReadError("the tender name is empty", file=file, notice=publication_id, field=COLUMNS["title"][0])
    country = values.get("buyer_country", "")
    kvk, oin = dutch_ids(values.get("buyer_id", ""), country or "NL")
    buyer = Party(
        name=values.get("buyer_name", ""),
        national_id=values.get("buyer_id", ""),
        kvk_number=kvk,
        oin=oin,
        country=country,
    )
    procedure_text = _norm(values.get("procedure", ""))
    procedure_type = PROCEDURES.get(procedure_text, "other" if procedure_text else "")
    national = values.get("national_eu", "").upper()
    is_european = (
        True
        if national.startswith("EU") or national.startswith("EUROPEES")
        else False
        if national.startswith(("NA", "NATIONAAL"))
        else None
    )
    if procedure_type == "open" and is_european is False:
        procedure_type = "nationaal-openbaar"
    nature_text = _norm(values.get("nature", ""))
    nature = NATURES.get(nature_text, "")
    if nature_text and not nature:
        warnings.append(f"field {COLUMNS['nature'][0]}: unknown value {values.get('nature')!r}")
    cpvs = _cpvs(values.get("cpv", "")) + _cpvs(values.get("additional_cpv", ""))
    estimated = _amount(values.get("estimated_value", ""))
    if values.get("estimated_value") and estimated is None:
        warnings.append(f"field {COLUMNS['estimated_value'][0]}: {values['estimated_value']!r} is not an amount")
    lot_id = values.get("lot_id", "") or "1"
    lot = Lot(
        lot_id=lot_id,
        title=values.get("lot_name", ""),
        description=values.get("description", ""),
        main_cpv=cpvs[0] if cpvs else "",
        additional_cpvs=cpvs[1:],
    )
    if lot.description:
        lot.texts.append(
            Text(COLUMNS["description"][0], f"{locator}/{COLUMNS['description'][0]}", lot.description, "NLD")
        )
    criterion = values.get("award_criterion", "")
    if _norm(criterion) == "laagste prijs":
        lot.award_criteria.append(
            AwardCriterion(
                "price",
                criterion,
                weight=Decimal(100),
                weight_kind="per-exa",
                path=f"{locator}/{COLUMNS['award_criterion'][0]}",
                weight_number=Decimal(100),
            )
        )
    codes = []
    if procedure_type == "innovation":
        codes.append(
            Code(
                COLUMNS["procedure"][0],
                "procurement-procedure-type",
                "innovation",
                f"{locator}/{COLUMNS['procedure'][0]}",
            )
        )
    results = []
    if values.get("winner_name"):
        sme = _norm(values.get("winner_sme", ""))
        winner_country = values.get("winner_country", "")
        winner_kvk, _ = dutch_ids(values.get("winner_kvk", ""), winner_country or "NL")
        tenders = _amount(values.get("tenders", ""))
        results.append(
            LotResult(
                lot_id=lot_id,
                winners=[
                    Party(
                        name=values["winner_name"],
                        national_id=values.get("winner_kvk", ""),
                        kvk_number=winner_kvk,
                        country=winner_country,
                        size="sme"
                        if sme in ("ja", "yes", "true", "1")
                        else "large"
                        if sme in ("nee", "no", "false", "0")
                        else "",
                    )
                ],
                value=_amount(values.get("awarded_value", "")),
                currency=values.get("awarded_currency", "") or ("EUR" if values.get("awarded_value") else ""),
                tenders_received=int(tenders) if tenders is not None else None,
                conclusion_date=_date(values.get("award_date", "")),
                awarded=True,
            )
        )
    return Notice(
        source_format=SourceFormat.TENDERNED,
        notice_id=publication_id,
        version="",
        procedure_id=values.get("procedure_ref", "") or publication_id,
        family=_family(values.get("publication_type", "")),
        notice_type=values.get("publication_type", ""),
        language="NLD",
        publication_date=_date(values.get("publication_date", "")),
        buyer=buyer,
        title=title,
        description=values.get("description", ""),
        nature=nature,
        procedure_type=procedure_type,
        is_european=is_european,
        estimated_value=estimated,
        currency=values.get("estimated_currency", "") or ("EUR" if estimated is not None else ""),
        main_cpv=cpvs[0] if cpvs else "",
        additional_cpvs=cpvs[1:],
        tenderned_publication_id=publication_id if publication_id.isdigit() else "",
        lots=[lot],
        results=results,
        codes=codes,
        warnings=warnings,
    )


def _rows(
    headers: list[str], rows: Iterator[tuple[Any, ...]], file: str, first_row: int, prefix: str = ""
) -> Iterator[RawNotice]:
    try:
        columns, warnings = match_columns(headers, file)
    except ReadError as error:
        yield RawNotice(file=file, locator="header", raw=json.dumps(headers, ensure_ascii=False).encode(), error=error)
        return
    first = True
    for number, row in enumerate(rows, start=first_row):
        cells = [_cell(v) for v in row]
        if not any(cells):
            continue
        locator = f"{prefix}row {number}"
        raw = json.dumps(
            {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}, ensure_ascii=False
        ).encode("utf-8")
        values = {field: cells[index] if index < len(cells) else "" for field, index in columns.items()}
        notice_warnings = tuple(warnings) if first else ()
        first = False
        try:
            notice = read_row(values, file=file, locator=locator)
        except ReadError as error:
            yield RawNotice(file=file, locator=locator, raw=raw, error=error, warnings=notice_warnings)
            continue
        yield RawNotice(file=file, locator=locator, raw=raw, notice=notice, warnings=notice_warnings)
    if first:  # a header and no rows: say so rather than import nothing silently
        yield RawNotice(
            file=file, locator="", raw=b"", error=ReadError("the file has column names but no rows", file=file)
        )


def iter_csv(stream: IO[bytes], *, file: str = "") -> Iterator[RawNotice]:
    """Rows of a TenderNed CSV export (UTF-8 with or without BOM, or Windows-1252; ; , or tab separated)."""
    head = stream.read(65536)
    stream.seek(0)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the buffer's end
            encoding = "cp1252"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="replace")
    first_line = head.decode(encoding, errors="replace").splitlines()[0] if head.strip() else ""
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(text, delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        yield RawNotice(file=file, locator="", raw=b"", error=ReadError("the CSV file is empty", file=file))
        return
    try:
        yield from _rows([h.strip() for h in headers], (tuple(r) for r in reader), file, first_row=2)
    except csv.Error as exc:
        yield RawNotice(
            file=file,
            locator=f"line {reader.line_num}",
            raw=b"",
            error=ReadError(f"malformed CSV: {exc}", file=file, notice=f"line {reader.line_num}"),
        )
    finally:
        text.detach()


def iter_xlsx(stream: IO[bytes], *, file: str = "") -> Iterator[RawNotice]:
    """Rows of a TenderNed XLSX dataset: the sheet 'OpenData sheet' / 'Dataset 2016-2022', else the first sheet
    whose first row has a publication-id column."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        yield RawNotice(
            file=file, locator="", raw=b"", error=ReadError(f"not a readable XLSX workbook: {exc}", file=file)
        )
        return
    try:
        names = [name for name in SHEETS if name in workbook.sheetnames] + [
            n for n in workbook.sheetnames if n not in SHEETS
        ]
        for name in names:
            rows = workbook[name].iter_rows(values_only=True)
            header_row = next(rows, None)
            if header_row is None:
                continue
            headers = [_cell(h) for h in header_row]
            if name in SHEETS or any(ALIASES.get(_norm(h)) == "publication_id" for h in headers):
                yield from _rows(headers, rows, file, first_row=2, prefix=f"sheet {name!r} ")
                return
        yield RawNotice(
            file=file,
            locator="",
            raw=b"",
            error=ReadError(
                "no sheet with TenderNed columns (no 'ID publicatie' header)", file=file, field="ID publicatie"
            ),
        )
    finally:
        workbook.close()
