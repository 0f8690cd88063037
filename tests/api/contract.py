"""Checking answers against the committed contract, docs/openapi.json, with schemathesis: a request is made from the
document's operation and sent in-process through the WSGI application (host `localhost`, which the caller's
settings must allow), and the answer is checked for no server error, a documented status code, the documented
content type and headers, and a body that matches the documented schema."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
SCHEMA = schemathesis.openapi.from_path(OPENAPI)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
APP = get_wsgi_application()


@contextmanager
def _connection_kept() -> Iterator[None]:
    """A WSGI request ends by closing the database connection (`close_old_connections`), which on PostgreSQL would
    close the test's transaction with it; Django's test client leaves the connection open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def violation(case: Any, headers: dict[str, str]) -> tuple[Any, str | None]:
    """Send the case; the answer, and what in it breaks the contract (None when nothing does)."""
    with _connection_kept():
        response = case.call(app=APP, headers=headers)
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as group:
        return response, str(group)
    return response, None


def answer(path: str, token: str | None = None, method: str = "GET", **parts: Any) -> Any:
    """The answer to one request to the operation `method path` (path as in the document, such as
    "/tenders/{id}"; `parts` are Case keywords: path_parameters, query, body), which must keep the contract."""
    operation = SCHEMA[path][method]
    headers = {"Authorization": f"Token {token}"} if token else {}
    response, broken = violation(operation.Case(**parts), headers)
    assert broken is None, broken
    return response
