"""Django admin for commitments and realisations, scoped like the procurement record's admin, and the national
reference data of the effects (reference options, values of the indicators beyond CO2, RIVM's published results) to
read.

An edit here goes through the same preparation as the services (`commitment_prepare`) and announces the change
through the record's seam, so the stored effects follow (ADR 0023). The reference data change only through their
loaders.
"""

from copy import copy
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest

from mvimonitor.organisations.access import Action
from mvimonitor.tenders.admin import ScopedAdmin

from .forms import CommitmentForm
from .indicators import IndicatorFactor
from .models import Commitment, Realisation
from .published import PublishedEffectResult
from .reference_options import ReferenceOption, ReferenceParameter
from .selectors import visible_factor_sets
from .services import commitment_prepare


class CommitmentAdminForm(forms.ModelForm[Commitment]):
    class Meta:
        model = Commitment
        fields = ["contract", *CommitmentForm.Meta.fields]  # the page's form, plus the contract it belongs to

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not self.errors:
            try:  # on a copy: the admin's save prepares the instance itself
                commitment_prepare(construct_instance(self, copy(self.instance)))
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Commitment)
class CommitmentAdmin(ScopedAdmin):
    form = CommitmentAdminForm
    edit_action = Action.EDIT_CONTRACTS
    announces = ("contract_organisation_ids", "contract__lot__tender__organisation_id")
    list_display = ["description", "kind", "theme", "quantity", "unit", "contract", "period_start", "period_end"]
    list_filter = ["kind", "theme"]
    search_fields = ["description", "contract__supplier_name", "contract__lot__tender__title"]
    raw_id_fields = ["contract", "factor_set", "created_by"]
    list_select_related = ["contract", "theme"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "factor_set" and not request.user.is_superuser:
            # As on the contract page: the public sets and the own sets of the staff user's organisations only.
            kwargs["queryset"] = visible_factor_sets(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        commitment_prepare(obj)  # what the form's clean checked on a copy
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # a commitment is added to a contract on the contract's page, where its defaults are filled in


@admin.register(Realisation)
class RealisationAdmin(ScopedAdmin):
    edit_action = Action.EDIT_CONTRACTS
    announces = ("contract_organisation_ids", "commitment__contract__lot__tender__organisation_id")
    list_display = ["commitment", "period_start", "period_end", "quantity", "status"]
    list_filter = ["status"]
    raw_id_fields = ["commitment"]
    # Verifying or rejecting records who and when: that goes through the review on the contract page only.
    readonly_fields = ["status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at"]
    list_select_related = ["commitment"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # placements and evidence are reported through the realisation form


# --- national reference data: read here, changed only by its loaders -------------------------------------------------

if TYPE_CHECKING:  # ModelAdmin is generic only for the type checker
    ModelAdmin = admin.ModelAdmin[Any]
    TabularInline = admin.TabularInline[Any, Any]
else:
    ModelAdmin = admin.ModelAdmin
    TabularInline = admin.TabularInline


class LoadedDataAdmin(ModelAdmin):
    """Versioned reference data every staff user may read and nobody changes here: a new version comes from its loader
    (`load_reference_options`, `load_indicator_factors`, `load_rivm_results`), which keeps the earlier one for the
    figures computed with it and recalculates (docs/effects.md)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReferenceParameterInline(TabularInline):
    model = ReferenceParameter
    fields = ["name", "value", "unit", "source", "source_year"]
    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ReferenceOption)
class ReferenceOptionAdmin(LoadedDataAdmin):
    list_display = ["code", "version", "product_group_code", "kind", "valid_from", "valid_to",
                    "reference_factor_code", "quantity_basis", "source_year"]  # fmt: skip
    list_filter = ["kind", "source_year"]
    search_fields = ["code", "description", "description_nl", "reference_factor_code", "product_group_code"]
    inlines = [ReferenceParameterInline]


@admin.register(IndicatorFactor)
class IndicatorFactorAdmin(LoadedDataAdmin):
    list_display = ["factor_set", "factor_code", "indicator", "value", "unit", "source", "source_year"]
    list_filter = ["indicator", "source_year"]
    search_fields = ["factor_code", "source"]
    list_select_related = ["factor_set"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[IndicatorFactor]:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        # an organisation's own factor set, with its values, is for its members only (as on the contract page)
        return rows.filter(factor_set__in=visible_factor_sets(request.user))


@admin.register(PublishedEffectResult)
class PublishedEffectResultAdmin(LoadedDataAdmin):
    list_display = ["period_start", "period_end", "product_groups", "indicator", "value", "unit", "source_year",
                    "confidence"]  # fmt: skip
    list_filter = ["indicator", "confidence"]
    search_fields = ["product_groups", "indicator", "source_title"]
