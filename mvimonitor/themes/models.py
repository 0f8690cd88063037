"""The MVI catalogue: versioned reference data. Every row says where it comes from (source) and of which year.

Rows are loaded by management commands (`load_reference`, `load_cpv`, `load_criteria`, `load_cpv_hints`) and shown
read-only in the UI. Criteria come in releases (`CriteriaRelease`, ADR 0031).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
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


def in_language(dutch: str, english: str) -> str:
    """Reference text in the reader's language: the English text for an English reader when there is one, else the
    Dutch text (else the English one, for rows that only have that)."""
    if (get_language() or "").startswith("en") and english:
        return english
    return dutch or english


class Bilingual(models.Model):
    name_nl = models.CharField(_("name (Dutch)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_nl, self.name_en)


class Described(models.Model):
    """A one-line description in English (`description`) and Dutch (`description_nl`)."""

    description = models.TextField(_("description (English)"), blank=True)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)

    class Meta:
        abstract = True

    @property
    def description_text(self) -> str:
        """The description in the reader's language (Dutch when there is one, else English)."""
        return in_language(self.description_nl, self.description)


class Theme(Sourced, Bilingual, Described):
    """One of the six MVI themes (Nationaal plan MVI 2021-2025, Manifest MVOI 2022-2025)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
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


class AmbitionLevel(Sourced, Bilingual, Described):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    level = models.PositiveSmallIntegerField(_("level"), unique=True, validators=[MaxValueValidator(SMALL_MAX)])

    class Meta:
        verbose_name = _("ambition level")
        verbose_name_plural = _("ambition levels")
        ordering = ["level"]


class ReleaseStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Superseded")


class CriteriaReleaseQuerySet(models.QuerySet["CriteriaRelease"]):
    def current(self) -> "CriteriaRelease | None":
        """The release shown when none is asked for: of the releases with status current, the newest already in
        force (valid_from today or earlier), else the newest at all. None when nothing is loaded."""
        candidates = self.filter(status=ReleaseStatus.CURRENT).order_by("-valid_from", "-pk")
        return candidates.filter(valid_from__lte=timezone.localdate()).first() or candidates.first()


class CriteriaRelease(Sourced):
    """One release of the MVI criteria tool: its product groups (in clusters) and their criteria.

    The tool changes its list of product groups over time (45 groups in 2018-2022, 47 in 2023, 48 in 2024) and
    reviews every criterion every 1.5 years. A release is never changed by a later one: the later release
    `supersedes` it, which only closes it (`valid_until`, status superseded). Releases that only name product groups
    (the shipped sets) have no criteria. A sample release (`is_sample`) holds the project's own example criteria,
    not official ones. Before criteria were versioned this model was called ProductGroupSet (ADR 0031).
    """

    version = models.SlugField(_("version"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=255)
    published = models.DateField(_("published"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    declared_group_count = models.PositiveSmallIntegerField(
        _("number of groups in the official set"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(SMALL_MAX)],
        help_text=_("How many groups the official set has, which may be more than are loaded here."),
    )
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=255, blank=True)
    is_sample = models.BooleanField(
        _("sample release"), default=False, help_text=_("Example criteria written for MVI Monitor, not official ones.")
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    status = models.CharField(_("status"), max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.CURRENT)

    objects = CriteriaReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("criteria release")
        verbose_name_plural = _("criteria releases")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="release_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.supersedes_id is not None and self.supersedes_id == self.pk:
            raise ValidationError({"supersedes": _("A release cannot supersede itself.")})


# The name of the model before criteria were versioned; kept so code that names product-group sets still works.
ProductGroupSet = CriteriaRelease


class ProductGroupCluster(Sourced, Bilingual):
    product_group_set = models.ForeignKey(
        CriteriaRelease, verbose_name=_("release"), on_delete=models.CASCADE, related_name="clusters"
    )
    code = models.SlugField(_("code"), max_length=60)

    class Meta:
        verbose_name = _("product group cluster")
        verbose_name_plural = _("product group clusters")
        ordering = ["product_group_set", "name_nl"]
        constraints = [models.UniqueConstraint(fields=["product_group_set", "code"], name="cluster_unique_code")]


class ProductGroup(Sourced, Bilingual):
    """A product group of one release. The same group in another release is found by `in_release`."""

    product_group_set = models.ForeignKey(
        CriteriaRelease, verbose_name=_("release"), on_delete=models.CASCADE, related_name="product_groups"
    )
    cluster = models.ForeignKey(ProductGroupCluster, on_delete=models.PROTECT, related_name="product_groups")
    code = models.SlugField(_("code"), max_length=80)
    external_id = models.CharField(
        _("id in the criteria tool"), max_length=40, blank=True, help_text=_("The product group's id at the source.")
    )
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
        constraints = [
            models.UniqueConstraint(fields=["product_group_set", "code"], name="product_group_unique_code"),
            models.UniqueConstraint(
                fields=["product_group_set", "external_id"],
                condition=~Q(external_id=""),
                name="product_group_unique_external_id",
            ),
        ]

    @property
    def release(self) -> CriteriaRelease:
        return self.product_group_set

    def in_release(self, release: CriteriaRelease) -> "ProductGroup | None":
        """This group as it is in another release: the one with the same id at the source, else the same code."""
        groups = ProductGroup.objects.filter(product_group_set=release)
        if self.external_id:
            found = groups.filter(external_id=self.external_id).first()
            if found is not None:
                return found
        return groups.filter(code=self.code).first()


class CriterionKind(models.TextChoices):
    """The five kinds of criteria the MVI criteria tool offers (mvicriteria.nl, "over de webtool")."""

    SUITABILITY = "geschiktheidseis", _("Suitability requirement")
    SELECTION = "selectiecriterium", _("Selection criterion")
    REQUIREMENT = "eis", _("Requirement")
    AWARD = "gunningscriterium", _("Award criterion")
    CONTRACT = "contractbepaling", _("Contract clause")


# The form of application (ApplicationForm.code) of each kind: the tool's suitability requirements and selection
# criteria are both the form "selectie"; its requirements are minimum requirements (technical specifications, or
# special conditions of performance when they concern the contract's execution).
KIND_FORMS = {
    CriterionKind.SUITABILITY: "selectie",
    CriterionKind.SELECTION: "selectie",
    CriterionKind.REQUIREMENT: "minimumeis",
    CriterionKind.AWARD: "gunningscriterium",
    CriterionKind.CONTRACT: "contractbepaling",
}


class CriterionStatus(models.TextChoices):
    """How a criterion compares with the same criterion in the release before (set when its release is loaded)."""

    NEW = "new", _("New")
    CHANGED = "changed", _("Changed")
    UNCHANGED = "unchanged", _("Unchanged")


class Criterion(Sourced):
    """A criterion of one release of the MVI criteria tool, in one product group.

    Loading a later release adds new rows (linked by `supersedes`) and never changes these, so an MVI application
    keeps the text it was registered with. `theme` is the criterion's main theme; `themes` holds every theme it
    relates to, the main one included.
    """

    product_group = models.ForeignKey(ProductGroup, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=40)
    external_id = models.CharField(_("id in the criteria tool"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CriterionKind.choices, blank=True)
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    text_nl = models.TextField(_("text (Dutch)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    explanation_nl = models.TextField(_("explanation for the buyer (Dutch)"), blank=True)
    explanation_en = models.TextField(_("explanation for the buyer (English)"), blank=True)
    verification_nl = models.TextField(_("verification (Dutch)"), blank=True)
    verification_en = models.TextField(_("verification (English)"), blank=True)
    theme = models.ForeignKey(Theme, verbose_name=_("main theme"), on_delete=models.PROTECT, related_name="criteria")
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), related_name="related_criteria", blank=True)
    form = models.ForeignKey(ApplicationForm, on_delete=models.PROTECT, related_name="criteria")
    ambition_level = models.ForeignKey(AmbitionLevel, on_delete=models.PROTECT, related_name="criteria")
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    status = models.CharField(_("status"), max_length=20, choices=CriterionStatus.choices, default=CriterionStatus.NEW)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["product_group", "code"]
        constraints = [
            models.UniqueConstraint(fields=["product_group", "code"], name="criterion_unique_code"),
            models.UniqueConstraint(
                fields=["product_group", "external_id"],
                condition=~Q(external_id=""),
                name="criterion_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        if not self.kind or self.form_id is None:
            return
        wanted = KIND_FORMS[CriterionKind(self.kind)]
        if self.form.code != wanted:
            message = _("A criterion of kind %(kind)s has the form %(form)s.")
            raise ValidationError({"form": message % {"kind": self.get_kind_display(), "form": wanted}})

    @property
    def release(self) -> CriteriaRelease:
        return self.product_group.product_group_set

    def theme_ids(self) -> set[int]:
        """Every theme the criterion relates to: the main theme and the others."""
        related = set(self.themes.values_list("pk", flat=True)) if self.pk else set()
        return {self.theme_id, *related}

    def history(self) -> list["Criterion"]:
        """The same criterion in every release that has it, oldest release first: the chain of `supersedes` links
        both ways, and the criteria with the same id at the source."""
        found: dict[int, Criterion] = {}
        queue: list[Criterion] = [self]
        while queue:
            criterion = queue.pop()
            if criterion.pk in found:
                continue
            found[criterion.pk] = criterion
            if criterion.supersedes_id is not None and criterion.supersedes_id not in found:
                queue.append(Criterion.objects.get(pk=criterion.supersedes_id))
            queue.extend(criterion.superseded_by.exclude(pk__in=list(found)))
            if criterion.external_id:
                queue.extend(Criterion.objects.filter(external_id=criterion.external_id).exclude(pk__in=list(found)))
        rows = Criterion.objects.filter(pk__in=list(found)).select_related("product_group__product_group_set")
        return sorted(rows, key=lambda row: (row.release.valid_from, row.release.pk, row.pk))


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


class MappingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


cpv_prefix_validator = RegexValidator(r"^\d{2,8}$", _("A CPV prefix is 2 to 8 digits."))


class ProductGroupCpvMapping(Sourced):
    """A CPV code or prefix that may belong to a product group: a suggestion until someone confirms it.

    Nothing is assigned from these rows by itself: `mvimonitor.themes.cpv_mapping.suggest_product_groups` only
    proposes product groups for CPV codes, and a person decides. Rows loaded from old criteria documents start as
    proposed; confirming or rejecting records who did it and when.
    """

    product_group = models.ForeignKey(
        ProductGroup, verbose_name=_("product group"), on_delete=models.CASCADE, related_name="cpv_mappings"
    )
    cpv_prefix = models.CharField(_("CPV code or prefix"), max_length=8, validators=[cpv_prefix_validator])
    status = models.CharField(
        _("status"), max_length=20, choices=MappingStatus.choices, default=MappingStatus.PROPOSED
    )
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed or rejected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed or rejected at"), null=True, blank=True)

    class Meta:
        verbose_name = _("CPV mapping of a product group")
        verbose_name_plural = _("CPV mappings of product groups")
        ordering = ["product_group", "cpv_prefix"]
        constraints = [
            models.UniqueConstraint(fields=["product_group", "cpv_prefix"], name="cpv_mapping_unique_prefix"),
        ]

    def __str__(self) -> str:
        return f"{self.cpv_prefix} → {self.product_group} ({self.get_status_display()})"
