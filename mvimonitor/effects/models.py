"""Promises in contracts, what was delivered, and the reference data the effects are computed with.

Reference data (emission-factor sets, building-block tables, social-return and sanction policies) is versioned and
carries its source and year. Social-return realisation is counts and values only: no names, no BSN (ADR effects-2).
"""

import os
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, Storage
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import Contract
from mvimonitor.themes.models import Theme

from .factor_sets import EmissionFactor as EmissionFactor
from .factor_sets import EmissionFactorSet as EmissionFactorSet
from .factor_sets import FactorCategory as FactorCategory
from .factor_sets import Unit as Unit
from .indicators import IndicatorFactor as IndicatorFactor
from .indicators import IndicatorFigure as IndicatorFigure
from .published import PublishedEffectResult as PublishedEffectResult
from .reference_options import ReferenceOption as ReferenceOption
from .reference_options import ReferenceParameter as ReferenceParameter
from .reference_options import national_option
from .rules import CONTRACT_KINDS as CONTRACT_KINDS
from .rules import NOT_NEGATIVE, PERCENT
from .rules import BlockBasis as BlockBasis
from .rules import BuildingBlock as BuildingBlock
from .rules import BuildingBlockTable as BuildingBlockTable
from .rules import ObligationBase as ObligationBase
from .rules import SanctionBasis as SanctionBasis
from .rules import SanctionRule as SanctionRule
from .rules import SocialReturnPolicy as SocialReturnPolicy
from .validators import validate_candidate_reference, validate_no_bsn

EVIDENCE_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "csv", "xlsx", "txt"]


