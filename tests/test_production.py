"""The app started the way production starts it: DJANGO_ENV=production, `collectstatic`, gunicorn with
deploy/gunicorn.conf.py, behind a proxy that terminates TLS. Every page of the main navigation, a tender, the admin
and the API answer without a server error, with their static files.

Runs against a database of its own (never the test database): a fresh PostgreSQL database on the server the suite
runs against when that is PostgreSQL, as production should be, otherwise a SQLite file in a temporary directory. It is
prepared by the same commands an operator runs: migrate, collectstatic, the reference data; plus a small demo
organisation and logins.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse

from mvimonitor.navigation import MAIN_NAV

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "smoke-test-password-1234"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Server:
    base: str
    token: str = ""  # an API token of the demo login
    cookies: dict[str, str] = field(default_factory=dict)
    opener: urllib.request.OpenerDirector = field(default_factory=lambda: urllib.request.build_opener(_NoRedirect))

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        # The proxy in front terminates TLS and says so; cookies are Secure, so they are kept here by hand.
        sent = {"X-Forwarded-Proto": "https", "Origin": self.base.replace("http://", "https://"), **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=sent)  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                status, answer, content = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, answer, content = error.code, error.headers, error.read()
        for header in answer.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return status, dict(answer.items()), content


def _database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'db.sqlite3'}"
    import psycopg

    # one per pytest-xdist worker, as pytest-django names the test databases: workers that each run some of these
    # tests never drop each other's database
    name = "mvimonitor_production_smoke" + (f"_{worker}" if (worker := os.environ.get("PYTEST_XDIST_WORKER")) else "")
    parts = urllib.parse.urlsplit(url)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _production_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MVIMONITOR_", "DATABASE_URL"))}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="production-smoke-test-" + "k" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=_database_url(tmp),
        MVIMONITOR_STATIC_ROOT=str(tmp / "static"),
        MVIMONITOR_PRIVATE_MEDIA_ROOT=str(tmp / "private-media"),
        MVIMONITOR_CACHE_DIR=str(tmp / "cache"),
        MVIMONITOR_WEB_WORKERS="2",
        MVIMONITOR_WEB_THREADS="2",
    )
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("production")
    env = _production_env(tmp)
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(env, "collectstatic", "--no-input", "-v", "0")
    _manage(env, "load_reference", "--without-cpv-list")
    _manage(env, "load_effects_reference")
    _manage(env, "check", "--deploy", "--fail-level", "ERROR")
    # Demo data and logins are refused in production; they are made in development mode on the same database.
    dev = {**env, "DJANGO_ENV": "development", "MVIMONITOR_DEMO_PASSWORD": PASSWORD}
    _manage(dev, "generate_demo", "--organisations", "6", "--years", "1", "--seed", "7")
    _manage(dev, "create_demo_login")
    token = _manage(env, "create_api_token", "demo").strip().split()[-1]

    port = _free_port()
    log = (tmp / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "mvimonitor.wsgi"],
        cwd=ROOT,
        env={**env, "MVIMONITOR_BIND": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _attempt in range(150):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert process.poll() is None, f"gunicorn stopped: {(tmp / 'gunicorn.log').read_text()}"
                time.sleep(0.2)
        yield Server(base, token=token)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _log_in(server: Server) -> None:
    server.cookies = {}
    status, _headers, page = server.request("/login/")
    assert status == 200
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None
    status, _headers, _page = server.request(
        "/login/", {"csrfmiddlewaretoken": csrf.group(1).decode(), "username": "demo", "password": PASSWORD}
    )
    assert status == 302, "log-in refused"
    assert "sessionid" in server.cookies


pytestmark = pytest.mark.server


def test_plain_http_is_redirected_to_https(server: Server) -> None:
    status, headers, _body = server.request("/login/", headers={"X-Forwarded-Proto": "http"})

    assert status == 301
    assert headers["Location"].startswith("https://")


def test_every_main_page_answers_with_its_static_files(server: Server) -> None:
    _log_in(server)
    pages = [reverse(name) for name, _label in MAIN_NAV]
    status, _headers, tender_list = server.request(reverse("tenders:list"))
    tender = re.search(rb'href="(/tenders/\d+/)"', tender_list)
    assert tender is not None, "the demo organisation's tender list links no tender"
    pages.append(tender.group(1).decode())

    answers = {page: server.request(page) for page in pages}

    assert {page: status for page, (status, _h, _b) in answers.items()} == dict.fromkeys(pages, 200)
    for page, (_status, headers, _body) in answers.items():
        assert "no-store" in headers.get("Cache-Control", ""), page
        assert headers.get("Strict-Transport-Security", "").startswith("max-age="), page
    stylesheets = set(re.findall(rb'href="(/static/[^"]+\.css)"', answers[pages[0]][2]))
    assert stylesheets, "the page links no stylesheet"
    for stylesheet in stylesheets:
        assert re.search(rb"\.[0-9a-f]{12}\.css$", stylesheet), f"{stylesheet!r} is not a hashed file name"
        status, headers, _body = server.request(stylesheet.decode())
        assert status == 200, stylesheet
        assert "immutable" in headers.get("Cache-Control", ""), stylesheet


def test_an_unknown_page_is_a_plain_404_not_a_debug_page(server: Server) -> None:
    _log_in(server)  # logged out, the page redirects to the log-in page before it is looked up
    status, _headers, body = server.request("/tenders/987654321/")

    assert status == 404
    assert b"Traceback" not in body
    assert b"DEBUG = True" not in body


def test_the_api_answers_with_a_token(server: Server) -> None:
    token = server.token
    plain = Server(server.base)

    paths = ["/api/v1/openapi.json", "/api/v1/tenders", "/api/v1/kpis", "/api/v1/kpi-values?year=2025"]
    answers = {path: plain.request(path, headers={"Authorization": f"Token {token}"}) for path in paths}

    assert {path: status for path, (status, _h, _b) in answers.items()} == dict.fromkeys(paths, 200)
    assert b'"results"' in answers["/api/v1/tenders"][2]
    status, _headers, body = plain.request("/api/v1/tenders")
    assert status == 401
    assert b"Traceback" not in body
