"""Emission-factor sets and their factors: versioned, sourced, and frozen once published or used (ADR 0017, ADR 0025).

A set loaded as a public list is published; any set is used once a stored effect has been computed with it. From
then on neither the set nor its factors change: a correction is a new version that names the set it corrects
(`supersedes`) and says why (`correction_reason`). The models refuse a change to a frozen set on every path that
saves a model (admin, services, loaders, a shell); the loaders refuse it before writing anything, naming what
differs and how to publish a correction.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from mvimonitor.organisations.models import Organisation

YEAR = [MinValueValidator(1990), MaxValueValidator(2100)]  # also fixes the OpenAPI range on every backend

# What no longer changes once a set is frozen (besides its factors).
FROZEN_SET_FIELDS = (
    "name",
    "version",
    "publication_year",
    "source",
    "note",
    "organisation_id",
    "supersedes_id",
    "correction_reason",
)


class FactorCategory(models.TextChoices):
    """The categories of the official Dutch list (CO2emissiefactoren.nl, domain.md §7)."""

    VEHICLE_FUELS = "vehicle_fuels", _("Fuels for vehicles (and ships)")
    ENERGY_FUELS = "energy_fuels", _("Fuels for energy generation")
    ELECTRICITY = "electricity", _("Electricity")
    HEAT = "heat", _("Heat supply")
    PASSENGER_TRANSPORT = "passenger_transport", _("Passenger transport")
    FREIGHT_TRANSPORT = "freight_transport", _("Freight transport")
    REFRIGERANTS = "refrigerants", _("Refrigerants")


class Unit(models.TextChoices):
    KWH = "kWh", _("kWh")
    M3 = "m3", _("m³")
    GJ = "GJ", _("GJ")
    LITRE = "litre", _("litre")
    KG = "kg", _("kg")
    VEHICLE_KM = "vkm", _("vehicle-km")
    PASSENGER_KM = "pkm", _("passenger-km")
    TONNE_KM = "tkm", _("tonne-km")
    TONNE = "tonne", _("tonne")
    EUR = "EUR", _("euro")
    # A state held through the period, not an amount: its verified delivery is the lowest level reported (not a sum).
    LEVEL = "level", _("level (CO2-Prestatieladder)")


class FactorSetFrozenError(ValidationError):
    """A change to a published or used factor set (or to one of its factors)."""


def frozen_message(label: str, published: bool) -> str:
    """Why the set cannot change and what to do instead."""
    state = gettext("is published") if published else gettext("has been used for stored effects")
    return gettext(
        "The factor set “%(set)s” %(state)s and can no longer change. Publish a correction as a new version "
        "that names this set as the one it corrects and gives the reason."
    ) % {"set": label, "state": state}


class EmissionFactorSetQuerySet(models.QuerySet["EmissionFactorSet"]):
    def public(self) -> "EmissionFactorSetQuerySet":
        return self.filter(organisation__isnull=True)

    def frozen(self) -> "EmissionFactorSetQuerySet":
        return self.filter(Q(published_at__isnull=False) | Q(first_used_at__isnull=False))

    def not_superseded(self) -> "EmissionFactorSetQuerySet":
        """Sets no correction has replaced."""
        return self.exclude(pk__in=EmissionFactorSet.objects.filter(supersedes__isnull=False).values("supersedes"))


class EmissionFactorSet(models.Model):
    """One published list of factors (a year's list, or an organisation's own); calculations name the set used."""

    name = models.CharField(_("name"), max_length=200)
    publication_year = models.PositiveSmallIntegerField(_("publication year"), validators=YEAR)
    version = models.CharField(_("version"), max_length=50)
    source = models.CharField(_("source"), max_length=500)
    note = models.TextField(_("note"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="emission_factor_sets",
        help_text=_("Empty for a public set; otherwise the organisation's own set, visible to its members only."),
    )
    published_at = models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        help_text=_("A published set no longer changes; a correction is a new version."),
    )
    first_used_at = models.DateTimeField(
        _("first used for stored effects at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("A set used for stored effects no longer changes; a correction is a new version."),
    )
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,  # an organisation's deletion still takes its own sets, corrections included
        related_name="corrections",
        help_text=_("The earlier version this set corrects."),
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    # How the set is presented to readers; not part of what a calculation names, so a frozen set may get them later.
    name_nl = models.CharField(
        _("name (Dutch)"), max_length=200, blank=True, help_text=_("Empty: the name is shown as it is.")
    )
    description_nl = models.TextField(
        _("description (Dutch)"), blank=True, help_text=_("Shown instead of the note to Dutch readers.")
    )
    description_en = models.TextField(
        _("description (English)"), blank=True, help_text=_("Shown instead of the note to English readers.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EmissionFactorSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("emission-factor set")
        verbose_name_plural = _("emission-factor sets")
        ordering = ["-publication_year", "name", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"], condition=Q(organisation__isnull=True), name="factor_set_public_unique"
            ),
            models.UniqueConstraint(
                fields=["organisation", "name", "version"],
                condition=Q(organisation__isnull=False),
                name="factor_set_own_unique",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(correction_reason=""), name="factor_set_correction_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} {self.version} ({self.publication_year})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).frozen().values(*FROZEN_SET_FIELDS, "published_at").first()
            if stored is not None and any(getattr(self, name) != stored[name] for name in FROZEN_SET_FIELDS):
                raise FactorSetFrozenError(frozen_message(self.label, stored["published_at"] is not None))
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return str(self)

    @property
    def display_name(self) -> str:
        """The name in the reader's language; the stored `name` is what identifies the set."""
        return self.name_nl if self.name_nl and get_language() != "en" else self.name

    @property
    def description(self) -> str:
        """The description in the reader's language, else the note stored with the set."""
        own = self.description_en if get_language() == "en" else self.description_nl
        return own or self.note

    @property
    def is_frozen(self) -> bool:
        return self.published_at is not None or self.first_used_at is not None

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.supersedes_id is not None:
            if not self.correction_reason.strip():
                errors["correction_reason"] = _("A correction needs a reason.")
            if self.pk is not None and self.supersedes_id == self.pk:
                errors["supersedes"] = _("A set cannot correct itself.")
            elif self.supersedes is not None and self.supersedes.organisation_id != self.organisation_id:
                errors["supersedes"] = _("A correction belongs to the same organisation (or is public) as its set.")
        elif self.correction_reason.strip():
            errors["supersedes"] = _("Name the version this set corrects.")
        if errors:
            raise ValidationError(errors)


