"""API v1 views: parse the request, read through the visibility choke point, write through the services.

Procurement records (tenders, lots, award criteria, MVI applications) are flat resources; the parent is a field
(`tender`, `lot`) and a filter, see docs/api.md. The catalogue is read-only and open to every authenticated user.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import underscoreize
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from mvimonitor.organisations.access import Action, permitted, visible_to
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.tenders import services
from mvimonitor.tenders.models import AwardCriterion, Lot, MVIApplication, Tender
from mvimonitor.themes.models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    Criterion,
    EuThreshold,
    IsvRiskCategory,
    ProductGroup,
    ProductGroupSet,
    Theme,
)

from . import serializers as s
from .problems import PROBLEM_CONTENT_TYPE


class CanEditRecord(permissions.BasePermission):
    """Reads are decided by the queryset; changing or deleting an object needs the view's `edit_action` on its
    organisation. The services check the same again, so this only makes the refusal come before validation."""

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return permitted(request.user, view.edit_action, view.organisation_of(obj))  # type: ignore[attr-defined]


class FilteredMixin(viewsets.GenericViewSet[Any]):
    """Validates the query string of list requests with `filter_serializer` (camelCase keys, like bodies)."""

    filter_serializer: type[serializers.Serializer[Any]] = s.EmptyFilter

    def filters(self) -> dict[str, Any]:
        data = underscoreize(self.request.query_params.dict(), **camel_settings.JSON_UNDERSCOREIZE)
        query = self.filter_serializer(data=data, context={"request": self.request})
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        return queryset

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        return self.apply_filters(queryset, self.filters())


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - IsAuthenticated runs before any write
    return user


# --- procurement records --------------------------------------------------------------------------------------------


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet[Organisation]):
    """Organisations whose records you may see (your memberships)."""

    serializer_class = s.OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        return visible_to(self.request.user, Organisation.objects.all())


@extend_schema_view(list=extend_schema(parameters=[s.TenderFilter]))
class TenderViewSet(FilteredMixin, viewsets.ModelViewSet[Tender]):
    """Tenders (procurement procedures) of the organisations you may see."""

    serializer_class = s.TenderSerializer
    filter_serializer = s.TenderFilter
    permission_classes = [permissions.IsAuthenticated, CanEditRecord]
    edit_action = Action.EDIT_TENDERS

    def organisation_of(self, tender: Tender) -> int:
        return tender.organisation_id

    def get_queryset(self) -> QuerySet[Tender]:
        tenders = Tender.objects.select_related("main_cpv").prefetch_related("additional_cpvs", "lots")
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
        return queryset

    def perform_create(self, serializer: serializers.BaseSerializer[Tender]) -> None:
        serializer.instance = services.tender_create(user=_user(self.request), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Tender]) -> None:
        tender = serializer.instance
        assert tender is not None  # noqa: S101 - update always has an instance
        data = dict(serializer.validated_data)
        if "organisation" in data and data["organisation"].pk == tender.organisation_id:
            del data["organisation"]  # unchanged; the service refuses only a move
        serializer.instance = services.tender_update(user=_user(self.request), tender=tender, **data)

    def perform_destroy(self, instance: Tender) -> None:
        services.tender_delete(user=_user(self.request), tender=instance)


@extend_schema_view(list=extend_schema(parameters=[s.LotFilter]))
class LotViewSet(FilteredMixin, viewsets.ModelViewSet[Lot]):
    """Lots (percelen) of visible tenders; filter with `tender`. A tender without lots is recorded with one lot."""

    serializer_class = s.LotSerializer
    filter_serializer = s.LotFilter
    permission_classes = [permissions.IsAuthenticated, CanEditRecord]
    edit_action = Action.EDIT_TENDERS

    def organisation_of(self, lot: Lot) -> int:
        return lot.tender.organisation_id

    def get_queryset(self) -> QuerySet[Lot]:
        return visible_to(self.request.user, Lot.objects.select_related("tender", "main_cpv"))

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "tender" in filters:
            queryset = queryset.filter(tender_id=filters["tender"])
        return queryset

    def perform_create(self, serializer: serializers.BaseSerializer[Lot]) -> None:
        serializer.instance = services.lot_create(user=_user(self.request), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Lot]) -> None:
        lot = serializer.instance
        assert lot is not None  # noqa: S101 - update always has an instance
        data = dict(serializer.validated_data)
        if "tender" in data and data["tender"].pk == lot.tender_id:
            del data["tender"]  # unchanged; the service refuses only a move
        serializer.instance = services.lot_update(user=_user(self.request), lot=lot, **data)

    def perform_destroy(self, instance: Lot) -> None:
        services.lot_delete(user=_user(self.request), lot=instance)


@extend_schema_view(list=extend_schema(parameters=[s.AwardCriterionFilter]))
class AwardCriterionViewSet(
    FilteredMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[AwardCriterion],
):
    """Award criteria (gunningscriteria) of visible lots: price, quality or cost, with a weight in percent."""

    serializer_class = s.AwardCriterionSerializer
    filter_serializer = s.AwardCriterionFilter

    def get_queryset(self) -> QuerySet[AwardCriterion]:
        criteria = AwardCriterion.objects.select_related("lot")
        return visible_to(self.request.user, criteria)

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "tender" in filters:
            queryset = queryset.filter(lot__tender_id=filters["tender"])
        if "lot" in filters:
            queryset = queryset.filter(lot_id=filters["lot"])
        return queryset

    def perform_create(self, serializer: serializers.BaseSerializer[AwardCriterion]) -> None:
        serializer.instance = services.award_criterion_create(user=_user(self.request), **serializer.validated_data)


@extend_schema_view(list=extend_schema(parameters=[s.MVIApplicationFilter]))
class MVIApplicationViewSet(FilteredMixin, viewsets.ModelViewSet[MVIApplication]):
    """MVI applications: one theme applied to one lot in one form of application, with ambition level and weight."""

    serializer_class = s.MVIApplicationSerializer
    filter_serializer = s.MVIApplicationFilter
    permission_classes = [permissions.IsAuthenticated, CanEditRecord]
    edit_action = Action.EDIT_MVI

    def organisation_of(self, application: MVIApplication) -> int:
        return application.lot.tender.organisation_id

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

    def perform_create(self, serializer: serializers.BaseSerializer[MVIApplication]) -> None:
        serializer.instance = services.mvi_application_create(user=_user(self.request), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[MVIApplication]) -> None:
        application = serializer.instance
        assert application is not None  # noqa: S101 - update always has an instance
        data = dict(serializer.validated_data)
        if "lot" in data and data["lot"].pk == application.lot_id:
            del data["lot"]  # unchanged; the service refuses only a move
        serializer.instance = services.mvi_application_update(
            user=_user(self.request), application=application, **data
        )

    def perform_destroy(self, instance: MVIApplication) -> None:
        services.mvi_application_delete(user=_user(self.request), application=instance)


# --- catalogue (read-only) -----------------------------------------------------------------------------------------


class ThemeViewSet(viewsets.ReadOnlyModelViewSet[Theme]):
    """The six MVI themes (Nationaal plan MVI 2021-2025)."""

    queryset = Theme.objects.all()
    serializer_class = s.ThemeSerializer
    lookup_field = "code"


class ApplicationFormViewSet(viewsets.ReadOnlyModelViewSet[ApplicationForm]):
    """Forms of application: selection, minimum requirement, award criterion, contract clause."""

    queryset = ApplicationForm.objects.all()
    serializer_class = s.ApplicationFormSerializer
    lookup_field = "code"


class AmbitionLevelViewSet(viewsets.ReadOnlyModelViewSet[AmbitionLevel]):
    """Ambition levels of MVI criteria (basis, significant, ambitious)."""

    queryset = AmbitionLevel.objects.all()
    serializer_class = s.AmbitionLevelSerializer
    lookup_field = "code"


class ProductGroupSetViewSet(viewsets.ReadOnlyModelViewSet[ProductGroupSet]):
    """Versions of the MVI criteria product-group list, each with its clusters and their groups."""

    queryset = ProductGroupSet.objects.prefetch_related("clusters__product_groups")
    serializer_class = s.ProductGroupSetSerializer
    lookup_field = "version"


@extend_schema_view(list=extend_schema(parameters=[s.ProductGroupFilter]))
class ProductGroupViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[ProductGroup]):
    """Product groups of the MVI criteria, flat; filter with `productGroupSet` (a set version)."""

    queryset = ProductGroup.objects.select_related("product_group_set", "cluster")
    serializer_class = s.ProductGroupSerializer
    filter_serializer = s.ProductGroupFilter

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "product_group_set" in filters:
            queryset = queryset.filter(product_group_set=filters["product_group_set"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[s.CriterionFilter]))
class CriterionViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[Criterion]):
    """Criteria from the MVI criteria tool, as loaded by the operator."""

    queryset = Criterion.objects.select_related("theme", "form", "ambition_level")
    serializer_class = s.CriterionSerializer
    filter_serializer = s.CriterionFilter

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "product_group" in filters:
            queryset = queryset.filter(product_group_id=filters["product_group"])
        if "theme" in filters:
            queryset = queryset.filter(theme=filters["theme"])
        return queryset


class IsvRiskCategoryViewSet(viewsets.ReadOnlyModelViewSet[IsvRiskCategory]):
    """Risk categories of international social conditions (ISV), per list version."""

    queryset = IsvRiskCategory.objects.all()
    serializer_class = s.IsvRiskCategorySerializer


@extend_schema_view(list=extend_schema(parameters=[s.EuThresholdFilter]))
class EuThresholdViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[EuThreshold]):
    """European procurement thresholds per category and period."""

    queryset = EuThreshold.objects.all()
    serializer_class = s.EuThresholdSerializer
    filter_serializer = s.EuThresholdFilter

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "category" in filters:
            queryset = queryset.filter(category=filters["category"])
        if "valid_on" in filters:
            queryset = queryset.filter(valid_from__lte=filters["valid_on"], valid_until__gt=filters["valid_on"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[s.CpvCodeFilter]))
class CpvCodeViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[CpvCode]):
    """Codes of the Common Procurement Vocabulary; `search` matches the start of the code or words in a label."""

    queryset = CpvCode.objects.all()
    serializer_class = s.CpvCodeSerializer
    filter_serializer = s.CpvCodeFilter
    lookup_field = "code"

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if search := filters.get("search", "").strip():
            queryset = queryset.filter(
                Q(code__startswith=search) | Q(label_nl__icontains=search) | Q(label_en__icontains=search)
            )
        return queryset


# --- errors outside the routers -------------------------------------------------------------------------------------


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """404 as problem+json for any path under /api/ that no route matches (including trailing slashes)."""
    body = {
        "type": "about:blank",
        "title": _("Not found."),
        "status": 404,
        "detail": _("There is no resource at this address. Paths have no trailing slash; see /api/v1/openapi.json."),
        "instance": request.get_full_path(),
    }
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
