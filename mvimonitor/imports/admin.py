"""Django admin for the import records: read-only, for system managers (superusers) investigating an import.

The one thing a system manager may change is a TenderNed pull's cursor: deleting it makes the next pull start again
from the `--since` date it is given (what was imported before then counts as unchanged)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ImportedTender, ImportFailure, ImportRun, MVIProposal, PullCursor, SourceRecord


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "source_description", "organisation", "status", "seen", "created", "failed"]
    list_filter = ["status", "dry_run"]


@admin.register(ImportFailure)
class ImportFailureAdmin(ReadOnlyAdmin):
    list_display = ["run", "severity", "file", "notice", "field", "message"]
    list_filter = ["severity"]


@admin.register(SourceRecord)
class SourceRecordAdmin(ReadOnlyAdmin):
    list_display = ["source_format", "notice_id", "version", "procedure_id", "received_at"]
    list_filter = ["source_format"]
    search_fields = ["notice_id", "procedure_id"]
    exclude = ["raw_compressed"]


@admin.register(ImportedTender)
class ImportedTenderAdmin(ReadOnlyAdmin):
    list_display = ["procedure_id", "source_format", "tender", "updated_at"]
    search_fields = ["procedure_id"]


@admin.register(MVIProposal)
class MVIProposalAdmin(ReadOnlyAdmin):
    list_display = ["lot", "theme", "form", "origin", "confidence", "status"]
    list_filter = ["status", "origin", "confidence"]


@admin.register(PullCursor)
class PullCursorAdmin(ReadOnlyAdmin):
    list_display = ["endpoint", "since", "last_publication_date", "last_publication_id", "run", "updated_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)
