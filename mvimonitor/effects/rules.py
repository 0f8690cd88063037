"""Social-return and sanction reference data: obligation policies with the contracts they apply to, regional
building-block tables, and sanction rules. Versioned data with source and year (domain.md §5, §8); imported into
`models`, where the rest of the app finds them.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mvimonitor.themes.models import in_language

from .factor_sets import YEAR

NOT_NEGATIVE = [MinValueValidator(Decimal(0))]
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


# --- social-return reference data ------------------------------------------------------------------------------------


class ObligationBase(models.TextChoices):
    CONTRACT_VALUE = "contract_value", _("Contract value")
    WAGE_SUM = "wage_sum", _("Wage sum")


CONTRACT_KINDS = ("works", "supplies", "services")  # `tenders.models.Nature`: the kind of a contract is its tender's


def validate_contract_kinds(value: str) -> None:
    unknown = [kind for kind in value.split(",") if kind.strip() and kind.strip() not in CONTRACT_KINDS]
    if unknown:
        raise ValidationError(
            _("Not a contract kind: %(kinds)s (use works, supplies, services).") % {"kinds": ", ".join(unknown)}
        )


class SocialReturnPolicy(models.Model):
    """A published rule for the obligation: a percentage of a base, perhaps capped, and the contracts it applies to
    (domain.md §5). Base or percentage left empty: the rule does not set it and each commitment enters its own."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name (English)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200, blank=True)
    base = models.CharField(_("base"), max_length=20, choices=ObligationBase.choices, blank=True)
    percentage = models.DecimalField(
        _("percentage"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    cap = models.DecimalField(_("maximum (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True)
    applies_above_value = models.DecimalField(
        _("applies to contracts above (EUR excl. VAT)"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=NOT_NEGATIVE, help_text=_("Empty: no condition on the contract value."),
    )  # fmt: skip
    min_duration_months = models.PositiveSmallIntegerField(
        _("applies to contracts of at least (months)"), null=True, blank=True, validators=[MaxValueValidator(600)],
        help_text=_("Empty: no condition on the duration."),
    )  # fmt: skip
    contract_kinds = models.CharField(
        _("applies to contract kinds"), max_length=40, blank=True, validators=[validate_contract_kinds],
        help_text=_("Comma-separated: works, supplies, services. Empty: every kind."),
    )  # fmt: skip
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(_("source year"), validators=YEAR)

    class Meta:
        verbose_name = _("social-return policy")
        verbose_name_plural = _("social-return policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return in_language(self.name_nl, self.name)


class BuildingBlockTable(models.Model):
    """One region's building-block value table, versioned by the date from which it applies."""

    code = models.SlugField(_("code"), max_length=60)
    region = models.CharField(_("region"), max_length=200)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(_("source year"), validators=YEAR)
    counting_rules = models.TextField(_("counting rules (English)"), blank=True)
    counting_rules_nl = models.TextField(_("counting rules (Dutch)"), blank=True)

    class Meta:
        verbose_name = _("building-block table")
        verbose_name_plural = _("building-block tables")
        ordering = ["region", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="block_table_unique_version")]

    def __str__(self) -> str:
        return f"{self.region} ({self.source_year})"

    @property
    def counting_rules_text(self) -> str:
        """The counting rules in the language of the request (Dutch when given, else English)."""
        return in_language(self.counting_rules_nl, self.counting_rules)


class BlockBasis(models.TextChoices):
    PER_YEAR = "per_year", _("per person per year (36 h/week)")
    PER_HOUR = "per_hour", _("per hour")
    PER_DAY = "per_day", _("per day")
    AMOUNT = "amount", _("amount in euros (invoice, actual costs)")


class BuildingBlock(models.Model):
    table = models.ForeignKey(
        BuildingBlockTable, verbose_name=_("building-block table"), on_delete=models.CASCADE, related_name="blocks"
    )
    code = models.SlugField(_("code"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_nl = models.CharField(_("name (Dutch)"), max_length=300, blank=True)
    basis = models.CharField(_("basis"), max_length=10, choices=BlockBasis.choices)
    value = models.DecimalField(_("value (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True)
    max_months = models.PositiveSmallIntegerField(
        _("counts for at most (months)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(600)],
        help_text=_("Empty: the table states no maximum."),
    )
    is_bonus = models.BooleanField(_("bonus"), default=False)

    class Meta:
        verbose_name = _("building block")
        verbose_name_plural = _("building blocks")
        ordering = ["table", "is_bonus", "code"]
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="block_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The block's name in the language of the request (Dutch when given, else English)."""
        return in_language(self.name_nl, self.name_en)


class SanctionBasis(models.TextChoices):
    ADVANTAGE_MULTIPLE = "advantage_multiple", _("a multiple of the award advantage")
    UNMET_SHARE = "unmet_share", _("a percentage of the unmet obligation (social return)")


class SanctionRule(models.Model):
    """A published rule for missed promises: a fixed multiple of the award advantage (domain.md §8), or a percentage
    of the unmet part of a social-return obligation."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name (English)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200, blank=True)
    basis = models.CharField(
        _("basis of the fine"), max_length=20, choices=SanctionBasis.choices, default=SanctionBasis.ADVANTAGE_MULTIPLE
    )
    multiple = models.DecimalField(
        _("multiple of the award advantage"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=NOT_NEGATIVE,
    )  # fmt: skip
    percentage = models.DecimalField(
        _("percentage of the unmet obligation"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=PERCENT,
    )  # fmt: skip
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(_("source year"), validators=YEAR)

    class Meta:
        verbose_name = _("sanction rule")
        verbose_name_plural = _("sanction rules")
        ordering = ["name"]

    def __str__(self) -> str:
        name = in_language(self.name_nl, self.name)
        return (
            f"{name} ({self.percentage}%)" if self.basis == SanctionBasis.UNMET_SHARE else f"{name} ({self.multiple}×)"
        )

    def clean(self) -> None:
        if self.basis == SanctionBasis.UNMET_SHARE and self.percentage is None:
            raise ValidationError({"percentage": _("A fine on the unmet obligation needs its percentage.")})
        if self.basis == SanctionBasis.ADVANTAGE_MULTIPLE and self.multiple is None:
            raise ValidationError({"multiple": _("A fine on the award advantage needs its multiple.")})
