"""drf-spectacular customisation: an English, reproducible document that follows the Dutch API Design Rules.

- `EnglishSchemaGenerator` writes the document in English whatever language is active, so docs/openapi.json does
  not change when a Dutch translation is added (help texts and choice labels are translatable strings).
- `add_problem_responses` documents the application/problem+json errors every operation can return
  (/core/error-handling/problem-details, /core/error-handling/invalid-input), among them 429 with `Retry-After`
  (every view is throttled, settings.REST_FRAMEWORK) and 415 where there is a body, and camelCases query keys.
- `add_version_header` declares the API-Version header on every response (/core/version-header).
"""

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.functional import Promise
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from drf_spectacular.generators import SchemaGenerator
from rest_framework.request import Request

from .problems import PROBLEM_CONTENT_TYPE

HEADER = {
    "API-Version": {
        "description": "The full version of the API that answered (Dutch API Design Rules, /core/version-header).",
        "schema": {"type": "string", "example": settings.API_VERSION},
    }
}

PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "An error in the format of RFC 9457 (application/problem+json).",
        "properties": {
            "type": {"type": "string", "description": "A URI naming the kind of problem.", "example": "about:blank"},
            "title": {"type": "string", "description": "A short summary of the kind of problem."},
            "status": {"type": "integer", "description": "The HTTP status code.", "example": 404},
            "detail": {"type": "string", "description": "What went wrong in this request."},
            "instance": {"type": "string", "description": "The path of the request that failed."},
        },
        "required": ["type", "title", "status", "detail"],
    },
    "InvalidParam": {
        "type": "object",
        "properties": {
            "name": {
                "type": "string",
                "description": "The field or query key (camelCase; nested: a.0.b).",
                "example": "estimatedValue",
            },
            "code": {"type": "string", "description": "A stable code for the kind of error.", "example": "min_value"},
            "reason": {"type": "string", "description": "A readable explanation."},
        },
        "required": ["name", "code", "reason"],
    },
    "ValidationProblem": {
        "type": "object",
        "description": "Invalid input: one entry in invalidParams for every field or query key that is wrong.",
        "properties": {
            "type": {"type": "string", "example": "about:blank"},
            "title": {"type": "string", "example": "Invalid input"},
            "status": {"type": "integer", "example": 400},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "invalidParams": {"type": "array", "items": {"$ref": "#/components/schemas/InvalidParam"}},
        },
        "required": ["type", "title", "status", "detail", "invalidParams"],
    },
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request (RFC 9110).",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "example": 30},
    }
}

WRITE_METHODS = {"post", "put", "patch", "delete"}
# Reads that refuse with 403 (the others answer 404 for what you may not see).
READ_REFUSALS = {
    "/kpi-values": "You may not see this organisation's figures, or figures per kind or province (national analysts).",
}


class EnglishSchemaGenerator(SchemaGenerator):
    def get_schema(self, request: Request | None = None, public: bool = False) -> dict[str, Any]:
        with translation.override("en"):
            schema = super().get_schema(request=request, public=public)  # type: ignore[no-untyped-call]
        return _force_strings(schema)  # type: ignore[no-any-return]


def _force_strings(value: Any) -> Any:
    if isinstance(value, Promise):
        return force_str(value)
    if isinstance(value, dict):
        return {_force_strings(k): _force_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_force_strings(v) for v in value]
    return value


def _problem(description: str, schema: str = "Problem") -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def add_problem_responses(result: dict[str, Any], generator: object, request: object, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {}).update(PROBLEM_SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["name"] = camelize_re.sub(underscore_to_camel, parameter["name"])
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "400", _problem("Invalid input: a body field or query parameter is wrong.", "ValidationProblem")
            )
            responses.setdefault("401", _problem("No or an invalid token (header `Authorization: Token <key>`)."))
            if method in WRITE_METHODS:
                responses.setdefault("403", _problem("Your role does not allow this change."))
            elif path in READ_REFUSALS:
                responses.setdefault("403", _problem(READ_REFUSALS[path]))
            if "{" in path:
                responses.setdefault("404", _problem("No such object, or not one you may see."))
            if "requestBody" in operation:
                responses.setdefault("415", _problem("The body is not in a media type this operation reads."))
            too_many = responses.setdefault("429", _problem("Too many requests: wait as long as Retry-After says."))
            too_many.setdefault("headers", {}).update(RETRY_AFTER)
    return result


def add_version_header(result: dict[str, Any], generator: object, request: object, public: bool) -> dict[str, Any]:
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {}).update(HEADER)
    result["info"]["version"] = settings.API_VERSION
    return result
