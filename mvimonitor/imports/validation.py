"""The one validation of what the import writes, for both of its write paths.

New procedures are written as plain rows (dicts, `bulk.RowWriter`), updates of imported tenders as model instances;
both are checked here, the same way: each value as `Model.clean_fields` checks it (null, blank, choices, the field's
validators), then the model's own `Model.clean()`, the rules that involve more than one field. Relations are left to
the import, which sets them from its own lookups (catalogue codes, the organisations and lots it read), and
uniqueness to the database's constraints.

The value checks do not build model instances: on a problem the field's own `clean` is called, so the error is
Django's, word for word. A model instance is built from a row only for models with a `clean()` of their own.

Each rule of a `clean()` either fails the notice or, where the notice is worth more than the one value, leaves that
value out with a warning (`DROPPABLE`): a main CPV code whose division contradicts the tender's nature (the notice's
nature is kept, the tender is stored without the main CPV code; the buyer's forms refuse the pair, so the import must
not store it either), and a contract end date before its start date (stored without the end date). A dropped value of
an update keeps the record's current value. The model forms check nothing more than the models do (besides the
uniqueness the database enforces), so running each model's `clean()` is running the forms' rules.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext as _

# Rules of a model's clean() that leave the offending value out (with a warning) instead of failing the notice:
# model label -> field names. A clean() error on any other field fails the notice.
DROPPABLE: dict[str, frozenset[str]] = {
    "tenders.tender": frozenset({"main_cpv"}),
    "tenders.contract": frozenset({"end_date"}),
}
# One warning: the field (as the run's failures name it) and the message.
Dropped = list[tuple[str, str]]


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

    def row(self, model: type[models.Model], row: dict[str, Any], *, dropped: Dropped | None = None) -> None:
        """A new row (attname -> value) of `model`. Columns it leaves out get their defaults, which are valid, so
        only the given values are checked; `model.clean()` sees the row as a new instance.

        With `dropped`, a value that breaks a droppable rule (`DROPPABLE`) is set to None in `row` and a warning
        added to `dropped`, instead of an error."""
        check = self._check(model)
        self._values(check, row)
        if check.has_clean:
            self._clean(lambda: model(**row), lambda attname: row.__setitem__(attname, None), dropped)

    def instance(
        self, obj: models.Model, *, dropped: Dropped | None = None, previous: dict[str, Any] | None = None
    ) -> None:
        """A model instance about to be saved: every value, then its `clean()`.

        With `dropped`, a value that breaks a droppable rule goes back to its `previous` value (attname -> value;
        None when not given) and a warning is added to `dropped`, instead of an error."""
        check = self._check(type(obj))
        self._values(check, {item.attname: getattr(obj, item.attname) for item in check.fields})
        if check.has_clean:
            old = previous or {}
            self._clean(lambda: obj, lambda attname: setattr(obj, attname, old.get(attname)), dropped)

    @staticmethod
    def _clean(build: Callable[[], models.Model], drop: Callable[[str], None], dropped: Dropped | None) -> None:
        """Run the model's clean(); leave out what a droppable rule refuses (each at most once), or raise."""
        done: set[str] = set()
        while True:
            obj = build()
            try:
                obj.clean()
            except ValidationError as error:
                droppable = DROPPABLE.get(obj._meta.label_lower, frozenset())
                fields = set(error.message_dict) if hasattr(error, "error_dict") else set()
                if dropped is None or not fields or not fields <= droppable - done:
                    raise
                for name in sorted(fields):
                    done.add(name)
                    field = obj._meta.get_field(name)
                    assert isinstance(field, models.Field)  # noqa: S101 - DROPPABLE names concrete fields
                    drop(field.attname)
                    message = " ".join(error.message_dict[name])
                    dropped.append((name, _("%(message)s Stored without this value.") % {"message": message}))
                continue
            return

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
