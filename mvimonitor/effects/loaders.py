"""Loading the effects' reference data: emission-factor sets (the official list's CSV download, an organisation's
own list, the shipped values), building-block tables, social-return policies and sanction rules.

Loaders are idempotent and refuse a file with a bad row as a whole, naming the file, the line and the field; the
shared pieces (error, result, upsert, file reading) are in `mvimonitor.reference`. The assumed columns of the
official list are `CSV_COLUMNS` and `VALUE_HEADING` (docs/effects.md, "Official list format").
"""

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, require
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.reference import ReferenceDataError, TableResult, read_json, read_text, row_error, upsert

from . import calculations as calc
from .factor_sets import frozen_message
from .models import (
    BuildingBlock,
    BuildingBlockTable,
    EmissionFactor,
    EmissionFactorSet,
    FactorCategory,
    SanctionBasis,
    SanctionRule,
    SocialReturnPolicy,
    Unit,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

# --- units of the official list --------------------------------------------------------------------------------------

UNIT_ALIASES = {
    "kwh": Unit.KWH,
    "mwh": Unit.KWH,  # scaled below
    "m3": Unit.M3,
    "nm3": Unit.M3,
    "m³": Unit.M3,
    "gj": Unit.GJ,
    "l": Unit.LITRE,
    "liter": Unit.LITRE,
    "litre": Unit.LITRE,
    "kg": Unit.KG,
    "km": Unit.VEHICLE_KM,
    "vkm": Unit.VEHICLE_KM,
    "voertuigkilometer": Unit.VEHICLE_KM,
    "pkm": Unit.PASSENGER_KM,
    "reizigerskilometer": Unit.PASSENGER_KM,
    "tkm": Unit.TONNE_KM,
    "tonkm": Unit.TONNE_KM,
    "ton": Unit.TONNE,
    "tonne": Unit.TONNE,
}
FACTOR_UNIT = re.compile(r"^\s*(?P<mass>g|kg)\s*(co2(-?eq)?|co2e)?\s*(/|per)\s*(?P<unit>[\w³]+)\s*$", re.IGNORECASE)


def parse_factor_unit(text: str, mass: str = "") -> tuple[str, Decimal]:
    """'kg CO2-eq/liter' → ('litre', 1); 'g CO2/kWh' → ('kWh', 0.001). A bare unit ('liter', as in the list's
    "Eenheid" column) takes its mass from the value columns' heading (`mass`: 'kg' for "Kg CO2/eenheid (WTW)").
    Raises ValueError for anything else."""
    match = FACTOR_UNIT.match(text)
    if match:
        unit_text, mass_text = match.group("unit").lower(), match.group("mass").lower()
    elif mass and text.strip().lower() in UNIT_ALIASES:
        unit_text, mass_text = text.strip().lower(), mass
    else:
        raise ValueError(text)
    unit = UNIT_ALIASES.get(unit_text)
    if unit is None:
        raise ValueError(text)
    scale = Decimal("0.001") if mass_text == "g" else Decimal(1)
    if unit_text == "mwh":
        scale /= 1000
    return str(unit), scale


CATEGORY_WORDS = [
    ("koudemiddel", FactorCategory.REFRIGERANTS),
    ("goederen", FactorCategory.FREIGHT_TRANSPORT),
    ("personen", FactorCategory.PASSENGER_TRANSPORT),
    ("warmte", FactorCategory.HEAT),
    ("elektriciteit", FactorCategory.ELECTRICITY),
    ("energieopwekking", FactorCategory.ENERGY_FUELS),
    ("voertuig", FactorCategory.VEHICLE_FUELS),
]


def parse_category(text: str) -> str:
    value = text.strip().lower()
    if value in FactorCategory.values:
        return value
    for word, category in CATEGORY_WORDS:
        if word in value:
            return str(category)
    raise ValueError(text)


def _decimal(text: str | None) -> Decimal | None:
    if text is None or not str(text).strip() or str(text).strip() in {"-", "—"}:
        return None
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    return Decimal(cleaned)


@dataclass(frozen=True)
class FactorRow:
    line: int
    code: str
    name: str
    category: str
    unit: str
    wtw: Decimal | None
    ttw: Decimal | None
    wtt: Decimal | None
    source: str
    source_year: int | None
    note: str


def _factor_row(raw: Mapping[str, Any], where: str, line: int) -> FactorRow:
    """Validate one row (from CSV or JSON); raises ReferenceDataError naming file, line and field."""

    def fail(name: str, problem: str) -> ReferenceDataError:
        return row_error(where, line, name, problem, quote_field=True)

    name = str(raw.get("name") or "").strip()
    if not name:
        raise fail("name", _("empty"))
    try:
        category = parse_category(str(raw.get("category") or ""))
    except ValueError:
        raise fail(
            "category", _("“%(value)s” is not a category of the list") % {"value": raw.get("category")}
        ) from None
    try:
        unit, scale = parse_factor_unit(str(raw.get("unit") or ""), str(raw.get("mass") or ""))
    except ValueError:
        raise fail(
            "unit", _("“%(value)s” is not a unit such as “kg CO2-eq/kWh”") % {"value": raw.get("unit")}
        ) from None
    numbers: dict[str, Decimal | None] = {}
    for key in ("wtw", "ttw", "wtt"):
        try:
            value = _decimal(raw.get(key))
        except InvalidOperation:
            raise fail(key.upper(), _("“%(value)s” is not a number") % {"value": raw.get(key)}) from None
        if value is not None and value < 0 and category != FactorCategory.REFRIGERANTS:
            raise fail(key.upper(), _("a factor cannot be negative"))
        numbers[key] = None if value is None else value * scale
    wtw, ttw, wtt = numbers["wtw"], numbers["ttw"], numbers["wtt"]
    if wtw is None and ttw is not None and wtt is not None:
        wtw = ttw + wtt
    tolerance = max(abs(wtw), Decimal(1)) / 100 if wtw is not None else Decimal(0)
    if wtw is not None and ttw is not None and wtt is not None and abs(wtw - (ttw + wtt)) > tolerance:
        raise fail("WTW", _("WTW (%(wtw)s) is not TTW + WTT (%(sum)s)") % {"wtw": wtw, "sum": ttw + wtt})
    code = slugify(str(raw.get("code") or "").strip() or name)[:100]
    year_text = str(raw.get("source_year") or "").strip()
    if year_text and not year_text.isdigit():
        raise fail("source_year", _("“%(value)s” is not a year") % {"value": year_text})
    return FactorRow(
        line=line,
        code=code,
        name=name[:300],
        category=category,
        unit=unit,
        wtw=wtw,
        ttw=ttw,
        wtt=wtt,
        source=str(raw.get("source") or "")[:500],
        source_year=int(year_text) if year_text else None,
        note=str(raw.get("note") or "")[:500],
    )


# Column names of the official download (Dutch) and of our own files (English); case-insensitive.
CSV_COLUMNS = {
    "id": "code",
    "code": "code",
    "categorie": "category",
    "category": "category",
    "naam": "name",
    "emissiefactor": "name",
    "name": "name",
    "eenheid": "unit",
    "unit": "unit",
    "wtw": "wtw",
    "ttw": "ttw",
    "wtt": "wtt",
    "bron": "source",
    "source": "source",
    "jaar": "source_year",
    "source_year": "source_year",
    "opmerking": "note",
    "toelichting": "note",
    "note": "note",
}
REQUIRED_COLUMNS = {"category", "name", "unit", "wtw"}
# The public list's table ("Totale lijst" on co2emissiefactoren.nl/lijst-emissiefactoren, as read for docs/effects.md):
# an unnamed name column, "Eenheid", "Kg CO2/eenheid (WTW)", "… (TTW)", "… (WTT)", "Bron", "Toelichting", "Datum",
# and the category as a heading row of its own ("Brandstoffen voertuigen en schepen").
VALUE_HEADING = re.compile(r"^\s*(?P<mass>g|kg)\s*co2[^/]*/\s*eenheid\s*\((?P<kind>wtw|ttw|wtt)\)\s*$", re.IGNORECASE)


def _column(name: str, position: int) -> tuple[str | None, str]:
    """Our field for a CSV heading, and the mass ('kg'/'g') a value heading states for bare units."""
    heading = name.strip().lower()
    match = VALUE_HEADING.match(heading)
    if match:
        return match.group("kind").lower(), match.group("mass").lower()
    if heading == "" and position == 0:
        return "name", ""
    if heading == "datum":
        return "date", ""
    return CSV_COLUMNS.get(heading), ""


def read_factor_csv(path: Path) -> list[FactorRow]:
    """Parse the official list's CSV download (';' or ',' separated, decimal comma or point)."""
    text = read_text(path)
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    parsed = [_column(name, position) for position, name in enumerate(reader.fieldnames or [])]
    columns = {name: field for name, (field, _mass) in zip(reader.fieldnames or [], parsed, strict=True)}
    mass = next((m for _field, m in parsed if m), "")
    heading_categories = "category" not in columns.values()  # categories come as heading rows
    missing = REQUIRED_COLUMNS - {c for c in columns.values() if c} - ({"category"} if heading_categories else set())
    if missing:
        raise ReferenceDataError(
            _("%(file)s, line 1: missing column(s) %(columns)s")
            % {"file": path.name, "columns": ", ".join(sorted(missing))}
        )
    rows: list[FactorRow] = []
    seen: dict[str, int] = {}
    category = ""
    for line, raw in enumerate(reader, start=2):
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue
        mapped: dict[str, Any] = {str(columns[k]): v for k, v in raw.items() if columns.get(k)}
        if heading_categories:
            if not any(str(mapped.get(key) or "").strip() for key in ("unit", "wtw", "ttw", "wtt")):
                category = str(mapped.get("name") or "").strip()  # a heading row: the category of what follows
                continue
            mapped["category"] = category
        if mass:
            mapped["mass"] = mass
        if mapped.get("date") and not mapped.get("note"):
            mapped["note"] = f"Datum {str(mapped['date']).strip()}"
        row = _factor_row(mapped, path.name, line)
        if row.code in seen:
            raise ReferenceDataError(
                _("%(file)s, line %(line)s: “%(code)s” repeats line %(first)s")
                % {"file": path.name, "line": line, "code": row.code, "first": seen[row.code]}
            )
        seen[row.code] = line
        rows.append(row)
    if not rows:
        raise ReferenceDataError(_("%(file)s holds no factors") % {"file": path.name})
    return rows


# --- factor sets -----------------------------------------------------------------------------------------------------


FACTOR_FIELDS = ("name", "category", "unit", "wtw", "ttw", "wtt", "source", "source_year", "note")
CHANGES_NAMED = 5  # a refusal names this many differences, then says how many more


def _factor_values(row: FactorRow, source: str, publication_year: int) -> dict[str, Any]:
    """What one row stores, the set's source and year filled in where the row has none."""
    return {
        "name": row.name,
        "category": row.category,
        "unit": row.unit,
        "wtw": row.wtw,
        "ttw": row.ttw,
        "wtt": row.wtt,
        "source": row.source or source,
        "source_year": row.source_year or publication_year,
        "note": row.note,
    }


def _differences(
    factor_set: EmissionFactorSet, rows: Sequence[FactorRow], values: Mapping[str, Any], source: str
) -> list[str]:
    """What loading `rows` and `values` would change in a stored set, in words."""
    changes = [
        _("%(field)s “%(old)s” → “%(new)s”") % {"field": name, "old": getattr(factor_set, name), "new": value}
        for name, value in values.items()
        if getattr(factor_set, name) != value
    ]
    stored = {f.code: f for f in factor_set.factors.all()}
    for row in rows:
        factor = stored.pop(row.code, None)
        if factor is None:
            changes.append(_("item “%(code)s” added") % {"code": row.code})
            continue
        for name, value in _factor_values(row, source, factor_set.publication_year).items():
            if getattr(factor, name) != value:
                changes.append(
                    _("%(code)s: %(field)s %(old)s → %(new)s")
                    % {"code": row.code, "field": name, "old": getattr(factor, name), "new": value}
                )
    changes += [_("item “%(code)s” removed") % {"code": code} for code in stored]
    return changes


def _refusal(factor_set: EmissionFactorSet, changes: list[str]) -> ReferenceDataError:
    named = "; ".join(changes[:CHANGES_NAMED])
    if len(changes) > CHANGES_NAMED:
        named += _(" and %(n)s more") % {"n": len(changes) - CHANGES_NAMED}
    return ReferenceDataError(
        frozen_message(factor_set.label, factor_set.published_at is not None)
        + " "
        + _("This load would change: %(changes)s.") % {"changes": named}
        + " "
        + _(
            "To publish a correction: load_emission_factors … --set-version NEW-VERSION --supersedes %(version)s "
            '--reason "…" (in a JSON data file: a new set with "version", "supersedes": "%(version)s" '
            'and "correction_reason").'
        )
        % {"version": factor_set.version}
    )


def _corrected_set(
    name: str, version: str, organisation: Organisation | None, supersedes: str, reason: str
) -> EmissionFactorSet | None:
    """The set a correction replaces (same name and owner), checked: it exists, and a reason is given."""
    if not supersedes:
        if reason.strip():
            raise ReferenceDataError(_("A reason for a correction is given, but not the version it corrects."))
        return None
    if supersedes == version:
        raise ReferenceDataError(_("A correction is a new version: “%(version)s” cannot correct itself.") % {
            "version": version})  # fmt: skip
    if not reason.strip():
        raise ReferenceDataError(
            _("A correction of “%(name)s” %(version)s needs a reason.") % {"name": name, "version": supersedes}
        )
    corrected = EmissionFactorSet.objects.filter(name=name, version=supersedes, organisation=organisation).first()
    if corrected is None:
        raise ReferenceDataError(
            _("There is no version “%(version)s” of “%(name)s” to correct.") % {"name": name, "version": supersedes}
        )
    return corrected


@transaction.atomic
def factor_set_load(
    *,
    rows: Sequence[FactorRow],
    name: str,
    version: str,
    publication_year: int,
    source: str,
    note: str = "",
    organisation: Organisation | None = None,
    supersedes: str = "",
    correction_reason: str = "",
    publish: bool | None = None,
    texts: Mapping[str, str] | None = None,
) -> TableResult:
    """Create one set with exactly these rows, or bring an unfrozen one to exactly these rows (idempotent; items
    absent from `rows` are removed).

    A set that is published (`publish`, by default every public set) or was used for stored effects is frozen: the
    same rows again change nothing, different ones are refused with a `ReferenceDataError` naming the differences
    and how to publish a correction (a new `version` that `supersedes` this one, with a `correction_reason`).
    `texts` (name_nl, description_nl, description_en) only present the set to readers and are set on frozen sets too.
    """
    result = TableResult(table=f"{name} {version}")
    corrected = _corrected_set(name, version, organisation, supersedes, correction_reason)
    values: dict[str, Any] = {
        "publication_year": publication_year,
        "source": source,
        "note": note,
        "supersedes": corrected,
        "correction_reason": correction_reason.strip() if corrected is not None else "",
    }
    existing = (
        EmissionFactorSet.objects.filter(name=name, version=version, organisation=organisation)
        .select_related("supersedes")
        .first()
    )
    if existing is not None and existing.is_frozen:
        changes = _differences(existing, rows, values, source)
        if changes:
            raise _refusal(existing, changes)
        result.unchanged = len(rows)
        _present(existing, texts or {}, result)
        return result
    factor_set = upsert(EmissionFactorSet, {"name": name, "version": version, "organisation": organisation}, values)
    _present(factor_set, texts or {}, result if existing is not None else None)
    for row in rows:
        upsert(
            EmissionFactor,
            {"factor_set": factor_set, "code": row.code},
            _factor_values(row, source, publication_year),
            result,
        )
    removed, _detail = factor_set.factors.exclude(code__in=[r.code for r in rows]).delete()
    if removed:
        result.updated += removed
        result.notes.append(_("%(count)s factor(s) no longer in the file were removed") % {"count": removed})
    if (organisation is None if publish is None else publish) and factor_set.published_at is None:
        # published last: the factors above are written while the set can still change
        EmissionFactorSet.objects.filter(pk=factor_set.pk).update(published_at=timezone.now())
    return result


@transaction.atomic
def factor_set_import(
    *,
    user: User | None,
    path: Path,
    name: str,
    version: str,
    publication_year: int,
    source: str,
    organisation: Organisation | None = None,
    supersedes: str = "",
    correction_reason: str = "",
) -> TableResult:
    """Load an official list (or an organisation's own list) from its CSV download."""
    if organisation is not None and user is not None:
        require(user, Action.EDIT_CONTRACTS, organisation)
    rows = read_factor_csv(path)
    return factor_set_load(
        rows=rows,
        name=name,
        version=version,
        publication_year=publication_year,
        source=source,
        organisation=organisation,
        supersedes=supersedes,
        correction_reason=correction_reason,
    )


@transaction.atomic
def factor_set_create_own(
    *,
    user: User,
    organisation: Organisation,
    name: str,
    version: str,
    publication_year: int,
    source: str,
    path: Path,
    supersedes: str = "",
    correction_reason: str = "",
) -> TableResult:
    """An organisation's own factor set, from a CSV in the official list's format; visible to its members only.
    It can be loaded again with other values until a stored effect uses it; then a correction is a new version."""
    require(user, Action.EDIT_CONTRACTS, organisation)
    return factor_set_import(
        user=user,
        path=path,
        name=name,
        version=version,
        publication_year=publication_year,
        source=source,
        organisation=organisation,
        supersedes=supersedes,
        correction_reason=correction_reason,
    )


# --- the shipped data ------------------------------------------------------------------------------------------------


PRESENTATION_FIELDS = ("name_nl", "description_nl", "description_en")


def _present(factor_set: EmissionFactorSet, texts: Mapping[str, str], result: TableResult | None) -> None:
    """Write the texts that present a set to readers; they change no figure, so frozen sets take them too."""
    wanted = {name: texts.get(name, "") for name in PRESENTATION_FIELDS}
    if any(getattr(factor_set, name) != value for name, value in wanted.items()):
        EmissionFactorSet.objects.filter(pk=factor_set.pk).update(**wanted)
        for name, value in wanted.items():
            setattr(factor_set, name, value)
        if result is not None:
            result.notes.append(_("the names and descriptions shown to readers were updated"))


@transaction.atomic
def factor_sets_json_load(path: Path) -> list[TableResult]:
    """Load the public sets of a JSON data file ({"sets": [{name, version, publication_year, source, note,
    factors: [...]}, ...]}); a correction names the version it corrects ("supersedes") and why
    ("correction_reason")."""
    results: list[TableResult] = []
    for spec in read_json(path)["sets"]:
        rows = [_factor_row(raw, path.name, index) for index, raw in enumerate(spec["factors"], start=1)]
        results.append(
            factor_set_load(
                rows=rows,
                name=spec["name"],
                version=spec["version"],
                publication_year=spec["publication_year"],
                source=spec["source"],
                note=spec.get("note", ""),
                supersedes=spec.get("supersedes", ""),
                correction_reason=spec.get("correction_reason", ""),
                texts={name: spec.get(name, "") for name in PRESENTATION_FIELDS},
            )
        )
    return results


@transaction.atomic
def effects_reference_load() -> list[TableResult]:
    """Load the shipped factor values, building-block tables and policies (idempotent)."""
    results = factor_sets_json_load(DATA_DIR / "emission_factors.json")
    tables = TableResult(table=_("building-block tables"))
    for spec in read_json(DATA_DIR / "building_blocks.json")["tables"]:
        valid_from = date.fromisoformat(spec["valid_from"]) if spec["valid_from"] else None
        table = upsert(
            BuildingBlockTable,
            {"code": spec["code"], "valid_from": valid_from},
            {
                "region": spec["region"],
                "source": spec["source"],
                "source_year": spec["source_year"],
                "counting_rules": spec["counting_rules"],
                "counting_rules_nl": spec.get("counting_rules_nl", ""),
            },
            tables,
        )
        for block in spec["blocks"]:
            if block["basis"] != calc.BASIS_AMOUNT and block["value"] is None:
                raise ReferenceDataError(
                    _("building_blocks.json, table %(table)s, block %(block)s: a value is needed")
                    % {"table": spec["code"], "block": block["code"]}
                )
            upsert(
                BuildingBlock,
                {"table": table, "code": block["code"]},
                {
                    "name_en": block["name_en"],
                    "name_nl": block.get("name_nl", ""),
                    "basis": block["basis"],
                    "value": None if block["value"] is None else Decimal(block["value"]),
                    "max_months": block["max_months"],
                    "is_bonus": block["is_bonus"],
                },
                tables,
            )
    results.append(tables)
    policies = read_json(DATA_DIR / "policies.json")
    rules = TableResult(table=_("social-return and sanction rules"))
    texts = ("name", "name_nl", "source", "source_year")
    for spec in policies["social_return_policies"]:
        values = {name: spec.get(name, "") for name in texts}
        values.update(base=spec["base"] or "", min_duration_months=spec.get("min_duration_months"))
        values.update(contract_kinds=spec.get("contract_kinds", ""))
        for name in ("percentage", "cap", "applies_above_value"):
            values[name] = _decimal(spec.get(name))
        upsert(SocialReturnPolicy, {"code": spec["code"]}, values, rules)
    for spec in policies["sanction_rules"]:
        values = {name: spec.get(name, "") for name in texts}
        values.update(basis=spec.get("basis", SanctionBasis.ADVANTAGE_MULTIPLE))
        values.update(multiple=_decimal(spec.get("multiple")), percentage=_decimal(spec.get("percentage")))
        upsert(SanctionRule, {"code": spec["code"]}, values, rules)
    results.append(rules)
    return results
