"""API v1 for the procurement record: organisations, tenders, lots, award criteria and MVI applications.

Records are flat resources: the parent is a field (`tender`, `lot`) and a filter, see docs/api.md. Reads go through
`mvimonitor.organisations.access.visible_to`; related-object fields only accept objects the caller may see, so an
id of another organisation's record reads as "does not exist" and never reveals that the record is there. Writes
hand `validated_data` to `mvimonitor.tenders.services` (`base.ServiceWriteMixin`).
"""

from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mvimonitor.organisations.access import Action, request_user, visible_to
from mvimonitor.organisations.models import Organisation, Province
from mvimonitor.tenders import services
from mvimonitor.tenders.models import AwardCriterion, Lot, MVIApplication, Nature, ProcedureType, Tender
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, CpvCode, Criterion, ProductGroup, Theme

from .base import CanEditRecord, FilteredMixin, RecordWrites, ServiceWriteMixin, id_filter

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


# --- serializers -----------------------------------------------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    province = serializers.ChoiceField(
        choices=Province.choices,
        allow_blank=True,
        read_only=True,
        help_text='Province code; empty ("") for an organisation that is not in one province, such as a ministry.',
    )

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
            "withdrawn_at",
            "withdrawal_reason",
            "is_synthetic",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "lots",
            "mvi_confirmed_at",
            "withdrawn_at",
            "withdrawal_reason",
            "is_synthetic",
            "created_at",
            "updated_at",
        ]


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
    product_group = id_filter("Id of a product group.")
    organisation = id_filter("Id of an organisation.")
    search = serializers.CharField(required=False, max_length=200, help_text="Words in the title.")
    withdrawn = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: only withdrawn tenders; false: none of them."
    )


class WithdrawalSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000, help_text="Why the tender is withdrawn (required).")


class LotFilter(serializers.Serializer[Any]):
    tender = id_filter("Id of the tender.")


class AwardCriterionFilter(serializers.Serializer[Any]):
    tender = id_filter("Id of the tender.")
    lot = id_filter("Id of the lot.")


class MVIApplicationFilter(AwardCriterionFilter):
    theme = serializers.SlugRelatedField(
        slug_field="code", queryset=Theme.objects.all(), required=False, help_text="Theme code."
    )
    form = serializers.SlugRelatedField(
        slug_field="code", queryset=ApplicationForm.objects.all(), required=False, help_text="Form code."
    )


# --- views -----------------------------------------------------------------------------------------------------------


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet[Organisation]):
    """Organisations whose records you may see (your memberships)."""

    serializer_class = OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        return visible_to(self.request.user, Organisation.objects.all())


