"""Every write of the effects app: reference data, contracts, commitments, realisations, evidence, recalculation.

Writes check the caller's rights through `mvimonitor.organisations.access`, validate with `full_clean()` and run in
one transaction, so a refused or invalid write changes nothing. Loaders are idempotent and refuse a file with a bad
row as a whole, naming the file, the line and the field.
"""

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, require
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.tenders.changes import RecordChange, record_changed
from mvimonitor.tenders.models import Contract, Lot
from mvimonitor.tenders.services import assign_fields

from . import calculations as calc
from .models import (
    CO2_KINDS,
    BuildingBlock,
    BuildingBlockTable,
    Commitment,
    CommitmentKind,
    EffectCalculation,
    EmissionFactor,
    EmissionFactorSet,
    EvidenceFile,
    FactorCategory,
    ObligationBase,
    Placement,
    Realisation,
    RealisationStatus,
    SanctionRule,
    SocialReturnPolicy,
    Unit,
)

DATA_DIR = Path(__file__).resolve().parent / "data"


class ReferenceDataError(Exception):
    """A data file cannot be loaded; the message names the file, line and field."""


@dataclass
class LoadResult:
    table: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _upsert(model: Any, lookup: Mapping[str, Any], values: Mapping[str, Any], result: LoadResult) -> Any:
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        instance.full_clean()
        instance.save()
        result.created += 1
        return instance
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.full_clean()
        instance.save(update_fields=changed)
        result.updated += 1
    else:
        result.unchanged += 1
    return instance


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
        return ReferenceDataError(
            _("%(where)s, line %(line)s, field “%(field)s”: %(problem)s")
            % {"where": where, "line": line, "field": name, "problem": problem}
        )

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
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ReferenceDataError(_("%(file)s cannot be read: %(error)s") % {"file": path, "error": error}) from error
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
) -> LoadResult:
    """Create or update one set with exactly these rows (idempotent; items absent from `rows` are removed)."""
    result = LoadResult(table=f"{name} {version}")
    factor_set = _upsert(
        EmissionFactorSet,
        {"name": name, "version": version, "organisation": organisation},
        {"publication_year": publication_year, "source": source, "note": note},
        LoadResult(table="set"),
    )
    for row in rows:
        _upsert(
            EmissionFactor,
            {"factor_set": factor_set, "code": row.code},
            {
                "name": row.name,
                "category": row.category,
                "unit": row.unit,
                "wtw": row.wtw,
                "ttw": row.ttw,
                "wtt": row.wtt,
                "source": row.source or source,
                "source_year": row.source_year or publication_year,
                "note": row.note,
            },
            result,
        )
    removed, _detail = factor_set.factors.exclude(code__in=[r.code for r in rows]).delete()
    if removed:
        result.updated += removed
        result.notes.append(_("%(count)s factor(s) no longer in the file were removed") % {"count": removed})
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
) -> LoadResult:
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
    )


def _load_json(name: str) -> Any:
    path = DATA_DIR / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ReferenceDataError(_("%(file)s cannot be read: %(error)s") % {"file": path, "error": error}) from error


