"""API v1 for the MVI catalogue: themes, forms of application, ambition levels, product groups, criteria, ISV risk
categories, EU thresholds and CPV codes. Read-only and open to every authenticated user; every row carries its
source and source year.
"""

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from mvimonitor.themes.models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    Criterion,
    EuThreshold,
    IsvRiskCategory,
    ProductGroup,
    ProductGroupCluster,
    ProductGroupSet,
    Theme,
    ThresholdCategory,
)

from .base import FilteredMixin, id_filter

# --- serializers -----------------------------------------------------------------------------------------------------


SOURCED = ["source", "source_year"]


class ThemeSerializer(serializers.ModelSerializer[Theme]):
    class Meta:
        model = Theme
        fields = ["code", "name_nl", "name_en", "description", "order", *SOURCED]


class ApplicationFormSerializer(serializers.ModelSerializer[ApplicationForm]):
    class Meta:
        model = ApplicationForm
        fields = ["code", "name_nl", "name_en", "legal_basis", "order", *SOURCED]


class AmbitionLevelSerializer(serializers.ModelSerializer[AmbitionLevel]):
    class Meta:
        model = AmbitionLevel
        fields = ["code", "name_nl", "name_en", "level", "description", *SOURCED]


class ProductGroupSerializer(serializers.ModelSerializer[ProductGroup]):
    product_group_set: serializers.SlugRelatedField[ProductGroupSet] = serializers.SlugRelatedField(
        slug_field="version", read_only=True
    )
    cluster: serializers.SlugRelatedField[ProductGroupCluster] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    cpv_prefixes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ProductGroup
        fields = ["id", "code", "name_nl", "name_en", "product_group_set", "cluster", "cpv_prefixes", *SOURCED]


class ProductGroupInClusterSerializer(serializers.ModelSerializer[ProductGroup]):
    cpv_prefixes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ProductGroup
        fields = ["id", "code", "name_nl", "name_en", "cpv_prefixes"]


class ProductGroupClusterSerializer(serializers.ModelSerializer[ProductGroupCluster]):
    product_groups = ProductGroupInClusterSerializer(many=True, read_only=True)

    class Meta:
        model = ProductGroupCluster
        fields = ["code", "name_nl", "name_en", "product_groups"]


class ProductGroupSetSerializer(serializers.ModelSerializer[ProductGroupSet]):
    clusters = ProductGroupClusterSerializer(many=True, read_only=True)

    class Meta:
        model = ProductGroupSet
        fields = ["version", "name", "valid_from", "valid_until", "declared_group_count", "clusters", *SOURCED]


class CriterionSerializer(serializers.ModelSerializer[Criterion]):
    theme: serializers.SlugRelatedField[Theme] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    form: serializers.SlugRelatedField[ApplicationForm] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    ambition_level: serializers.SlugRelatedField[AmbitionLevel] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Criterion
        fields = ["id", "code", "title", "product_group", "theme", "form", "ambition_level", *SOURCED]


class IsvRiskCategorySerializer(serializers.ModelSerializer[IsvRiskCategory]):
    class Meta:
        model = IsvRiskCategory
        fields = ["id", "list_version", "number", "name_nl", *SOURCED]


class EuThresholdSerializer(serializers.ModelSerializer[EuThreshold]):
    class Meta:
        model = EuThreshold
        fields = ["id", "category", "valid_from", "valid_until", "amount", "currency", *SOURCED]


class CpvCodeSerializer(serializers.ModelSerializer[CpvCode]):
    class Meta:
        model = CpvCode
        fields = ["code", "label_nl", "label_en", "version", *SOURCED]


# --- query parameters (validated like a body, so a bad value is a 400 that names the parameter) ----------------------


class ProductGroupFilter(serializers.Serializer[Any]):
    product_group_set = serializers.SlugRelatedField(
        slug_field="version", queryset=ProductGroupSet.objects.all(), required=False, help_text="Set version."
    )


class CriterionFilter(serializers.Serializer[Any]):
    product_group = id_filter("Id of a product group.")
    theme = serializers.SlugRelatedField(
        slug_field="code", queryset=Theme.objects.all(), required=False, help_text="Theme code."
    )


