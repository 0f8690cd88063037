"""API v1 for the MVI catalogue: themes, forms of application, ambition levels, criteria releases (the
product-group sets) with their product groups and criteria, ISV risk categories, EU thresholds and CPV codes.
Read-only and open to every authenticated user; every row carries its source and source year. Product groups and
criteria are those of the current release unless a release (or `all`) is asked for (ADR 0031).
"""

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from mvimonitor.themes.models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    CriteriaRelease,
    Criterion,
    CriterionKind,
    EuThreshold,
    IsvRiskCategory,
    ProductGroup,
    ProductGroupCluster,
    Theme,
    ThresholdCategory,
)

from .base import FilteredMixin, id_filter

# --- serializers -----------------------------------------------------------------------------------------------------


SOURCED = ["source", "source_year"]


class ThemeSerializer(serializers.ModelSerializer[Theme]):
    class Meta:
        model = Theme
        fields = ["code", "name_nl", "name_en", "description", "description_nl", "order", *SOURCED]


class ApplicationFormSerializer(serializers.ModelSerializer[ApplicationForm]):
    class Meta:
        model = ApplicationForm
        fields = ["code", "name_nl", "name_en", "legal_basis", "order", *SOURCED]


class AmbitionLevelSerializer(serializers.ModelSerializer[AmbitionLevel]):
    class Meta:
        model = AmbitionLevel
        fields = ["code", "name_nl", "name_en", "level", "description", "description_nl", *SOURCED]


class ProductGroupSerializer(serializers.ModelSerializer[ProductGroup]):
    product_group_set: serializers.SlugRelatedField[CriteriaRelease] = serializers.SlugRelatedField(
        slug_field="version", read_only=True, help_text="Version of the release (the same as `release`)."
    )
    release = serializers.CharField(
        source="product_group_set.version", read_only=True, help_text="Version of the release the group is in."
    )
    cluster: serializers.SlugRelatedField[ProductGroupCluster] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    cpv_prefixes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ProductGroup
        fields = [
            "id",
            "code",
            "external_id",
            "name_nl",
            "name_en",
            "release",
            "product_group_set",
            "cluster",
            "cpv_prefixes",
            *SOURCED,
        ]


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


class ProductGroupSetSerializer(serializers.ModelSerializer[CriteriaRelease]):
    clusters = ProductGroupClusterSerializer(many=True, read_only=True)
    supersedes: serializers.SlugRelatedField[CriteriaRelease] = serializers.SlugRelatedField(
        slug_field="version", read_only=True, allow_null=True, help_text="Version of the release this one supersedes."
    )

    class Meta:
        model = CriteriaRelease
        fields = [
            "version",
            "name",
            "status",
            "is_sample",
            "published",
            "valid_from",
            "valid_until",
            "supersedes",
            "declared_group_count",
            "clusters",
            "source_url",
            "licence",
            *SOURCED,
        ]


