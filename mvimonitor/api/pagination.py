"""Page-number pagination whose query keys are validated like any other: `page` and `pageSize` must be whole numbers
in range, or the answer is a 400 problem that names the key (never a 404 for a list, never a silent default)."""

from collections.abc import Sequence
from typing import Any

from django.core.paginator import InvalidPage
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

MAX_PAGE_SIZE = 500


class PageQuery(serializers.Serializer[Any]):
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "pageSize"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()  # `page` is a number; "last" is not one
    page_query_description = "A page number: 1 (also for an empty list) up to the last page."
    page_size_query_description = f"Number of results per page, 1 to {MAX_PAGE_SIZE} (default 50)."

    def _query(self, request: Request) -> dict[str, Any]:
        raw = {"page": request.query_params.get("page"), "page_size": request.query_params.get("pageSize")}
        query = PageQuery(data={key: value for key, value in raw.items() if value is not None})
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)

    def _page_size(self, query: dict[str, Any]) -> int:
        return int(query.get("page_size") or self.page_size or 1)

    def get_page_size(self, request: Request) -> int:
        return self._page_size(self._query(request))

    def paginate_queryset(
        self, queryset: QuerySet[Any, Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        self.request = request
        query = self._query(request)
        paginator = self.django_paginator_class(queryset, self._page_size(query))
        number = query.get("page", 1)
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise exceptions.ValidationError(
                {
                    "page": [
                        _("There is no page %(page)s; the last page is %(last)s.")
                        % {"page": number, "last": paginator.num_pages}
                    ]
                },
                code="out_of_range",
            ) from None
        return list(self.page)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        bounds = {"page": {"minimum": 1}, "pageSize": {"minimum": 1, "maximum": MAX_PAGE_SIZE}}
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
