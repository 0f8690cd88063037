"""Serializers of API v1: the shape of resources on the wire (snake_case here, lowerCamelCase on the wire).

Related-object fields only accept objects the caller may see (through `mvimonitor.organisations.access`), so an id
of another organisation's record reads as "does not exist" and never reveals that the record is there. Writes are
not done here: the views hand `validated_data` to the functions in `mvimonitor.tenders.services`.
"""

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from mvimonitor.organisations.access import visible_to
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import AwardCriterion, Lot, MVIApplication, Nature, ProcedureType, Tender
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

# --- related fields limited to what the caller may see ---------------------------------------------------------------


class VisibleOrganisationField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    def get_queryset(self) -> models.QuerySet[Organisation]:
        return visible_to(self.context["request"].user, Organisation.objects.all())


class VisibleTenderField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    def get_queryset(self) -> models.QuerySet[Tender]:
        return visible_to(self.context["request"].user, Tender.objects.all())


class VisibleLotField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    def get_queryset(self) -> models.QuerySet[Lot]:
        return visible_to(self.context["request"].user, Lot.objects.select_related("tender"))


def _code_field(
    model: type[models.Model], *, required: bool = True, help_text: str = ""
) -> serializers.SlugRelatedField[Any]:
    return serializers.SlugRelatedField(
        slug_field="code",
        queryset=model._default_manager.all(),
        required=required,
        allow_null=not required,
        help_text=help_text,
    )


# --- procurement records ---------------------------------------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "oin", "kvk_number", "province", "parent"]
        read_only_fields = fields


class TenderSerializer(serializers.ModelSerializer[Tender]):
    organisation = VisibleOrganisationField(help_text="The contracting authority; cannot change after creation.")
    main_cpv = _code_field(CpvCode, required=False, help_text="Main CPV code (8 digits, without check digit).")
    additional_cpvs = serializers.SlugRelatedField(
        slug_field="code", queryset=CpvCode.objects.all(), many=True, required=False, help_text="Further CPV codes."
    )
    product_group = serializers.PrimaryKeyRelatedField(
        queryset=ProductGroup.objects.all(), required=False, allow_null=True, help_text="Id of a product group."
    )
    lots: serializers.PrimaryKeyRelatedField[Lot] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the lots of this tender."
    )

    class Meta:
        model = Tender
        fields = [
            "id",
            "organisation",
            "title",
            "description",
            "internal_reference",
            "ted_notice_id",
            "tenderned_publication_id",
            "ocid",
            "publication_date",
            "nature",
            "procedure_type",
            "is_european",
            "estimated_value",
            "currency",
            "main_cpv",
            "additional_cpvs",
            "product_group",
            "lots",
            "mvi_confirmed_at",
            "is_synthetic",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "lots", "mvi_confirmed_at", "is_synthetic", "created_at", "updated_at"]


class LotSerializer(serializers.ModelSerializer[Lot]):
    tender = VisibleTenderField(help_text="Id of the tender; cannot change after creation.")
    main_cpv = _code_field(CpvCode, required=False, help_text="Main CPV code of the lot.")

    class Meta:
        model = Lot
        fields = ["id", "tender", "number", "title", "description", "estimated_value", "main_cpv"]
        read_only_fields = ["id"]
        validators: list[Any] = []  # the (tender, number) constraint is checked by the service's full_clean()


class AwardCriterionSerializer(serializers.ModelSerializer[AwardCriterion]):
    lot = VisibleLotField(help_text="Id of the lot.")

    class Meta:
        model = AwardCriterion
        fields = ["id", "lot", "criterion_type", "name", "weight"]
        read_only_fields = ["id"]


# "MVI" would break the UpperCamelCase rule for schema names (nlgov:schema-camel-case), so the component is Mvi...
@extend_schema_serializer(component_name="MviApplication")
class MVIApplicationSerializer(serializers.ModelSerializer[MVIApplication]):
    lot = VisibleLotField(help_text="Id of the lot; cannot change after creation.")
    theme = _code_field(Theme, help_text="Code of the MVI theme, see /themes.")
    form = _code_field(ApplicationForm, help_text="Code of the form of application, see /application-forms.")
    ambition_level = _code_field(AmbitionLevel, required=False, help_text="Code of the ambition level.")
    criterion = serializers.PrimaryKeyRelatedField(
        queryset=Criterion.objects.all(), required=False, allow_null=True, help_text="Id of a catalogue criterion."
    )

    class Meta:
        model = MVIApplication
        fields = [
            "id",
            "lot",
            "theme",
            "form",
            "ambition_level",
            "criterion",
            "award_weight",
            "origin",
            "evidence",
            "confidence",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []  # the (lot, theme, form) constraint is checked by the service's full_clean()


# --- catalogue -------------------------------------------------------------------------------------------------------

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


class TenderFilter(serializers.Serializer[Any]):
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100, help_text="Publication year.")
    nature = serializers.ChoiceField(choices=Nature.choices, required=False)
    procedure_type = serializers.ChoiceField(choices=ProcedureType.choices, required=False)
    theme = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Theme.objects.all(),
        required=False,
        help_text="Theme code: tenders with at least one MVI application of this theme.",
    )
    product_group = serializers.IntegerField(required=False, min_value=1, help_text="Id of a product group.")
    organisation = serializers.IntegerField(required=False, min_value=1, help_text="Id of an organisation.")
    search = serializers.CharField(required=False, max_length=200, help_text="Words in the title.")


class LotFilter(serializers.Serializer[Any]):
    tender = serializers.IntegerField(required=False, min_value=1, help_text="Id of the tender.")


class AwardCriterionFilter(serializers.Serializer[Any]):
    tender = serializers.IntegerField(required=False, min_value=1, help_text="Id of the tender.")
    lot = serializers.IntegerField(required=False, min_value=1, help_text="Id of the lot.")


class MVIApplicationFilter(AwardCriterionFilter):
    theme = serializers.SlugRelatedField(
        slug_field="code", queryset=Theme.objects.all(), required=False, help_text="Theme code."
    )
    form = serializers.SlugRelatedField(
        slug_field="code", queryset=ApplicationForm.objects.all(), required=False, help_text="Form code."
    )


class ProductGroupFilter(serializers.Serializer[Any]):
    product_group_set = serializers.SlugRelatedField(
        slug_field="version", queryset=ProductGroupSet.objects.all(), required=False, help_text="Set version."
    )


class CriterionFilter(serializers.Serializer[Any]):
    product_group = serializers.IntegerField(required=False, min_value=1, help_text="Id of a product group.")
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


class EmptyFilter(serializers.Serializer[Any]):
    pass
