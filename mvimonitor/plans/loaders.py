"""Loading the shipped ladder of the Manifest MVOI (data/plans_reference.json), idempotently.

A file with one bad entry is refused as a whole, naming the file, the entry (as the line) and the field; nothing is
written then. Loading the same file again changes nothing and reports so.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError, TableResult, read_json, row_error, upsert

from .models import MAX_STEP, LadderStep

DATA_FILE = Path(__file__).resolve().parent / "data" / "plans_reference.json"
REQUIRED = ("ladder", "name_nl", "source")
OPTIONAL = ("name_en", "definition_en", "definition_nl", "source_url", "confidence")


def _whole(raw: Mapping[str, Any], name: str, where: str, line: int, low: int, high: int) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not str(value).strip().isdigit() or not low <= int(str(value)) <= high:
        raise row_error(
            where,
            line,
            name,
            _("“%(value)s” is not a whole number from %(low)s to %(high)s")
            % {"value": value, "low": low, "high": high},
        )
    return int(str(value).strip())


def _steps(data: Mapping[str, Any], where: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    rows = data.get("ladder_steps")
    if not isinstance(rows, list) or not rows:
        raise ReferenceDataError(_("%(file)s: “ladder_steps” must be a non-empty list.") % {"file": where})
    parsed = []
    seen: set[tuple[str, int]] = set()
    for line, raw in enumerate(rows, start=1):
        if not isinstance(raw, Mapping):
            raise row_error(where, line, "-", _("must be a JSON object"))
        values: dict[str, Any] = {}
        for name in REQUIRED:
            text = str(raw.get(name) or "").strip()
            if not text:
                raise row_error(where, line, name, _("empty"))
            values[name] = text
        for name in OPTIONAL:
            values[name] = str(raw.get(name) or "").strip()
        step = _whole(raw, "step", where, line, 1, MAX_STEP)
        values["source_year"] = _whole(raw, "source_year", where, line, 1990, 2100)
        key = (values.pop("ladder"), step)
        if key in seen:
            raise row_error(where, line, "step", _("step %(step)s appears twice") % {"step": step})
        seen.add(key)
        parsed.append(({"ladder": key[0], "step": step}, values))
    return parsed


def load_plans_reference(path: Path = DATA_FILE) -> list[TableResult]:
    """Create or update the ladder steps of the file; the counts per table."""
    where = str(path)
    rows = _steps(read_json(path), where)
    result = TableResult(_("ladder steps"))
    with transaction.atomic():
        for key, values in rows:
            upsert(LadderStep, key, values, result)
    return [result]
