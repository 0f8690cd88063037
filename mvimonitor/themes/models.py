"""The MVI catalogue: versioned reference data. Every row says where it comes from (source) and of which year.

Rows are loaded by management commands (`load_reference`, `load_cpv`) and shown read-only in the UI.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The largest value of a PositiveSmallIntegerField on every supported database. Stated explicitly so forms, the API
# and the OpenAPI document give the same bound on SQLite (which has none) as on PostgreSQL.
SMALL_MAX = 32767


class Sourced(models.Model):
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(
        _("year of the source"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )

    class Meta:
        abstract = True


class Bilingual(models.Model):
    name_nl = models.CharField(_("name (Dutch)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_nl


class Theme(Sourced, Bilingual):
    """One of the six MVI themes (Nationaal plan MVI 2021-2025, Manifest MVOI 2022-2025)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(SMALL_MAX)])

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["order", "code"]


class ApplicationForm(Sourced, Bilingual):
    """How a theme is applied in a tender: selection, minimum requirement, award criterion, contract clause."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(SMALL_MAX)])

    class Meta:
        verbose_name = _("form of application")
        verbose_name_plural = _("forms of application")
        ordering = ["order", "code"]


class AmbitionLevel(Sourced, Bilingual):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    level = models.PositiveSmallIntegerField(_("level"), unique=True, validators=[MaxValueValidator(SMALL_MAX)])
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("ambition level")
        verbose_name_plural = _("ambition levels")
        ordering = ["level"]


class ProductGroupSet(Sourced):
    """One version of the list of MVI criteria product groups (45 groups in 2018-2022, 47 in 2023, 48 in 2024)."""

    version = models.SlugField(_("version"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=255)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    declared_group_count = models.PositiveSmallIntegerField(
        _("number of groups in the official set"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(SMALL_MAX)],
        help_text=_("How many groups the official set has, which may be more than are loaded here."),
    )

    class Meta:
        verbose_name = _("product group set")
        verbose_name_plural = _("product group sets")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.name


class ProductGroupCluster(Sourced, Bilingual):
    product_group_set = models.ForeignKey(ProductGroupSet, on_delete=models.CASCADE, related_name="clusters")
    code = models.SlugField(_("code"), max_length=60)

    class Meta:
        verbose_name = _("product group cluster")
        verbose_name_plural = _("product group clusters")
        ordering = ["product_group_set", "name_nl"]
        constraints = [models.UniqueConstraint(fields=["product_group_set", "code"], name="cluster_unique_code")]


class ProductGroup(Sourced, Bilingual):
    product_group_set = models.ForeignKey(ProductGroupSet, on_delete=models.CASCADE, related_name="product_groups")
    cluster = models.ForeignKey(ProductGroupCluster, on_delete=models.PROTECT, related_name="product_groups")
    code = models.SlugField(_("code"), max_length=80)
    cpv_prefixes = models.JSONField(
        _("CPV prefixes"),
        default=list,
        blank=True,
        help_text=_("CPV code prefixes that belong to this group. Empty until an official mapping is loaded."),
    )

    class Meta:
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        ordering = ["product_group_set", "name_nl"]
        constraints = [models.UniqueConstraint(fields=["product_group_set", "code"], name="product_group_unique_code")]


class Criterion(Sourced):
    """A criterion from the MVI criteria tool. None ship with the project; the official set is loaded by users."""

    product_group = models.ForeignKey(ProductGroup, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=500)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="criteria")
    form = models.ForeignKey(ApplicationForm, on_delete=models.PROTECT, related_name="criteria")
    ambition_level = models.ForeignKey(AmbitionLevel, on_delete=models.PROTECT, related_name="criteria")

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["product_group", "code"]
        constraints = [models.UniqueConstraint(fields=["product_group", "code"], name="criterion_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class IsvRiskCategory(Sourced):
    """Risk categories of international social conditions (ISV) for Rijk purchasing; the list is versioned."""

    list_version = models.SlugField(_("list version"), max_length=30)
    number = models.PositiveSmallIntegerField(_("number"), validators=[MaxValueValidator(SMALL_MAX)])
    name_nl = models.CharField(_("name (Dutch)"), max_length=255)

    class Meta:
        verbose_name = _("ISV risk category")
        verbose_name_plural = _("ISV risk categories")
        ordering = ["list_version", "number"]
        constraints = [models.UniqueConstraint(fields=["list_version", "number"], name="isv_unique_number")]

    def __str__(self) -> str:
        return self.name_nl


class ThresholdCategory(models.TextChoices):
    CENTRAL_SUPPLIES_SERVICES = "central_supplies_services", _("Central government, supplies and services")
    DECENTRAL_SUPPLIES_SERVICES = "decentral_supplies_services", _("Other authorities, supplies and services")
    WORKS = "works", _("Works")
    SOCIAL_SERVICES = "social_services", _("Social and other specific services")
    SPECIAL_SECTORS_SUPPLIES_SERVICES = (
        "special_sectors_supplies_services",
        _("Special sectors, supplies and services"),
    )


class EuThreshold(Sourced):
    category = models.CharField(_("category"), max_length=40, choices=ThresholdCategory.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    class Meta:
        verbose_name = _("EU threshold")
        verbose_name_plural = _("EU thresholds")
        ordering = ["-valid_from", "category"]
        constraints = [
            models.UniqueConstraint(fields=["category", "valid_from"], name="threshold_unique_period"),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("valid_from")), name="threshold_period"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_category_display()} {self.valid_from:%Y}-{self.valid_until:%Y}: {self.amount} {self.currency}"
        )


cpv_code_validator = RegexValidator(r"^\d{8}$", _("A CPV code has 8 digits (without the check digit)."))


class CpvCode(Sourced):
    """A code of the Common Procurement Vocabulary (Regulation 213/2008), 8 digits without check digit."""

    code = models.CharField(_("code"), max_length=8, primary_key=True, validators=[cpv_code_validator])
    label_nl = models.CharField(_("label (Dutch)"), max_length=500)
    label_en = models.CharField(_("label (English)"), max_length=500)
    version = models.CharField(_("version"), max_length=20, default="CPV 2008")

    class Meta:
        verbose_name = _("CPV code")
        verbose_name_plural = _("CPV codes")
        ordering = ["code"]

    def __str__(self) -> str:
        label = self.label_en if get_language() == "en" and self.label_en else self.label_nl
        return f"{self.code} {label}"

    @property
    def division(self) -> str:
        return self.code[:2]
