"""API v1: `GET /ocds/releases`, the procurement record as an OCDS 1.1 release package (`ocds_releases`).

Who sees what is the records' rule (`access.visible_to`), not the national figures' one: a release shows one
organisation's tenders and MVI applications, which the national views only give through disclosure control. So a
member sees the releases of their organisations, a national analyst none, and a request without login is a 401.
The bulk file of a year (`manage.py export_ocds`) is for the operator.

Paged like every list (`page`, `pageSize`); the body is a release package whose `releases` are the page, with the
list's `count`, `next` and `previous` beside them (and `links.next`/`links.prev` for OCDS tools).
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import underscoreize
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from mvimonitor.organisations.access import visible_to
from mvimonitor.tenders.models import Tender

from . import ocds_releases
from .base import id_filter
from .pagination import PageNumberPagination


class OcdsReleaseFilter(serializers.Serializer[Any]):
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100, help_text="Publication year.")
    date_from = serializers.DateField(required=False, help_text="Published on or after this date (YYYY-MM-DD).")
    date_to = serializers.DateField(required=False, help_text="Published on or before this date (YYYY-MM-DD).")
    organisation = id_filter("Id of the organisation (the buyer).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "date_from" in attrs and "date_to" in attrs and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": _("The end date lies before the start date.")})
        return attrs


class OcdsPublisherSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()


class OcdsLinksSerializer(serializers.Serializer[Any]):
    next = serializers.URLField(required=False, help_text="The next page (as `next`).")
    prev = serializers.URLField(required=False, help_text="The previous page (as `previous`).")


@extend_schema_serializer(component_name="OcdsReleasePackage")
class OcdsReleasePackageSerializer(serializers.Serializer[Any]):
    """An OCDS 1.1 release package; besides the properties listed it has OCDS's `publishedDate`, the last change to
    the releases listed (an RFC 3339 date-time in UTC, such as 2025-04-01T12:00:00Z). That is a timestamp by the
    OCDS standard, which the Dutch API Design Rules' linter would read as a date from its name, so it is not listed
    as a property here."""

    uri = serializers.URLField(help_text="The address of this page of the package.")
    version = serializers.CharField(help_text="The OCDS version: 1.1.")
    extensions = serializers.ListField(child=serializers.URLField(), help_text="The OCDS extensions used.")
    publisher = OcdsPublisherSerializer()
    count = serializers.IntegerField(help_text="Number of releases in all pages.")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null.")
    links = OcdsLinksSerializer()
    releases = serializers.ListField(
        child=serializers.DictField(),
        help_text="OCDS 1.1 releases (Sustainability extension, OCDS for eForms fields), one per published tender.",
    )


class OcdsPagination(PageNumberPagination):
    """The pages of every list; the body is the release package itself, which carries `count`, `next` and
    `previous`, not a `results` list around it."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return schema["items"]  # type: ignore[no-any-return]


@extend_schema(
    parameters=[OcdsReleaseFilter],
    responses={200: OcdsReleasePackageSerializer},
    description=(
        "The published tenders of the organisations you may see as an OCDS 1.1 release package: tender, lots, "
        "award criteria, awards, contracts and the sustainability of the lots from the MVI applications. "
        "Public fields only (no internal references, users, evidence or proposals)."
    ),
)
class OcdsReleaseViewSet(viewsets.GenericViewSet[Tender]):
    """OCDS releases of the record (read-only)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OcdsReleasePackageSerializer
    pagination_class = OcdsPagination

    def filters(self) -> dict[str, Any]:
        data = underscoreize(self.request.query_params.dict(), **camel_settings.JSON_UNDERSCOREIZE)
        query = OcdsReleaseFilter(data=data)
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)

    def get_queryset(self) -> QuerySet[Tender]:
        tenders = visible_to(self.request.user, Tender.objects.all())
        filters = self.filters()
        if "year" in filters:
            tenders = tenders.filter(publication_date__year=filters["year"])
        if "date_from" in filters:
            tenders = tenders.filter(publication_date__gte=filters["date_from"])
        if "date_to" in filters:
            tenders = tenders.filter(publication_date__lte=filters["date_to"])
        if "organisation" in filters:
            tenders = tenders.filter(organisation_id=filters["organisation"])
        return ocds_releases.releasable(tenders)

    def list(self, request: Request) -> Response:
        tenders = self.get_queryset()
        page = self.paginate_queryset(ocds_releases.with_release_data(tenders)) or []
        paginator = self.paginator
        assert paginator is not None  # noqa: S101 - every list is paginated (settings.REST_FRAMEWORK)
        following, preceding = paginator.get_next_link(), paginator.get_previous_link()  # type: ignore[attr-defined]
        head = ocds_releases.package_head(
            uri=request.build_absolute_uri(), published=ocds_releases.published_date(tenders)
        )
        links = {key: value for key, value in (("next", following), ("prev", preceding)) if value}
        body = {
            **head,
            "count": paginator.page.paginator.count,  # type: ignore[attr-defined]
            "next": following,
            "previous": preceding,
            "links": links,
            "releases": ocds_releases.releases(page),
        }
        return Response(body)
