"""What the import keeps: the raw notices, each run with its counts and failures, and the proposals to review.

`SourceRecord` keeps every notice's own bytes, so an import can be replayed and nothing is lost. `ImportedTender`
links a tender to the procedure it was imported from and remembers what the import last wrote to it, which is how a
buyer's manual change is told apart from an old imported value (ADR 0010).
`MVIProposal` holds what the detectors found; only the buyer's confirmation turns it into an `MVIApplication`.
"""

import threading
import zlib

import zstandard
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mvimonitor.imports.notices import SourceFormat
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import Confidence, Lot, MVIApplication, Origin, Tender
from mvimonitor.themes.models import ApplicationForm, Criterion, Theme

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


_local = threading.local()  # a compressor is not safe to share between threads, and costly to make per notice


def compress_raw(data: bytes) -> bytes:
    """A notice's bytes as stored: Zstandard level 1 (as small as zlib level 6, at a third of zlib level 1's cost)."""
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=1)
    return bytes(compressor.compress(data))


def decompress_raw(stored: bytes) -> bytes:
    """The notice's bytes again; records stored before Zstandard hold a zlib stream, told apart by the magic number."""
    if stored.startswith(ZSTD_MAGIC):
        return zstandard.ZstdDecompressor().decompress(stored)
    return zlib.decompress(stored)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """One import: who started it, from what, and how it went, counted per notice."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="import_runs",
        help_text=_("The organisation the import was made for; empty for a system-wide import from the command line."),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_description = models.CharField(_("source"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    dry_run = models.BooleanField(_("dry run"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seen = models.PositiveIntegerField(_("notices seen"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    message = models.TextField(_("message"), blank=True)
    # Signs of life while the run goes on (docs/imports.md, "Recovery"): the process that runs it stamps the run when
    # it starts and with every chunk it commits, so a run whose process died is told apart from a slow one.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    worker = models.CharField(
        _("importing process"), max_length=200, blank=True, help_text=_("Host name and process id.")
    )
    attempts = models.PositiveSmallIntegerField(
        _("attempts"),
        default=0,
        help_text=_("How often the run was started (a worker that stops cleanly hands it back without counting)."),
    )

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source_description} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {RunStatus.DONE, RunStatus.FAILED}


class ImportWorker(models.Model):
    """A worker process (`manage.py import_worker`) and when it was last seen, for the operators' status page.

    Written when the worker starts, about once a minute while it polls, and when it stops: cheap enough for SQLite.
    """

    name = models.CharField(_("worker"), max_length=200, unique=True, help_text=_("Host name and process id."))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen"))
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import worker")
        verbose_name_plural = _("import workers")
        ordering = ["-seen_at", "name"]

    def __str__(self) -> str:
        return self.name


class ImportUpload(models.Model):
    """A file uploaded for a run, kept as it came so the background task (and any replay) can read it."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="uploads")
    name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    size = models.PositiveBigIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return self.name


class Severity(models.TextChoices):
    ERROR = "error", _("Not imported")
    WARNING = "warning", _("Imported without this value")


