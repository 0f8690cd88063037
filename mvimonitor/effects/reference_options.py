"""National reference options: the most common non-MVI option a commitment's effect is measured against.

A reference option applies to a product group (the code of the tender's product group, the same in every criteria
release) and/or a commitment kind, from a date and perhaps until one. It names the reference factor (an item code of
the factor set the commitment is calculated with), the quantity basis (the unit the reference quantity is counted in)
and the conversion assumptions behind it as named parameters, each with value, unit and source. A change is a new
version of the option; a stored calculation names the option and version it used (ADR 0042).

A commitment that names no reference factor gets the option valid at its period start; one that names another
reference factor deviates from it and must give a reason (`Commitment.reference_deviation_reason`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mvimonitor.themes.models import in_language

from .factor_sets import YEAR, Unit


class ReferenceOption(models.Model):
    """One version of a national reference option (ADR 0042)."""

    code = models.SlugField(_("code"), max_length=80)
    version = models.PositiveIntegerField(_("version"), default=1)
    product_group_code = models.SlugField(
        _("product group (code)"), max_length=80, blank=True,
        help_text=_("The code of the tenders' product group; empty: every product group."),
    )  # fmt: skip
    kind = models.CharField(
        _("commitment kind"), max_length=20, blank=True,
        help_text=_("A commitment kind code (the loader checks it); empty: every kind of commitment."),
    )  # fmt: skip
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty: still valid."))
    description = models.CharField(_("description (English)"), max_length=500)
    description_nl = models.CharField(_("description (Dutch)"), max_length=500, blank=True)
    reference_factor_code = models.SlugField(_("reference factor (item code)"), max_length=100)
    quantity_basis = models.CharField(_("quantity basis"), max_length=10, choices=Unit.choices)
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(_("source year"), validators=YEAR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reference option")
        verbose_name_plural = _("reference options")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="reference_option_unique_version"),
            models.CheckConstraint(
                condition=~Q(product_group_code="", kind=""), name="reference_option_group_or_kind"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="reference_option_period",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How a calculation names the option it used: description, code and version."""
        return f"{self.display_description} ({self.code} v{self.version})"

    @property
    def display_description(self) -> str:
        return in_language(self.description_nl, self.description)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not self.product_group_code and not self.kind:
            errors["kind"] = _("Name a product group, a commitment kind or both.")
        if self.valid_to is not None and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = _("The end of the period lies before its start.")
        if errors:
            raise ValidationError(errors)


class ReferenceParameter(models.Model):
    """A conversion assumption of a reference option (e.g. litres per 100 km), with its own source."""

    option = models.ForeignKey(
        ReferenceOption, verbose_name=_("reference option"), on_delete=models.CASCADE, related_name="parameters"
    )
    name = models.CharField(_("name"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=40)
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(_("source year"), validators=YEAR)

    class Meta:
        verbose_name = _("conversion assumption")
        verbose_name_plural = _("conversion assumptions")
        ordering = ["option", "name"]
        constraints = [models.UniqueConstraint(fields=["option", "name"], name="reference_parameter_unique_name")]

    def __str__(self) -> str:
        return f"{self.name}: {self.value} {self.unit}"


# --- choosing the option of a commitment (pure) ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    """A reference option as the calculation takes it."""

    id: int
    code: str
    version: int
    product_group_code: str
    kind: str
    valid_from: date
    valid_to: date | None
    factor_code: str
    quantity_basis: str
    label: str


def choose(options: Sequence[Option], kind: str, product_group_code: str, day: date) -> Option | None:
    """The option valid on `day` for this kind and product group: one naming both the product group and the kind
    first, then one for the product group (any kind), then one for the kind (any product group); among equals the
    highest version, then the latest start. None when no option applies."""
    best: tuple[int, int, date] | None = None
    chosen: Option | None = None
    for option in options:
        if option.valid_from > day or (option.valid_to is not None and option.valid_to < day):
            continue
        if option.kind and option.kind != kind:
            continue
        if option.product_group_code and option.product_group_code != product_group_code:
            continue
        rank = 2 if option.product_group_code and option.kind else 1 if option.product_group_code else 0
        key = (rank, option.version, option.valid_from)
        if best is None or key > best:
            best, chosen = key, option
    return chosen


class OptionChooser:
    """`choose` over all options, memoised per (kind, product group, day): a recalculation asks the same questions
    for many commitments."""

    __slots__ = ("_answers", "_options")

    def __init__(self, options: Iterable[Option]) -> None:
        self._options = tuple(options)
        self._answers: dict[tuple[str, str, date], Option | None] = {}

    def __bool__(self) -> bool:
        return bool(self._options)

    def option(self, kind: str, product_group_code: str, day: date) -> Option | None:
        key = (kind, product_group_code, day)
        if key not in self._answers:
            self._answers[key] = choose(self._options, kind, product_group_code, day)
        return self._answers[key]


def load_options(options: Iterable[ReferenceOption] | None = None) -> list[Option]:
    """The reference options (by default all of them, in one query) as the calculation takes them."""
    rows = ReferenceOption.objects.all() if options is None else options
    return [
        Option(
            id=o.pk,
            code=o.code,
            version=o.version,
            product_group_code=o.product_group_code,
            kind=o.kind,
            valid_from=o.valid_from,
            valid_to=o.valid_to,
            factor_code=o.reference_factor_code,
            quantity_basis=o.quantity_basis,
            label=o.label,
        )
        for o in rows
    ]


def national_option(kind: str, product_group_code: str, day: date | None) -> ReferenceOption | None:
    """The national reference option of one commitment (for the form and the check of a deviation)."""
    if not kind or day is None:
        return None
    candidates = ReferenceOption.objects.filter(Q(kind="") | Q(kind=kind)).filter(
        Q(product_group_code="") | Q(product_group_code=product_group_code)
    )
    by_id = {option.pk: option for option in candidates}
    found = choose(load_options(by_id.values()), kind, product_group_code, day)
    return None if found is None else by_id[found.id]
