"""A stand-in for TenderNed's publication API on 127.0.0.1 (a free port, in a thread), for the pull tests.

It answers the list (`GET /publicaties?publicatieDatumVanaf=&publicatieDatumTot=&page=&size=`, newest first, in the
page shape third parties observed) and each publication's XML (`GET /publicaties/{id}/public-xml`, Basic auth), and
can be told to answer a request with scripted faults first (`fail`) or for ever (`fail_always`). It records every
request with its time, for the tests to check what was asked and when.
"""

import base64
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LISTING = "listing"
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    authorization: str
    at: float


@dataclass
class MockTenderNed:
    user: str = "opendata"
    password: str = "s3cret-pw"
    publications: list[dict[str, Any]] = field(default_factory=list)
    xml: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, list[Answer]] = field(default_factory=dict)  # LISTING or a publication id -> answers first
    always: dict[str, Answer] = field(default_factory=dict)  # LISTING or a publication id -> answered for ever
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    # -- scripting -----------------------------------------------------------------------------------------------

    def publish(self, publication_id: str, publication_date: str, xml: bytes, kind: str = "AAO") -> None:
        self.publications.append(
            {
                "publicatieId": publication_id,
                "publicatieDatum": publication_date,
                "typePublicatie": {"code": kind, "omschrijving": "Aankondiging"},
                "aanbestedingNaam": f"Aanbesteding {publication_id}",
                "aanbestedendeDienstNaam": "Gemeente Voorbeeld",
                "europees": True,
            }
        )
        self.xml[publication_id] = xml

    def fail(self, key: str, *answers: Answer) -> None:
        self.faults.setdefault(key, []).extend(answers)

    def fail_always(self, key: str, answer: Answer) -> None:
        self.always[key] = answer

    def heal(self) -> None:
        self.faults.clear()
        self.always.clear()

    def xml_requests(self, publication_id: str | None = None) -> list[Seen]:
        return [
            s
            for s in self.seen
            if s.path.endswith("/public-xml") and (publication_id is None or f"/{publication_id}/" in s.path)
        ]

    def listing_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith("/publicaties")]

    # -- serving -------------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/papi/tenderned-rs-tns/v2"

    def start(self) -> "MockTenderNed":
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = mock.answer(self.path, self.headers.get("Authorization", ""))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def answer(self, raw_path: str, authorization: str) -> Answer:
        parts = urllib.parse.urlsplit(raw_path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        with self.lock:
            self.seen.append(Seen(path=parts.path, query=query, authorization=authorization, at=time.monotonic()))
            expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if authorization != expected:
                return 401, {"WWW-Authenticate": 'Basic realm="tenderned"'}, b"Unauthorized"
            prefix = "/papi/tenderned-rs-tns/v2/publicaties"
            if parts.path == prefix:
                key = LISTING
            elif parts.path.startswith(prefix + "/") and parts.path.endswith("/public-xml"):
                key = parts.path[len(prefix) + 1 : -len("/public-xml")]
            else:
                return 404, {}, b"Not found"
            if self.faults.get(key):
                return self.faults[key].pop(0)
            if key in self.always:
                return self.always[key]
            if key == LISTING:
                return 200, {"Content-Type": "application/json"}, self._page(query)
            if key not in self.xml:
                return 404, {}, b"Not found"
            return 200, {"Content-Type": "text/xml"}, self.xml[key]

    def _page(self, query: dict[str, str]) -> bytes:
        since, until = query.get("publicatieDatumVanaf", ""), query.get("publicatieDatumTot", "9999")
        page, size = int(query.get("page", "0")), int(query.get("size", "50"))
        wanted = [p for p in self.publications if since <= p["publicatieDatum"][:10] <= until]
        wanted.sort(key=lambda p: (p["publicatieDatum"], int(p["publicatieId"])), reverse=True)  # newest first
        content = wanted[page * size : (page + 1) * size]
        pages = -(-len(wanted) // size)
        return json.dumps(
            {
                "content": content,
                "number": page,
                "size": size,
                "numberOfElements": len(content),
                "totalElements": len(wanted),
                "totalPages": pages,
                "first": page == 0,
                "last": page + 1 >= pages,
            }
        ).encode()