class ImportFailure(models.Model):
    """One notice (or file) that could not be imported, or a value left out of one, and where exactly."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="failures")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.ERROR)
    file = models.CharField(_("file"), max_length=1000, blank=True)
    locator = models.CharField(_("place in the file"), max_length=200, blank=True)
    notice = models.CharField(_("notice"), max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=200, blank=True)
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("import failure")
        verbose_name_plural = _("import failures")
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.file} {self.notice} {self.field}: {self.message}"


class SourceRecord(models.Model):
    """One notice exactly as received (compressed), with the keys that make re-imports idempotent."""

    source_format = models.CharField(
        _("source format"), max_length=20, choices=[(f.value, f.value) for f in SourceFormat]
    )
    notice_id = models.CharField(_("notice id"), max_length=200)
    version = models.CharField(_("version"), max_length=100, blank=True)
    procedure_id = models.CharField(_("procedure id"), max_length=200, blank=True, db_index=True)
    notice_type = models.CharField(_("notice type"), max_length=50, blank=True)
    family = models.CharField(_("notice family"), max_length=20, blank=True)
    sha256 = models.CharField(_("SHA-256 of the raw notice"), max_length=64)
    raw_compressed = models.BinaryField(
        _("raw notice (compressed)"), help_text=_("Zstandard; records stored by earlier versions hold zlib.")
    )
    file_name = models.CharField(_("file"), max_length=1000, blank=True)
    locator = models.CharField(_("place in the file"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="records")
    tender = models.ForeignKey(Tender, null=True, blank=True, on_delete=models.SET_NULL, related_name="source_records")

    class Meta:
        verbose_name = _("source record")
        verbose_name_plural = _("source records")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_format", "notice_id", "version"], name="source_record_unique_notice_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_format} {self.notice_id} {self.version}".strip()

    @property
    def raw(self) -> bytes:
        return decompress_raw(bytes(self.raw_compressed))


class ImportedTender(models.Model):
    """The link between a tender and the procedure it was imported from, and what the import last wrote.

    `imported_values` maps each field the import sets to the value it last wrote (JSON-ready). A current value that
    differs from it was changed by a person and is kept; `differences` then lists what a newer notice says instead.
    """

    tender = models.OneToOneField(Tender, on_delete=models.CASCADE, related_name="import_link")
    source_format = models.CharField(_("source format"), max_length=20)
    procedure_id = models.CharField(_("procedure id"), max_length=200, db_index=True)
    imported_values = models.JSONField(_("values last imported"), default=dict)
    differences = models.JSONField(_("differences with the latest notice"), default=list)
    # The newest notice applied to the tender: a notice older than it (files arriving out of order) is kept as a
    # source record but not applied, so the tender never goes back to an earlier state.
    latest_notice_id = models.CharField(_("latest notice applied"), max_length=200, blank=True)
    latest_version = models.CharField(_("version of the latest notice applied"), max_length=100, blank=True)
    latest_publication_date = models.DateField(
        _("publication date of the latest notice applied"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("imported tender")
        verbose_name_plural = _("imported tenders")
        constraints = [
            models.UniqueConstraint(fields=["source_format", "procedure_id"], name="imported_tender_unique_procedure")
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} → {self.tender_id}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class MVIProposal(models.Model):
    """An MVI application the detectors propose for a lot, with evidence; the buyer confirms, corrects or rejects.

    One per (lot, theme, form): a rejected proposal stays, so the same evidence is not proposed again. `criterion`
    links the catalogue criterion the notice names, if any; its ambition level is the proposal's.
    """

    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.CASCADE, related_name="mvi_proposals")
    theme = models.ForeignKey(Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="+")
    form = models.ForeignKey(
        ApplicationForm,
        verbose_name=_("form of application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the notice does not say how the theme was applied."),
    )
    award_weight = models.DecimalField(_("award weight (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    # The catalogue criterion the notice names (`catalogue_link`). SET_NULL, not PROTECT: a proposal is a suggestion,
    # so it must not keep a release from being deleted (a sample, or one loaded by mistake); its evidence still names
    # the criterion, and the MVI application a confirmation makes protects the criterion it keeps.
    criterion = models.ForeignKey(
        Criterion,
        verbose_name=_("catalogue criterion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)
    evidence = models.TextField(_("evidence"))
    rule = models.CharField(_("mapping rule"), max_length=200, blank=True)
    mapping_version = models.CharField(_("mapping version"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    source_record = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    application = models.ForeignKey(
        MVIApplication, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("reason of the review"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("MVI proposal")
        verbose_name_plural = _("MVI proposals")
        ordering = ["lot", "theme__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "theme", "form"], name="mvi_proposal_unique_theme_form"),
            models.UniqueConstraint(
                fields=["lot", "theme"],
                condition=models.Q(form__isnull=True),
                name="mvi_proposal_unique_theme_no_form",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme} / {self.form or '-'} ({self.get_status_display()})"


class PullCursor(models.Model):
    """How far a pull from a publication API (TenderNed) has got: the last publication fully imported, per endpoint.

    Every publication from `since` up to (`last_publication_date`, `last_publication_id`) is imported. Advanced only
    after the notices up to it are committed, so a pull that stops resumes after it without gaps; notices read again
    are counted unchanged.
    """

    endpoint = models.CharField(
        _("endpoint"), max_length=500, unique=True, help_text=_("The listing the publications are pulled from.")
    )
    since = models.DateField(
        _("pulled since"),
        help_text=_("The first publication date of the pulls the cursor continues: everything from it is imported."),
    )
    last_publication_date = models.DateField(_("publication date of the last publication imported"))
    last_publication_id = models.CharField(_("last publication imported"), max_length=100)
    run = models.ForeignKey(
        ImportRun,
        verbose_name=_("import run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The run that last moved the cursor."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("pull cursor")
        verbose_name_plural = _("pull cursors")
        ordering = ["endpoint"]

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.last_publication_date} {self.last_publication_id}"