@transaction.atomic
def effects_reference_load() -> list[LoadResult]:
    """Load the shipped factor values, building-block tables and policies (idempotent)."""
    results: list[LoadResult] = []
    for spec in _load_json("emission_factors.json")["sets"]:
        rows = [_factor_row(raw, "emission_factors.json", index) for index, raw in enumerate(spec["factors"], start=1)]
        results.append(
            factor_set_load(
                rows=rows,
                name=spec["name"],
                version=spec["version"],
                publication_year=spec["publication_year"],
                source=spec["source"],
                note=spec.get("note", ""),
            )
        )
    tables = LoadResult(table=_("building-block tables"))
    for spec in _load_json("building_blocks.json")["tables"]:
        valid_from = date.fromisoformat(spec["valid_from"]) if spec["valid_from"] else None
        table = _upsert(
            BuildingBlockTable,
            {"code": spec["code"], "valid_from": valid_from},
            {
                "region": spec["region"],
                "source": spec["source"],
                "source_year": spec["source_year"],
                "counting_rules": spec["counting_rules"],
            },
            tables,
        )
        for block in spec["blocks"]:
            if block["basis"] != calc.BASIS_AMOUNT and block["value"] is None:
                raise ReferenceDataError(
                    _("building_blocks.json, table %(table)s, block %(block)s: a value is needed")
                    % {"table": spec["code"], "block": block["code"]}
                )
            _upsert(
                BuildingBlock,
                {"table": table, "code": block["code"]},
                {
                    "name": block["name"],
                    "basis": block["basis"],
                    "value": None if block["value"] is None else Decimal(block["value"]),
                    "max_months": block["max_months"],
                    "is_bonus": block["is_bonus"],
                },
                tables,
            )
    results.append(tables)
    policies = _load_json("policies.json")
    rules = LoadResult(table=_("social-return and sanction rules"))
    for spec in policies["social_return_policies"]:
        _upsert(
            SocialReturnPolicy,
            {"code": spec["code"]},
            {
                "name": spec["name"],
                "base": spec["base"],
                "percentage": Decimal(spec["percentage"]),
                "cap": None if spec["cap"] is None else Decimal(spec["cap"]),
                "source": spec["source"],
                "source_year": spec["source_year"],
            },
            rules,
        )
    for spec in policies["sanction_rules"]:
        _upsert(
            SanctionRule,
            {"code": spec["code"]},
            {
                "name": spec["name"],
                "multiple": Decimal(spec["multiple"]),
                "source": spec["source"],
                "source_year": spec["source_year"],
            },
            rules,
        )
    results.append(rules)
    return results


# --- contracts -------------------------------------------------------------------------------------------------------


@transaction.atomic
def contract_create(*, user: User, lot: Lot, **fields: Any) -> Contract:
    require(user, Action.EDIT_CONTRACTS, lot.tender.organisation_id)
    contract = Contract(lot=lot, **fields)
    contract.full_clean()
    contract.save()
    return contract


@transaction.atomic
def contract_update(*, user: User, contract: Contract, **fields: Any) -> Contract:
    require(user, Action.EDIT_CONTRACTS, contract.lot.tender.organisation_id)
    lot = fields.pop("lot", None)
    if lot is not None and lot.pk != contract.lot_id:
        raise ValidationError({"lot": _("A contract cannot move to another lot.")})
    changed = assign_fields(contract, fields)
    contract.full_clean()
    if {"start_date", "end_date"} & set(changed):
        _check_period_still_holds(contract)
    if changed:
        contract.save(update_fields=changed)
        record_changed(contract_organisation_ids=[contract.lot.tender.organisation_id])
    return contract


def _check_period_still_holds(contract: Contract) -> None:
    """A new contract period must still hold the commitments and realisations recorded under it (else the
    realisations would count for a period outside the contract); the message names the first one outside."""
    from django.db.models import Q

    outside = Q()
    if contract.start_date:
        outside |= Q(period_start__lt=contract.start_date)
    if contract.end_date:
        outside |= Q(period_end__gt=contract.end_date)
    if not outside:
        return
    commitment = Commitment.objects.filter(contract=contract).filter(outside).order_by("period_start").first()
    realisation = (
        Realisation.objects.filter(commitment__contract=contract).filter(outside).order_by("period_start").first()
    )
    problem = realisation or commitment
    if problem is None:
        return
    raise ValidationError(
        {
            "start_date" if contract.start_date and problem.period_start < contract.start_date else "end_date": _(
                "The new contract period %(start)s–%(end)s does not hold the %(what)s “%(name)s” "
                "(%(pstart)s–%(pend)s); change or remove that first."
            )
            % {
                "start": contract.start_date or "…",
                "end": contract.end_date or "…",
                "what": _("realisation") if realisation is not None else _("commitment"),
                "name": str(realisation.commitment) if realisation is not None else str(commitment),
                "pstart": problem.period_start,
                "pend": problem.period_end,
            }
        }
    )


# --- commitments -----------------------------------------------------------------------------------------------------


