"""Monitoring data: one precomputed fact row per tender (what the KPIs count) and the yearly spend totals that
organisations enter for the coverage KPI.

`TenderFact` is derived data: never edited, always rebuilt from the procurement record by
`services.facts_refresh`, which runs when the record announces a change (`changes.record_changed`, ADR 0023)
and in the `refresh_facts` repair command. See docs/adr/0013-tender-fact-table.md.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import MAX_VALUE, Tender

# Years a spend total may be entered for: the first MVI plan is from 2015; the upper bound catches typing errors.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class TenderFact(models.Model):
    tender = models.OneToOneField(Tender, primary_key=True, on_delete=models.CASCADE, related_name="fact")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    organisation_kind = models.CharField(max_length=40)
    province = models.CharField(max_length=2, blank=True)
    year = models.PositiveSmallIntegerField(null=True)
    publication_date = models.DateField(null=True)
    nature = models.CharField(max_length=10)
    is_european = models.BooleanField()
    value = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    value_class = models.CharField(max_length=40)
    theme_mask = models.BigIntegerField(default=0)  # one bit per theme applied in any lot (vocabulary.bits)
    theme_count = models.PositiveSmallIntegerField(default=0)
    form_mask = models.BigIntegerField(default=0)  # one bit per form of application used
    max_ambition = models.PositiveSmallIntegerField(default=0)  # highest AmbitionLevel.level; 0 = none recorded
    in_product_group = models.BooleanField(default=False)
    award_weight_sum = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    award_weight_count = models.PositiveIntegerField(default=0)
    confirmed = models.BooleanField(default=False)
    # SME and innovation (docs/monitoring.md): the tender or any lot flagged, or an innovation procedure type
    sme_suitable = models.BooleanField(default=False)
    innovative = models.BooleanField(default=False)
    # the tender's contracts whose winner's size is known: how many, how many won by an SME, and their values (only
    # contracts with a value)
    contract_count = models.PositiveIntegerField(default=0)
    contract_sme_count = models.PositiveIntegerField(default=0)
    contract_value = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    contract_sme_value = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))

    class Meta:
        verbose_name = _("tender fact")
        verbose_name_plural = _("tender facts")
        indexes = [
            models.Index(fields=["year", "organisation"], name="fact_year_org"),
            models.Index(fields=["organisation", "year"], name="fact_org_year"),
        ]

    def __str__(self) -> str:
        return f"fact {self.tender_id}"


class FactSummary(models.Model):
    """The KPI measures of one organisation, year and breakdown bucket, summed over its facts (ADR 0019).

    Derived data like `TenderFact`, rebuilt with it by `services.facts_refresh`: per (organisation, year) one row for
    all tenders (breakdown "all") and one per part of every breakdown (nature, European/national, value class).
    National figures read these ~10 rows per organisation and year instead of aggregating every tender again.
    `amounts` holds one little-endian int64 per measure named in `names` (comma-separated, from
    `vocabulary.measures`): counts, or hundredths for money and weights. Binary rather than JSON, because decoding
    the rows is a large part of reading a national year (ADR 0019)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    breakdown = models.CharField(max_length=20)
    bucket = models.CharField(max_length=40)
    names = models.TextField()
    amounts = models.BinaryField()

    class Meta:
        verbose_name = _("fact summary")
        verbose_name_plural = _("fact summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "breakdown", "organisation", "bucket"], name="fact_summary_one_per_bucket"
            )
        ]
        indexes = [models.Index(fields=["organisation", "year"], name="fact_summary_org_year")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year} {self.breakdown}:{self.bucket}"


class SpendTotal(models.Model):
    """What an organisation spent in a year (for example from its spend analysis): the base of the coverage KPI."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="spend_totals"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    amount = models.DecimalField(
        _("amount (EUR)"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_VALUE)],
    )
    source_note = models.CharField(
        _("source"), max_length=500, help_text=_("Where the amount comes from, e.g. 'spend analysis 2024, finance'.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("spend total")
        verbose_name_plural = _("spend totals")
        ordering = ["organisation", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="spend_total_one_per_year"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="spend_total_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}: {self.amount}"


class FactsVersion(models.Model):
    """One row whose token changes whenever facts or spend totals change: the key of cached national figures."""

    token = models.CharField(max_length=32)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("facts version")
        verbose_name_plural = _("facts versions")

    def __str__(self) -> str:
        return self.token


class TargetScope(models.TextChoices):
    NATIONAL = "national", _("National")
    KIND = "kind", _("Kind of organisation")
    ORGANISATION = "organisation", _("Own organisation")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")


class Target(models.Model):
    """What a figure should reach in a year (ADR 0036): nationally, for a kind of organisation, or an organisation's
    own. The shipped ones come from `data/targets.json` (`load_targets`, with `code` and the file's version);
    an organisation adds its own on the targets page. Every target names its source."""

    code = models.SlugField(_("code"), max_length=100, blank=True)  # shipped targets only
    data_version = models.PositiveSmallIntegerField(_("version of the targets file"), null=True, blank=True)
    kpi = models.CharField(_("KPI"), max_length=60)
    kpi_version = models.PositiveSmallIntegerField(_("KPI version"))
    item = models.CharField(_("part of the KPI"), max_length=40, default="all")
    scope = models.CharField(_("for"), max_length=20, choices=TargetScope.choices)
    organisation_kind = models.CharField(_("kind of organisation"), max_length=40, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    year_from = models.PositiveSmallIntegerField(
        _("from year"), null=True, blank=True, validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    year_until = models.PositiveSmallIntegerField(
        _("until year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
    )
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=30)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.AT_LEAST)
    name_nl = models.CharField(_("name (Dutch)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(
        _("year of the source"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    created_by = models.ForeignKey(
        "organisations.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["kpi", "scope", "year_from", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~models.Q(code=""), name="target_unique_code"),
            models.CheckConstraint(
                condition=models.Q(scope="organisation", organisation__isnull=False, organisation_kind="")
                | models.Q(scope="kind", organisation__isnull=True) & ~models.Q(organisation_kind="")
                | models.Q(scope="national", organisation__isnull=True, organisation_kind=""),
                name="target_scope_fits",
            ),
            models.CheckConstraint(
                condition=models.Q(year_from__isnull=True)
                | models.Q(year_until__isnull=True)
                | models.Q(year_until__gte=models.F("year_from")),
                name="target_year_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name_nl

    def applies_in(self, year: int) -> bool:
        return (self.year_from is None or self.year_from <= year) and (
            self.year_until is None or year <= self.year_until
        )
