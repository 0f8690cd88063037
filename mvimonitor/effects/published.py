"""RIVM's published national effect results, kept as context beside MVI Monitor's own national table (ADR 0043).

They are another method and another scope (RIVM's weighted sample of tenders and product groups, scaled up), so they
are never added to, compared in a cell with, or used in our figures: the RIVM-style page shows them in a table of
their own per period, each with its unit, source and confidence. Loaded by `manage.py load_rivm_results`
(`published_loader`); re-exported by `models`.
"""

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Confidence(models.TextChoices):
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class PublishedEffectResult(models.Model):
    """One published national figure of one RIVM period, with its source."""

    period_start = models.PositiveSmallIntegerField(_("first year of the period"))
    period_end = models.PositiveSmallIntegerField(_("last year of the period"))
    product_groups = models.CharField(
        _("product groups"), max_length=60, blank=True, help_text=_("The scope as published, e.g. 16.")
    )
    indicator = models.SlugField(_("indicator"), max_length=80)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=60)
    basis = models.TextField(_("basis"), blank=True)
    source_title = models.CharField(_("source"), max_length=400)
    source_url = models.URLField(_("source address"), max_length=500)
    source_year = models.CharField(_("source year"), max_length=20)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("published effect result")
        verbose_name_plural = _("published effect results")
        ordering = ["period_start", "indicator", "product_groups", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "indicator", "product_groups", "source_url"],
                name="published_effect_result_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="published_effect_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end} {self.indicator}: {self.value} {self.unit}"

    @property
    def period_label(self) -> str:
        return f"{self.period_start}–{self.period_end}"

    @property
    def value_text(self) -> str:
        """The value as published, in the reader's notation (4,9; 13.000), without trailing zeros."""
        text = format(self.value.normalize(), "f")
        places = len(text.split(".")[1]) if "." in text else 0
        return number_format(self.value, places, use_l10n=True, force_grouping=True)

    @property
    def indicator_label(self) -> str:
        return indicator_label(self.indicator)


def indicator_label(code: str) -> str:
    """The indicator in words; an indicator without a label shows its code."""
    labels = {
        "ghg_reduction": gettext("Greenhouse-gas emissions avoided"),
        "nox_reduction": gettext("NOx emissions avoided"),
        "pm_reduction": gettext("Particulate matter emissions avoided"),
        "raw_materials_saved": gettext("Raw materials saved"),
        "sr_work": gettext("Social return: work for people at a distance from the labour market"),
        "biobased_oil_equivalent_avoided": gettext("Fossil oil equivalent avoided by bio-based products"),
        "green_power_intensity": gettext("Emission intensity of the green power bought"),
    }
    return labels.get(code, code)