class CriterionSerializer(serializers.ModelSerializer[Criterion]):
    release = serializers.CharField(
        source="product_group.product_group_set.version", read_only=True, help_text="Version of the release."
    )
    theme: serializers.SlugRelatedField[Theme] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="Code of the main theme."
    )
    themes: serializers.ManyRelatedField = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", many=True, read_only=True, help_text="Codes of every theme the criterion relates to."
    )
    form: serializers.SlugRelatedField[ApplicationForm] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    ambition_level: serializers.SlugRelatedField[AmbitionLevel] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    subjects = serializers.ListField(child=serializers.CharField(), read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Criterion
        fields = [
            "id",
            "release",
            "product_group",
            "code",
            "external_id",
            "kind",
            "form",
            "ambition_level",
            "theme",
            "themes",
            "title",
            "title_en",
            "text_nl",
            "text_en",
            "explanation_nl",
            "explanation_en",
            "verification_nl",
            "verification_en",
            "subjects",
            "tags",
            "supersedes",
            "status",
            *SOURCED,
        ]


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


ALL_RELEASES = "all"


class ReleaseField(serializers.CharField):
    """A release version, or `all`; an unknown version is a 400 that names the key."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=30, **kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        value = super().run_validation(data)
        if value == ALL_RELEASES:
            return value
        release = CriteriaRelease.objects.filter(version=value).first()
        if release is None:
            raise serializers.ValidationError(f"No release {value}.", code="does_not_exist")
        return release


def _in_release(queryset: QuerySet[Any], filters: dict[str, Any], path: str, explicit: bool) -> QuerySet[Any]:
    """Rows of the release asked for; of the current release when none is asked for and `explicit` (another filter
    that fixes the release) is false; of every release for `all`."""
    release = filters.get("release")
    if release == ALL_RELEASES or (release is None and explicit):
        return queryset
    release = release or CriteriaRelease.objects.current()
    return queryset.filter(**{path: release}) if release is not None else queryset.none()


RELEASE_HELP = "Version of a release, or `all`; without it, the current release."


class ProductGroupFilter(serializers.Serializer[Any]):
    product_group_set = serializers.SlugRelatedField(
        slug_field="version", queryset=CriteriaRelease.objects.all(), required=False, help_text="Release version."
    )
    release = ReleaseField(help_text=RELEASE_HELP)


class CriterionFilter(serializers.Serializer[Any]):
    product_group = id_filter("Id of a product group (its release then applies, unless `release` is given).")
    theme = serializers.SlugRelatedField(
        slug_field="code", queryset=Theme.objects.all(), required=False, help_text="Theme code (any of its themes)."
    )
    level = serializers.SlugRelatedField(
        slug_field="code", queryset=AmbitionLevel.objects.all(), required=False, help_text="Ambition level code."
    )
    kind = serializers.ChoiceField(choices=CriterionKind.choices, required=False, help_text="Kind of criterion.")
    release = ReleaseField(help_text=RELEASE_HELP)


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


class ProductGroupSetViewSet(viewsets.ReadOnlyModelViewSet[CriteriaRelease]):
    """Releases of the MVI criteria tool (formerly product-group sets), each with its clusters and their groups;
    a sample release (`isSample`) holds example criteria, not official ones."""

    queryset = CriteriaRelease.objects.select_related("supersedes").prefetch_related("clusters__product_groups")
    serializer_class = ProductGroupSetSerializer
    lookup_field = "version"


@extend_schema_view(list=extend_schema(parameters=[ProductGroupFilter]))
class ProductGroupViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[ProductGroup]):
    """Product groups of the MVI criteria, flat: those of the current release, or of the release asked for with
    `release` (or `productGroupSet`); `release=all` lists every release's groups."""

    queryset = ProductGroup.objects.select_related("product_group_set", "cluster")
    serializer_class = ProductGroupSerializer
    filter_serializer = ProductGroupFilter

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "product_group_set" in filters:
            queryset = queryset.filter(product_group_set=filters["product_group_set"])
        return _in_release(queryset, filters, "product_group_set", "product_group_set" in filters)


@extend_schema_view(list=extend_schema(parameters=[CriterionFilter]))
class CriterionViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[Criterion]):
    """Criteria from the MVI criteria tool, per release: those of the current release unless `release` or
    `productGroup` says otherwise. `theme` matches any of a criterion's themes."""

    queryset = Criterion.objects.select_related(
        "product_group__product_group_set", "theme", "form", "ambition_level"
    ).prefetch_related("themes")
    serializer_class = CriterionSerializer
    filter_serializer = CriterionFilter

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "product_group" in filters:
            queryset = queryset.filter(product_group_id=filters["product_group"])
        if "theme" in filters:
            theme = filters["theme"]
            queryset = queryset.filter(Q(theme=theme) | Q(themes=theme)).distinct()
        if "level" in filters:
            queryset = queryset.filter(ambition_level=filters["level"])
        if "kind" in filters:
            queryset = queryset.filter(kind=filters["kind"])
        return _in_release(queryset, filters, "product_group__product_group_set", "product_group" in filters)


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
