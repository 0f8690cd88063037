"""Django admin for the procurement record, meant for system managers (superusers).

A staff user who is not a superuser sees and changes only the records of organisations where their role allows it
(through `mvimonitor.organisations.access`, by the admin's shared scoping in `organisations.admin_scope`), and never
adds records here: the web UI and the services do that.
"""

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from mvimonitor.changes import record_changed
from mvimonitor.organisations.access import Action
from mvimonitor.organisations.admin_scope import ScopedAdminMixin, user_fields

from .models import AwardCriterion, Contract, Lot, MVIApplication, Tender


class ScopedAdmin(ScopedAdminMixin, SimpleHistoryAdmin):  # type: ignore[misc]
    """Rows and rights limited by the access choke point for everyone but superusers (`admin_scope`): a staff user
    sees the rows of the organisations where they may VIEW and changes those where their role allows `edit_action`."""

    edit_action: Action = Action.EDIT_TENDERS
    # What a change of a row announces through `changes.record_changed`: (keyword, lookup from the model to the key)
    announces: tuple[str, str] = ("tender_ids", "pk")

    def _keys(self, queryset: models.QuerySet[Any]) -> list[int]:
        return [key for key in queryset.values_list(self.announces[1], flat=True) if key is not None]

    def _announce(self, keys: list[int]) -> None:
        if self.announces[0] == "tender_ids":
            record_changed(tender_ids=keys)
        else:
            record_changed(contract_organisation_ids=keys)

    # Every admin write goes through the seam of the record, so the derived tables follow it (ADR 0023).
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            self._announce(self._keys(type(obj)._default_manager.filter(pk=obj.pk)))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_queryset(request, type(obj)._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        with transaction.atomic():
            keys = self._keys(queryset)
            if self.announces[0] == "tender_ids" and self.announces[1] == "pk":
                record_changed(removed_tender_ids=keys)  # facts go before their tenders do
                super().delete_queryset(request, queryset)
            else:
                super().delete_queryset(request, queryset)
                self._announce(keys)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # Adding needs an organisation to be chosen first; for non-superusers that happens in the web UI.
        return bool(request.user.is_superuser)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        # Who confirmed or created a record is set by the services. As a free choice it would let a staff user name
        # any account (and its raw-id widget would show the name of whichever account number is typed in).
        return readonly + [name for name in self._user_fields() if name not in readonly]

    def _user_fields(self) -> list[str]:
        declared = getattr(getattr(self.form, "_meta", None), "fields", None)
        return [name for name in user_fields(self.model) if declared is None or name in declared]


@admin.register(Tender)
class TenderAdmin(ScopedAdmin):
    list_display = ["title", "organisation", "publication_date", "nature", "procedure_type", "is_synthetic"]
    list_filter = ["nature", "procedure_type", "is_european", "is_synthetic", "publication_date"]
    search_fields = ["title", "description", "internal_reference", "ted_notice_id", "tenderned_publication_id", "ocid"]
    date_hierarchy = "publication_date"
    raw_id_fields = ["main_cpv", "additional_cpvs", "mvi_confirmed_by"]
    list_select_related = ["organisation"]


@admin.register(Lot)
class LotAdmin(ScopedAdmin):
    announces = ("tender_ids", "tender_id")
    list_display = ["number", "title", "tender", "estimated_value"]
    search_fields = ["number", "title", "tender__title"]
    raw_id_fields = ["tender", "main_cpv"]
    list_select_related = ["tender"]


@admin.register(AwardCriterion)
class AwardCriterionAdmin(ScopedAdmin):
    announces = ("tender_ids", "lot__tender_id")
    list_display = ["name", "criterion_type", "weight", "lot"]
    list_filter = ["criterion_type"]
    search_fields = ["name", "lot__title", "lot__tender__title"]
    raw_id_fields = ["lot"]
    list_select_related = ["lot"]


@admin.register(MVIApplication)
class MVIApplicationAdmin(ScopedAdmin):
    edit_action = Action.EDIT_MVI
    announces = ("tender_ids", "lot__tender_id")
    list_display = ["lot", "theme", "form", "ambition_level", "award_weight", "origin", "confidence"]
    list_filter = ["theme", "form", "ambition_level", "origin", "confidence"]
    search_fields = ["evidence", "lot__title", "lot__tender__title"]
    raw_id_fields = ["lot", "criterion", "created_by"]
    list_select_related = ["lot", "theme", "form", "ambition_level"]


@admin.register(Contract)
class ContractAdmin(ScopedAdmin):
    edit_action = Action.EDIT_CONTRACTS
    announces = ("contract_organisation_ids", "lot__tender__organisation_id")
    list_display = ["supplier_name", "lot", "value", "start_date", "end_date"]
    list_filter = ["supplier_is_sme", "start_date"]
    search_fields = ["supplier_name", "supplier_kvk_number", "lot__title", "lot__tender__title"]
    raw_id_fields = ["lot"]
    list_select_related = ["lot"]