def _obligation(commitment: Commitment) -> Decimal:
    """Fill in base and percentage from the chosen policy, then compute the obligation (or say what is missing)."""
    policy = commitment.social_return_policy
    if policy is not None:
        commitment.obligation_base = commitment.obligation_base or policy.base
        if commitment.obligation_percentage is None:
            commitment.obligation_percentage = policy.percentage
        if commitment.obligation_cap is None:
            commitment.obligation_cap = policy.cap
    if not commitment.obligation_base:
        raise ValidationError({"obligation_base": _("Choose the base of the obligation (or a policy).")})
    base = (
        commitment.contract.value
        if commitment.obligation_base == ObligationBase.CONTRACT_VALUE
        else commitment.wage_sum
    )
    result = calc.social_return_obligation(base, commitment.obligation_percentage, commitment.obligation_cap)
    if isinstance(result, calc.Problem):
        field_name = {
            calc.NO_BASE: "wage_sum" if commitment.obligation_base == ObligationBase.WAGE_SUM else "obligation_base",
            calc.BAD_PERCENTAGE: "obligation_percentage",
        }.get(result.code, "obligation_base")
        message = (
            _("The contract has no value to base the obligation on.")
            if result.code == calc.NO_BASE and commitment.obligation_base == ObligationBase.CONTRACT_VALUE
            else _("Enter the wage sum the obligation is based on.")
            if result.code == calc.NO_BASE
            else _("Enter a percentage between 0 and 100.")
        )
        raise ValidationError({field_name: message})
    return result


def commitment_prepare(commitment: Commitment) -> None:
    """Derive what a commitment's own fields imply (the social-return obligation, the reference unit) and check its
    factor set belongs to its organisation; the services and the admin form both run it before `full_clean`."""
    if commitment.kind == CommitmentKind.SOCIAL_RETURN:
        commitment.unit = Unit.EUR
        commitment.quantity = _obligation(commitment)
    if commitment.reference_factor_code and not commitment.reference_unit:
        commitment.reference_unit = commitment.unit
    if commitment.factor_set_id and commitment.factor_set is not None:
        owner = commitment.factor_set.organisation_id
        if owner is not None and owner != commitment.contract.lot.tender.organisation_id:
            raise ValidationError({"factor_set": _("This factor set belongs to another organisation.")})


@transaction.atomic
def commitment_create(*, user: User, contract: Contract, **fields: Any) -> Commitment:
    require(user, Action.EDIT_CONTRACTS, contract.lot.tender.organisation_id)
    if fields.get("quantity") is None:
        if fields.get("kind") != CommitmentKind.SOCIAL_RETURN:
            raise ValidationError({"quantity": _("Enter the promised quantity.")})
        fields["quantity"] = Decimal(0)  # computed from base and percentage below
    commitment = Commitment(contract=contract, created_by=user, **fields)
    if not commitment.period_start:
        commitment.period_start = contract.start_date  # type: ignore[assignment]
    if not commitment.period_end:
        commitment.period_end = contract.end_date  # type: ignore[assignment]
    commitment_prepare(commitment)
    commitment.full_clean()
    commitment.save()
    record_changed(contract_organisation_ids=[contract.lot.tender.organisation_id])
    return commitment


@transaction.atomic
def commitment_update(*, user: User, commitment: Commitment, **fields: Any) -> Commitment:
    require(user, Action.EDIT_CONTRACTS, commitment.contract.lot.tender.organisation_id)
    fields.pop("contract", None)
    assign_fields(commitment, fields)
    commitment_prepare(commitment)
    commitment.full_clean()
    commitment.save()
    record_changed(contract_organisation_ids=[commitment.contract.lot.tender.organisation_id])
    return commitment


# --- realisations and evidence ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementInput:
    block: BuildingBlock
    persons: int
    months: Decimal = Decimal(0)
    hours_per_week: Decimal = Decimal(36)
    amount: Decimal | None = None


def _blocks_of(table: BuildingBlockTable) -> dict[str, calc.BuildingBlock]:
    return {
        b.code: calc.BuildingBlock(b.code, b.basis, b.value, b.max_months, counts_as_fte=not b.is_bonus)
        for b in table.blocks.all()
    }


def _check_file(upload: "UploadedFile[Any]") -> None:
    limit = settings.MVIMONITOR_EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "evidence": _("“%(name)s” is larger than %(limit)s MB.")
                % {"name": upload.name, "limit": limit // (1024 * 1024)}
            }
        )