class EuThresholdFilter(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=ThresholdCategory.choices, required=False)
    valid_on = serializers.DateField(required=False, help_text="Thresholds in force on this date (YYYY-MM-DD).")


class CpvCodeFilter(serializers.Serializer[Any]):
    search = serializers.CharField(
        required=False, min_length=2, max_length=200, help_text="Start of a code, or words in a label."
    )


# --- views -----------------------------------------------------------------------------------------------------------


class ThemeViewSet(viewsets.ReadOnlyModelViewSet[Theme]):
    """The six MVI themes (Nationaal plan MVI 2021-2025)."""

    queryset = Theme.objects.all()
    serializer_class = ThemeSerializer
    lookup_field = "code"


class ApplicationFormViewSet(viewsets.ReadOnlyModelViewSet[ApplicationForm]):
    """Forms of application: selection, minimum requirement, award criterion, contract clause."""

    queryset = ApplicationForm.objects.all()
    serializer_class = ApplicationFormSerializer
    lookup_field = "code"


class AmbitionLevelViewSet(viewsets.ReadOnlyModelViewSet[AmbitionLevel]):
    """Ambition levels of MVI criteria (basis, significant, ambitious)."""

    queryset = AmbitionLevel.objects.all()
    serializer_class = AmbitionLevelSerializer
    lookup_field = "code"


class ProductGroupSetViewSet(viewsets.ReadOnlyModelViewSet[ProductGroupSet]):
    """Versions of the MVI criteria product-group list, each with its clusters and their groups."""

    queryset = ProductGroupSet.objects.prefetch_related("clusters__product_groups")
    serializer_class = ProductGroupSetSerializer
    lookup_field = "version"


@extend_schema_view(list=extend_schema(parameters=[ProductGroupFilter]))
class ProductGroupViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[ProductGroup]):
    """Product groups of the MVI criteria, flat; filter with `productGroupSet` (a set version)."""

    queryset = ProductGroup.objects.select_related("product_group_set", "cluster")
    serializer_class = ProductGroupSerializer
    filter_serializer = ProductGroupFilter

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "product_group_set" in filters:
            queryset = queryset.filter(product_group_set=filters["product_group_set"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[CriterionFilter]))
class CriterionViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[Criterion]):
    """Criteria from the MVI criteria tool, as loaded by the operator."""

    queryset = Criterion.objects.select_related("theme", "form", "ambition_level")
    serializer_class = CriterionSerializer
    filter_serializer = CriterionFilter

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "product_group" in filters:
            queryset = queryset.filter(product_group_id=filters["product_group"])
        if "theme" in filters:
            queryset = queryset.filter(theme=filters["theme"])
        return queryset


class IsvRiskCategoryViewSet(viewsets.ReadOnlyModelViewSet[IsvRiskCategory]):
    """Risk categories of international social conditions (ISV), per list version."""

    queryset = IsvRiskCategory.objects.all()
    serializer_class = IsvRiskCategorySerializer


@extend_schema_view(list=extend_schema(parameters=[EuThresholdFilter]))
class EuThresholdViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[EuThreshold]):
    """European procurement thresholds per category and period."""

    queryset = EuThreshold.objects.all()
    serializer_class = EuThresholdSerializer
    filter_serializer = EuThresholdFilter

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "category" in filters:
            queryset = queryset.filter(category=filters["category"])
        if "valid_on" in filters:
            queryset = queryset.filter(valid_from__lte=filters["valid_on"], valid_until__gt=filters["valid_on"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[CpvCodeFilter]))
class CpvCodeViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[CpvCode]):
    """Codes of the Common Procurement Vocabulary; `search` matches the start of the code or words in a label."""

    queryset = CpvCode.objects.all()
    serializer_class = CpvCodeSerializer
    filter_serializer = CpvCodeFilter
    lookup_field = "code"

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if search := filters.get("search", "").strip():
            queryset = queryset.filter(
                Q(code__startswith=search) | Q(label_nl__icontains=search) | Q(label_en__icontains=search)
            )
        return queryset