class PrivateStorage(FileSystemStorage):
    """Files under MVIMONITOR_PRIVATE_MEDIA_ROOT, read when used (not at import), and without a public URL."""

    @property
    def base_location(self) -> str:
        return str(settings.MVIMONITOR_PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Evidence files have no public URL; they are served by the evidence-download view.")


def private_storage() -> Storage:
    """Evidence files live outside MEDIA/STATIC and are only served by an access-checked view."""
    return PrivateStorage()


# --- commitments and realisation -------------------------------------------------------------------------------------


class CommitmentKind(models.TextChoices):
    ELECTRICITY = "electricity", _("Electricity (kWh by kind)")
    NATURAL_GAS = "natural_gas", _("Natural gas")
    HEAT = "heat", _("Heat")
    VEHICLE_KM = "vehicle_km", _("Vehicle-kilometres by fuel or drive")
    FUEL = "fuel", _("Fuel (litres)")
    PUBLIC_TRANSPORT = "public_transport", _("Public transport")
    FLIGHTS = "flights", _("Flights")
    MATERIAL = "material", _("Material with recycled share")
    SOCIAL_RETURN = "social_return", _("Social-return obligation")
    OTHER = "other", _("Other")


CO2_KINDS = frozenset(
    {
        CommitmentKind.ELECTRICITY,
        CommitmentKind.NATURAL_GAS,
        CommitmentKind.HEAT,
        CommitmentKind.VEHICLE_KM,
        CommitmentKind.FUEL,
        CommitmentKind.PUBLIC_TRANSPORT,
        CommitmentKind.FLIGHTS,
    }
)


class Commitment(models.Model):
    """What a supplier promised in a contract for one theme: a quantity and unit, and the option it replaces."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="commitments"
    )
    theme = models.ForeignKey(Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=CommitmentKind.choices)
    description = models.CharField(_("description"), max_length=500, validators=[validate_no_bsn])
    quantity = models.DecimalField(
        _("promised quantity"), max_digits=16, decimal_places=3, validators=NOT_NEGATIVE,
        help_text=_("Over the whole commitment period. For social return: the obligation in euros."),
    )  # fmt: skip
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    factor_code = models.SlugField(_("emission factor (chosen option)"), max_length=100, blank=True)
    reference_description = models.CharField(
        _("reference option"), max_length=500, blank=True, validators=[validate_no_bsn]
    )
    reference_quantity = models.DecimalField(
        _("reference quantity"), max_digits=16, decimal_places=3, null=True, blank=True, validators=NOT_NEGATIVE,
        help_text=_("Empty: the same quantity as promised."),
    )  # fmt: skip
    reference_unit = models.CharField(_("reference unit"), max_length=10, choices=Unit.choices, blank=True)
    reference_factor_code = models.SlugField(_("emission factor (reference option)"), max_length=100, blank=True)
    reference_deviation_reason = models.CharField(
        _("reason for deviating from the national reference option"), max_length=500, blank=True,
        validators=[validate_no_bsn],
        help_text=_("Required when the reference factor differs from the national reference option."),
    )  # fmt: skip
    no_additionality = models.BooleanField(
        _("no additionality"), default=False,
        help_text=_(
            "The requirement is not stricter than the reference option (for example the market standard or a legal "
            "minimum): its CO2 effect counts as a real 0, not as not calculable."
        ),
    )  # fmt: skip
    factor_set = models.ForeignKey(
        EmissionFactorSet,
        verbose_name=_("emission-factor set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the newest public set published no later than the year the period starts."),
    )
    recycled_share = models.DecimalField(
        _("recycled share (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    # social return: the obligation is computed from a base and a percentage
    obligation_base = models.CharField(_("obligation base"), max_length=20, choices=ObligationBase.choices, blank=True)
    wage_sum = models.DecimalField(
        _("wage sum (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    obligation_percentage = models.DecimalField(
        _("obligation percentage"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    obligation_cap = models.DecimalField(
        _("obligation maximum (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    base_excl_vat = models.BooleanField(
        _("the base amount is excl. VAT"), default=True,
        help_text=_(
            "The contract value and the wage sum are amounts excl. VAT. MVI Monitor has no VAT rate as data to "
            "convert an amount incl. VAT, so enter the amount excl. VAT."
        ),
    )  # fmt: skip
    social_return_policy = models.ForeignKey(
        SocialReturnPolicy, verbose_name=_("social-return policy"), null=True, blank=True, on_delete=models.PROTECT
    )
    block_table = models.ForeignKey(
        BuildingBlockTable, verbose_name=_("building-block table"), null=True, blank=True, on_delete=models.PROTECT
    )
    # sanctions: a multiple of the award advantage, from a published rule or agreed in this contract
    award_advantage = models.DecimalField(
        _("award advantage (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE,
        help_text=_("The fictitious discount or score value this promise won in the award."),
    )  # fmt: skip
    sanction_rule = models.ForeignKey(
        SanctionRule, verbose_name=_("sanction rule"), null=True, blank=True, on_delete=models.PROTECT
    )
    sanction_multiple = models.DecimalField(
        _("sanction multiple agreed in the contract"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=NOT_NEGATIVE, help_text=_("Overrides the rule's multiple."),
    )  # fmt: skip
    sanction_basis = models.CharField(
        _("basis of the fine"), max_length=20, choices=SanctionBasis.choices, blank=True,
        help_text=_("Empty: the rule's basis (a multiple of the award advantage when there is no rule)."),
    )  # fmt: skip
    sanction_percentage = models.DecimalField(
        _("fine: percentage of the unmet obligation agreed in the contract"), max_digits=5, decimal_places=2,
        null=True, blank=True, validators=PERCENT,
        help_text=_("Social return only: the fine is this share of the obligation not met. Overrides the rule's."),
    )  # fmt: skip
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["contract", "theme", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="commitment_period"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="commitment_quantity_not_negative"),
        ]

    def __str__(self) -> str:
        return self.description

    def period_error(self, start: date, end: date) -> str | None:
        """The message for a reported period outside this commitment's own period, or None when it lies within."""
        if not (self.period_start and self.period_end) or (start >= self.period_start and end <= self.period_end):
            return None
        return _("The reported period %(start)s–%(end)s lies outside the commitment period %(cstart)s–%(cend)s.") % {
            "start": start,
            "end": end,
            "cstart": self.period_start,
            "cend": self.period_end,
        }

    @property
    def fine_basis(self) -> str:
        """The basis the fine is computed on: the commitment's own, else its rule's, else (an own percentage and no
        own multiple) the unmet share, else a multiple of the award advantage."""
        if self.sanction_basis:
            return self.sanction_basis
        if self.sanction_rule_id is not None and self.sanction_rule is not None:
            return self.sanction_rule.basis
        if self.sanction_percentage is not None and self.sanction_multiple is None:
            return SanctionBasis.UNMET_SHARE
        return SanctionBasis.ADVANTAGE_MULTIPLE

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The end of the period lies before its start.")
        if self.kind != CommitmentKind.SOCIAL_RETURN and self.fine_basis == SanctionBasis.UNMET_SHARE:
            errors["sanction_basis"] = _(
                "A fine on the unmet share is for social return only: the unmet part of this promise is in its own "
                "unit, not in euros. Use a multiple of the award advantage."
            )
        if self.kind == CommitmentKind.SOCIAL_RETURN and self.obligation_base and not self.base_excl_vat:
            errors["base_excl_vat"] = _(
                "Enter the base amount excl. VAT: there is no VAT rate in MVI Monitor's reference data to convert an "
                "amount incl. VAT."
            )
        contract = self.contract if self.contract_id else None
        if contract is not None and self.period_start and self.period_end:
            if contract.start_date and self.period_start < contract.start_date:
                errors["period_start"] = _("The period starts before the contract (%(date)s).") % {
                    "date": contract.start_date
                }
            if contract.end_date and self.period_end > contract.end_date:
                errors["period_end"] = _("The period ends after the contract (%(date)s).") % {
                    "date": contract.end_date
                }
        if self.kind == CommitmentKind.SOCIAL_RETURN:
            if self.unit != Unit.EUR:
                errors["unit"] = _("A social-return obligation is in euros.")
            if self.block_table_id is None:
                errors["block_table"] = _("Choose the building-block table the placements are counted with.")
        if self.kind in CO2_KINDS and not self.factor_code:
            errors["factor_code"] = _("Choose the emission factor of the promised option.")
        if self.reference_factor_code and not self.reference_unit:
            self.reference_unit = self.unit
        option = self.national_reference_option()
        if (
            option is not None
            and self.reference_factor_code
            and self.reference_factor_code != option.reference_factor_code
            and not self.reference_deviation_reason.strip()
        ):
            errors["reference_deviation_reason"] = _(
                "The reference factor differs from the national reference option “%(option)s” (%(code)s): give the "
                "reason for the deviation."
            ) % {"option": option.display_description, "code": option.reference_factor_code}
        if errors:
            raise ValidationError(errors)

    def national_reference_option(self) -> ReferenceOption | None:
        """The national reference option valid at the period start for this commitment's kind and product group."""
        group = ""
        if self.contract_id:
            tender = self.contract.lot.tender
            group = tender.product_group.code if tender.product_group_id and tender.product_group else ""
        return national_option(self.kind, group, self.period_start)


class RealisationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class Realisation(models.Model):
    """What was delivered in one reporting period, as reported and then verified or rejected."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("commitment"), on_delete=models.CASCADE, related_name="realisations"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    quantity = models.DecimalField(
        _("delivered quantity"), max_digits=16, decimal_places=3, validators=NOT_NEGATIVE,
        help_text=_("In the commitment's unit. For social return it is computed from the placements."),
    )  # fmt: skip
    recycled_share = models.DecimalField(
        _("recycled share (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RealisationStatus.choices, default=RealisationStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified or rejected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("verified or rejected at"), null=True, blank=True)
    review_note = models.CharField(
        _("reason or note of the review"), max_length=500, blank=True, validators=[validate_no_bsn]
    )
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    class Meta:
        verbose_name = _("realisation")
        verbose_name_plural = _("realisations")
        ordering = ["commitment", "period_start"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="realisation_period"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="realisation_quantity_not_negative"),
        ]
        indexes = [models.Index(fields=["commitment", "status"], name="realisation_commitment_status")]

    def __str__(self) -> str:
        return f"{self.commitment} {self.period_start}–{self.period_end}"

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The end of the period lies before its start.")})
        contract = self.commitment.contract if self.commitment_id else None
        if contract is None or not (self.period_start and self.period_end):
            return
        if (contract.start_date and self.period_start < contract.start_date) or (
            contract.end_date and self.period_end > contract.end_date
        ):
            raise ValidationError(
                {
                    "period_start": _(
                        "The reported period %(start)s–%(end)s lies outside the contract period %(cstart)s–%(cend)s."
                    )
                    % {
                        "start": self.period_start,
                        "end": self.period_end,
                        "cstart": contract.start_date or "…",
                        "cend": contract.end_date or "…",
                    }
                }
            )
        outside = self.commitment.period_error(self.period_start, self.period_end)
        if outside is not None:
            raise ValidationError({"period_start": outside})


class Placement(models.Model):
    """Counted people placed under one building block in a social-return realisation: no names, no BSN."""

    realisation = models.ForeignKey(
        Realisation, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="placements"
    )
    block = models.ForeignKey(BuildingBlock, verbose_name=_("building block"), on_delete=models.PROTECT)
    persons = models.PositiveIntegerField(_("number of people"), validators=[MaxValueValidator(100000)])
    months = models.DecimalField(
        _("months"), max_digits=6, decimal_places=2, default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(600))],
    )  # fmt: skip
    hours_per_week = models.DecimalField(
        _("hours per week"), max_digits=5, decimal_places=2, default=Decimal(36),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(80))],
    )  # fmt: skip
    amount = models.DecimalField(
        _("hours, days or euros"), max_digits=14, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE,
        help_text=_("For blocks counted per hour, per day or by amount."),
    )  # fmt: skip
    candidate_reference = models.CharField(
        _("candidate reference"), max_length=40, blank=True, validators=[validate_candidate_reference],
        help_text=_(
            "Your own code for the candidate, such as K-017, the same in every report: the table's maximum months "
            "then count per candidate over all reports, and a bonus counts with the candidate's base placement. "
            "Never a name, BSN or date of birth. Empty: the line is counted on its own."
        ),
    )  # fmt: skip

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self) -> str:
        return f"{self.persons} × {self.block}"

    def clean(self) -> None:
        if self.candidate_reference and self.persons != 1:
            raise ValidationError({"persons": _("A line with a candidate reference is one person.")})


def evidence_path(instance: "EvidenceFile", filename: str) -> str:
    return f"evidence/{instance.realisation.commitment.contract_id}/{instance.realisation_id}/{filename}"


class EvidenceFile(models.Model):
    realisation = models.ForeignKey(
        Realisation, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(
        _("file"),
        upload_to=evidence_path,
        storage=private_storage,
        max_length=300,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


# --- computed effects ------------------------------------------------------------------------------------------------


class EffectCalculationQuerySet(models.QuerySet["EffectCalculation"]):
    def current(self) -> "EffectCalculationQuerySet":
        """The figures that count: one row per commitment, the newest calculation."""
        return self.filter(is_current=True)


class EffectCalculation(models.Model):
    """The stored result of one commitment's calculation: never typed in, always recomputable.

    Records the method version, the factor set (and its version) and the factor values it used; `problem_code` says
    why a figure is not calculable (then the figure is NULL, never 0). A recalculation with a different result adds
    a row and marks the previous one superseded, so earlier figures stay readable (ADR 0025); readers of figures
    take the current rows only (`EffectCalculation.objects.current()`).
    """

    # A derived table written in bulk: the links are kept by Django's on_delete handling and by the recalculation
    # itself, not by database constraints (ADR 0020).
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="effects", db_constraint=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    kind = models.CharField(max_length=20, choices=CommitmentKind.choices)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    promised = models.DecimalField(max_digits=16, decimal_places=3)
    delivered_verified = models.DecimalField(max_digits=16, decimal_places=3, null=True)
    delivered_submitted = models.DecimalField(max_digits=16, decimal_places=3, null=True)
    is_co2 = models.BooleanField(default=False)
    ex_ante_kg = models.DecimalField(max_digits=20, decimal_places=3, null=True)
    ex_post_kg = models.DecimalField(max_digits=20, decimal_places=3, null=True)
    reference_kg = models.DecimalField(max_digits=20, decimal_places=3, null=True)
    sr_obligation = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    sr_value = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    sr_fte_years = models.DecimalField(max_digits=12, decimal_places=3, null=True)
    # calendar year -> FTE-years in it, from the reported periods of the verified placements (docs/effects.md)
    sr_fte_by_year = models.JSONField(default=dict, blank=True)
    calculable = models.BooleanField(default=False)
    problem_code = models.CharField(max_length=40, blank=True)
    problem_details = models.JSONField(default=dict, blank=True)
    sanction_status = models.CharField(max_length=10, blank=True)
    sanction_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    factor_set = models.ForeignKey(
        EmissionFactorSet, null=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False
    )
    factor_set_label = models.CharField(max_length=300, blank=True)
    # code -> {"role": "promised"/"reference"/"promised+reference", "wtw", "unit", "source_year"}: the values used
    factors_used = models.JSONField(default=dict, blank=True)
    # the national reference option (and version) that applied, whether the commitment deviated from it and why
    reference_option = models.ForeignKey(
        ReferenceOption, null=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False
    )
    reference_option_label = models.CharField(max_length=600, blank=True)
    reference_deviates = models.BooleanField(default=False)
    reference_deviation_reason = models.CharField(max_length=500, blank=True)
    method_version = models.CharField(max_length=20)
    # a digest of every stored value above: a recalculation with the same digest leaves the row alone
    fingerprint = models.CharField(max_length=32, blank=True)
    computed_at = models.DateTimeField()
    is_current = models.BooleanField(default=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    objects = EffectCalculationQuerySet.as_manager()

    class Meta:
        verbose_name = _("effect calculation")
        verbose_name_plural = _("effect calculations")
        constraints = [
            models.UniqueConstraint(
                fields=["commitment"], condition=Q(is_current=True), name="effect_one_current_per_commitment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.method_version}"
