"""Request and response rules that hold for every page and API call: the client's address behind a proxy, the largest
request body the app reads, and no caching of what a logged-in user sees.

- `client_ip`: with `MVIMONITOR_TRUSTED_PROXIES` = n proxies in front of the app, the client is the address the
  outermost trusted proxy saw: the n-th entry from the right of `X-Forwarded-For`. Entries further left were written
  by the client itself and are not trusted. The login lock (django-axes) and the API throttles use it, so that behind
  a proxy one client's failed log-ins lock out that client, not everyone who comes through the same proxy.
- `RequestBodyLimitMiddleware`: a request whose declared body is larger than its view accepts is answered 413 before
  anything reads the body (it runs before the CSRF check, which would parse a form upload to disk). Notice uploads
  may be large; every other form holds at most an evidence file.
- `RequestBodyLimitMiddleware` also refuses (400) a query string holding a NUL character: no database stores one, and
  PostgreSQL refuses a query that compares with one.
- `PrivatePagesMiddleware`: responses to a logged-in user, or that carry a session, are `Cache-Control: private,
  no-store`, so no shared cache or browser history keeps an organisation's figures after log-out.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

# URL names (namespace:name) of the views that take notice uploads: they accept the import's upload limit.
LARGE_BODY_VIEWS = {"imports:upload", "api:import-run-list"}


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies: int = settings.MVIMONITOR_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:  # fewer hops than proxies configured: the request did not come through them all
        return remote
    return forwarded[-proxies]


def body_limit(request: HttpRequest) -> int:
    match = request.resolver_match
    if match is not None and match.view_name in LARGE_BODY_VIEWS:
        return int(settings.MVIMONITOR_MAX_UPLOAD_REQUEST_BYTES)
    return int(settings.MVIMONITOR_MAX_REQUEST_BYTES)


def _too_large(request: HttpRequest, declared: int, limit: int) -> HttpResponse:
    detail = _("The request body is %(declared)s bytes; this address accepts at most %(limit)s bytes.") % {
        "declared": declared,
        "limit": limit,
    }
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"type": "about:blank", "title": "Payload Too Large", "status": 413, "detail": detail},
            status=413,
            content_type="application/problem+json",
        )
    return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")


def _bad_query(request: HttpRequest, key: str) -> HttpResponse:
    name = key.replace("\x00", "\\0")
    detail = _("The query parameter %(name)s holds a NUL character.") % {"name": name}
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "type": "about:blank",
                "title": "Bad Request",
                "status": 400,
                "detail": detail,
                "invalidParams": [{"name": name, "code": "invalid", "reason": detail}],
            },
            status=400,
            content_type="application/problem+json",
        )
    return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(_("The Content-Length header is not a number."), status=400)
        limit = body_limit(request)
        if declared > limit:
            return _too_large(request, declared, limit)
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return _bad_query(request, key)
        return None


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        logged_in = user is not None and user.is_authenticated
        if logged_in or (session is not None and not session.is_empty()) or "Authorization" in request.headers:
            patch_cache_control(response, private=True, no_store=True)
        return response