@transaction.atomic
def realisation_submit(
    *,
    user: User,
    commitment: Commitment,
    period_start: date,
    period_end: date,
    quantity: Decimal | None = None,
    recycled_share: Decimal | None = None,
    placements: Sequence[PlacementInput] = (),
    evidence: "Iterable[UploadedFile[Any]]" = (),
) -> Realisation:
    """Record a report of what was delivered (status: submitted). Social return: counted placements, no names."""
    require(user, Action.EDIT_CONTRACTS, commitment.contract.lot.tender.organisation_id)
    if commitment.kind == CommitmentKind.SOCIAL_RETURN:
        if not placements:
            raise ValidationError({"placements": _("Record at least one placement.")})
        table = commitment.block_table
        assert table is not None  # noqa: S101 - Commitment.clean requires it for social return
        foreign = [p.block.name for p in placements if p.block.table_id != table.pk]
        if foreign:
            raise ValidationError(
                {
                    "placements": _("Not a block of the table %(table)s: %(blocks)s")
                    % {"table": table, "blocks": ", ".join(foreign)}
                }
            )
        result = calc.social_return_value(
            [calc.Placement(p.block.code, p.persons, p.months, p.hours_per_week, p.amount) for p in placements],
            _blocks_of(table),
        )
        if not result.calculable:
            from .reasons import describe

            raise ValidationError({"placements": [describe(problem) for problem in result.problems]})
        quantity = result.value.quantize(Decimal("0.001"))
    if quantity is None:
        raise ValidationError({"quantity": _("Enter the delivered quantity.")})
    realisation = Realisation(
        commitment=commitment,
        period_start=period_start,
        period_end=period_end,
        quantity=quantity,
        recycled_share=recycled_share,
        submitted_by=user,
    )
    realisation.full_clean()
    realisation.save()
    for p in placements:
        placement = Placement(
            realisation=realisation,
            block=p.block,
            persons=p.persons,
            months=p.months,
            hours_per_week=p.hours_per_week,
            amount=p.amount,
        )
        placement.full_clean()
        placement.save()
    for upload in evidence:
        evidence_add(user=user, realisation=realisation, upload=upload)
    record_changed(contract_organisation_ids=[commitment.contract.lot.tender.organisation_id])
    return realisation


@transaction.atomic
def evidence_add(*, user: User, realisation: Realisation, upload: "UploadedFile[Any]") -> EvidenceFile:
    require(user, Action.EDIT_CONTRACTS, realisation.commitment.contract.lot.tender.organisation_id)
    _check_file(upload)
    name = Path(upload.name or "evidence").name
    evidence = EvidenceFile(realisation=realisation, file=upload, original_name=name[:255], uploaded_by=user)
    try:
        evidence.full_clean()
    except ValidationError as error:
        raise ValidationError({"evidence": [f"{name}: {m}" for m in error.messages]}) from error
    evidence.save()
    return evidence


@transaction.atomic
def realisation_review(*, user: User, realisation: Realisation, status: str, note: str = "") -> Realisation:
    """Verify or reject a submitted realisation; records who and when. A rejection needs a reason."""
    require(user, Action.EDIT_CONTRACTS, realisation.commitment.contract.lot.tender.organisation_id)
    if status not in {RealisationStatus.VERIFIED, RealisationStatus.REJECTED}:
        raise ValidationError({"status": _("Choose verified or rejected.")})
    if realisation.status != RealisationStatus.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted realisation can be reviewed.")})
    if status == RealisationStatus.REJECTED and not note.strip():
        raise ValidationError({"review_note": _("Give the reason for the rejection.")})
    realisation.status = status
    realisation.review_note = note
    realisation.reviewed_by = user
    realisation.reviewed_at = timezone.now()
    realisation.full_clean()
    realisation.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    record_changed(contract_organisation_ids=[realisation.commitment.contract.lot.tender.organisation_id])
    return realisation


@transaction.atomic
def factor_set_create_own(
    *, user: User, organisation: Organisation, name: str, version: str, publication_year: int, source: str, path: Path
) -> LoadResult:
    """An organisation's own factor set, from a CSV in the official list's format; visible to its members only."""
    require(user, Action.EDIT_CONTRACTS, organisation)
    return factor_set_import(
        user=user,
        path=path,
        name=name,
        version=version,
        publication_year=publication_year,
        source=source,
        organisation=organisation,
    )


# --- recalculation ---------------------------------------------------------------------------------------------------


def default_factor_set(sets: Sequence[tuple[int, int]], year: int | None) -> int | None:
    """From (id, publication_year) of the public sets: the newest published no later than `year`; else the oldest.

    domain.md §7: new factors are used from their year of publication; past years are not recalculated.
    """
    if not sets:
        return None
    ordered = sorted(sets, key=lambda s: (s[1], s[0]))
    if year is not None:
        earlier = [s for s in ordered if s[1] <= year]
        if earlier:
            return earlier[-1][0]
    return ordered[0][0]


