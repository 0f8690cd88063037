"""Screenshots of the main pages for the user guide (docs/handleiding), made from a running app.

    make run                                   # in another terminal: the app with its demo data
    .venv/bin/python scripts/screenshots.py    # then this; the images land in docs/handleiding/img/

It starts nothing itself and changes nothing but one import: to show the import pages with a report and proposals it
uploads, as demo-inkoper, a small eForms notice (tests/fixtures/imports/eforms_bt805.xml with the demo organisation
as buyer); `--no-import` leaves that out. It logs in as each demo user (password `mvi-demo-2026`, or
MVIMONITOR_DEMO_PASSWORD) in Debian's chromium and saves every page twice, 1280 and 390 pixels wide
(`<role>-<page>-1280.png`, `<role>-<page>-390.png`): the top of the page as it opens, so each image stays small.

Pages are found by their URL names, as the app's own urls.py names them, and records (a tender, a contract, a
delivery form) by following the first link to them from the page before, so the script holds when the demo data or
the look of the pages change. A page that cannot be reached is reported and skipped; the exit code is 1 then.

Options: `--url` (default http://127.0.0.1:8000), `--out` (default docs/handleiding/img), `--role` (only these
roles), `--page` (only pages whose name contains this text).
"""

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NOTICE = ROOT / "tests" / "fixtures" / "imports" / "eforms_bt805.xml"
BUYER_KVK = "<cac:PartyLegalEntity><cbc:CompanyID>12345678</cbc:CompanyID></cac:PartyLegalEntity>"
DEFAULT_PASSWORD = "mvi-demo-2026"  # noqa: S105  # the published password of the demo logins, development only
WIDTHS = {1280: 900, 390: 844}  # viewport width -> height


@dataclass(frozen=True)
class Step:
    """A URL name; the first step is opened directly (with `query`), a later one is the first link to such a page."""

    name: str
    args: int = 0  # how many ids the URL takes (for a later step)
    query: str = ""


@dataclass(frozen=True)
class Shot:
    page: str  # file-name part
    steps: tuple[Step, ...]
    full_page: bool = False  # the whole page instead of its top (only where the point is below the fold)


@dataclass
class Role:
    name: str  # file-name part
    username: str
    shots: list[Shot] = field(default_factory=list)


def _open(name: str, query: str = "") -> tuple[Step, ...]:
    return (Step(name, query=query),)


