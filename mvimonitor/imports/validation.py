"""The one validation of what the import writes, for both of its write paths.

New procedures are written as plain rows (dicts, `bulk.RowWriter`), updates of imported tenders as model instances;
both are checked here, the same way: each value as `Model.clean_fields` checks it (null, blank, choices, the field's
validators), then the model's own `Model.clean()`, the rules that involve more than one field. Relations are left to
the import, which sets them from its own lookups (catalogue codes, the organisations and lots it read), and
uniqueness to the database's constraints.

The value checks do not build model instances: on a problem the field's own `clean` is called, so the error is
Django's, word for word. A model instance is built from a row only for models with a `clean()` of their own.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models


@dataclass(frozen=True, slots=True)
class _FieldCheck:
    attname: str
    field: Any
    choices: frozenset[Any] | None
    max_length: int | None
    validators: tuple[Callable[[Any], None], ...]
    empty: tuple[Any, ...]
    blank: bool


@dataclass(frozen=True, slots=True)
class _ModelCheck:
    fields: tuple[_FieldCheck, ...]
    has_clean: bool  # the model has a clean() of its own (Model.clean does nothing)


def _model_check(model: type[models.Model]) -> _ModelCheck:
    fields = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.is_relation:
            continue
        lengths = [v.limit_value for v in f.validators if type(v) is MaxLengthValidator]
        direct = len(lengths) == 1 and isinstance(lengths[0], int)  # compared as MaxLengthValidator compares it
        fields.append(
            _FieldCheck(
                attname=f.attname,
                field=f,
                choices=frozenset(value for value, _label in f.flatchoices) if f.choices else None,
                max_length=lengths[0] if direct and isinstance(lengths[0], int) else None,
                validators=tuple(v for v in f.validators if not (direct and type(v) is MaxLengthValidator)),
                empty=tuple(f.empty_values),
                blank=f.blank,
            )
        )
    return _ModelCheck(fields=tuple(fields), has_clean=model.clean is not models.Model.clean)


class Validator:
    """Raises `ValidationError` ({field: messages}) for the first value or rule a write would break."""

    def __init__(self) -> None:
        self.checks: dict[type[models.Model], _ModelCheck] = {}

    def _check(self, model: type[models.Model]) -> _ModelCheck:
        check = self.checks.get(model)
        if check is None:
            check = self.checks[model] = _model_check(model)
        return check

    def row(self, model: type[models.Model], row: dict[str, Any]) -> None:
        """A new row (attname -> value) of `model`. Columns it leaves out get their defaults, which are valid, so
        only the given values are checked; `model.clean()` sees the row as a new instance."""
        check = self._check(model)
        self._values(check, row)
        if check.has_clean:
            model(**row).clean()

    def instance(self, obj: models.Model) -> None:
        """A model instance about to be saved: every value, then its `clean()`."""
        check = self._check(type(obj))
        self._values(check, {item.attname: getattr(obj, item.attname) for item in check.fields})
        if check.has_clean:
            obj.clean()

    @staticmethod
    def _values(check: _ModelCheck, row: dict[str, Any]) -> None:
        for item in check.fields:
            if item.attname not in row:
                continue
            value = row[item.attname]
            if value in item.empty:
                ok = item.blank  # clean_fields skips an empty value of a blank field, and refuses it otherwise
            else:
                ok = item.choices is None or value in item.choices
                if ok and item.max_length is not None:
                    ok = len(value) <= item.max_length
                if ok:
                    try:
                        for validator in item.validators:
                            validator(value)
                    except ValidationError:
                        ok = False
            if not ok:
                try:
                    item.field.clean(value, None)
                except ValidationError as error:
                    raise ValidationError({item.field.name: error.messages}) from None


def first_error(error: ValidationError, prefix: str) -> tuple[str, str]:
    """The field (under `prefix`) and message of a validation error, as a run's failure records them."""
    if hasattr(error, "error_dict"):
        name, errors = next(iter(error.message_dict.items()))
        return f"{prefix}.{name}", " ".join(errors)
    return prefix, " ".join(error.messages)


class NoticeFailed(Exception):  # noqa: N818 - a control-flow signal, carried to the failure record
    """A notice cannot be imported; `field` names what is wrong with it."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
