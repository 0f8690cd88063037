"""Supplier reporting: a buyer asks a supplier, per contract and period, for what was delivered against the contract's
commitments; the supplier answers through a link without an account (ADR 0034).

- `Supplier`: a company identified by its KvK number, with its registered address and the company-level facts it
  answers once for every buyer (CO2-Prestatieladder level, PSO level, `Certificate` rows with validity dates).
- `ReportingRequest`: one contract and one period, with a due date; an `Answer` per commitment of the contract that
  the period touches (the indicators it asks, nothing else), `PlacementAnswer` rows for social return (counts and
  values per building block, or per candidate under the supplier's own pseudonymous code; never names or BSN) and
  `AnswerEvidence` files.
- `AccessToken`: only the SHA-256 hash of a random link token is stored, with its purpose (one request, or the
  supplier's overview), expiry and revocation. `AccessLog`: every use of a link, without personal data.
- `ReminderSent`: which reminder went out for a request, so reminders are sent once.

Submitting a request creates `effects.Realisation` rows (status submitted) through the effects services; they count
only once the buyer verifies them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mvimonitor.effects.models import (
    EVIDENCE_EXTENSIONS,
    BuildingBlock,
    Commitment,
    Realisation,
    private_storage,
)
from mvimonitor.effects.validators import validate_candidate_reference, validate_no_bsn
from mvimonitor.organisations.validators import validate_kvk
from mvimonitor.tenders.models import Contract

NOT_NEGATIVE = [MinValueValidator(Decimal(0))]
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class CO2LadderLevel(models.TextChoices):
    """CO2-Prestatieladder (SKAO): five levels; 0 is not certified (shared/docs/domain.md §8)."""

    NONE = "0", _("Not certified")
    LEVEL_1 = "1", _("Level 1")
    LEVEL_2 = "2", _("Level 2")
    LEVEL_3 = "3", _("Level 3")
    LEVEL_4 = "4", _("Level 4")
    LEVEL_5 = "5", _("Level 5")


class PSOLevel(models.TextChoices):
    """Prestatieladder Socialer Ondernemen (TNO): Aspirant, Basistrede (since April 2023), Trede 1 to 3 (domain.md)."""

    NONE = "none", _("Not certified")
    ASPIRANT = "aspirant", _("Aspirant")
    BASIS = "basistrede", _("Basic level")
    TREDE_1 = "trede_1", _("Level 1")
    TREDE_2 = "trede_2", _("Level 2")
    TREDE_3 = "trede_3", _("Level 3")


class Standard(models.TextChoices):
    ISO_14001 = "iso_14001", "ISO 14001"
    ISO_50001 = "iso_50001", "ISO 50001"
    ISO_9001 = "iso_9001", "ISO 9001"
    ISO_45001 = "iso_45001", "ISO 45001"


class Supplier(models.Model):
    """A supplier company by KvK number: its registered address and the facts it answers once for every buyer."""

    kvk_number = models.CharField(_("KvK number"), max_length=8, unique=True, validators=[validate_kvk])
    name = models.CharField(_("name"), max_length=255)
    email = models.EmailField(_("registered e-mail address"), blank=True)
    co2_ladder_level = models.CharField(
        _("CO2-Prestatieladder level"), max_length=1, choices=CO2LadderLevel.choices, blank=True
    )
    co2_ladder_valid_until = models.DateField(_("CO2-Prestatieladder certificate valid until"), null=True, blank=True)
    pso_level = models.CharField(_("PSO level"), max_length=12, choices=PSOLevel.choices, blank=True)
    pso_valid_until = models.DateField(_("PSO certificate valid until"), null=True, blank=True)
    facts_updated_at = models.DateTimeField(_("company facts updated at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kvk_number})"


class Certificate(models.Model):
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="certificates")
    standard = models.CharField(_("standard"), max_length=12, choices=Standard.choices)
    number = models.CharField(_("certificate number"), max_length=100, blank=True, validators=[validate_no_bsn])
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["supplier", "standard", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="certificate_validity")
        ]

    def __str__(self) -> str:
        return f"{self.get_standard_display()} ({self.valid_from} to {self.valid_until})"


class RequestStatus(models.TextChoices):
    SENT = "sent", _("Waiting for the supplier")
    SUBMITTED = "submitted", _("Answered, to verify")
    RETURNED = "returned", _("Returned to the supplier")
    VERIFIED = "verified", _("Verified")
    REVOKED = "revoked", _("Revoked")


OPEN_STATUSES = (RequestStatus.SENT, RequestStatus.RETURNED)


class ReportingRequest(models.Model):
    """A request to the supplier of one contract for what it delivered in one period."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="reporting_requests"
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="requests"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_date = models.DateField(_("answer due"))
    recipient_email = models.EmailField(_("sent to"))
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.SENT)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    saved_at = models.DateTimeField(_("last saved by the supplier"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified or returned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("verified or returned at"), null=True, blank=True)
    return_reason = models.CharField(
        _("reason for returning"), max_length=1000, blank=True, validators=[validate_no_bsn]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reporting request")
        verbose_name_plural = _("reporting requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="request_period")
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="request_status_due")]

    def __str__(self) -> str:
        return f"{self.contract.supplier_name} {self.period_start} to {self.period_end}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Answer(models.Model):
    """The supplier's answer for one commitment of the request's contract, in the commitment's unit."""

    request = models.ForeignKey(ReportingRequest, on_delete=models.CASCADE, related_name="answers")
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    quantity = models.DecimalField(
        _("delivered quantity"), max_digits=16, decimal_places=3, null=True, blank=True, validators=NOT_NEGATIVE
    )
    recycled_share = models.DecimalField(
        _("recycled share (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    realisation = models.ForeignKey(
        Realisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the delivery the last submission created

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["request", "commitment"]
        constraints = [models.UniqueConstraint(fields=["request", "commitment"], name="answer_one_per_commitment")]

    def __str__(self) -> str:
        return f"{self.commitment}: {self.quantity}"


class PlacementAnswer(models.Model):
    """People placed under one building block (social return): no names, no BSN. Either one line per block without a
    candidate reference (the people counted together, the line on its own) or one line per candidate under the
    supplier's own pseudonymous code, one person, so the table's maximum months count per candidate over all reports
    (ADR 0041)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="placements")
    block = models.ForeignKey(BuildingBlock, on_delete=models.PROTECT, related_name="+")
    persons = models.PositiveIntegerField(_("number of people"), validators=[MaxValueValidator(100000)])
    months = models.DecimalField(
        _("months"), max_digits=6, decimal_places=2, default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(600))],
    )  # fmt: skip
    amount = models.DecimalField(
        _("hours, days or euros"), max_digits=14, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    candidate_reference = models.CharField(
        _("candidate reference"), max_length=40, blank=True, validators=[validate_candidate_reference],
        help_text=_(
            "Your own code for the candidate, such as K-017, the same in every report: the table's maximum months "
            "then count per candidate over all reports, and a bonus counts with the candidate's base placement. "
            "Never a name, BSN or date of birth. Empty: the line is counted on its own."
        ),
    )  # fmt: skip

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("placement answer")
        verbose_name_plural = _("placement answers")
        ordering = ["answer", "block", "candidate_reference", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "block", "candidate_reference"], name="placement_answer_one_per_block_and_candidate"
            )
        ]

    def __str__(self) -> str:
        who = f" ({self.candidate_reference})" if self.candidate_reference else ""
        return f"{self.persons} x {self.block}{who}"

    def clean(self) -> None:
        if self.candidate_reference and self.persons != 1:
            raise ValidationError({"persons": _("A line with a candidate reference is one person.")})


def answer_evidence_path(instance: "AnswerEvidence", filename: str) -> str:
    return f"supplier-evidence/{instance.answer.request_id}/{instance.answer_id}/{filename}"


class AnswerEvidence(models.Model):
    """An evidence file the supplier uploaded with an answer: the same storage, types and size limit as the evidence
    of a delivery; it is copied to the delivery when the answer is submitted."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(
        _("file"),
        upload_to=answer_evidence_path,
        storage=private_storage,
        max_length=300,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence file of an answer")
        verbose_name_plural = _("evidence files of answers")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class TokenPurpose(models.TextChoices):
    REQUEST = "request", _("one reporting request")
    OVERVIEW = "overview", _("the supplier's overview")


class AccessToken(models.Model):
    """A link for the supplier: only the SHA-256 hash of the random token is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=10, choices=TokenPurpose.choices)
    request = models.ForeignKey(
        ReportingRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="tokens"
    )
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.CASCADE, related_name="tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("supplier link")
        verbose_name_plural = _("supplier links")
        constraints = [
            models.CheckConstraint(
                condition=(Q(purpose="request") & Q(request__isnull=False))
                | (Q(purpose="overview") & Q(supplier__isnull=False)),
                name="token_has_its_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link {self.pk}"


class AccessLog(models.Model):
    """One use of a supplier link: which link (none when unknown), when, what, and a hash of the address."""

    token_id_used = models.PositiveBigIntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    what = models.CharField(max_length=40)
    status = models.PositiveSmallIntegerField()
    ip_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("supplier link access")
        verbose_name_plural = _("supplier link accesses")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at} {self.what} {self.status}"


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("before the due date")
    AFTER = "after", _("after the due date")


class ReminderSent(models.Model):
    request = models.ForeignKey(ReportingRequest, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="reminder_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"
