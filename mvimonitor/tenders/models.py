"""The procurement record: Tender → Lot → AwardCriterion / MVIApplication → Contract.

Every change to these records is kept by django-simple-history (who, when, what); writes go through services.py.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mvimonitor.organisations.models import Organisation
from mvimonitor.organisations.validators import validate_kvk
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, CpvCode, Criterion, ProductGroup, Theme

# The largest single value we accept. Dutch public procurement totals about EUR 116 bn a year
# (Monitor aanbestedingen 2021-2023), so one procedure above EUR 100 bn is a typing error.
MAX_VALUE = Decimal("100000000000")
value_validators = [MinValueValidator(Decimal(0)), MaxValueValidator(MAX_VALUE)]
weight_validators = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class Nature(models.TextChoices):
    WORKS = "works", _("Works")
    SUPPLIES = "supplies", _("Supplies")
    SERVICES = "services", _("Services")


class ProcedureType(models.TextChoices):
    OPEN = "open", _("Open")
    RESTRICTED = "restricted", _("Restricted")
    COMPETITIVE_DIALOGUE = "comp-dial", _("Competitive dialogue")
    NEGOTIATED_WITH_CALL = "neg-w-call", _("Competitive procedure with negotiation")
    NEGOTIATED_WITHOUT_CALL = "neg-wo-call", _("Negotiated without prior publication")
    INNOVATION_PARTNERSHIP = "innovation", _("Innovation partnership")
    # Outside the procurement directives (2014/24/EU art. 14): research and development bought in phases, in the
    # Netherlands as an SBIR competition. Innovation-oriented by definition.
    PRE_COMMERCIAL = "pre-commercial", _("Pre-commercial procurement (SBIR)")
    MULTIPLE_PRIVATE = "meervoudig-onderhands", _("Multiple private (national)")
    SINGLE_PRIVATE = "enkelvoudig-onderhands", _("Single private (national)")
    NATIONAL_OPEN = "nationaal-openbaar", _("National open")
    OTHER = "other", _("Other")


# Procedure types that are innovation-oriented by definition: the monitoring counts their tenders as innovation-
# oriented whatever the flags say.
INNOVATIVE_PROCEDURES = (ProcedureType.INNOVATION_PARTNERSHIP, ProcedureType.PRE_COMMERCIAL)


CURRENCY_VALIDATOR = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 currency code, such as EUR."))


class TenderQuerySet(models.QuerySet["Tender"]):
    def for_year(self, year: int) -> "TenderQuerySet":
        return self.filter(publication_date__year=year)


class Tender(models.Model):
    """One procurement procedure of one contracting authority."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("contracting authority"), on_delete=models.PROTECT, related_name="tenders"
    )
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    internal_reference = models.CharField(_("internal reference"), max_length=100, blank=True)
    ted_notice_id = models.CharField(
        _("TED notice id"),
        max_length=30,
        blank=True,
        validators=[RegexValidator(r"^\d{1,8}-\d{4}$", _("A TED notice id looks like 123456-2024."))],
    )
    tenderned_publication_id = models.CharField(
        _("TenderNed publication id"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\d{1,12}$", _("A TenderNed publication id is a number."))],
    )
    ocid = models.CharField(
        _("OCDS ocid"),
        max_length=100,
        blank=True,
        validators=[
            RegexValidator(r"^ocds-[a-z0-9]{6}-\S+$", _("An ocid starts with ocds-, a 6-character prefix and -."))
        ],
    )
    publication_date = models.DateField(_("publication date"), null=True, blank=True)
    nature = models.CharField(_("nature"), max_length=10, choices=Nature.choices)
    procedure_type = models.CharField(_("procedure"), max_length=30, choices=ProcedureType.choices)
    is_european = models.BooleanField(_("European procedure"), default=False)
    estimated_value = models.DecimalField(
        _("estimated value"), max_digits=14, decimal_places=2, null=True, blank=True, validators=value_validators
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR", validators=[CURRENCY_VALIDATOR])
    main_cpv = models.ForeignKey(
        CpvCode, verbose_name=_("main CPV code"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    additional_cpvs = models.ManyToManyField(
        CpvCode, verbose_name=_("additional CPV codes"), blank=True, related_name="+"
    )
    product_group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("product group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tenders",
    )
    # Tender attributes that are not themes (architecture §B); None when nobody said. The lots have them too (eForms
    # records SME suitability per lot); a tender counts as SME-suitable or innovation-oriented in the monitoring when
    # it or any of its lots is (docs/monitoring.md).
    is_sme_friendly = models.BooleanField(_("SME-friendly (MKB-vriendelijk)"), null=True, blank=True)
    is_innovative = models.BooleanField(_("innovation-oriented procurement"), null=True, blank=True)
    mvi_confirmed_at = models.DateTimeField(_("MVI registration confirmed at"), null=True, blank=True)
    mvi_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A withdrawn tender stays on record (with its history) but no longer counts in the monitoring figures.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("reason for the withdrawal"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[additional_cpvs])
    objects = TenderQuerySet.as_manager()

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["-publication_date", "-id"]
        indexes = [
            models.Index(fields=["organisation", "publication_date"], name="tender_org_date"),
            models.Index(fields=["publication_date"], name="tender_date"),
            # imports find the tender of a notice by these
            models.Index(fields=["ocid"], name="tender_ocid", condition=~Q(ocid="")),
            models.Index(fields=["ted_notice_id"], name="tender_ted_notice_id", condition=~Q(ted_notice_id="")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(estimated_value__gte=0), name="tender_value_not_negative"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""), name="tender_withdrawal_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def clean(self) -> None:
        if self.main_cpv_id and self.nature:
            expected = nature_for_cpv(str(self.main_cpv_id))
            if expected and expected != self.nature:
                raise ValidationError(
                    {
                        "main_cpv": _("CPV %(code)s belongs to %(expected)s, but the tender is marked as %(nature)s.")
                        % {
                            "code": self.main_cpv_id,
                            "expected": Nature(expected).label,
                            "nature": Nature(self.nature).label,
                        }
                    }
                )


def nature_for_cpv(code: str) -> str | None:
    """Contract nature implied by a CPV division: 45 works, 50-98 services, 03-44 and 48 supplies (PIANOo)."""
    if not code[:2].isdigit():
        return None
    division = int(code[:2])
    if division == 45:
        return Nature.WORKS
    if division >= 50:
        return Nature.SERVICES
    if division <= 44 or division == 48:
        return Nature.SUPPLIES
    return None


class Lot(models.Model):
    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.CASCADE, related_name="lots")
    number = models.CharField(_("lot number"), max_length=20)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    estimated_value = models.DecimalField(
        _("estimated value"), max_digits=14, decimal_places=2, null=True, blank=True, validators=value_validators
    )
    main_cpv = models.ForeignKey(
        CpvCode, verbose_name=_("main CPV code"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_sme_friendly = models.BooleanField(_("SME-friendly (MKB-vriendelijk)"), null=True, blank=True)
    is_innovative = models.BooleanField(_("innovation-oriented procurement"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="lot_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}: {self.title}"


class AwardCriterionType(models.TextChoices):
    PRICE = "price", _("Price")
    QUALITY = "quality", _("Quality")
    COST = "cost", _("Cost")


class AwardCriterion(models.Model):
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.CASCADE, related_name="award_criteria")
    criterion_type = models.CharField(_("type"), max_length=10, choices=AwardCriterionType.choices)
    name = models.CharField(_("name"), max_length=500)
    weight = models.DecimalField(
        _("weight (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=weight_validators
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("award criterion")
        verbose_name_plural = _("award criteria")
        ordering = ["lot", "id"]

    def __str__(self) -> str:
        return self.name


class Origin(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    EXPLICIT_CODE = "explicit_code", _("Explicit code in the notice")
    STRUCTURED_SIGNAL = "structured_signal", _("Structured signal in the notice")
    TEXT_DETECTION = "text_detection", _("Detected in the text")
    CATALOGUE = "catalogue", _("Chosen from the criteria catalogue")


class Confidence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class MVIApplication(models.Model):
    """One MVI theme applied to one lot, in one form of application."""

    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.CASCADE, related_name="mvi_applications")
    theme = models.ForeignKey(Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="+")
    form = models.ForeignKey(
        ApplicationForm, verbose_name=_("form of application"), on_delete=models.PROTECT, related_name="+"
    )
    ambition_level = models.ForeignKey(
        AmbitionLevel,
        verbose_name=_("ambition level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    criterion = models.ForeignKey(
        Criterion,
        verbose_name=_("catalogue criterion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    award_weight = models.DecimalField(
        _("award weight (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=weight_validators
    )
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices, default=Origin.MANUAL)
    evidence = models.TextField(_("evidence"), blank=True)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.HIGH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("MVI application")
        verbose_name_plural = _("MVI applications")
        ordering = ["lot", "theme__order", "form__order"]
        constraints = [
            # by hand or from a notice: one application per theme and form; from the catalogue: one per criterion,
            # so several criteria of one theme and form (two requirements on circularity) are each recorded
            models.UniqueConstraint(
                fields=["lot", "theme", "form"],
                condition=Q(criterion__isnull=True),
                name="mvi_application_unique_theme_form",
            ),
            models.UniqueConstraint(
                fields=["lot", "criterion"],
                condition=Q(criterion__isnull=False),
                name="mvi_application_unique_criterion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme} / {self.form}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        award_form = self.form_id is not None and self.form.code == "gunningscriterium"
        if self.award_weight is not None and not award_form:
            errors["award_weight"] = str(_("An award weight only applies to an award criterion."))
        criterion = self.criterion if self.criterion_id is not None else None
        if criterion is not None and self.theme_id is not None and self.theme_id not in criterion.theme_ids():
            errors["criterion"] = str(_("The catalogue criterion belongs to another theme."))
        if errors:
            raise ValidationError(errors)


class Contract(models.Model):
    """The award of a lot to a supplier."""

    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="contracts")
    supplier_name = models.CharField(_("supplier"), max_length=255)
    supplier_kvk_number = models.CharField(
        _("supplier KvK number"), max_length=8, blank=True, validators=[validate_kvk]
    )
    supplier_is_sme = models.BooleanField(_("supplier is an SME"), null=True, blank=True)
    value = models.DecimalField(
        _("contract value"), max_digits=14, decimal_places=2, null=True, blank=True, validators=value_validators
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR", validators=[CURRENCY_VALIDATOR])
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    conclusion_date = models.DateField(_("date of conclusion"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["lot", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="contract_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_name} ({self.lot})"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date lies before the start date.")})
