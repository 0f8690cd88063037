"""The five jobs people come for, walked in a real browser in Dutch and in English.

1. An inkoper registers a tender with a lot and an MVI application, and confirms the registration.
2. An inkoper uploads a notice of their own organisation, reviews the proposed MVI themes and confirms one.
3. A coordinator reads the organisation dashboard and downloads a table as CSV.
4. A contract manager records a contract, a commitment and a delivery; a colleague verifies the delivery (four eyes).
5. A user makes a personal API token on their account page and calls the API with it.

Pages are reached by their URL names (reverse()), fields by their form names and buttons by the form they submit,
so the walk holds when the look of the pages changes. Every job asserts what it changed or showed: rows in the
database, figures on the page and in the download, the API's answer.
"""

import csv
import datetime as dt
import io
import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from mvimonitor.effects.models import Commitment, Realisation, RealisationStatus
from mvimonitor.imports.models import ImportRun, MVIProposal, ProposalStatus, RunStatus
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders import services as tender_services
from mvimonitor.tenders.models import Contract, Lot, MVIApplication, Tender
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, Theme
from tests import snapshots
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory

from .test_accessibility import _csp_messages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["nl", "en"]
NOTICE = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "eforms_bt805.xml"


@dataclass(frozen=True)
class World:
    organisation: Organisation
    inkoper: User
    coordinator: User
    contractmanager: User
    colleague: User  # a second contract manager, who verifies what the first one submitted


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> Iterator[World]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MVIMONITOR_PRIVATE_MEDIA_ROOT = str(tmp_path)
    cache.clear()
    snapshots.sample_release()
    snapshots.effects_reference()
    # The buyer of tests/fixtures/imports/eforms_bt805.xml, so an upload files its tender here.
    organisation = OrganisationFactory(name="Gemeente Voorbeeldstad", kvk_number="12345678")

    def member(username: str, role: str) -> User:
        membership = MembershipFactory(user__username=username, organisation=organisation, role=role)
        return membership.user  # type: ignore[no-any-return]

    yield World(
        organisation=organisation,
        inkoper=member("inkoper", Role.INKOPER),
        coordinator=member("coordinator", Role.COORDINATOR),
        contractmanager=member("contractmanager", Role.CONTRACTMANAGER),
        colleague=member("collega", Role.CONTRACTMANAGER),
    )
    cache.clear()


# --- helpers --------------------------------------------------------------------------------------------------------


def _url(live_server: Any, language: str, name: str, *args: object) -> str:
    with translation.override(language):
        return str(live_server.url + reverse(name, args=args))