@dataclass
class RecalculationResult:
    commitments: int
    calculable: int
    not_calculable: int
    seconds_read: float = 0.0
    seconds_compute: float = 0.0
    seconds_write: float = 0.0


# One stored row per commitment, in this column order (computed_at is added when writing).
EFFECT_COLUMNS = (
    "commitment_id",
    "organisation_id",
    "kind",
    "unit",
    "promised",
    "delivered_verified",
    "delivered_submitted",
    "is_co2",
    "ex_ante_kg",
    "ex_post_kg",
    "reference_kg",
    "sr_obligation",
    "sr_value",
    "sr_fte_years",
    "calculable",
    "problem_code",
    "problem_details",
    "sanction_status",
    "sanction_amount",
    "factor_set_id",
    "factor_set_label",
    "method_version",
    "computed_at",
)
EffectRow = tuple[Any, ...]  # the values of EFFECT_COLUMNS without computed_at; problem_details is a dict
# per commitment: verified sum (None: nothing verified), submitted sum, verified realisations outside the contract
# period and that period as text (see _read_realised)
Realised = tuple[Decimal | None, Decimal | None, int, str]

# What the recalculation reads of a commitment, in this order (organisation and rule multiple come from joins).
COMMITMENT_FIELDS = (
    "id",
    "kind",
    "unit",
    "quantity",
    "factor_code",
    "reference_quantity",
    "reference_unit",
    "reference_factor_code",
    "factor_set_id",
    "period_start",
    "period_end",
    "award_advantage",
    "sanction_multiple",
    "organisation_id",
    "rule_multiple",
)


def compute_effects(
    commitments: Iterable[Sequence[Any]],
    realised: Mapping[int, Realised],
    factor_sets: Mapping[int, Mapping[str, calc.Factor]],
    set_labels: Mapping[int, str],
    public_sets: Sequence[tuple[int, int]],
    sr_fte: Mapping[int, Decimal],
    as_of: date,
) -> list[EffectRow]:
    """Run the calculators over plain rows (no queries): one row of EFFECT_COLUMNS (less computed_at) per commitment.

    `commitments` are rows of COMMITMENT_FIELDS with Python values (Decimal, date). CO2 goes through
    `calc.co2_figures` (the bulk form of `calc.co2_assess`, factor look-ups memoised per set), sanctions through
    `calc.sanction`; every figure stays a `Decimal`, exactly as the calculators compute it.
    """
    out: list[EffectRow] = []
    append = out.append
    default_by_year: dict[int, int | None] = {}
    lookups: dict[int | None, calc.FactorLookup] = {}
    method = calc.METHOD_VERSION
    co2_kinds = frozenset(str(kind) for kind in CO2_KINDS)
    social_return = str(CommitmentKind.SOCIAL_RETURN)
    no_realisation: Realised = (None, None, 0, "")
    zero = Decimal(0)
    for (
        pk, kind, unit, quantity, factor_code, reference_quantity, reference_unit, reference_factor_code, set_id,
        period_start, period_end, award_advantage, own_multiple, organisation_id, rule_multiple,
    ) in commitments:  # fmt: skip
        verified, submitted, outside, contract_period = realised.get(pk, no_realisation)
        ex_ante = ex_post = reference_kg = sr_obligation = sr_value = sr_fte_years = None
        calculable = True
        problem: calc.Problem | None = None
        label = ""
        is_co2 = kind in co2_kinds
        if is_co2:
            if set_id is None:
                year = period_start.year
                if year not in default_by_year:
                    default_by_year[year] = default_factor_set(public_sets, year)
                set_id = default_by_year[year]
            lookup = lookups.get(set_id)
            if lookup is None:
                lookup = lookups[set_id] = calc.FactorLookup(factor_sets.get(set_id, {}) if set_id is not None else {})
            label = set_labels.get(set_id, "") if set_id is not None else ""
            ex_ante, ex_post, reference_kg, calculable, problem = calc.co2_figures(
                quantity,
                unit,
                factor_code,
                reference_quantity if reference_quantity is not None else quantity,
                reference_unit or unit,
                reference_factor_code,
                verified,
                lookup,
            )
        else:
            set_id = None
            if kind == social_return:
                sr_obligation = quantity
                sr_value = verified
                sr_fte_years = sr_fte.get(pk, zero) if verified is not None else None
        if outside and problem is None:
            # verified deliveries outside the contract period: the delivered figure cannot be stated (never 0)
            ex_post = sr_value = sr_fte_years = None
            problem = calc.Problem(calc.OUTSIDE_PERIOD, {"count": str(outside), "period": contract_period})
        multiple = own_multiple if own_multiple is not None else rule_multiple
        sanction_status = ""
        sanction_amount = None
        if award_advantage is not None or multiple is not None:
            outcome = calc.sanction(
                promised=quantity,
                delivered=verified,
                period_end=period_end,
                as_of=as_of,
                award_advantage=award_advantage,
                multiple=multiple,
            )
            sanction_status, sanction_amount = outcome.status, outcome.amount
        append(
            (
                pk, organisation_id, kind, unit, quantity, verified, submitted, is_co2, ex_ante, ex_post,
                reference_kg, sr_obligation, sr_value, sr_fte_years, calculable,
                problem.code if problem is not None else "", dict(problem.details) if problem is not None else {},
                sanction_status, sanction_amount, set_id, label, method,
            )
        )  # fmt: skip
    return out


