"""load_criteria --url against a stand-in for the criteria tool on 127.0.0.1 (never the real tool)."""

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management.base import CommandError

from mvimonitor.themes.models import Criterion
from tests.themes.criteria_helpers import counts, load_criteria, sample_json

pytestmark = pytest.mark.usefixtures("sample_release")

PATH = "/api/criteria"
ENGLISH = {"title": "title_en", "text": "text_en", "explanation": "explanation_en", "verification": "verification_en"}
RELEASE = ["--release", "tool-2027", "--valid-from", "2027-01-01", "--source", "MVI criteria tool (stand-in)"]


def _answers() -> dict[str, dict[str, Any]]:
    """The stand-in's answers for product group S20, as the tool is assumed to give them: one language each."""
    group = sample_json()["product_groups"][1]
    dutch, english = {}, {}
    for key, criterion in group["criteria"].items():
        own = {name: value for name, value in criterion.items() if not name.endswith("_en")}
        dutch[key] = own
        english[key] = {**own, **{name: criterion[source] for name, source in ENGLISH.items()}}
    common = {"subjects": group["subjects"], "tags": group["tags"]}
    return {"nl": {"criteria": dutch, **common}, "en": {"criteria": english, **common}}


class StandIn:
    def __init__(self) -> None:
        self.answers = _answers()
        self.status = 200
        self.seen: list[dict[str, list[str]]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                stand_in.seen.append(query)
                body = b"Not found"
                status = 404
                language = query.get("language", [""])[0]
                if parts.path == PATH and query.get("product_groups[]") == ["S20"] and language in stand_in.answers:
                    status, body = stand_in.status, json.dumps(stand_in.answers[language]).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{PATH}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tool() -> Iterator[StandIn]:
    stand_in = StandIn()
    yield stand_in
    stand_in.stop()


def test_the_tool_is_asked_in_both_languages_and_the_texts_are_merged(tool: StandIn) -> None:
    output = load_criteria("--url", tool.url, "--product-group", "S20", *RELEASE)

    assert counts(output, "criteria") == "criteria: 15 created, 0 updated, 0 unchanged"
    assert sorted(query["language"][0] for query in tool.seen) == ["en", "nl"]
    criterion = Criterion.objects.get(product_group__product_group_set__version="tool-2027", external_id="S2003")
    assert criterion.title == "Energiezuinige apparaten"
    assert criterion.title_en == "Energy-efficient devices"
    assert criterion.verification_en.startswith("Product sheets")
    assert criterion.product_group.code == "ict-hardware-en-mobiele-apparaten"


def test_asking_again_changes_nothing(tool: StandIn) -> None:
    load_criteria("--url", tool.url, "--product-group", "S20", *RELEASE)

    output = load_criteria("--url", tool.url, "--product-group", "S20", *RELEASE)

    assert counts(output, "criteria") == "criteria: 0 created, 0 updated, 15 unchanged"


def test_an_error_of_the_tool_names_the_url_and_loads_nothing(tool: StandIn) -> None:
    tool.status = 503

    with pytest.raises(CommandError, match=r"answered 503"):
        load_criteria("--url", tool.url, "--product-group", "S20", *RELEASE)

    assert not Criterion.objects.filter(product_group__product_group_set__version="tool-2027").exists()


def test_an_unreachable_tool_is_reported(tool: StandIn) -> None:
    url = tool.url
    tool.stop()

    with pytest.raises(CommandError, match=r"cannot be reached"):
        load_criteria("--url", url, "--product-group", "S20", "--timeout", "2", *RELEASE)


def test_only_http_urls_are_asked() -> None:
    with pytest.raises(CommandError, match=r"is not an http\(s\) URL"):
        load_criteria("--url", "file:///etc/passwd", "--product-group", "S20", *RELEASE)
