"""Loading the policy rules from `data/rules.json` (idempotent: loading the same file again changes nothing).

A file with one bad rule is refused as a whole; the message names the file, the rule (position and code) and the
field. Rules are only ever added or changed by this loader: a rule version that has findings keeps its row.
"""

import datetime as dt
import itertools
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.organisations.models import OrganisationKind
from mvimonitor.reference import ReferenceDataError, TableResult, read_json, upsert
from mvimonitor.tenders.models import Nature
from mvimonitor.tenders.value_classes import DATA_DIR as VALUE_CLASS_DIR
from mvimonitor.themes.models import ThresholdCategory

from .models import PolicyRule, Requirement

DATA = Path(__file__).resolve().parent / "data" / "rules.json"
REQUIRED = ("code", "version", "name_nl", "name_en", "source", "source_year", "valid_from", "requirement")


class _Row:
    """One rule of the file, with the position and code its errors name."""

    def __init__(self, path: Path, number: int, spec: Any) -> None:
        self.path, self.number = path, number
        self.spec: dict[str, Any] = spec if isinstance(spec, dict) else {}
        self.code = str(self.spec.get("code", "?"))
        if not isinstance(spec, dict):
            raise self.error("-", _("a rule must be a JSON object"))

    def error(self, field_name: str, message: str) -> ReferenceDataError:
        return ReferenceDataError(
            _("%(file)s, rule %(number)s (%(code)s), field %(field)s: %(message)s")
            % {
                "file": self.path.name,
                "number": self.number,
                "code": self.code,
                "field": field_name,
                "message": message,
            }
        )

    def date(self, name: str) -> dt.date | None:
        value = self.spec.get(name)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.error(name, _("%(value)s is not a date (YYYY-MM-DD)") % {"value": value}) from None

    def codes(self, name: str, allowed: list[str]) -> list[str]:
        values = self.spec.get(name, [])
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise self.error(name, _("a list of codes is expected"))
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise self.error(name, _("unknown code(s): %(codes)s") % {"codes": ", ".join(unknown)})
        return list(values)


def _value_class_bound(row: _Row, code: str) -> tuple[Decimal, str]:
    """The upper bound of a value class with the source it is given with in the value-class file."""
    for spec in read_json(VALUE_CLASS_DIR / "value_classes.json")["rows"]:
        if spec["code"] == code and spec["upper"] is not None:
            return Decimal(spec["upper"]), f"{spec['source']} ({spec['source_year']})"
    message = _("no value class %(code)s with an upper bound") % {"code": code}
    raise row.error("minimum_value_from_value_class", message)


def _values(row: _Row) -> dict[str, Any]:
    spec = row.spec
    for name in REQUIRED:
        if spec.get(name) in (None, ""):
            raise row.error(name, _("a value is required"))
    categories = spec.get("threshold_categories", {})
    if not isinstance(categories, dict):
        raise row.error("threshold_categories", _("an object of nature -> threshold category is expected"))
    for nature, category in categories.items():
        if nature not in Nature.values or category not in ThresholdCategory.values:
            raise row.error("threshold_categories", _("unknown nature or category: %(pair)s") % {"pair": nature})
    minimum, minimum_source = None, str(spec.get("minimum_value_source", ""))
    if "minimum_value_from_value_class" in spec:
        minimum, minimum_source = _value_class_bound(row, str(spec["minimum_value_from_value_class"]))
    elif spec.get("minimum_value") is not None:
        try:
            minimum = Decimal(str(spec["minimum_value"]))
        except InvalidOperation:
            raise row.error("minimum_value", _("not an amount")) from None
        if not minimum_source:
            raise row.error("minimum_value_source", _("a fixed amount needs its source"))
    requirement = spec["requirement"]
    kind = requirement.get("kind") if isinstance(requirement, dict) else None
    if kind not in Requirement.values:
        raise row.error("requirement", _("kind must be one of: %(kinds)s") % {"kinds": ", ".join(Requirement.values)})
    theme, forms, level = "", [], ""
    if kind == Requirement.THEME:
        theme, forms = str(requirement.get("theme") or ""), requirement.get("forms", [])
        if not theme:
            raise row.error("requirement", _("a theme requirement needs a theme code"))
        if not isinstance(forms, list):
            raise row.error("requirement", _("forms must be a list of codes"))
    else:
        level = str(requirement.get("minimum_level") or "")
        if not level:
            raise row.error("requirement", _("a criteria requirement needs a minimum ambition level"))
    duration = spec.get("minimum_duration_months")
    return {
        "name_nl": spec["name_nl"],
        "name_en": spec["name_en"],
        "source": spec["source"],
        "source_year": spec["source_year"],
        "note": spec.get("note", ""),
        "valid_from": row.date("valid_from"),
        "valid_until": row.date("valid_until"),
        "organisation_kinds": row.codes("organisation_kinds", list(OrganisationKind.values)),
        "natures": row.codes("natures", list(Nature.values)),
        "threshold_categories": categories,
        "minimum_value": minimum,
        "minimum_value_source": minimum_source,
        "value_inclusive": bool(spec.get("value_inclusive", True)),
        "minimum_duration_months": int(duration) if duration is not None else None,
        "requires_product_group": bool(spec.get("requires_product_group", False)),
        "requires_isv_risk_category": bool(spec.get("requires_isv_risk_category", False)),
        "requirement": kind,
        "theme_code": theme,
        "form_codes": forms,
        "minimum_level_code": level,
    }


def _check_periods(path: Path, rows: list[tuple[_Row, dict[str, Any]]]) -> None:
    """Two versions of one rule may not be valid on the same day."""
    by_code: dict[str, list[tuple[_Row, dict[str, Any]]]] = {}
    for row, values in rows:
        by_code.setdefault(row.code, []).append((row, values))
    for versions in by_code.values():
        versions.sort(key=lambda item: item[1]["valid_from"])
        for (_first, earlier), (row, later) in itertools.pairwise(versions):
            if earlier["valid_until"] is None or earlier["valid_until"] >= later["valid_from"]:
                raise row.error("valid_from", _("overlaps the validity of another version of this rule"))


@transaction.atomic
def rules_load(*, path: Path = DATA) -> TableResult:
    """Create or update every rule of the file; refuse the whole file when one rule is bad."""
    specs = read_json(path).get("rules")
    if not isinstance(specs, list):
        raise ReferenceDataError(_("%(file)s must hold a list 'rules'.") % {"file": path.name})
    rows = []
    seen: set[tuple[str, Any]] = set()
    for number, spec in enumerate(specs, start=1):
        row = _Row(path, number, spec)
        values = _values(row)
        key = (row.code, spec["version"])
        if key in seen:
            raise row.error("version", _("this code and version occur twice"))
        seen.add(key)
        rows.append((row, values))
    _check_periods(path, rows)
    result = TableResult(_("policy rules"))
    for row, values in rows:
        try:
            upsert(PolicyRule, {"code": row.code, "version": row.spec["version"]}, values, result)
        except ValidationError as error:
            field_name, messages = next(iter(error.message_dict.items()))
            raise row.error(field_name, " ".join(messages)) from None
    return result
