"""What every resource module of API v1 builds on: query-string filters, the edit permission, writes through services.

- `FilteredMixin` validates the query string of list requests with the view's `filter_serializer` (camelCase keys,
  like bodies) and hands the values to `apply_filters`; `id_filter` is the query key for an id, bounded to what a
  database id can be, so a larger number is a 400 that names the key instead of a database error.
- `CanEditRecord` lets reads through (the queryset decides what is visible) and asks the access module whether the
  caller may perform the view's `edit_action` on the organisation that owns the object.
- `ServiceWriteMixin` hands create, update and delete to the record's service functions (`writes`), which check the
  rights again, validate and write in one transaction; no view writes or recalculates anything itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import underscoreize
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from mvimonitor.organisations.access import organisation_id_of, permitted, request_user

# Ids are signed 64-bit integers in every supported database (SQLite, PostgreSQL bigint).
MAX_ID = 2**63 - 1


def id_filter(help_text: str) -> serializers.IntegerField:
    """An optional query key holding the id of an object: 1 up to the largest id a database can hold."""
    return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=help_text)


class EmptyFilter(serializers.Serializer[Any]):
    """No query keys (the default `filter_serializer`)."""


class FilteredMixin(viewsets.GenericViewSet[Any]):
    """Validates the query string of list requests with `filter_serializer` (camelCase keys, like bodies)."""

    filter_serializer: type[serializers.Serializer[Any]] = EmptyFilter

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


class CanEditRecord(permissions.BasePermission):
    """Reads are decided by the queryset; changing or deleting an object needs the view's `edit_action` on the
    organisation that owns it. The services check the same again, so this only makes the refusal come before
    validation."""

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return permitted(request.user, view.edit_action, organisation_id_of(obj))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RecordWrites:
    """The service functions behind a viewset's writes. Each is called with `user=` (the signed-in user) and the
    validated data; update and delete also get the object under the keyword `name` (`tender_update(tender=…)`)."""

    name: str
    create: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None
    delete: Callable[..., Any] | None = None
    # The field naming the parent (`tender` of a lot), which cannot change: an update that names the same parent
    # leaves it out, so the service refuses only a real move.
    parent: str = ""


class ServiceWriteMixin(viewsets.GenericViewSet[Any]):
    """perform_create, perform_update and perform_destroy call the functions of `writes` and nothing else."""

    writes: RecordWrites

    def service_data(self, serializer: serializers.BaseSerializer[Any]) -> dict[str, Any]:
        """The service's keyword arguments from the validated body; a view converts what the service takes
        differently."""
        return dict(serializer.validated_data)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        create = self.writes.create
        assert create is not None  # noqa: S101 - only views that offer POST get here
        serializer.instance = create(user=request_user(self.request), **self.service_data(serializer))

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        instance, update = serializer.instance, self.writes.update
        assert instance is not None  # noqa: S101 - an update always has its object
        assert update is not None  # noqa: S101 - only views that offer PUT/PATCH get here
        data = self.service_data(serializer)
        parent = self.writes.parent
        if parent and parent in data and data[parent].pk == getattr(instance, f"{parent}_id"):
            del data[parent]  # unchanged; the service refuses only a move
        serializer.instance = update(user=request_user(self.request), **{self.writes.name: instance}, **data)

    def perform_destroy(self, instance: Any) -> None:
        delete = self.writes.delete
        assert delete is not None  # noqa: S101 - only views that offer DELETE get here
        delete(user=request_user(self.request), **{self.writes.name: instance})