@extend_schema_view(list=extend_schema(parameters=[TenderFilter]))
class TenderViewSet(ServiceWriteMixin, FilteredMixin, viewsets.ModelViewSet[Tender]):
    """Tenders (procurement procedures) of the organisations you may see."""

    serializer_class = TenderSerializer
    filter_serializer = TenderFilter
    permission_classes = [permissions.IsAuthenticated, CanEditRecord]
    edit_action = Action.EDIT_TENDERS
    writes = RecordWrites(
        "tender", services.tender_create, services.tender_update, services.tender_delete, parent="organisation"
    )

    def get_queryset(self) -> QuerySet[Tender]:
        # Only the lots' ids are shown, in lot-number order; ordering by "tender" (Lot's default) would join the
        # tenders again to sort by their own default order.
        lots = Prefetch("lots", queryset=Lot.objects.only("id", "tender_id").order_by("number", "id"))
        tenders = Tender.objects.select_related("main_cpv").prefetch_related("additional_cpvs", lots)
        return visible_to(self.request.user, tenders)

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "year" in filters:
            queryset = queryset.filter(publication_date__year=filters["year"])
        for name in ("nature", "procedure_type"):
            if name in filters:
                queryset = queryset.filter(**{name: filters[name]})
        if "product_group" in filters:
            queryset = queryset.filter(product_group_id=filters["product_group"])
        if "organisation" in filters:
            queryset = queryset.filter(organisation_id=filters["organisation"])
        if "theme" in filters:
            applied = MVIApplication.objects.filter(lot__tender=OuterRef("pk"), theme=filters["theme"])
            queryset = queryset.filter(Exists(applied))
        if filters.get("search"):
            queryset = queryset.filter(title__icontains=filters["search"])
        if filters.get("withdrawn") is not None:
            queryset = queryset.filter(withdrawn_at__isnull=not filters["withdrawn"])
        return queryset

    @extend_schema(request=WithdrawalSerializer, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw the tender: it stays on record with who, when and why, and leaves the monitoring figures."""
        tender = self.get_object()  # 404 if not visible, 403 without EDIT_TENDERS (CanEditRecord)
        body = WithdrawalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.tender_withdraw(user=request_user(request), tender=tender, reason=body.validated_data["reason"])
        return Response(TenderSerializer(tender, context={"request": request}).data)

    @extend_schema(request=None, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str | None = None) -> Response:
        """Undo a withdrawal: the tender counts in the figures again; its history keeps the withdrawal."""
        tender = self.get_object()
        services.tender_reinstate(user=request_user(request), tender=tender)
        return Response(TenderSerializer(tender, context={"request": request}).data)


@extend_schema_view(list=extend_schema(parameters=[LotFilter]))
class LotViewSet(ServiceWriteMixin, FilteredMixin, viewsets.ModelViewSet[Lot]):
    """Lots (percelen) of visible tenders; filter with `tender`. A tender without lots is recorded with one lot."""

    serializer_class = LotSerializer
    filter_serializer = LotFilter
    permission_classes = [permissions.IsAuthenticated, CanEditRecord]
    edit_action = Action.EDIT_TENDERS
    writes = RecordWrites("lot", services.lot_create, services.lot_update, services.lot_delete, parent="tender")

    def get_queryset(self) -> QuerySet[Lot]:
        return visible_to(self.request.user, Lot.objects.select_related("tender", "main_cpv"))

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "tender" in filters:
            queryset = queryset.filter(tender_id=filters["tender"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[AwardCriterionFilter]))
class AwardCriterionViewSet(
    ServiceWriteMixin,
    FilteredMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[AwardCriterion],
):
    """Award criteria (gunningscriteria) of visible lots: price, quality or cost, with a weight in percent."""

    serializer_class = AwardCriterionSerializer
    filter_serializer = AwardCriterionFilter
    writes = RecordWrites("award_criterion", create=services.award_criterion_create)

    def get_queryset(self) -> QuerySet[AwardCriterion]:
        criteria = AwardCriterion.objects.select_related("lot")
        return visible_to(self.request.user, criteria)

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "tender" in filters:
            queryset = queryset.filter(lot__tender_id=filters["tender"])
        if "lot" in filters:
            queryset = queryset.filter(lot_id=filters["lot"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[MVIApplicationFilter]))
class MVIApplicationViewSet(ServiceWriteMixin, FilteredMixin, viewsets.ModelViewSet[MVIApplication]):
    """MVI applications: one theme applied to one lot in one form of application, with ambition level and weight."""

    serializer_class = MVIApplicationSerializer
    filter_serializer = MVIApplicationFilter
    permission_classes = [permissions.IsAuthenticated, CanEditRecord]
    edit_action = Action.EDIT_MVI
    writes = RecordWrites(
        "application",
        services.mvi_application_create,
        services.mvi_application_update,
        services.mvi_application_delete,
        parent="lot",
    )

    def get_queryset(self) -> QuerySet[MVIApplication]:
        applications = MVIApplication.objects.select_related("lot__tender", "theme", "form", "ambition_level")
        return visible_to(self.request.user, applications)

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "tender" in filters:
            queryset = queryset.filter(lot__tender_id=filters["tender"])
        if "lot" in filters:
            queryset = queryset.filter(lot_id=filters["lot"])
        for name in ("theme", "form"):
            if name in filters:
                queryset = queryset.filter(**{name: filters[name]})
        return queryset
