"""Loading the shipped CO2 prices and ladder discount schemes (data/award_reference.json), idempotently.

A file with one bad entry is refused as a whole, naming the file, the entry (as the line) and the field; nothing is
written then. Loading the same file again changes nothing and reports 0 created, 0 updated. A changed value is
updated in place: award methods copied their parameters when they were set, so stored awards keep theirs.
"""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError, TableResult, read_json, row_error, upsert

from .models import MAX_LEVEL, CO2PriceSet, Confidence, DiscountLevel, DiscountScheme

DATA_FILE = Path(__file__).resolve().parent / "data" / "award_reference.json"


class _Entry:
    """One entry of a list in the file, with the checks its fields need."""

    def __init__(self, raw: Any, where: str, line: int) -> None:
        if not isinstance(raw, Mapping):
            raise row_error(where, line, "-", _("must be a JSON object"))
        self.raw, self.where, self.line = raw, where, line

    def fail(self, name: str, problem: str) -> ReferenceDataError:
        return row_error(self.where, self.line, name, problem)

    def text(self, name: str, *, required: bool = True) -> str:
        value = str(self.raw.get(name) or "").strip()
        if required and not value:
            raise self.fail(name, _("empty"))
        return value

    def number(self, name: str) -> Decimal:
        value = self.raw.get(name)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.fail(name, _("“%(value)s” is not a number") % {"value": value}) from None
        if not number.is_finite() or number < 0:
            raise self.fail(name, _("“%(value)s” is not a number") % {"value": value})
        return number

    def year(self, name: str) -> int:
        value = self.raw.get(name)
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise self.fail(name, _("“%(value)s” is not a year") % {"value": value})
        return int(str(value).strip())

    def confidence(self) -> str:
        value = self.text("confidence")
        if value not in Confidence.values:
            raise self.fail("confidence", _("“%(value)s” is not high, medium or low") % {"value": value})
        return value

    def level(self) -> int:
        value = self.raw.get("level")
        if isinstance(value, bool) or not str(value).strip().isdigit() or int(str(value)) > MAX_LEVEL:
            raise self.fail("level", _("“%(value)s” is not a ladder level") % {"value": value})
        return int(str(value).strip())


def _entries(data: Mapping[str, Any], key: str, where: str) -> list[_Entry]:
    rows = data.get(key, [])
    if not isinstance(rows, list):
        raise ReferenceDataError(_("%(file)s: “%(key)s” must be a list.") % {"file": where, "key": key})
    return [_Entry(raw, f"{where} ({key})", line) for line, raw in enumerate(rows, start=1)]


def _price_sets(data: Mapping[str, Any], where: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    rows = []
    for entry in _entries(data, "price_sets", where):
        key = {"name": entry.text("name"), "version": entry.text("version")}
        values = {
            "price_per_tonne": entry.number("price_per_tonne"),
            "price_year": entry.year("price_year"),
            "scope": entry.text("scope", required=False),
            "source": entry.text("source"),
            "source_year": entry.year("source_year"),
            "confidence": entry.confidence(),
            "note": entry.text("note", required=False),
        }
        rows.append((key, values))
    return rows


def _schemes(data: Mapping[str, Any], where: str) -> list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    rows = []
    for entry in _entries(data, "discount_schemes", where):
        key = {"name": entry.text("name"), "version": entry.text("version")}
        values = {
            "source": entry.text("source"),
            "source_year": entry.year("source_year"),
            "note": entry.text("note", required=False),
        }
        levels = []
        for level in _entries(entry.raw, "levels", f"{where} ({key['name']})"):
            percent = level.number("discount_percent")
            if percent > 100:
                raise level.fail("discount_percent", _("a discount cannot be above 100 percent"))
            levels.append({"level": level.level(), "discount_percent": percent, "confidence": level.confidence()})
        rows.append((key, values, levels))
    return rows


def load_award_reference(path: Path = DATA_FILE) -> list[TableResult]:
    """Create or update the price sets, schemes and levels of the file; the counts per table."""
    where = str(path)
    data = read_json(path)
    price_sets = _price_sets(data, where)
    schemes = _schemes(data, where)
    prices, scheme_result, level_result = (
        TableResult(_("CO2 price sets")),
        TableResult(_("discount schemes")),
        TableResult(_("discount levels")),
    )
    with transaction.atomic():
        for key, values in price_sets:
            upsert(CO2PriceSet, key, values, prices)
        for key, values, levels in schemes:
            scheme = upsert(DiscountScheme, key, values, scheme_result)
            for level in levels:
                upsert(
                    DiscountLevel,
                    {"scheme": scheme, "level": level["level"]},
                    {"discount_percent": level["discount_percent"], "confidence": level["confidence"]},
                    level_result,
                )
    return [prices, scheme_result, level_result]
