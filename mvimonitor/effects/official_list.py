"""The official Dutch list of CO2 emission factors (CO2emissiefactoren.nl), one list year at a time.

The list is read in its column layout: one row per factor with the columns `list_version`, `valid_year`,
`category`, `subcategory`, `item_name`, `unit`, `wtw_kg_co2e`, `ttw_kg_co2e`, `wtt_kg_co2e` (kg CO2-eq per unit),
`source_url` and `source_year`, and optionally `status` (`active` or `vervallen`), `factor_url` (the factor's own
page), `fourth_column_label` / `fourth_column_value` (biogenic emissions of fuels, infrastructure of electricity),
`conversion_mj_per_unit` and `note`. Other columns are ignored. The same columns are read from a CSV file (UTF-8,
comma or semicolon, decimal point) or from the first sheet of an .xlsx workbook (headings in the first row).

The rows become `loaders.FactorRow`s for `loaders.factor_set_load`:

- the Dutch categories and units are mapped exactly (`CATEGORIES`, `UNITS`); anything else is refused;
- the code of a factor is derived from its name and unit only (`factor_code`), so the same factor keeps its code in
  every list year and a commitment's factor code keeps its meaning when next year's list is loaded;
- each row keeps its own source (its factor page, else the list's download) and source year;
- one set holds one list year: a file with several `valid_year` values is refused unless one year is chosen.

A file with one bad row is refused as a whole, naming the file, the line and the field.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError, read_text, row_error, unreadable

from .loaders import FactorRow
from .models import FactorCategory, Unit

REQUIRED_COLUMNS = (
    "list_version",
    "valid_year",
    "category",
    "subcategory",
    "item_name",
    "unit",
    "wtw_kg_co2e",
    "ttw_kg_co2e",
    "wtt_kg_co2e",
    "source_url",
    "source_year",
)
OPTIONAL_COLUMNS = (
    "status",
    "factor_url",
    "fourth_column_label",
    "fourth_column_value",
    "conversion_mj_per_unit",
    "note",
)
VALUE_COLUMNS = {"wtw": "wtw_kg_co2e", "ttw": "ttw_kg_co2e", "wtt": "wtt_kg_co2e"}

# The list's categories (domain.md §7), compared without case and surrounding spaces.
CATEGORIES = {
    "brandstoffen voertuigen en schepen": FactorCategory.VEHICLE_FUELS,
    "brandstoffen energieopwekking": FactorCategory.ENERGY_FUELS,
    "elektriciteit": FactorCategory.ELECTRICITY,
    "warmtelevering": FactorCategory.HEAT,
    "personenvervoer": FactorCategory.PASSENGER_TRANSPORT,
    "goederenvervoer": FactorCategory.FREIGHT_TRANSPORT,
    "koudemiddelen": FactorCategory.REFRIGERANTS,
}
# In transport the item names ("Diesel", "Trein Elektrisch") repeat per subcategory (touringcar, minibus; bulk,
# containers): the subcategory is part of their name and code.
NAMED_WITH_SUBCATEGORY = {FactorCategory.PASSENGER_TRANSPORT, FactorCategory.FREIGHT_TRANSPORT}

# The list's unit → (our unit, the unit's part of the code). Nm3 is a cubic metre at normal conditions and "kg ds" a
# kilogram of dry matter; they are stored as m³ and kg, their own words stay in the code and the note.
UNITS = {
    "liter": (Unit.LITRE, "litre"),
    "kg": (Unit.KG, "kg"),
    "kg ds": (Unit.KG, "kg-ds"),
    "nm3": (Unit.M3, "m3"),
    "m3": (Unit.M3, "m3"),
    "kwh": (Unit.KWH, "kwh"),
    "gj": (Unit.GJ, "gj"),
    "voertuigkilometer": (Unit.VEHICLE_KM, "vkm"),
    "reizigerskilometer": (Unit.PASSENGER_KM, "pkm"),
    "tonkilometer": (Unit.TONNE_KM, "tkm"),
}
QUALIFIED_UNITS = {"nm3", "kg ds"}  # stored as m³ and kg: the note keeps the list's own unit
STATUSES = {"active", "vervallen"}
VARIABLE = "variabel"  # the list's WTW of "Stroometiket": it depends on the supplier's label
NOTE_LENGTH = 500
ROUNDING = Decimal("0.0015")  # WTW, TTW and WTT are each rounded to three decimals in the list


@dataclass(frozen=True)
class OfficialList:
    """One list year of the official list, ready for `loaders.factor_set_load`."""

    year: int
    list_version: str
    source: str
    rows: list[FactorRow]


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def factor_code(category: str, subcategory: str, item_name: str, unit_code: str) -> str:
    """The stable code of a factor: its name (with the subcategory in transport) and its unit, as a slug.

    'Diesel (fossiel) B0', liter → 'diesel-fossiel-b0-litre'; Touringcar 'Diesel', voertuigkilometer →
    'touringcar-diesel-vkm'. '<' and '>' become 'lt' and 'gt' so that "< 20 ton" and "> 20 ton" stay apart.
    """
    name = f"{subcategory} {item_name}" if category in NAMED_WITH_SUBCATEGORY else item_name
    name = name.replace("<", " lt ").replace(">", " gt ")
    return slugify(f"{name} {unit_code}")[:100]


def _number(text: str) -> Decimal | None:
    """A decimal-point number or empty; raises InvalidOperation for anything else."""
    cleaned = text.strip()
    if not cleaned:
        return None
    value = Decimal(cleaned)
    if not value.is_finite():
        raise InvalidOperation(cleaned)
    return value


def _number_or_none(text: str) -> Decimal | None:
    try:
        return _number(text)
    except InvalidOperation:
        return None


def _note(raw: Mapping[str, str], list_unit: str, withdrawn: bool, variable: bool, mismatch: str) -> str:
    parts = [raw.get("note", "").strip(), mismatch]
    if withdrawn:
        parts.append("Withdrawn (vervallen) in this list year; no value.")
    if variable and VARIABLE not in parts[0].lower():
        parts.append("WTW is 'Variabel' in the list: it depends on the supplier's electricity label.")
    label, fourth = raw.get("fourth_column_label", "").strip(), raw.get("fourth_column_value", "").strip()
    if label and fourth and _number_or_none(fourth) != 0:
        parts.append(f"{label}: {fourth} kg CO2-eq/{list_unit} (not part of WTW).")
    conversion = raw.get("conversion_mj_per_unit", "").strip()
    if conversion:
        parts.append(f"{conversion} MJ/{list_unit}.")
    if _key(list_unit) in QUALIFIED_UNITS:
        parts.append(f"Unit in the list: {list_unit}.")
    note = " ".join(part for part in parts if part)
    return note if len(note) <= NOTE_LENGTH else note[: NOTE_LENGTH - 1] + "…"


@dataclass(frozen=True)
class _Parsed:
    valid_year: int
    list_version: str
    list_source: str
    factor: FactorRow


def _row(raw: Mapping[str, str], where: str, line: int) -> _Parsed:
    """One row of the list. Raises ReferenceDataError naming file, line and field."""

    def fail(name: str, problem: str) -> ReferenceDataError:
        return row_error(where, line, name, problem, quote_field=True)

    def year(name: str) -> int:
        text = raw.get(name, "").strip()
        if not (text.isdigit() and 1990 <= int(text) <= 2100):
            raise fail(name, _("“%(value)s” is not a year") % {"value": text} if text else _("empty"))
        return int(text)

    valid_year = year("valid_year")
    list_version = raw.get("list_version", "").strip()
    if not list_version:
        raise fail("list_version", _("empty"))
    item_name = raw.get("item_name", "").strip()
    if not item_name:
        raise fail("item_name", _("empty"))
    category = CATEGORIES.get(_key(raw.get("category", "")))
    if category is None:
        raise fail("category", _("“%(value)s” is not a category of the list") % {"value": raw.get("category")})
    subcategory = raw.get("subcategory", "").strip()
    if not subcategory and category in NAMED_WITH_SUBCATEGORY:
        raise fail("subcategory", _("empty"))
    list_unit = raw.get("unit", "").strip()
    if _key(list_unit) not in UNITS:
        raise fail("unit", _("“%(value)s” is not a unit of the list") % {"value": list_unit})
    unit, unit_code = UNITS[_key(list_unit)]
    status = _key(raw.get("status", "")) or "active"
    if status not in STATUSES:
        raise fail("status", _("“%(value)s” is neither “active” nor “vervallen”") % {"value": raw.get("status")})
    numbers: dict[str, Decimal | None] = {}
    variable = False
    for key, column in VALUE_COLUMNS.items():
        text = raw.get(column, "")
        if key == "wtw" and _key(text) == VARIABLE:
            numbers[key], variable = None, True
            continue
        try:
            numbers[key] = _number(text)
        except InvalidOperation:
            raise fail(column, _("“%(value)s” is not a number") % {"value": text}) from None
        value = numbers[key]
        if value is not None and value < 0 and category != FactorCategory.REFRIGERANTS:
            raise fail(column, _("a factor cannot be negative"))
    wtw, ttw, wtt = numbers["wtw"], numbers["ttw"], numbers["wtt"]
    mismatch = ""
    if wtw is not None and ttw is not None and wtt is not None:
        difference = abs(wtw - (ttw + wtt))
        # The tolerance of loaders.py (1%, at least 0.01): more than that means the columns were misread.
        if difference > max(abs(wtw), Decimal(1)) / 100:
            raise fail("wtw_kg_co2e", _("WTW (%(wtw)s) is not TTW + WTT (%(sum)s)") % {"wtw": wtw, "sum": ttw + wtt})
        if difference > ROUNDING:
            mismatch = f"In the list WTW {wtw} is not TTW + WTT ({ttw + wtt}) beyond rounding."
    withdrawn = status == "vervallen"
    if not withdrawn and not variable and wtw is None and ttw is None and wtt is None:
        raise fail("wtw_kg_co2e", _("empty, and the factor is not withdrawn (status “vervallen”)"))
    list_source = raw.get("source_url", "").strip()
    source = raw.get("factor_url", "").strip() or list_source
    if not source:
        raise fail("source_url", _("empty"))
    if len(source) > 500:
        raise fail("source_url", _("longer than 500 characters"))
    name = f"{subcategory} – {item_name}" if category in NAMED_WITH_SUBCATEGORY else item_name
    if len(name) > 300:
        raise fail("item_name", _("longer than 300 characters"))
    factor = FactorRow(
        line=line,
        code=factor_code(category, subcategory, item_name, unit_code),
        name=name,
        category=str(category),
        unit=str(unit),
        wtw=wtw,
        ttw=ttw,
        wtt=wtt,
        source=source,
        source_year=year("source_year"),
        note=_note(raw, list_unit, withdrawn, variable, mismatch),
    )
    return _Parsed(valid_year, list_version, list_source, factor)


# --- files -----------------------------------------------------------------------------------------------------------


def _csv_records(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    text = read_text(path)
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headings = [_key(h) for h in next(reader, [])]

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        for values in reader:
            yield reader.line_num, dict(zip(headings, values, strict=False))

    return headings, records()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float: 3.462, not 3.4619999…
    return str(value).strip()


def _xlsx_records(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as error:
        raise unreadable(path, error) from error
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    headings = [_key(_cell(h)) for h in next(rows, ())]

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for line, values in enumerate(rows, start=2):
                yield line, dict(zip(headings, (_cell(v) for v in values), strict=False))
        finally:
            workbook.close()

    return headings, records()


def read_official_list(path: Path, year: int | None = None) -> OfficialList:
    """The factors of one list year in `path` (.csv or .xlsx). With several years in the file, `year` chooses one."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        headings, records = _xlsx_records(path)
    elif suffix == ".csv":
        headings, records = _csv_records(path)
    else:
        raise ReferenceDataError(_("%(file)s: only .csv and .xlsx files can be read") % {"file": path.name})
    missing = [column for column in REQUIRED_COLUMNS if column not in headings]
    if missing:
        raise ReferenceDataError(
            _("%(file)s, line 1: missing column(s) %(columns)s") % {"file": path.name, "columns": ", ".join(missing)}
        )
    parsed = [_row(raw, path.name, line) for line, raw in _filled(records)]
    if not parsed:
        raise ReferenceDataError(_("%(file)s holds no factors") % {"file": path.name})
    years = sorted({row.valid_year for row in parsed})
    if year is None and len(years) > 1:
        raise ReferenceDataError(
            _("%(file)s holds the list years %(years)s; one set holds one list year: choose one")
            % {"file": path.name, "years": ", ".join(str(y) for y in years)}
        )
    chosen = years[0] if year is None else year
    selected = [row for row in parsed if row.valid_year == chosen]
    if not selected:
        raise ReferenceDataError(_("%(file)s holds no factors of %(year)s") % {"file": path.name, "year": chosen})
    first = selected[0]
    seen: dict[str, int] = {}
    for row in selected:
        if row.list_version != first.list_version:
            raise row_error(path.name, row.factor.line, "list_version", _("“%(value)s” differs from “%(first)s”")
                            % {"value": row.list_version, "first": first.list_version}, quote_field=True)  # fmt: skip
        if row.factor.code in seen:
            raise ReferenceDataError(
                _("%(file)s, line %(line)s: “%(code)s” repeats line %(first)s")
                % {"file": path.name, "line": row.factor.line, "code": row.factor.code, "first": seen[row.factor.code]}
            )
        seen[row.factor.code] = row.factor.line
    list_source = first.list_source or first.factor.source
    return OfficialList(
        year=chosen,
        list_version=first.list_version,
        source=f"{list_source} ({first.list_version})"[:500],
        rows=[row.factor for row in selected],
    )


def _filled(records: Iterable[tuple[int, dict[str, str]]]) -> Iterator[tuple[int, dict[str, str]]]:
    for line, raw in records:
        if any(value.strip() for value in raw.values()):
            yield line, raw