def _refuse_if_frozen(factor_set_id: int | None) -> None:
    """Refuse a change to a factor of a frozen set (read from the database, not from a copy in memory)."""
    if factor_set_id is None:
        return
    frozen = EmissionFactorSet.objects.filter(pk=factor_set_id).frozen().first()
    if frozen is not None:
        raise FactorSetFrozenError(frozen_message(frozen.label, frozen.published_at is not None))


class EmissionFactor(models.Model):
    """kg CO2-eq per unit: WTW = WTT + TTW (domain.md §7); each item names its own source and year."""

    factor_set = models.ForeignKey(EmissionFactorSet, on_delete=models.CASCADE, related_name="factors")
    code = models.SlugField(_("code"), max_length=100)
    name = models.CharField(_("name"), max_length=300)
    category = models.CharField(_("category"), max_length=30, choices=FactorCategory.choices)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    wtw = models.DecimalField(_("WTW (kg CO2-eq per unit)"), max_digits=14, decimal_places=6, null=True, blank=True)
    ttw = models.DecimalField(_("TTW (kg CO2-eq per unit)"), max_digits=14, decimal_places=6, null=True, blank=True)
    wtt = models.DecimalField(_("WTT (kg CO2-eq per unit)"), max_digits=14, decimal_places=6, null=True, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    source_year = models.PositiveSmallIntegerField(_("source year"), null=True, blank=True, validators=YEAR)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("emission factor")
        verbose_name_plural = _("emission factors")
        ordering = ["factor_set", "category", "name"]
        constraints = [models.UniqueConstraint(fields=["factor_set", "code"], name="factor_unique_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_if_frozen(self.factor_set_id)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _refuse_if_frozen(self.factor_set_id)
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        _refuse_if_frozen(self.factor_set_id)
