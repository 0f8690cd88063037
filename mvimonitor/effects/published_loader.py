"""Load RIVM's published national effect results (`manage.py load_rivm_results PATH`) into `PublishedEffectResult`.

The file is CSV with a header row and exactly these columns (any order): period, product_groups, indicator, value,
unit, basis, source_title, source_url, source_year, confidence, note. A file with one bad row is refused as a whole,
naming the file, line and column, and nothing is written; loading the same file again changes nothing. The table
holds what the file holds: a row no longer in the file is removed (and counted in the notes).
"""

import csv
import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError, TableResult, read_text, row_error, upsert

from .published import Confidence, PublishedEffectResult

COLUMNS = (
    "period",
    "product_groups",
    "indicator",
    "value",
    "unit",
    "basis",
    "source_title",
    "source_url",
    "source_year",
    "confidence",
    "note",
)
REQUIRED = ("period", "indicator", "value", "unit", "source_title", "source_url", "source_year", "confidence")
PERIOD = re.compile(r"^(\d{4})\s*[-–]\s*(\d{4})$")
INDICATOR = re.compile(r"^[a-z0-9_]+$")
SOURCE_YEAR = re.compile(r"^(c\.\s*)?\d{4}$")
LIMITS = {"product_groups": 60, "unit": 60, "source_title": 400, "source_url": 500, "indicator": 80}


def _parse_row(path: Path, line: int, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(key, values) of one row, or a ReferenceDataError naming the line and the column."""
    row = {name: (raw.get(name) or "").strip() for name in COLUMNS}

    def bad(column: str, message: str) -> ReferenceDataError:
        return row_error(path, line, column, message, quote_field=True)

    for column in REQUIRED:
        if not row[column]:
            raise bad(column, _("a value is required."))
    for column, limit in LIMITS.items():
        if len(row[column]) > limit:
            raise bad(column, _("longer than %(n)s characters.") % {"n": limit})
    period = PERIOD.match(row["period"])
    if period is None:
        raise bad("period", _("“%(value)s” is not a period like 2021-2022.") % {"value": row["period"]})
    start, end = int(period.group(1)), int(period.group(2))
    if end < start:
        raise bad("period", _("the period %(value)s ends before it starts.") % {"value": row["period"]})
    if INDICATOR.match(row["indicator"]) is None:
        raise bad("indicator", _("use lower-case letters, digits and underscores, e.g. ghg_reduction."))
    try:
        value = Decimal(row["value"])
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise bad("value", _("“%(value)s” is not a number (use a decimal point).") % {"value": row["value"]})
    try:
        URLValidator(schemes=["http", "https"])(row["source_url"])
    except ValidationError:
        raise bad("source_url", _("“%(value)s” is not a web address.") % {"value": row["source_url"]}) from None
    if SOURCE_YEAR.match(row["source_year"]) is None:
        raise bad("source_year", _("“%(value)s” is not a year like 2024 or c. 2023.") % {"value": row["source_year"]})
    if row["confidence"] not in Confidence.values:
        raise bad(
            "confidence",
            _("“%(value)s” is not one of %(choices)s.")
            % {"value": row["confidence"], "choices": ", ".join(Confidence.values)},
        )
    key = {
        "period_start": start,
        "period_end": end,
        "indicator": row["indicator"],
        "product_groups": row["product_groups"],
        "source_url": row["source_url"],
    }
    values: dict[str, Any] = {
        name: row[name] for name in ("unit", "basis", "source_title", "source_year", "confidence", "note")
    }
    values["value"] = value
    return key, values


def read_published_results(path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every row of the file, checked; nothing is written."""
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise row_error(path, 1, missing[0], _("the column is missing from the header."), quote_field=True)
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise row_error(path, 1, unknown[0], _("this column is not part of the format."), quote_field=True)
    reader.fieldnames = header
    rows: list[tuple[dict[str, Any], dict[str, Any]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for raw in reader:
        line = reader.line_num
        if None in raw:  # more cells than columns
            raise row_error(path, line, "note", _("the row has more cells than the header."), quote_field=True)
        if not any((value or "").strip() for value in raw.values()):
            continue
        key, values = _parse_row(path, line, raw)
        identity = tuple(key.values())
        if identity in seen:
            raise row_error(
                path, line, "period",
                _("the same period, indicator, product groups and source address as line %(line)s.")
                % {"line": seen[identity]},
                quote_field=True,
            )  # fmt: skip
        seen[identity] = line
        rows.append((key, values))
    return rows


def published_results_load(path: Path) -> TableResult:
    """Check the whole file, then write it in one transaction (all rows or none)."""
    rows = read_published_results(path)
    result = TableResult(_("RIVM published effect results"))
    with transaction.atomic():
        kept = []
        for key, values in rows:
            try:
                kept.append(upsert(PublishedEffectResult, key, values, result).pk)
            except ValidationError as error:  # a database limit the checks above did not foresee
                raise ReferenceDataError(f"{path}: {'; '.join(error.messages)}") from error
        removed, _detail = PublishedEffectResult.objects.exclude(pk__in=kept).delete()
    if removed:
        result.notes.append(_("%(n)s row(s) no longer in the file removed.") % {"n": removed})
    return result