def _delete_effects(organisation_ids: Sequence[int] | None) -> None:
    """Remove the rows about to be replaced. A full recalculation on PostgreSQL truncates: DELETE would leave 100,000+
    dead row versions per run that every unique-index check of the new rows has to step over until autovacuum
    (measured: the COPY took 1.7× as long after eight runs); readers wait for the commit instead (ADR 0020)."""
    from django.db import connection

    if organisation_ids is None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(EffectCalculation._meta.db_table)}")
        return
    stale = EffectCalculation.objects.all()
    if organisation_ids is not None:
        stale = stale.filter(organisation_id__in=organisation_ids)
    stale._raw_delete(stale.db)


def _insert_effects(effects: Sequence[EffectRow]) -> None:
    """Write the rows with the fastest plain path of each database: COPY on PostgreSQL, executemany on SQLite.

    Values are passed as they are (Decimal, bool, str), so the database stores exactly what the calculators computed;
    only the JSON details go through the field's own preparation.
    """
    from django.db import connection

    meta = EffectCalculation._meta
    fields = [meta.get_field(name) for name in EFFECT_COLUMNS]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)  # type: ignore[union-attr]
    json_field = meta.get_field("problem_details")
    details_at = EFFECT_COLUMNS.index("problem_details")
    now = timezone.now()
    if connection.vendor == "postgresql":
        empty_json = json.dumps({})
        with (
            connection.cursor() as wrapper,
            wrapper.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for effect in effects:
                details = effect[details_at]
                copy.write_row(
                    (*effect[:details_at], json.dumps(details) if details else empty_json, *effect[details_at + 1 :],
                     now)
                )  # fmt: skip
        return
    empty_prepared = json_field.get_db_prep_save({}, connection)
    stamp = meta.get_field("computed_at").get_db_prep_save(now, connection)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        for start in range(0, len(effects), 50_000):
            cursor.executemany(
                sql,
                [
                    (
                        *effect[:details_at],
                        json_field.get_db_prep_save(effect[details_at], connection)
                        if effect[details_at]
                        else empty_prepared,
                        *effect[details_at + 1 :],
                        stamp,
                    )
                    for effect in effects[start : start + 50_000]
                ],
            )


def load_factor_sets(set_ids: Iterable[int] | None = None) -> tuple[dict[int, dict[str, calc.Factor]], dict[int, str]]:
    factors: dict[int, dict[str, calc.Factor]] = {}
    labels: dict[int, str] = {}
    sets = EmissionFactorSet.objects.all()
    if set_ids is not None:
        sets = sets.filter(pk__in=list(set_ids))
    for factor_set in sets:
        labels[factor_set.pk] = factor_set.label
        factors[factor_set.pk] = {}
    rows = EmissionFactor.objects.filter(factor_set_id__in=list(labels)).values_list(
        "factor_set_id", "code", "unit", "wtw", "ttw", "wtt"
    )
    for set_id, code, unit, wtw, ttw, wtt in rows:
        factors[set_id][code] = calc.Factor(code, unit, wtw, ttw, wtt)
    return factors, labels


def _raw_rows(query: Any) -> Iterable[tuple[Any, ...]]:
    """The rows of a values_list query straight from the database cursor, without Django's per-value converters
    (a third of the recalculation time at 100,000 rows); `_commitment_values` does the conversions SQLite needs."""
    from django.db import connection

    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(20_000):
            yield from chunk


def _decimal_value(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _commitment_values(rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    """Decimal and date values of raw COMMITMENT_FIELDS rows. PostgreSQL's driver gives them already; SQLite gives
    numbers (a DecimalField column holds at most 15 significant digits there, so repr() of the float is its value)
    and, from the query of `_commitment_query`, the dates as ISO text."""
    from django.db import connection

    if connection.vendor == "postgresql":
        yield from rows
        return
    dec = _decimal_value
    day = date.fromisoformat
    for (
        pk, kind, unit, quantity, factor_code, reference_quantity, reference_unit, reference_factor_code, set_id,
        period_start, period_end, award_advantage, own_multiple, organisation_id, rule_multiple,
    ) in rows:  # fmt: skip
        yield (
            pk, kind, unit, Decimal(repr(quantity)) if quantity.__class__ is float else dec(quantity), factor_code,
            None if reference_quantity is None else dec(reference_quantity), reference_unit, reference_factor_code,
            set_id, day(period_start), day(period_end), None if award_advantage is None else dec(award_advantage),
            None if own_multiple is None else dec(own_multiple), organisation_id,
            None if rule_multiple is None else dec(rule_multiple),
        )  # fmt: skip


def _commitment_query(commitments: Any) -> Any:
    """The values_list query of COMMITMENT_FIELDS. On SQLite the two dates are selected as text: a plain date column
    goes through the driver's date converter (two Python calls per value), `date.fromisoformat` is one C call."""
    from django.db import connection
    from django.db.models import CharField, F
    from django.db.models.functions import Cast

    annotations: dict[str, Any] = {
        "organisation_id": F("contract__lot__tender__organisation_id"),
        "rule_multiple": F("sanction_rule__multiple"),
    }
    fields = list(COMMITMENT_FIELDS)
    if connection.vendor == "sqlite":
        for name in ("period_start", "period_end"):
            annotations[f"{name}_text"] = Cast(name, CharField())
            fields[fields.index(name)] = f"{name}_text"
    return commitments.annotate(**annotations).order_by().values_list(*fields)


THOUSANDTH = Decimal("0.001")


def _sum_value(value: Any) -> Decimal | None:
    """A SUM of quantities with three decimals is exact with three decimals; SQLite sums them as floats, so the
    float is rounded back to its three decimals (its error is far below 0.0005 for any quantity the field holds)."""
    number = _decimal_value(value)
    return None if number is None else number.quantize(THOUSANDTH)


def _read_realised(realisation_rows: Any) -> dict[int, Realised]:
    """Per commitment: (sum of verified quantities or None when nothing is verified, sum of submitted ones, number
    of verified realisations outside the contract period, that period). Realisations outside the contract period
    (possible only through paths that skip the services' checks) are not summed."""
    from django.db.models import Case, Count, F, Q, Sum, When

    inside = (
        Q(commitment__contract__start_date__isnull=True) | Q(period_start__gte=F("commitment__contract__start_date"))
    ) & (Q(commitment__contract__end_date__isnull=True) | Q(period_end__lte=F("commitment__contract__end_date")))
    verified = Q(status=RealisationStatus.VERIFIED)
    realisations = (
        realisation_rows.values("commitment_id")
        .annotate(
            verified=Sum(Case(When(verified & inside, then="quantity"))),
            submitted=Sum(Case(When(Q(status=RealisationStatus.SUBMITTED) & inside, then="quantity"))),
            n_verified=Count("pk", filter=verified & inside),
            n_outside=Count("pk", filter=verified & ~inside),
        )
        .order_by()
        .values_list("commitment_id", "verified", "submitted", "n_verified", "n_outside")
    )
    realised: dict[int, Realised] = {}
    outside: list[int] = []
    for pk, verified_sum, submitted_sum, n_verified, n_outside in _raw_rows(realisations):
        realised[pk] = (
            _sum_value(verified_sum) if n_verified else None,
            _sum_value(submitted_sum) if submitted_sum is not None else None,
            n_outside,
            "",
        )
        if n_outside:
            outside.append(pk)
    if outside:  # rare: name the contract period in the reason
        periods = Commitment.objects.filter(pk__in=outside).values_list(
            "pk", "contract__start_date", "contract__end_date"
        )
        for pk, start, end in periods:
            realised[pk] = (*realised[pk][:3], f"{start or '…'}–{end or '…'}")
    return realised


def _read_sr_fte(placement_rows: Any) -> dict[int, Decimal]:
    """FTE-years per social-return commitment from its verified placements: `calc.placement_value` once per distinct
    (block, people, months, hours, amount), as placements repeat the same few lines."""
    fte: dict[int, Decimal] = {}
    blocks: dict[int, dict[str, calc.BuildingBlock]] = {}
    lines: dict[tuple[Any, ...], Decimal] = {}
    placements = placement_rows.values_list(
        "realisation__commitment_id", "block_id", "block__code", "block__basis", "block__value",
        "block__max_months", "block__is_bonus", "persons", "months", "hours_per_week", "amount",
    ).order_by()  # fmt: skip
    zero = Decimal(0)
    for row in _raw_rows(placements):
        commitment_id = row[0]
        key = row[1:]
        line_fte = lines.get(key)
        if line_fte is None:
            block_id, code, basis, value, max_months, is_bonus, persons, months, hours, amount = key
            block = blocks.get(block_id)
            if block is None:
                block = blocks[block_id] = {
                    code: calc.BuildingBlock(
                        code, basis, _decimal_value(value), max_months, counts_as_fte=not bool(is_bonus)
                    )
                }
            placement = calc.Placement(
                code, persons, _decimal_value(months) or zero, _decimal_value(hours) or zero, _decimal_value(amount)
            )
            line_fte = lines[key] = calc.placement_value(placement, block).fte_years
        fte[commitment_id] = fte.get(commitment_id, zero) + line_fte
    return fte


def effects_on_record_change(change: RecordChange) -> None:
    """The effects app's refresher for `record_changed` (registered in `EffectsConfig.ready`)."""
    if change.everything:
        _recalculate(None, timezone.localdate())
    elif change.contract_organisation_ids:
        _recalculate(sorted(change.contract_organisation_ids), timezone.localdate())


def effects_recalculate(
    *, organisation_ids: Sequence[int] | None = None, as_of: date | None = None
) -> RecalculationResult:
    """Recompute the stored effect of every commitment (of the given organisations): read everything in a few
    queries, compute with the pure calculators, replace the stored rows; all in one transaction (docs/effects.md)."""
    with transaction.atomic():
        return _recalculate(organisation_ids, as_of or timezone.localdate())


def _recalculate(organisation_ids: Sequence[int] | None, as_of: date) -> RecalculationResult:
    import time

    started = time.perf_counter()
    commitments = Commitment.objects.all()
    if organisation_ids is not None:
        commitments = commitments.filter(contract__lot__tender__organisation_id__in=organisation_ids)
    rows = list(_commitment_values(_raw_rows(_commitment_query(commitments))))
    realisation_rows = Realisation.objects.all()
    placement_rows = Placement.objects.filter(realisation__status=RealisationStatus.VERIFIED)
    if organisation_ids is not None:  # a subquery only when recomputing part; all rows otherwise
        realisation_rows = realisation_rows.filter(commitment__in=commitments)
        placement_rows = placement_rows.filter(realisation__commitment__in=commitments)
    realised = _read_realised(realisation_rows)
    fte = _read_sr_fte(placement_rows)
    factors, labels = load_factor_sets()
    public = list(EmissionFactorSet.objects.public().values_list("pk", "publication_year"))
    read = time.perf_counter()
    effects = compute_effects(rows, realised, factors, labels, public, fte, as_of)
    computed = time.perf_counter()
    _delete_effects(organisation_ids)
    _insert_effects(effects)
    written = time.perf_counter()
    calculable_at = EFFECT_COLUMNS.index("calculable")
    calculable = sum(1 for e in effects if e[calculable_at])
    return RecalculationResult(
        commitments=len(effects),
        calculable=calculable,
        not_calculable=len(effects) - calculable,
        seconds_read=read - started,
        seconds_compute=computed - read,
        seconds_write=written - computed,
    )
