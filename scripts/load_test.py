"""Load with imports: logged-in clients over the main pages and the API while a large import commits.

    .venv/bin/python scripts/load_test.py --database postgres://postgres@127.0.0.1:5432/mvimonitor_load
    .venv/bin/python scripts/load_test.py --database sqlite                 # a SQLite file in a temporary folder
    .venv/bin/python scripts/load_test.py --clients 20 --seconds 300 --notices 20000

Sets up the app as production runs it (DJANGO_ENV=production, migrate, collectstatic, reference data, gunicorn with
deploy/gunicorn.conf.py) on a fresh database — PostgreSQL: the named database is DROPPED and made again, never
point it at one you need — with the demo data of `make run` (60 organisations, 3 years) and a demo login. Then, at the
same time:

- `manage.py import_notices` imports N generated eForms notices (scripts/generate_eforms_corpus.py), committing every
  1,000 notices as any import does, at the lower CPU priority the import worker has in production (`Nice=10` in
  deploy/systemd/mvimonitor-worker@.service; `--import-nice 0` for equal priority);
- C clients, each with its own session (and the API with a token), request in turn the organisation dashboard, the
  national figures, the tender list, the effects page and two API lists, for S seconds.

Prints per page and overall: requests, errors (any answer but 200), p50 / p95 / max latency, and the import's
progress. Nothing is asserted; the figures go to docs/performance.md.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PASSWORD = "load-test-password-1234"  # noqa: S105 (a throw-away database)
PAGES = {
    "dashboard": "/monitoring/organisation/",
    "national": "/monitoring/national/",
    "tenders": "/tenders/",
    "effects": "/effects/",
    "api tenders": "/api/v1/tenders?pageSize=50",
    "api kpi values": "/api/v1/kpi-values?year=2025",
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def request(
    base: str, path: str, cookies: dict[str, str], data: dict[str, str] | None = None, token: str = ""
) -> tuple[int, bytes]:
    headers = {"X-Forwarded-Proto": "https", "Origin": base.replace("http://", "https://")}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if token:
        headers["Authorization"] = f"Token {token}"
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(base + path, data=body, headers=headers)  # noqa: S310
    try:
        with OPENER.open(req, timeout=120) as response:
            status, answer, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer, content = error.code, error.headers, error.read()
    for header in answer.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return status, content


def log_in(base: str) -> dict[str, str]:
    cookies: dict[str, str] = {}
    _status, page = request(base, "/login/", cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        sys.exit("the log-in page has no form")
    form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": "demo", "password": PASSWORD}
    status, _page = request(base, "/login/", cookies, form)
    if status != 302:
        sys.exit(f"log-in refused ({status})")
    return cookies


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    if args.database == "sqlite":
        url = f"sqlite:///{tmp / 'db.sqlite3'}"
    else:
        import psycopg

        url = args.database
        parts = urllib.parse.urlsplit(url)
        name = parts.path.lstrip("/")
        with psycopg.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}"')
            db.execute(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MVIMONITOR_", "DATABASE_URL"))}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="load-test-" + "k" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=url,
        MVIMONITOR_STATIC_ROOT=str(tmp / "static"),
        MVIMONITOR_PRIVATE_MEDIA_ROOT=str(tmp / "private-media"),
        MVIMONITOR_CACHE_DIR=str(tmp / "cache"),
        MVIMONITOR_DB_CONN_MAX_AGE="60",
        MVIMONITOR_API_USER_RATE="100000/minute",  # the load is one user's: measure the app, not the throttle
    )
    started = time.monotonic()
    for command in (["migrate", "--no-input", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"],
                    ["load_reference"], ["load_effects_reference"]):  # fmt: skip
        manage(env, *command)
    dev = {**env, "DJANGO_ENV": "development", "MVIMONITOR_DEMO_PASSWORD": PASSWORD}
    manage(dev, "generate_demo", "--organisations", "60", "--years", "3", "--seed", "2026")
    manage(dev, "generate_demo_effects", "--seed", "2026")
    manage(dev, "create_demo_login")
    print(f"set-up: {time.monotonic() - started:.0f} s on {url.split('@')[-1]}", flush=True)
    return env


def client_loop(base: str, stop: float, timings: dict[str, list[float]], errors: dict[str, int], token: str) -> None:
    cookies = log_in(base)
    names = list(PAGES)
    turn = 0
    while time.monotonic() < stop:
        name = names[turn % len(names)]
        turn += 1
        is_api = name.startswith("api")
        started = time.monotonic()
        try:
            status, _body = request(base, PAGES[name], {} if is_api else cookies, token=token if is_api else "")
        except OSError:
            status = 0
        timings[name].append(time.monotonic() - started)
        if status != 200:
            errors[name] += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/mvimonitor_load")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--notices", type=int, default=20000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--web-workers", default="3")
    parser.add_argument("--web-threads", default="4")
    parser.add_argument("--import-nice", type=int, default=10, help="CPU priority of the import, as in production")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mvim-load-") as folder:
        tmp = Path(folder)
        corpus = tmp / "corpus.tar.gz"
        subprocess.run(
            [PY, "scripts/generate_eforms_corpus.py", "--count", str(args.notices), "--out", str(corpus)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        env = prepare(args, tmp)
        token = manage(env, "create_api_token", "demo").strip().split()[-1]
        base = f"http://127.0.0.1:{args.port}"
        web_env = {**env, "MVIMONITOR_BIND": f"127.0.0.1:{args.port}", "MVIMONITOR_WEB_WORKERS": args.web_workers,
                   "MVIMONITOR_WEB_THREADS": args.web_threads}  # fmt: skip
        log = (tmp / "server.log").open("w")
        gunicorn = str(Path(PY).parent / "gunicorn")
        web = subprocess.Popen([gunicorn, "--config", "deploy/gunicorn.conf.py", "mvimonitor.wsgi"],
                               cwd=ROOT, env=web_env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        importer: subprocess.Popen[bytes] | None = None
        try:
            for _attempt in range(300):
                try:
                    if request(base, "/login/", {})[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            import_started = time.monotonic()
            importer = subprocess.Popen(
                [PY, "manage.py", "import_notices", "--no-progress", str(corpus)],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                preexec_fn=lambda: os.nice(args.import_nice),
            )  # fmt: skip
            timings: dict[str, list[float]] = defaultdict(list)
            errors: dict[str, int] = defaultdict(int)
            stop = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=client_loop, args=(base, stop, timings, errors, token))
                for _client in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            still_running = importer.poll() is None
            output = importer.communicate()[0].decode(errors="replace").strip().splitlines()
            import_seconds = time.monotonic() - import_started
        finally:
            for process in (importer, web):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=60)
            log.close()

    web_shape = f"web {args.web_workers}x{args.web_threads}"
    print(f"{args.clients} clients, {args.seconds} s, {web_shape}, import nice {args.import_nice}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"{'page':<16}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    every: list[float] = []
    for name in PAGES:
        values = timings[name]
        every += values
        print(f"{name:<16}{len(values):>10}{errors[name]:>8}{statistics.median(values) * 1000:>9.0f}"
              f"{percentile(values, 0.95) * 1000:>9.0f}{max(values) * 1000:>9.0f}")  # fmt: skip
    print(f"{'all':<16}{len(every):>10}{sum(errors.values()):>8}{statistics.median(every) * 1000:>9.0f}"
          f"{percentile(every, 0.95) * 1000:>9.0f}{max(every) * 1000:>9.0f}")  # fmt: skip
    state = "still running when the clients stopped; then" if still_running else "finished within the window;"
    print(f"import of {args.notices} notices: {state} done after {import_seconds:.0f} s")
    print("\n".join(f"  {line}" for line in output[-4:]))


if __name__ == "__main__":
    main()
