"""Loading national reference options (JSON or CSV) and per-indicator values (CSV), each row with its source.

A file with a bad row is refused as a whole, naming the file, the line and the field (`mvimonitor.reference`). An
option version already stored does not change: different values for the same code and version are refused (a change
is a new version). Loading anything new recalculates the stored effects in the same transaction, so figures follow
the new option or values and the earlier ones are kept with their labels (ADR 0025, ADR 0042).
"""

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError, TableResult, read_json, read_text, row_error

from .factor_sets import EmissionFactorSet, Unit
from .indicators import EXTRA_INDICATORS, IndicatorFactor
from .models import CommitmentKind
from .reference_options import ReferenceOption, ReferenceParameter

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_OPTIONS = DATA_DIR / "reference_options.json"

OPTION_FIELDS = (
    "product_group_code",
    "kind",
    "valid_from",
    "valid_to",
    "description",
    "description_nl",
    "reference_factor_code",
    "quantity_basis",
    "source",
    "source_year",
)
PARAMETER_FIELDS = ("name", "value", "unit", "source", "source_year")
CSV_PARAMETER_COLUMNS = {f"parameter_{name}": name for name in PARAMETER_FIELDS}


@dataclass
class OptionSpec:
    line: int
    code: str
    version: int
    values: dict[str, Any]
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def _required(raw: Mapping[str, Any], name: str, where: str, line: int) -> str:
    value = _text(raw, name)
    if not value:
        raise row_error(where, line, name, _("a value is needed"), quote_field=True)
    return value


def _year(raw: Mapping[str, Any], name: str, where: str, line: int) -> int:
    text = _required(raw, name, where, line)
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise row_error(where, line, name, _("a year between 1990 and 2100 is needed"), quote_field=True)
    return int(text)


