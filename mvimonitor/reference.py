"""What every reference-data loader shares: the error, the count of what changed, the idempotent write, file reading.

The catalogue loaders (`mvimonitor.themes.services`: themes, product groups, thresholds, CPV) and the effects
loaders (`mvimonitor.effects.loaders`: emission factors, building blocks, policies) are built from these pieces:

- a file with one bad row is refused as a whole with a `ReferenceDataError` whose message names the file, the line
  and the field (`row_error`), or says why the file cannot be read at all (`unreadable`, `read_text`, `read_json`);
- `upsert` creates a row or changes only the values that differ, validates with `full_clean()` and counts the outcome
  in a `TableResult`, so loading the same file again changes nothing and reports so.

No app is imported here: this module sits below every app that loads data.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from django.db import models
from django.utils.translation import gettext as _

Outcome = Literal["created", "updated", "unchanged"]
M = TypeVar("M", bound=models.Model)


class ReferenceDataError(Exception):
    """A data file cannot be loaded; the message names the file, line and field."""


@dataclass
class TableResult:
    """What loading one table (or one factor set) did: rows created, updated and left unchanged, and notes."""

    table: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def report(self) -> list[str]:
        """The lines a loader prints for this table: the counts, then each note indented."""
        counts = _("%(table)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "table": self.table,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        return [counts, *("  " + note for note in self.notes)]


def row_error(
    file: Path | str, line: int | None, field_name: str, message: str, *, quote_field: bool = False
) -> ReferenceDataError:
    """'<file>, line <n>, field <name>: <message>'; the line is '?' when unknown.

    The effects loaders quote the field name (field “unit”), the catalogue loaders do not (field amount): both
    wordings are kept as they are, since users, tests and the translations know them.
    """
    if quote_field:
        return ReferenceDataError(
            _("%(where)s, line %(line)s, field “%(field)s”: %(problem)s")
            % {"where": file, "line": line if line is not None else "?", "field": field_name, "problem": message}
        )
    return ReferenceDataError(
        _("%(file)s, line %(line)s, field %(field)s: %(message)s")
        % {"file": file, "line": line if line is not None else "?", "field": field_name, "message": message}
    )


def unreadable(path: Path | str, error: Exception) -> ReferenceDataError:
    return ReferenceDataError(_("%(file)s cannot be read: %(error)s") % {"file": path, "error": error})


def read_text(path: Path) -> str:
    """The whole file as text (UTF-8, a byte-order mark dropped); a missing or undecodable file is refused."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise unreadable(path, error) from error


def read_json(path: Path) -> dict[str, Any]:
    """A JSON data file holding one object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise unreadable(path, error) from error
    if not isinstance(data, dict):
        raise ReferenceDataError(_("%(file)s must hold a JSON object.") % {"file": path})
    return data


def _python_value(model: type[models.Model], name: str, value: Any) -> Any:
    model_field = model._meta.get_field(name)
    if isinstance(model_field, models.ForeignKey) or not isinstance(model_field, models.Field):
        return value
    return model_field.to_python(value)


def upsert(model: type[M], key: Mapping[str, Any], values: Mapping[str, Any], result: TableResult | None = None) -> M:
    """Create the row identified by `key` with `values`, or change the values that differ; validate with
    full_clean(). The outcome (created, updated, unchanged) is counted in `result` when one is given."""
    typed = {name: _python_value(model, name, value) for name, value in values.items()}
    instance = model._default_manager.filter(**key).first()
    outcome: Outcome
    if instance is None:
        instance = model(**key, **typed)
        instance.full_clean()
        instance.save()
        outcome = "created"
    else:
        changed = [name for name, value in typed.items() if getattr(instance, name) != value]
        if changed:
            for name in changed:
                setattr(instance, name, typed[name])
            instance.full_clean()
            instance.save(update_fields=changed)
            outcome = "updated"
        else:
            outcome = "unchanged"
    if result is not None:
        result.count(outcome)
    return instance
