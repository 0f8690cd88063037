"""Indicators beyond CO2: the code list, the per-indicator values of a factor set's items, and the stored figures.

CO2-eq stays in `EffectCalculation`'s own columns. The other indicators (NOx, PM10, PM2.5, primary raw materials,
water) are computed the same way, reference option minus chosen option over the commitment period, with the value
per unit that the commitment's factor set holds for each item and indicator (`IndicatorFactor`). A figure is stored
per commitment and indicator (`IndicatorFigure`) only where the set holds a value for the promised or the reference
item; where one of the two is missing the figure is not calculable (never 0). Nothing here is shipped with values:
they are loaded with `manage.py load_indicator_factors`, each with its source (ADR 0042, docs/effects.md).
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mvimonitor.organisations.models import Organisation

from .factor_sets import YEAR, EmissionFactorSet, FactorSetFrozenError, Unit, frozen_message


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Promise
    unit: str  # the unit the figure is stated in
    scope: Promise


CO2 = Indicator("co2", _("CO2-eq"), "kg CO2-eq", _("Greenhouse gases, well-to-wheel, IPCC AR5 (domain.md §7)."))
# The indicators RIVM's effect monitoring reports besides CO2 (domain.md §6, "Effect types and units").
NOX = Indicator("nox", _("NOx"), "kg", _("Nitrogen oxides emitted."))
PM10 = Indicator("pm10", _("PM10"), "kg", _("Particulate matter up to 10 µm emitted."))
PM25 = Indicator("pm25", _("PM2.5"), "kg", _("Particulate matter up to 2.5 µm emitted."))
RAW_MATERIALS = Indicator("rawMaterials", _("Primary raw materials"), "t", _("Primary raw materials used."))
WATER = Indicator("water", _("Water"), "m3", _("Water used."))

INDICATORS: tuple[Indicator, ...] = (CO2, NOX, PM10, PM25, RAW_MATERIALS, WATER)
# stored in IndicatorFigure (CO2 has EffectCalculation's columns)
EXTRA_INDICATORS: tuple[Indicator, ...] = INDICATORS[1:]
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}
INDICATOR_CHOICES = [(indicator.code, indicator.label) for indicator in EXTRA_INDICATORS]


def indicator(code: str) -> Indicator:
    return BY_CODE[code]


class IndicatorFactor(models.Model):
    """The value of one indicator per unit of an item of a factor set (e.g. kg NOx per vehicle-km).

    Like the set's own factors it does not change once the set is frozen (published or used): a stored value is kept
    as it was, a correction is a new version of the set. A value not yet given may be added to a frozen set: the
    calculations that follow name it, the earlier ones are kept (ADR 0042)."""

    factor_set = models.ForeignKey(
        EmissionFactorSet, verbose_name=_("factor set"), on_delete=models.CASCADE, related_name="indicator_factors"
    )
    factor_code = models.SlugField(_("item code"), max_length=100)
    indicator = models.CharField(_("indicator"), max_length=20, choices=INDICATOR_CHOICES)
    value = models.DecimalField(_("value per unit"), max_digits=20, decimal_places=9)
    unit = models.CharField(
        _("per unit"), max_length=10, choices=Unit.choices, help_text=_("The unit of the item the value is per.")
    )
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(_("source year"), validators=YEAR)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["factor_set", "factor_code", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["factor_set", "factor_code", "indicator"], name="indicator_factor_unique_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.factor_code} {self.indicator}: {self.value} {indicator(self.indicator).unit}/{self.unit}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def _refuse_if_frozen(self) -> None:
        frozen = EmissionFactorSet.objects.filter(pk=self.factor_set_id).frozen().first()
        if frozen is not None:
            raise FactorSetFrozenError(frozen_message(frozen.label, frozen.published_at is not None))

    def clean(self) -> None:
        if self.indicator and self.indicator not in {code for code, _label in INDICATOR_CHOICES}:
            raise ValidationError({"indicator": _("Unknown indicator.")})


class IndicatorFigure(models.Model):
    """The stored figure of one commitment for one indicator beyond CO2, a child of the calculation it belongs to
    (kept with it when a recalculation supersedes it). Written in bulk by the recalculation (ADR 0020)."""

    # no index of its own: the unique index on (calculation, indicator) serves look-ups by calculation
    calculation = models.ForeignKey(
        "effects.EffectCalculation", on_delete=models.CASCADE, related_name="indicator_figures", db_constraint=False,
        db_index=False,
    )  # fmt: skip
    commitment = models.ForeignKey(
        "effects.Commitment", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    indicator = models.CharField(max_length=20, choices=INDICATOR_CHOICES)
    unit = models.CharField(max_length=10)
    ex_ante = models.DecimalField(max_digits=24, decimal_places=6, null=True)
    ex_post = models.DecimalField(max_digits=24, decimal_places=6, null=True)
    reference = models.DecimalField(max_digits=24, decimal_places=6, null=True)
    calculable = models.BooleanField(default=False)
    problem_code = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("indicator figure")
        verbose_name_plural = _("indicator figures")
        constraints = [
            models.UniqueConstraint(fields=["calculation", "indicator"], name="indicator_figure_one_per_calculation"),
            models.CheckConstraint(
                condition=Q(calculable=True) | Q(ex_ante__isnull=True), name="indicator_figure_not_calculable_no_value"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.indicator}"
