"""Award on CO2: the published prices and discount schemes (reference data, each with its source), the method a lot is
awarded by, and the bids.

An `AwardMethod` copies the parameters it uses (the price per tonne, or the level → percent table) at the moment it is
set, so a price set or scheme that is changed or added later leaves a stored award as it was. The reference rows are
kept for provenance (the method points at the one it was taken from).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mvimonitor.effects.models import Commitment
from mvimonitor.organisations.validators import validate_kvk
from mvimonitor.tenders.models import Lot

YEAR = [MinValueValidator(1990), MaxValueValidator(2100)]
NOT_NEGATIVE = [MinValueValidator(Decimal(0))]
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
MAX_LEVEL = 10


class Confidence(models.TextChoices):
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class CO2PriceSet(models.Model):
    """One published price per tonne CO2-eq, with the year of its price level, what it was set for and its source."""

    name = models.CharField(_("name"), max_length=200)
    version = models.CharField(_("version"), max_length=40)
    price_per_tonne = models.DecimalField(
        _("price per tonne CO2-eq (€)"), max_digits=10, decimal_places=2, validators=NOT_NEGATIVE
    )
    price_year = models.PositiveSmallIntegerField(_("price year"), validators=YEAR)
    scope = models.TextField(_("scope"), blank=True)
    source = models.URLField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(_("source year"), validators=YEAR)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("CO2 price set")
        verbose_name_plural = _("CO2 price sets")
        ordering = ["name", "version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="award_price_set_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} ({self.version}): € {self.price_per_tonne}/t"


class DiscountScheme(models.Model):
    """A table of fictitious discounts per CO2-Prestatieladder level, as one buyer or guide publishes it."""

    name = models.CharField(_("name"), max_length=200)
    version = models.CharField(_("version"), max_length=40)
    source = models.URLField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(_("source year"), validators=YEAR)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("discount scheme")
        verbose_name_plural = _("discount schemes")
        ordering = ["name", "version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="award_scheme_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    def table(self) -> dict[str, str]:
        """Level → discount percent, as the JSON an award method stores ({"3": "4.00"})."""
        return {str(level.level): str(level.discount_percent) for level in self.levels.all()}


class DiscountLevel(models.Model):
    scheme = models.ForeignKey(
        DiscountScheme, verbose_name=_("discount scheme"), on_delete=models.CASCADE, related_name="levels"
    )
    level = models.PositiveSmallIntegerField(_("level"), validators=[MaxValueValidator(MAX_LEVEL)])
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, validators=PERCENT)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)

    class Meta:
        verbose_name = _("discount level")
        verbose_name_plural = _("discount levels")
        ordering = ["scheme", "level"]
        constraints = [models.UniqueConstraint(fields=["scheme", "level"], name="award_level_unique")]

    def __str__(self) -> str:
        return f"{self.level}: {self.discount_percent}%"


class AwardKind(models.TextChoices):
    CO2_PRICE = "co2_price", _("CO2 price: tonnes CO2-eq times a price per tonne")
    LADDER_DISCOUNT = "ladder_discount", _("CO2-Prestatieladder: fictitious discount per level")
    MKI = "mki", _("MKI: environmental cost in euros")


class AwardMethod(models.Model):
    """How a lot is awarded on CO2, with the parameters copied in when the method was set."""

    lot = models.OneToOneField(Lot, verbose_name=_("lot"), on_delete=models.CASCADE, related_name="award_method")
    kind = models.CharField(_("method"), max_length=20, choices=AwardKind.choices)
    price_set = models.ForeignKey(
        CO2PriceSet, verbose_name=_("CO2 price set"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discount_scheme = models.ForeignKey(
        DiscountScheme,
        verbose_name=_("discount scheme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    price_per_tonne = models.DecimalField(
        _("price per tonne CO2-eq (€)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    discount_table = models.JSONField(_("discount per level (%)"), default=dict, blank=True)
    parameters_source = models.CharField(_("parameters taken from"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("award method")
        verbose_name_plural = _("award methods")

    def __str__(self) -> str:
        return f"{self.lot}: {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == AwardKind.CO2_PRICE and self.price_per_tonne is None:
            raise ValidationError({"price_set": _("Choose a CO2 price set.")})
        if self.kind == AwardKind.LADDER_DISCOUNT and not self.discount_table:
            raise ValidationError({"discount_scheme": _("Choose a discount scheme.")})


class Bid(models.Model):
    """One bid on a lot. `award_advantage` is filled on the winning bid only: the advantage in euros it got from the
    CO2 criterion. `commitment` links the winning bid to the contract commitment its promise was carried into."""

    method = models.ForeignKey(
        AwardMethod, verbose_name=_("award method"), on_delete=models.CASCADE, related_name="bids"
    )
    bidder_name = models.CharField(_("bidder"), max_length=300)
    bidder_kvk = models.CharField(
        _("KvK number"),
        max_length=8,
        blank=True,
        validators=[validate_kvk],
    )
    price = models.DecimalField(_("price (€)"), max_digits=14, decimal_places=2, validators=NOT_NEGATIVE)
    tonnes = models.DecimalField(
        _("tonnes CO2-eq over the contract period"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    ladder_level = models.PositiveSmallIntegerField(
        _("CO2-Prestatieladder level"), null=True, blank=True, validators=[MaxValueValidator(MAX_LEVEL)]
    )
    mki = models.DecimalField(
        _("MKI (€)"), max_digits=14, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    award_advantage = models.DecimalField(
        _("award advantage (€)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    commitment = models.OneToOneField(
        Commitment,
        verbose_name=_("contract commitment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The commitment the winning promise was carried into; set once, so carrying it is idempotent."),
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["method", "bidder_name", "pk"]

    def __str__(self) -> str:
        return f"{self.bidder_name}: € {self.price}"


class QualityCriterion(models.Model):
    """Another quality criterion of the lot besides CO2, weighted as the fictitious discount a full score is worth.

    Set with the method, before any bid: the criteria are part of the tender documents the bids answer."""

    method = models.ForeignKey(
        AwardMethod, verbose_name=_("award method"), on_delete=models.CASCADE, related_name="quality_criteria"
    )
    name = models.CharField(_("name"), max_length=200)
    max_discount = models.DecimalField(
        _("fictitious discount for a full score (€)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    max_score = models.DecimalField(
        _("full score"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(10),
        validators=[MinValueValidator(Decimal(1))],
    )

    class Meta:
        verbose_name = _("quality criterion")
        verbose_name_plural = _("quality criteria")
        ordering = ["method", "pk"]
        constraints = [models.UniqueConstraint(fields=["method", "name"], name="award_quality_unique_name")]

    def __str__(self) -> str:
        return self.name


class BidScore(models.Model):
    """A bid's score on one quality criterion (0 up to the criterion's full score)."""

    bid = models.ForeignKey(Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        QualityCriterion, verbose_name=_("quality criterion"), on_delete=models.CASCADE, related_name="scores"
    )
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, validators=NOT_NEGATIVE)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["bid", "criterion"], name="award_score_unique")]

    def __str__(self) -> str:
        return f"{self.bid}: {self.criterion} {self.score}"