ROLES = [
    Role("aanmelden", "", [Shot("login", _open("login"))]),
    Role(
        "inkoper",
        "demo-inkoper",
        [
            Shot("start", _open("home")),
            Shot("aanbestedingen", _open("tenders:list")),
            Shot("aanbesteding", (Step("tenders:list"), Step("tenders:detail", 1))),
            Shot("nieuwe-aanbesteding", _open("tenders:create")),
            Shot(
                "nieuwe-mvi-toepassing",
                (Step("tenders:list"), Step("tenders:detail", 1), Step("tenders:mvi-application-create", 2)),
            ),
            Shot(
                "criteria-kiezen",
                (Step("tenders:list"), Step("tenders:detail", 1), Step("tenders:lot-criteria", 2)),
            ),
            Shot("imports", _open("imports:list")),
            Shot("import-uploaden", _open("imports:upload")),
            Shot("importverslag", (Step("imports:list"), Step("imports:run-detail", 1))),
            Shot(
                "voorstellen-beoordelen",
                # the example notice's tender: found by its title also when a later upload left it unchanged
                (Step("tenders:list", query="q=Stationsweg"), Step("tenders:detail", 1), Step("imports:review", 1)),
            ),
            Shot("api-sleutels", _open("api-tokens")),
        ],
    ),
    Role(
        "contractmanager",
        "demo-contractmanager",
        [
            Shot("start", _open("home")),
            Shot("contracten", _open("effects:contract-list")),
            Shot("contract", (Step("effects:contract-list"), Step("effects:contract-detail", 1))),
            Shot("nieuw-contract", _open("effects:contract-create")),
            Shot(
                "nieuwe-toezegging",
                (
                    Step("effects:contract-list"),
                    Step("effects:contract-detail", 1),
                    Step("effects:commitment-create", 1),
                ),
            ),
            Shot(
                "levering-melden",
                (
                    Step("effects:contract-list"),
                    Step("effects:contract-detail", 1),
                    Step("effects:realisation-create", 1),
                ),
            ),
            Shot("effecten", _open("effects:dashboard")),
        ],
    ),
    Role(
        "coordinator",
        "demo-coordinator",
        [
            Shot("start", _open("home")),
            Shot("monitoring", _open("dashboards:organisation")),
            Shot("uitgaven", _open("dashboards:spend-totals")),
            Shot("niet-bevestigd", _open("tenders:list", "mvi_confirmed=no")),
            Shot("effecten", _open("effects:dashboard")),
            Shot("kpi-catalogus", _open("dashboards:catalogue")),
            Shot("criteria-gebruik", _open("dashboards:criteria-use")),
        ],
    ),
    Role(
        "analist",
        "demo-analist",
        [
            Shot("start", _open("home")),
            Shot("landelijk", _open("dashboards:national")),
            Shot("landelijk-per-soort", _open("dashboards:national", "geo=kind")),
            Shot("landelijke-effecten", _open("effects:national")),
            Shot("catalogus", _open("themes:index")),
        ],
    ),
    Role(
        "beheerder",
        "demo",
        [
            Shot("organisatie", _open("organisations:members")),
            Shot("organisatie-wijzigen", _open("organisations:edit")),
            Shot("uitnodigen", _open("organisations:invite")),
            Shot("api-documentatie", _open("api-docs")),
        ],
    ),
]


def _reverse(name: str, args: int = 0) -> str:
    from django.urls import reverse

    return reverse(name, args=[0] * args)


def _link_pattern(step: Step) -> re.Pattern[str]:
    """The addresses of pages of `step.name`: its URL with every id as digits."""
    path = _reverse(step.name, step.args)
    parts = [r"\d+" if part == "0" else re.escape(part) for part in path.split("/")]
    return re.compile("^" + "/".join(parts) + "$")


