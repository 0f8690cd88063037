"""The API documentation page: every path and schema of the OpenAPI document, readable without a script."""

import json
from pathlib import Path

import pytest
from django.test import Client

from mvimonitor.api.docs import api_document, document_from, type_of

pytestmark = pytest.mark.django_db
COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_the_page_lists_every_operation_and_schema_of_the_committed_document(client: Client) -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))

    page = client.get("/en/api-documentation/").content.decode()

    for path, item in committed["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                assert f"<code>{method.upper()} {path}</code>" in page, (method, path)
    for name in committed["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert "Authorization: Token &lt;key&gt;" in page


def test_the_page_is_open_to_everyone_and_in_dutch_by_default(client: Client) -> None:
    response = client.get("/api-documentation/")

    assert response.status_code == 200
    assert "API-documentatie" in response.content.decode()


def test_every_page_links_to_it_in_the_footer(client: Client) -> None:
    page = client.get("/en/login/").content.decode()

    assert 'href="/en/api-documentation/"' in page


def test_the_generated_document_is_the_committed_one() -> None:
    committed = document_from(json.loads(COMMITTED.read_text(encoding="utf-8")))

    assert api_document() == committed


def test_types_are_described_in_words_with_the_schema_they_refer_to() -> None:
    assert type_of({"type": "array", "items": {"$ref": "#/components/schemas/Tender"}}) == (
        "array of Tender",
        "Tender",
    )
    assert type_of({"type": "string", "format": "date", "nullable": True}) == ("string (date), null", "")
    assert type_of({"allOf": [{"$ref": "#/components/schemas/NatureEnum"}]}) == ("NatureEnum", "NatureEnum")