def _path(language: str, name: str, *args: object) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def _log_in(page: Any, live_server: Any, language: str, user: User) -> None:
    """Log in through the login page, as a person does (a fresh session: earlier cookies are dropped)."""
    page.context.clear_cookies()
    page.goto(_url(live_server, language, "login"))
    form = page.locator("main form").filter(has=page.locator("[name=password]"))
    form.locator("[name=username]").fill(user.username)
    form.locator("[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/login/" not in page.url, f"{user.username} could not log in: {page.inner_text('main')[:300]}"
    assert page.evaluate("document.documentElement.lang") == language


def _form_with(page: Any, field: str) -> Any:
    """The form in the page's main content that holds the field named `field`."""
    return page.locator("main form").filter(has=page.locator(f"[name='{field}']")).first


def _set(form: Any, name: str, value: str) -> None:
    """Give a field its value whatever widget shows it: text, date, select, radio or checkbox; a field that a picker
    hides behind its own widget gets the value on the form field itself."""
    field = form.locator(f"[name='{name}']")
    kind = field.first.evaluate("e => e.tagName.toLowerCase() === 'input' ? e.type : e.tagName.toLowerCase()")
    if kind == "radio":
        form.locator(f"[name='{name}'][value='{value}']").check()
    elif kind == "checkbox":
        field.first.set_checked(value not in {"", "false", "off"})
    elif not field.first.is_visible():
        field.first.evaluate(
            """(e, v) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true}));
                           e.dispatchEvent(new Event('change', {bubbles: true})); }""",
            value,
        )
    elif kind == "select":
        field.first.select_option(value=value)
    else:
        field.first.fill(value)


def _submit(page: Any, form: Any, button: Any = None) -> None:
    with page.expect_navigation():
        (button or form.locator("button[type=submit]").first).click()


def _fill_and_submit(page: Any, values: dict[str, str]) -> None:
    form = _form_with(page, next(iter(values)))
    for name, value in values.items():
        _set(form, name, value)
    _submit(page, form)


def _messages(page: Any) -> str:
    return str(page.inner_text("main"))


def _mvi_ids(code: str = "milieu", form: str = "contractbepaling", level: str = "basis") -> dict[str, str]:
    return {
        "theme": str(Theme.objects.get(code=code).pk),
        "form": str(ApplicationForm.objects.get(code=form).pk),
        "ambition_level": str(AmbitionLevel.objects.get(code=level).pk),
    }


def _tender_with_mvi(world: World, title: str, *, year: int = 2024, theme: str | None = "milieu") -> Lot:
    """A tender with one lot, made through the services as the inkoper would (for the jobs that start later)."""
    tender = tender_services.tender_create(
        user=world.inkoper,
        organisation=world.organisation,
        title=title,
        nature="services",
        procedure_type="open",
        publication_date=dt.date(year, 3, 1),
        estimated_value=Decimal(200_000),
    )
    lot = tender_services.lot_create(user=world.inkoper, tender=tender, number="1", title="Perceel 1")
    if theme is not None:
        ids = _mvi_ids(theme)
        tender_services.mvi_application_create(
            user=world.inkoper,
            lot=lot,
            theme=Theme.objects.get(pk=ids["theme"]),
            form=ApplicationForm.objects.get(pk=ids["form"]),
            ambition_level=AmbitionLevel.objects.get(pk=ids["ambition_level"]),
        )
    return lot


# --- 1. register a tender with an MVI application --------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_register_a_tender_with_an_mvi_application(page: Any, live_server: Any, world: World, language: str) -> None:
    _log_in(page, live_server, language, world.inkoper)

    page.goto(_url(live_server, language, "tenders:create"))
    _fill_and_submit(
        page,
        {
            "title": "Schoonmaak gemeentehuis",
            "nature": "services",
            "procedure_type": "open",
            "publication_date": "2024-04-15",
            "estimated_value": "250000",
            "main_cpv": "",
        },
    )
    tender = Tender.objects.get(title="Schoonmaak gemeentehuis")
    assert tender.organisation == world.organisation
    assert page.url.endswith(_path(language, "tenders:detail", tender.pk))

    page.goto(_url(live_server, language, "tenders:lot-create", tender.pk))
    _fill_and_submit(page, {"number": "1", "title": "Kantoren"})
    lot = Lot.objects.get(tender=tender)

    page.goto(_url(live_server, language, "tenders:mvi-application-create", tender.pk, lot.pk))
    _fill_and_submit(page, {**_mvi_ids("circulair"), "evidence": "Bestek, paragraaf 4.2: circulaire materialen."})
    application = MVIApplication.objects.get(lot=lot)
    assert application.theme.code == "circulair"
    assert application.created_by == world.inkoper
    assert "4.2" in _messages(page)  # the detail page shows the application with its evidence

    confirm = page.locator(f"main form[action='{_path(language, 'tenders:confirm-mvi', tender.pk)}']")
    _submit(page, confirm)
    tender.refresh_from_db()
    assert tender.mvi_confirmed_by == world.inkoper
    assert tender.mvi_confirmed_at is not None
    assert _csp_messages(page) == []


# --- 2. upload, review and confirm an import -------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_upload_review_and_confirm_an_import(page: Any, live_server: Any, world: World, language: str) -> None:
    _log_in(page, live_server, language, world.inkoper)

    page.goto(_url(live_server, language, "imports:upload"))
    form = _form_with(page, "files")
    form.locator("[name=files]").set_input_files(str(NOTICE))
    _submit(page, form)

    run = ImportRun.objects.get()
    assert page.url.endswith(_path(language, "imports:run-detail", run.pk))
    assert (run.status, run.created) == (RunStatus.DONE, 1)
    tender = Tender.objects.get()
    assert tender.organisation == world.organisation  # the notice's buyer is the uploader's organisation
    assert tender.title == "Herinrichting Stationsweg"
    proposals = MVIProposal.objects.filter(lot__tender=tender, status=ProposalStatus.PROPOSED)
    assert proposals.exists(), "the notice's BT-805 green criteria propose MVI themes"

    review = _path(language, "imports:review", tender.pk)
    with page.expect_navigation():
        page.locator(f"main a[href='{review}']").first.click()
    proposal = proposals.order_by("pk").first()
    assert proposal is not None
    with translation.override(language):
        assert str(proposal.theme) in _messages(page)  # the theme named in the page's language

    form = page.locator(f"main form[action='{_path(language, 'imports:review-proposal', tender.pk, proposal.pk)}']")
    if proposal.form_id is None:  # the notice did not say in which form: the reviewer chooses it
        _set(form, f"p{proposal.pk}-form", str(ApplicationForm.objects.get(code="contractbepaling").pk))
    _submit(page, form, form.locator("button[type=submit][value=confirm]"))

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED, _messages(page)[:2000]
    assert proposal.application is not None
    assert MVIApplication.objects.filter(lot__tender=tender, theme=proposal.theme).exists()
    assert _csp_messages(page) == []


# --- 3. read the organisation dashboard and export a table -----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_read_the_dashboard_and_download_a_table(page: Any, live_server: Any, world: World, language: str) -> None:
    for number in range(3):
        _tender_with_mvi(world, f"Aanbesteding met MVI {number}")
    _tender_with_mvi(world, "Aanbesteding zonder MVI", theme=None)  # 3 of the 4 tenders of 2024 apply MVI: 75 %
    _log_in(page, live_server, language, world.coordinator)

    page.goto(_url(live_server, language, "dashboards:organisation") + "?year=2024")
    page.wait_for_load_state("networkidle")
    main = _messages(page)
    assert world.organisation.name in main
    assert re.search(r"\b75([.,]0)?\s?%", main), "the share of tenders with MVI (3 of 4) is shown"

    link = page.locator("main a[href*='export=org-mvi-share-tenders'][href*='format=csv']").first
    with page.expect_download() as download_info:
        link.click()
    content = Path(download_info.value.path()).read_bytes()

    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, as Dutch Excel needs
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert world.organisation.name in cells
    assert any(re.fullmatch(r"75([.,]0+)?", cell) for cell in cells), rows
    assert "2024" in cells or any("2024" in cell for cell in cells)


# --- 4. record a contract, a commitment and a delivery verified by a colleague ---------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_record_a_contract_and_a_delivery_verified_by_a_colleague(
    page: Any, live_server: Any, world: World, language: str
) -> None:
    lot = _tender_with_mvi(world, "Groene stroom gemeentehuis", theme="klimaat")
    assert world.organisation.four_eyes_verification  # on by default
    _log_in(page, live_server, language, world.contractmanager)

    page.goto(_url(live_server, language, "effects:contract-create"))
    _fill_and_submit(
        page,
        {
            "lot": str(lot.pk),
            "supplier_name": "Energie Leverancier B.V.",
            "value": "500000",
            "start_date": "2024-01-01",
            "end_date": "2025-12-31",
        },
    )
    contract = Contract.objects.get(lot=lot)
    assert page.url.endswith(_path(language, "effects:contract-detail", contract.pk))

    page.goto(_url(live_server, language, "effects:commitment-create", contract.pk))
    _fill_and_submit(
        page,
        {
            "theme": str(Theme.objects.get(code="klimaat").pk),
            "kind": "electricity",
            "description": "Groene stroom uit Nederlandse wind",
            "quantity": "100000",
            "unit": "kWh",
            "factor_code": "windkracht-kwh",
            "reference_description": "Grijze stroom van het net",
            "reference_factor_code": "grijze-stroom-kwh",
        },
    )
    commitment = Commitment.objects.get(contract=contract)
    assert commitment.quantity == Decimal(100000)

    page.goto(_url(live_server, language, "effects:realisation-create", commitment.pk))
    _fill_and_submit(page, {"period_start": "2024-01-01", "period_end": "2024-12-31", "quantity": "90000"})
    realisation = Realisation.objects.get(commitment=commitment)
    assert (realisation.status, realisation.submitted_by) == (RealisationStatus.SUBMITTED, world.contractmanager)

    review = _path(language, "effects:realisation-review", realisation.pk)

    def verify() -> None:
        form = page.locator(f"main form[action='{review}']")
        _set(form, "status", RealisationStatus.VERIFIED)
        _submit(page, form)

    # Four eyes: who submitted the delivery cannot verify it.
    page.goto(_url(live_server, language, "effects:contract-detail", contract.pk))
    if page.locator(f"main form[action='{review}']").count():
        verify()
        realisation.refresh_from_db()
        assert realisation.status == RealisationStatus.SUBMITTED

    _log_in(page, live_server, language, world.colleague)
    page.goto(_url(live_server, language, "effects:contract-detail", contract.pk))
    verify()

    realisation.refresh_from_db()
    assert (realisation.status, realisation.reviewed_by) == (RealisationStatus.VERIFIED, world.colleague)
    assert "90" in _messages(page)  # the delivered quantity is on the contract page
    assert _csp_messages(page) == []


# --- 5. make a personal API token and call the API with it -----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_make_a_token_and_call_the_api(page: Any, live_server: Any, world: World, language: str) -> None:
    _tender_with_mvi(world, "Aanbesteding voor de API")
    _log_in(page, live_server, language, world.inkoper)

    page.goto(_url(live_server, language, "api-tokens"))
    _fill_and_submit(page, {"name": "BI-rapport"})
    match = re.search(r"Token ([A-Za-z0-9_-]{32,})", _messages(page))
    assert match, "the new key is shown once, with the header to send it in"
    key = match.group(1)
    assert world.inkoper.api_tokens.filter(name="BI-rapport").exists()

    request = urllib.request.Request(  # noqa: S310  # the live test server, over http
        f"{live_server.url}/api/v1/tenders", headers={"Authorization": f"Token {key}", "Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        status, body = response.status, json.loads(response.read())

    assert status == 200
    assert [tender["title"] for tender in body["results"]] == ["Aanbesteding voor de API"]

    without = urllib.request.Request(f"{live_server.url}/api/v1/tenders", headers={"Accept": "application/json"})  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(without, timeout=30)  # noqa: S310
    refused.value.close()
    assert refused.value.code == 401  # without the token the API answers 401
