"""The page layout in a real browser: a compact page header, the menu on small screens (with and without script), the
web font from our own server and the side navigation of the long monitoring pages."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from mvimonitor.organisations.models import User

from .test_accessibility import Data, _axe_violations, _csp_messages, _log_in, _readable, data  # noqa: F401
from .test_dashboards_pages import users  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 800}
SMALL = {"width": 390, "height": 844}
MENU_BUTTON = "[data-mvim-menu-button]"
NAV_LINKS = "nav.mvim-nav a"


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return box  # type: ignore[no-any-return]


@pytest.fixture
def no_script_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="nl-NL", java_script_enabled=False, viewport=SMALL)
    tab = context.new_page()
    yield tab
    context.close()


def test_header_is_compact_with_a_horizontal_navigation_bar_on_a_wide_screen(
    page: Any,
    live_server: Any,
    data: Data,  # noqa: F811
) -> None:
    page.set_viewport_size(WIDE)
    _log_in(page, live_server, data.user)
    page.goto(live_server.url + reverse("tenders:list"))

    header = _box(page, "header.mvim-header")
    links = page.locator(NAV_LINKS)
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}

    assert header["height"] <= 120, f"the page header is {header['height']} px high"
    assert links.count() >= 5
    assert len(tops) == 1, f"the navigation wraps over several rows: {sorted(tops)}"
    assert page.locator(MENU_BUTTON).is_hidden()
    assert page.locator("#mvim-switch-organisation").is_visible()
    assert page.locator("header a[aria-current=page]").inner_text() == "Aanbestedingen"


def test_menu_collapses_on_a_small_screen_and_opens_and_closes_with_the_keyboard(
    page: Any,
    live_server: Any,
    data: Data,  # noqa: F811
) -> None:
    page.set_viewport_size(SMALL)
    _log_in(page, live_server, data.user)
    page.goto(live_server.url + reverse("tenders:list"))
    button = page.locator(MENU_BUTTON)

    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert page.locator(NAV_LINKS).first.is_hidden()
    assert _box(page, "header.mvim-header")["height"] <= 90

    for _ in range(5):  # skip link, brand, menu button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-mvim-menu-button')"):
            break
    assert page.evaluate("document.activeElement.hasAttribute('data-mvim-menu-button')"), "Tab never reached the menu"
    page.keyboard.press("Enter")

    assert button.get_attribute("aria-expanded") == "true"
    assert page.locator(NAV_LINKS).first.is_visible()
    assert page.locator("header .mvim-user-menu__logout button").is_visible()
    violations = _axe_violations(page)
    assert violations == [], _readable(violations)
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('mvim-header-menu').contains(document.activeElement)")

    page.keyboard.press("Escape")

    assert button.get_attribute("aria-expanded") == "false"
    assert page.locator(NAV_LINKS).first.is_hidden()
    assert page.evaluate("document.activeElement.hasAttribute('data-mvim-menu-button')")
    assert _csp_messages(page) == []


def test_menu_stays_open_without_javascript(no_script_page: Any, live_server: Any, data: Data) -> None:  # noqa: F811
    _log_in(no_script_page, live_server, data.user)
    no_script_page.goto(live_server.url + reverse("tenders:list"))

    assert no_script_page.locator(MENU_BUTTON).is_hidden()
    assert no_script_page.locator(NAV_LINKS).first.is_visible()
    assert no_script_page.locator("header .mvim-user-menu__logout button").is_visible()


def test_text_is_set_in_the_web_font_served_by_the_app(page: Any, live_server: Any, data: Data) -> None:  # noqa: F811
    fonts: list[str] = []
    page.on("response", lambda response: fonts.append(response.url) if ".woff2" in response.url else None)
    page.goto(live_server.url + reverse("login"))
    page.evaluate("document.fonts.ready")

    body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    heading_font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.replace(/['\"]/g, '') === 'Noto Sans' && f.status === 'loaded')"
        ".map(f => f.weight)"
    )

    assert body_font.startswith(("Noto Sans", '"Noto Sans"'))
    assert heading_font.startswith(("Noto Sans", '"Noto Sans"'))
    assert loaded, "no Noto Sans face was loaded"
    assert fonts, "no font file was fetched"
    assert all(url.startswith(live_server.url) for url in fonts), fonts
    assert _csp_messages(page) == []


@pytest.mark.parametrize(
    ("path", "who"),
    [("/monitoring/organisation/?year=2024", "member"), ("/monitoring/national/?year=2024", None)],
    ids=["organisation", "national"],
)
def test_dashboard_side_navigation_jumps_to_its_sections(
    page: Any,
    live_server: Any,
    users: dict[str, User],  # noqa: F811
    path: str,
    who: str | None,
) -> None:
    page.set_viewport_size(WIDE)
    if who is not None:
        _log_in(page, live_server, users[who])
    page.goto(live_server.url + path)
    nav = page.locator("nav.mvim-sidenav")
    links = nav.locator("a")
    sections = page.locator("#main .mvim-kpi").count()

    assert nav.is_visible()
    assert sections > 3
    assert links.count() == sections + 1  # the filters, then every table
    assert _box(page, "nav.mvim-sidenav")["x"] < _box(page, ".mvim-with-sidenav__content")["x"]

    middle = links.nth(links.count() // 2)
    target = middle.get_attribute("href")
    middle.click()
    page.wait_for_function("hash => location.hash === hash", arg=target)

    heading = _box(page, target)
    assert 0 <= heading["y"] < WIDE["height"] / 2, f"{target} is at {heading['y']} px after the jump"
    assert page.evaluate("window.scrollY") > 1000
    sidenav = _box(page, "nav.mvim-sidenav")
    assert 0 <= sidenav["y"] <= 32, f"the side navigation scrolled away (at {sidenav['y']} px) instead of sticking"
    page.wait_for_function("link => link.getAttribute('aria-current') === 'location'", arg=middle.element_handle())
    assert _csp_messages(page) == []
