"""International social conditions (ISV): the risk category of a lot and the due-diligence case of a contract.

Reference data (loaded by `load_isv_reference` from `data/isv_reference.json`, every row with its source):

- `RiskList`: a version of the list of ISV risk categories. Its categories are the catalogue's `IsvRiskCategory`
  rows with the same `list_version`. A list applies to tenders published from its start date until the start date
  of the next list; a list without a start date applies to no tender.
- `CategoryMapping`: a category of one list and the category of a later list it went into, marked `inferred`
  where the source does not say so.
- `CategorySuggestion`: the category suggested for a product group or a CPV prefix; `inferred` where no source maps
  them.
- `IloIssue`: the ILO core-convention issues a risk is filed under.

The record: `LotRiskCategory` (the category a buyer confirmed for a lot, or "none"; history kept) and, after award,
`DueDiligenceCase` per contract with its `Deliverable` and `Risk` rows. The supplier is a company; no row holds a
person's name (see docs/isv.md).
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mvimonitor.tenders.models import Contract, Lot
from mvimonitor.themes.models import IsvRiskCategory, in_language


class SourcedRow(models.Model):
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(
        _("year of the source"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True


class RiskList(SourcedRow):
    list_version = models.SlugField(_("list version"), max_length=30, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    valid_from = models.DateField(
        _("applies from"), null=True, blank=True, help_text=_("Empty: the start date is not known; no tender uses it.")
    )

    class Meta:
        verbose_name = _("list of ISV risk categories")
        verbose_name_plural = _("lists of ISV risk categories")
        ordering = ["valid_from", "list_version"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_nl, self.name_en)

    def categories(self) -> models.QuerySet[IsvRiskCategory]:
        return IsvRiskCategory.objects.filter(list_version=self.list_version).order_by("number")


class Confidence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class CategoryMapping(SourcedRow):
    """Where a category of an earlier list went in a later one."""

    old = models.ForeignKey(
        IsvRiskCategory, verbose_name=_("earlier category"), on_delete=models.CASCADE, related_name="+"
    )
    new = models.ForeignKey(
        IsvRiskCategory, verbose_name=_("later category"), on_delete=models.CASCADE, related_name="+"
    )
    sub_item_nl = models.CharField(_("sub-item (Dutch)"), max_length=255, blank=True)
    inferred = models.BooleanField(_("inferred"), default=False)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)

    class Meta:
        verbose_name = _("mapping between ISV risk categories")
        verbose_name_plural = _("mappings between ISV risk categories")
        ordering = ["old__list_version", "old__number"]
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="isv_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"


class CategorySuggestion(SourcedRow):
    """A category suggested for the product group of a tender or a CPV prefix of a lot or tender."""

    category = models.ForeignKey(
        IsvRiskCategory, verbose_name=_("ISV risk category"), on_delete=models.CASCADE, related_name="+"
    )
    product_group_code = models.SlugField(_("product group"), max_length=80, blank=True)
    cpv_prefix = models.CharField(
        _("CPV prefix"), max_length=8, blank=True, validators=[RegexValidator(r"^\d{2,8}$", _("2 to 8 digits."))]
    )
    inferred = models.BooleanField(_("inferred"), default=True)

    class Meta:
        verbose_name = _("ISV category suggestion")
        verbose_name_plural = _("ISV category suggestions")
        ordering = ["category__list_version", "category__number", "product_group_code", "cpv_prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "product_group_code", "cpv_prefix"], name="isv_suggestion_unique"
            ),
            models.CheckConstraint(
                condition=(models.Q(product_group_code="") & ~models.Q(cpv_prefix=""))
                | (~models.Q(product_group_code="") & models.Q(cpv_prefix="")),
                name="isv_suggestion_one_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_group_code or self.cpv_prefix} → {self.category}"


class IloIssue(SourcedRow):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_nl = models.CharField(_("name (Dutch)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    conventions = models.CharField(_("ILO conventions"), max_length=100)

    class Meta:
        verbose_name = _("ILO core-convention issue")
        verbose_name_plural = _("ILO core-convention issues")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.conventions})"

    @property
    def name(self) -> str:
        return in_language(self.name_nl, self.name_en)


class LotRiskCategory(models.Model):
    """The ISV risk category a buyer confirmed for a lot, from the list that applies at the tender's publication
    date; `category` empty means confirmed as within no risk category. The rules read this row only."""

    lot = models.OneToOneField(Lot, verbose_name=_("lot"), on_delete=models.CASCADE, related_name="isv_risk")
    risk_list = models.ForeignKey(RiskList, verbose_name=_("list"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        IsvRiskCategory,
        verbose_name=_("ISV risk category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suggested_category = models.ForeignKey(
        IsvRiskCategory,
        verbose_name=_("suggested category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    suggestion_basis = models.CharField(_("basis of the suggestion"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ISV risk category of a lot")
        verbose_name_plural = _("ISV risk categories of lots")

    def __str__(self) -> str:
        return f"{self.lot_id}: {self.category or '-'}"


class Judgement(models.TextChoices):
    PENDING = "pending", _("Not judged yet")
    SUFFICIENT = "sufficient", _("Sufficient")
    INSUFFICIENT = "insufficient", _("Insufficient")


class DueDiligenceCase(models.Model):
    """The supplier's due diligence on one contract, following the OECD steps, and the buyer's judgement of it."""

    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="isv_case"
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    judgement = models.CharField(_("buyer's judgement"), max_length=20, choices=Judgement.choices, default="pending")
    judgement_note = models.TextField(_("reasons for the judgement"), blank=True)
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("due-diligence case")
        verbose_name_plural = _("due-diligence cases")

    def __str__(self) -> str:
        return str(self.contract)


class DeliverableKind(models.TextChoices):
    RISK_ANALYSIS = "risk_analysis", _("Risk analysis")
    PLAN = "plan_of_approach", _("Plan of approach")
    YEARLY_REPORT = "yearly_report", _("Yearly due-diligence report")
    DIALOGUE = "dialogue_note", _("Notes of a dialogue")


class Deliverable(models.Model):
    case = models.ForeignKey(
        DueDiligenceCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="deliverables"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DeliverableKind.choices)
    due_date = models.DateField(_("due date"))
    received_on = models.DateField(_("received on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, help_text=_("No names of persons: the supplier is a company."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.due_date})"

    def is_overdue(self, today: dt.date) -> bool:
        return self.received_on is None and self.due_date < today

    @property
    def on_time(self) -> bool | None:
        return None if self.received_on is None else self.received_on <= self.due_date


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Still open")
    MITIGATED = "mitigated", _("Mitigated")
    CLOSED = "closed", _("Closed")


country_validator = RegexValidator(r"^[A-Z]{2}$", _("Give the country as an ISO 3166-1 code of two capitals (CN)."))


class Risk(models.Model):
    case = models.ForeignKey(DueDiligenceCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="risks")
    country = models.CharField(_("country (ISO 3166 code)"), max_length=2, validators=[country_validator])
    ilo_issue = models.ForeignKey(IloIssue, verbose_name=_("ILO issue"), on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("risk"))
    measure = models.TextField(_("measure"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    found_on = models.DateField(_("found on"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supply-chain risk")
        verbose_name_plural = _("supply-chain risks")
        ordering = ["found_on", "id"]

    def __str__(self) -> str:
        return f"{self.country} {self.ilo_issue}"