class Shooter:
    def __init__(self, browser: Any, url: str, out: Path, password: str) -> None:
        self.browser, self.url, self.out, self.password = browser, url.rstrip("/"), out, password
        self.failures: list[str] = []
        self.saved: list[Path] = []

    def session(self, username: str) -> dict[str, Any]:
        """The cookies of a logged-in session of `username` (none for an anonymous visitor)."""
        context = self.browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
        try:
            if username:
                page = context.new_page()
                page.goto(self.url + _reverse("login"))
                form = page.locator("main form").filter(has=page.locator("[name=password]"))
                form.locator("[name=username]").fill(username)
                form.locator("[name=password]").fill(self.password)
                with page.expect_navigation():
                    form.locator("button[type=submit]").click()
                if "/login/" in page.url:
                    raise SystemExit(f"{username} could not log in at {self.url}: is the app running with demo data?")
            return context.storage_state()  # type: ignore[no-any-return]
        finally:
            context.close()

    def find(self, page: Any, steps: tuple[Step, ...]) -> str:
        """The address the steps lead to: open the first, then follow the first link of each later step's kind."""
        first = steps[0]
        address = _reverse(first.name) + (f"?{first.query}" if first.query else "")
        for step in steps[1:]:
            page.goto(self.url + address)
            pattern = _link_pattern(step)
            hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
            found = next((h for h in hrefs if pattern.match(h.split("?")[0].split("#")[0])), None)
            if found is None:
                raise LookupError(f"no link to {step.name} on {address}")
            address = found
        return address

    def shoot(self, role: Role, pages: str) -> None:
        state = self.session(role.username)
        for width, height in WIDTHS.items():
            context = self.browser.new_context(
                locale="nl-NL",
                storage_state=state,
                viewport={"width": width, "height": height},
                is_mobile=width < 600,
                has_touch=width < 600,
                reduced_motion="reduce",
            )
            page = context.new_page()
            for shot in role.shots:
                if pages and pages not in shot.page:
                    continue
                target = self.out / f"{role.name}-{shot.page}-{width}.png"
                try:
                    address = self.find(page, shot.steps)
                    response = page.goto(self.url + address)
                    page.wait_for_load_state("networkidle")
                    if page.locator("canvas").count():
                        page.wait_for_timeout(600)  # let the charts finish drawing
                    if response is None or response.status >= 400:
                        raise LookupError(f"{address} answered {response.status if response else 'nothing'}")
                    page.screenshot(path=str(target), full_page=shot.full_page, animations="disabled")
                except Exception as error:  # report every page that failed, then go on
                    self.failures.append(f"{target.name}: {error}")
                    print(f"FAILED {target.name}: {error}", file=sys.stderr)
                else:
                    self.saved.append(target)
                    print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}  {address}")
            context.close()

    def upload_notice(self, username: str) -> None:
        """Upload the example notice with the user's organisation as buyer, so the import pages have content."""
        context = self.browser.new_context(locale="nl-NL", storage_state=self.session(username))
        try:
            page = context.new_page()
            page.goto(self.url + _reverse("organisations:members"))
            organisation = page.locator("main h1").first.inner_text().strip()
            xml = NOTICE.read_text(encoding="utf-8")
            xml = xml.replace("Gemeente Voorbeeldstad", escape(organisation))
            xml = re.sub(
                r"<cac:PartyLegalEntity><cbc:CompanyID>12345678</cbc:CompanyID></cac:PartyLegalEntity>", "", xml
            )
            page.goto(self.url + _reverse("imports:upload"))
            form = page.locator("main form").filter(has=page.locator("[name=files]")).first
            form.locator("[name=files]").set_input_files(
                {"name": "aankondiging-herinrichting-stationsweg.xml", "mimeType": "text/xml", "buffer": xml.encode()}
            )
            with page.expect_navigation():
                form.locator("button[type=submit]").first.click()
            # the worker of `make run` imports it in the background: wait until the report is there
            run = page.url
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and page.locator("[data-when-running]").is_visible():
                page.wait_for_timeout(1000)
                page.goto(run)  # a fresh load: the page reloads itself when the run ends
            print(f"uploaded an example notice for {organisation}: {page.url}")
        finally:
            context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "handleiding" / "img")
    parser.add_argument("--role", action="append", choices=[role.name for role in ROLES])
    parser.add_argument("--page", default="", help="only pages whose name contains this text")
    parser.add_argument("--no-import", action="store_true", help="do not upload the example notice")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mvimonitor.settings")
    import django

    django.setup()  # for reverse() only: the script reads the URL names, never the database
    from playwright.sync_api import sync_playwright

    options.out.mkdir(parents=True, exist_ok=True)
    password = os.getenv("MVIMONITOR_DEMO_PASSWORD") or DEFAULT_PASSWORD
    roles = [role for role in ROLES if not options.role or role.name in options.role]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        shooter = Shooter(browser, options.url, options.out, password)
        if not options.no_import and any(role.name == "inkoper" for role in roles):
            shooter.upload_notice("demo-inkoper")
        for role in roles:
            shooter.shoot(role, options.page)
        browser.close()
    largest = max(shooter.saved, key=lambda p: p.stat().st_size, default=None)
    if largest is not None:
        print(f"{len(shooter.saved)} screenshots; largest {largest.name}, {largest.stat().st_size // 1024} KB")
    for failure in shooter.failures:
        print(f"not made: {failure}", file=sys.stderr)
    return 1 if shooter.failures else 0


if __name__ == "__main__":
    sys.exit(main())
