"""The API documentation page: the OpenAPI document of API v1 rendered as one readable, accessible HTML page.

Server-side, without a script: it works under the strict content security policy, with a keyboard and a screen
reader, and shows exactly the document `make openapi` commits (`docs/openapi.json`, checked against the code by
`make openapi-check`), which the app generates from the same views. The document is built once per process.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .schema import EnglishSchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Row:
    name: str
    type: str
    ref: str  # the schema a type refers to, "" for none
    required: bool
    description: str
    where: str = ""  # a parameter's place: query, path, header


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    parameters: list[Row]
    body: Row | None
    responses: list[Row]


@dataclass
class Section:
    tag: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    properties: list[Row]
    enum: list[str]


@dataclass(frozen=True)
class Document:
    title: str
    version: str
    description: str
    sections: list[Section]
    schemas: list[Schema]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> tuple[str, str]:
    """A schema's type in words and the component it refers to: ("array of Tender", "Tender")."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return name, name
    for combined in ("allOf", "oneOf", "anyOf"):
        parts = schema.get(combined)
        if parts:
            described = [type_of(part) for part in parts]
            ref = next((r for _text, r in described if r), "")
            return " | ".join(text for text, _r in described), ref
    kind = schema.get("type", "")
    if kind == "array":
        text, ref = type_of(schema.get("items", {}))
        return f"array of {text}", ref
    text = str(kind or "object")
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("nullable"):
        text += ", null"
    return text, ""


def _json_body(content: dict[str, Any]) -> dict[str, Any]:
    for media_type in ("application/json", "application/problem+json", "multipart/form-data"):
        if media_type in content:
            return dict(content[media_type].get("schema", {}))
    first: dict[str, Any] = next(iter(content.values()), {})
    return dict(first.get("schema", {}))


def _operation(path: str, method: str, spec: dict[str, Any]) -> Operation:
    parameters = []
    for parameter in spec.get("parameters", []):
        text, ref = type_of(parameter.get("schema", {}))
        parameters.append(
            Row(
                parameter["name"],
                text,
                ref,
                bool(parameter.get("required")),
                parameter.get("description", ""),
                parameter.get("in", ""),
            )
        )
    body = None
    if "requestBody" in spec:
        text, ref = type_of(_json_body(spec["requestBody"].get("content", {})))
        body = Row("body", text, ref, bool(spec["requestBody"].get("required")), "")
    responses = []
    for status, response in sorted(spec.get("responses", {}).items()):
        text, ref = type_of(_json_body(response.get("content", {}))) if response.get("content") else ("", "")
        responses.append(Row(status, text, ref, False, response.get("description", "")))
    operation_id = spec.get("operationId", f"{method}-{path}")
    return Operation(
        method.upper(),
        path,
        f"op-{operation_id}",
        spec.get("summary", ""),
        spec.get("description", ""),
        parameters,
        body,
        responses,
    )


def _schema(name: str, spec: dict[str, Any]) -> Schema:
    required = set(spec.get("required", []))
    properties = []
    for prop, prop_spec in spec.get("properties", {}).items():
        text, ref = type_of(prop_spec)
        if prop_spec.get("readOnly"):
            text += ", read-only"
        properties.append(Row(prop, text, ref, prop in required, prop_spec.get("description", "")))
    return Schema(name, spec.get("description", ""), properties, [str(v) for v in spec.get("enum", []) if v])


def document_from(openapi: dict[str, Any]) -> Document:
    sections: dict[str, Section] = {}
    for path, item in openapi.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                spec = item[method]
                tag = (spec.get("tags") or ["other"])[0]
                sections.setdefault(tag, Section(tag)).operations.append(_operation(path, method, spec))
    schemas = [_schema(name, spec) for name, spec in sorted(openapi.get("components", {}).get("schemas", {}).items())]
    info = openapi.get("info", {})
    return Document(
        info.get("title", ""),
        info.get("version", ""),
        info.get("description", ""),
        [sections[tag] for tag in sorted(sections)],
        schemas,
    )


@lru_cache(maxsize=1)
def api_document() -> Document:
    generator = EnglishSchemaGenerator()  # type: ignore[no-untyped-call]
    return document_from(generator.get_schema(request=None, public=True))


def api_docs(request: HttpRequest) -> HttpResponse:
    """The API documentation, open to everyone like the OpenAPI document itself."""
    return render(request, "api/docs.html", {"document": api_document(), "base": "/api/v1"})
