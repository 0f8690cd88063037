"""Errors as application/problem+json (RFC 9457), from one exception handler.

Every 400 carries `invalidParams`: a validation error one entry per wrong field or query key, a body that cannot be
parsed one entry named `body`. A 429 (throttled) always says in `Retry-After` how many seconds to wait.
"""

import math
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
# DRF and Django (model.full_clean) name errors that belong to no single field differently.
NON_FIELD_KEYS = {"non_field_errors", NON_FIELD_ERRORS}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error detail into a flat list of {name, code, reason} with camelCase field paths."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = _camel(str(key)) if key not in NON_FIELD_KEYS else "nonFieldErrors"
            out += _flatten(value, f"{prefix}.{name}" if prefix else name)
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                out += _flatten(value, f"{prefix}.{index}")
            else:
                out += _flatten(value, prefix)
        return out
    code = getattr(detail, "code", "invalid")
    return [{"name": prefix or "nonFieldErrors", "code": str(code), "reason": str(detail)}]


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)  # noqa: S101 - exception_handler only answers these
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(getattr(exc, "default_detail", "Error")),
        "status": response.status_code,
        "detail": str(exc.detail) if not isinstance(exc.detail, dict | list) else str(exc.default_detail),
    }
    request = context.get("request")
    if request is not None:
        body["instance"] = request.get_full_path()
    if isinstance(exc, exceptions.ValidationError):
        body["title"] = _("Invalid input")
        body["detail"] = _("One or more fields are invalid; see invalidParams.")
        body["invalidParams"] = _flatten(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        body["invalidParams"] = [{"name": "body", "code": "parse_error", "reason": str(exc.detail)}]
    if isinstance(exc, exceptions.Throttled):
        # DRF rounds the wait down (to 0 in the last second) and leaves the header out when no throttle knows it.
        wait: float | None = getattr(exc, "wait", None)
        response["Retry-After"] = str(max(1, math.ceil(wait or 1)))
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
