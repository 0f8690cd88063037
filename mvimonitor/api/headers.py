from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class APIVersionHeaderMiddleware:
    """Put `API-Version` on every API response (Dutch API Design Rules, /core/version-header)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["API-Version"] = settings.API_VERSION
        return response