def _day(raw: Mapping[str, Any], name: str, where: str, line: int, *, required: bool) -> date | None:
    text = _required(raw, name, where, line) if required else _text(raw, name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise row_error(where, line, name, _("a date as YYYY-MM-DD is needed"), quote_field=True) from error


def _number(raw: Mapping[str, Any], name: str, where: str, line: int) -> Decimal:
    text = _required(raw, name, where, line)
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise row_error(where, line, name, _("a number is needed"), quote_field=True) from error


def _option(raw: Mapping[str, Any], where: str, line: int) -> OptionSpec:
    code = _required(raw, "code", where, line)
    version_text = _text(raw, "version") or "1"
    if not version_text.isdigit() or int(version_text) < 1:
        raise row_error(where, line, "version", _("a whole number from 1 is needed"), quote_field=True)
    kind = _text(raw, "kind")
    if kind and kind not in CommitmentKind.values:
        raise row_error(where, line, "kind", _("unknown commitment kind “%(v)s”") % {"v": kind}, quote_field=True)
    group = _text(raw, "product_group_code")
    if not kind and not group:
        raise row_error(where, line, "kind", _("name a product group, a commitment kind or both"), quote_field=True)
    basis = _required(raw, "quantity_basis", where, line)
    if basis not in Unit.values:
        raise row_error(where, line, "quantity_basis", _("unknown unit “%(v)s”") % {"v": basis}, quote_field=True)
    valid_from = _day(raw, "valid_from", where, line, required=True)
    valid_to = _day(raw, "valid_to", where, line, required=False)
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise row_error(where, line, "valid_to", _("the end lies before the start"), quote_field=True)
    values = {
        "product_group_code": group,
        "kind": kind,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "description": _required(raw, "description", where, line),
        "description_nl": _text(raw, "description_nl"),
        "reference_factor_code": _required(raw, "reference_factor_code", where, line),
        "quantity_basis": basis,
        "source": _required(raw, "source", where, line),
        "source_year": _year(raw, "source_year", where, line),
    }
    return OptionSpec(line, code, int(version_text), values)


def _parameter(raw: Mapping[str, Any], where: str, line: int) -> dict[str, Any]:
    return {
        "name": _required(raw, "name", where, line),
        "value": _number(raw, "value", where, line),
        "unit": _required(raw, "unit", where, line),
        "source": _required(raw, "source", where, line),
        "source_year": _year(raw, "source_year", where, line),
    }


def read_options(path: Path) -> list[OptionSpec]:
    """The options of a JSON file ({"options": [{..., "parameters": [...]}]}) or a CSV file (one row per option, or
    one row per conversion assumption with the option's columns repeated and parameter_name, parameter_value,
    parameter_unit, parameter_source, parameter_source_year filled in)."""
    specs: dict[tuple[str, int], OptionSpec] = {}
    if path.suffix.lower() == ".json":
        for line, raw in enumerate(read_json(path).get("options", []), start=1):
            spec = _option(raw, path.name, line)
            if (spec.code, spec.version) in specs:
                raise row_error(path.name, line, "version", _("this code and version repeat"), quote_field=True)
            for parameter in raw.get("parameters", []):
                found = _parameter(parameter, path.name, line)
                spec.parameters[found["name"]] = found
            specs[(spec.code, spec.version)] = spec
    else:
        reader = csv.DictReader(io.StringIO(read_text(path)))
        for line, raw in enumerate(reader, start=2):
            spec = _option(raw, path.name, line)
            known = specs.setdefault((spec.code, spec.version), spec)
            if known.values != spec.values:
                raise row_error(
                    path.name, line, "code", _("the option differs from line %(l)s") % {"l": known.line},
                    quote_field=True,
                )  # fmt: skip
            if _text(raw, "parameter_name"):
                mapped = {name: raw.get(column) for column, name in CSV_PARAMETER_COLUMNS.items()}
                found = _parameter(mapped, path.name, line)
                known.parameters[found["name"]] = found
    if not specs:
        raise ReferenceDataError(_("%(file)s holds no reference options") % {"file": path.name})
    return list(specs.values())


def _stored_differences(option: ReferenceOption, spec: OptionSpec) -> list[str]:
    changes = [name for name in OPTION_FIELDS if getattr(option, name) != spec.values[name]]
    stored = {p.name: {f: getattr(p, f) for f in PARAMETER_FIELDS} for p in option.parameters.all()}
    if stored != spec.parameters:
        changes.append("parameters")
    return changes


@transaction.atomic
def reference_options_load(path: Path = SHIPPED_OPTIONS, *, recalculate: bool = True) -> TableResult:
    """Load the options of `path` (idempotent); a stored version with other values is refused. When anything was
    added the stored effects are recalculated (every organisation) in the same transaction."""
    result = TableResult(table=_("reference options"))
    for spec in read_options(path):
        existing = ReferenceOption.objects.filter(code=spec.code, version=spec.version).first()
        if existing is not None:
            changes = _stored_differences(existing, spec)
            if changes:
                raise ReferenceDataError(
                    _(
                        "%(file)s, line %(line)s: version %(version)s of the reference option “%(code)s” is stored "
                        "with other values (%(fields)s). A change is a new version: raise the version."
                    )
                    % {
                        "file": path.name, "line": spec.line, "version": spec.version, "code": spec.code,
                        "fields": ", ".join(changes),
                    }
                )  # fmt: skip
            result.count("unchanged")
            continue
        option = ReferenceOption(code=spec.code, version=spec.version, **spec.values)
        option.full_clean()
        option.save()
        for values in spec.parameters.values():
            parameter = ReferenceParameter(option=option, **values)
            parameter.full_clean()
            parameter.save()
        result.count("created")
    if result.changed and recalculate:
        from .recalculation import effects_recalculate

        outcome = effects_recalculate()
        result.notes.append(
            _("effects recalculated: %(written)s new calculation(s), %(superseded)s kept as history")
            % {"written": outcome.written, "superseded": outcome.superseded}
        )
    return result


# --- values of the indicators beyond CO2 -----------------------------------------------------------------------------

INDICATOR_CSV_COLUMNS = ("factor_code", "indicator", "value", "unit", "source", "source_year")


@dataclass(frozen=True)
class IndicatorValue:
    line: int
    factor_code: str
    indicator: str
    value: Decimal
    unit: str
    source: str
    source_year: int


def read_indicator_csv(path: Path) -> list[IndicatorValue]:
    """Rows of factor_code, indicator, value, unit (the unit of the item the value is per), source, source_year."""
    reader = csv.DictReader(io.StringIO(read_text(path)))
    missing = set(INDICATOR_CSV_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        raise ReferenceDataError(
            _("%(file)s, line 1: missing column(s) %(columns)s")
            % {"file": path.name, "columns": ", ".join(sorted(missing))}
        )
    rows: list[IndicatorValue] = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in enumerate(reader, start=2):
        code = _required(raw, "indicator", path.name, line)
        if code not in {item.code for item in EXTRA_INDICATORS}:
            known = ", ".join(item.code for item in EXTRA_INDICATORS)
            raise row_error(
                path.name, line, "indicator", _("unknown indicator “%(v)s” (known: %(known)s)") % {"v": code,
                "known": known}, quote_field=True,
            )  # fmt: skip
        value = _number(raw, "value", path.name, line)
        if value < 0:
            raise row_error(path.name, line, "value", _("a value of 0 or more is needed"), quote_field=True)
        unit = _required(raw, "unit", path.name, line)
        if unit not in Unit.values:
            raise row_error(path.name, line, "unit", _("unknown unit “%(v)s”") % {"v": unit}, quote_field=True)
        row = IndicatorValue(
            line, _required(raw, "factor_code", path.name, line), code, value, unit,
            _required(raw, "source", path.name, line), _year(raw, "source_year", path.name, line),
        )  # fmt: skip
        key = (row.factor_code, row.indicator)
        if key in seen:
            raise row_error(path.name, line, "indicator", _("repeats line %(l)s") % {"l": seen[key]}, quote_field=True)
        seen[key] = line
        rows.append(row)
    if not rows:
        raise ReferenceDataError(_("%(file)s holds no indicator values") % {"file": path.name})
    return rows


@transaction.atomic
def indicator_factors_load(path: Path, factor_set: EmissionFactorSet, *, recalculate: bool = True) -> TableResult:
    """Load per-indicator values for the items of `factor_set` (idempotent). Each item must be in the set, with the
    same unit. A stored value of a frozen set does not change (a correction is a new version of the set); a value not
    yet given may be added. The stored effects are recalculated when anything was added or changed."""
    rows = read_indicator_csv(path)
    units = dict(factor_set.factors.values_list("code", "unit"))
    for row in rows:
        if row.factor_code not in units:
            raise row_error(
                path.name, row.line, "factor_code", _("the set %(set)s has no item “%(code)s”")
                % {"set": factor_set.label, "code": row.factor_code}, quote_field=True,
            )  # fmt: skip
        if units[row.factor_code] != row.unit:
            raise row_error(
                path.name, row.line, "unit", _("the item is counted per %(unit)s") % {"unit": units[row.factor_code]},
                quote_field=True,
            )  # fmt: skip
    stored = {(f.factor_code, f.indicator): f for f in IndicatorFactor.objects.filter(factor_set=factor_set)}
    result = TableResult(table=_("indicator values of %(set)s") % {"set": factor_set.label})
    for row in rows:
        values = {"value": row.value, "unit": row.unit, "source": row.source, "source_year": row.source_year}
        found = stored.get((row.factor_code, row.indicator))
        if found is not None and all(getattr(found, name) == value for name, value in values.items()):
            result.count("unchanged")
            continue
        if found is not None and factor_set.is_frozen:
            raise ReferenceDataError(
                _(
                    "%(file)s, line %(line)s: the set %(set)s is frozen and holds another %(indicator)s value for "
                    "“%(code)s”. Publish a correction as a new version of the set."
                )
                % {"file": path.name, "line": row.line, "set": factor_set.label, "indicator": row.indicator,
                   "code": row.factor_code}
            )  # fmt: skip
        item = found or IndicatorFactor(factor_set=factor_set, factor_code=row.factor_code, indicator=row.indicator)
        for name, value in values.items():
            setattr(item, name, value)
        item.full_clean()
        item.save()
        result.count("updated" if found is not None else "created")
    if result.changed and recalculate:
        from .recalculation import effects_recalculate

        outcome = effects_recalculate()
        result.notes.append(
            _("effects recalculated: %(written)s new calculation(s), %(superseded)s kept as history")
            % {"written": outcome.written, "superseded": outcome.superseded}
        )
    return result
