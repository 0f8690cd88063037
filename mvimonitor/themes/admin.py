"""Admin for the MVI catalogue: staff may read it, only superusers may change it (it is loaded from sources)."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from mvimonitor.organisations.admin_scope import SuperuserOnlyMixin

from .models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    CriteriaRelease,
    Criterion,
    EuThreshold,
    IsvRiskCategory,
    ProductGroup,
    ProductGroupCluster,
    ProductGroupCpvMapping,
    Theme,
)

if TYPE_CHECKING:  # ModelAdmin is generic only for the type checker
    ModelAdmin = admin.ModelAdmin[Any]
else:
    ModelAdmin = admin.ModelAdmin


class CatalogueAdmin(SuperuserOnlyMixin, ModelAdmin):
    """The catalogue is public: every staff user reads it; only superusers change it (the loaders do, mostly)."""

    list_filter = ["source_year"]

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)


@admin.register(Theme)
class ThemeAdmin(CatalogueAdmin):
    list_display = ["code", "name_nl", "name_en", "order", "source", "source_year"]
    search_fields = ["code", "name_nl", "name_en"]


@admin.register(ApplicationForm)
class ApplicationFormAdmin(CatalogueAdmin):
    list_display = ["code", "name_nl", "name_en", "legal_basis", "source", "source_year"]
    search_fields = ["code", "name_nl", "name_en"]


@admin.register(AmbitionLevel)
class AmbitionLevelAdmin(CatalogueAdmin):
    list_display = ["level", "code", "name_nl", "name_en", "source", "source_year"]


@admin.register(CriteriaRelease)
class CriteriaReleaseAdmin(CatalogueAdmin):
    list_display = ["version", "name", "status", "is_sample", "valid_from", "valid_until", "supersedes", "source_year"]
    list_filter = ["status", "is_sample", "source_year"]
    list_select_related = ["supersedes"]


@admin.register(ProductGroupCluster)
class ProductGroupClusterAdmin(CatalogueAdmin):
    list_display = ["code", "name_nl", "product_group_set", "source", "source_year"]
    list_filter = ["product_group_set", "source_year"]
    search_fields = ["code", "name_nl", "name_en"]


@admin.register(ProductGroup)
class ProductGroupAdmin(CatalogueAdmin):
    list_display = ["code", "name_nl", "cluster", "product_group_set", "source", "source_year"]
    list_filter = ["product_group_set", "source_year"]
    search_fields = ["code", "name_nl", "name_en"]
    list_select_related = ["cluster", "product_group_set"]


@admin.register(Criterion)
class CriterionAdmin(CatalogueAdmin):
    list_display = ["code", "title", "product_group", "kind", "ambition_level", "status", "source_year"]
    list_filter = ["product_group__product_group_set", "kind", "ambition_level", "themes", "status"]
    search_fields = ["code", "external_id", "title", "title_en"]
    list_select_related = ["product_group", "ambition_level"]
    raw_id_fields = ["product_group", "supersedes"]
    filter_horizontal = ["themes"]


@admin.register(ProductGroupCpvMapping)
class ProductGroupCpvMappingAdmin(CatalogueAdmin):
    list_display = ["cpv_prefix", "product_group", "status", "source", "source_year", "confirmed_by", "confirmed_at"]
    list_filter = ["status", "product_group__product_group_set", "source_year"]
    search_fields = ["cpv_prefix", "product_group__name_nl"]
    list_select_related = ["product_group", "confirmed_by"]
    raw_id_fields = ["product_group", "confirmed_by"]


@admin.register(IsvRiskCategory)
class IsvRiskCategoryAdmin(CatalogueAdmin):
    list_display = ["list_version", "number", "name_nl", "source", "source_year"]
    list_filter = ["list_version", "source_year"]


@admin.register(EuThreshold)
class EuThresholdAdmin(CatalogueAdmin):
    list_display = ["category", "valid_from", "valid_until", "amount", "currency", "source", "source_year"]
    list_filter = ["category", "source_year"]


@admin.register(CpvCode)
class CpvCodeAdmin(CatalogueAdmin):
    list_display = ["code", "label_nl", "label_en", "version", "source", "source_year"]
    list_filter = ["version", "source_year"]
    search_fields = ["code", "label_nl", "label_en"]
