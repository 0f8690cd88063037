"""The award page in a real browser: a buyer sets a CO2-price method, types one bid, imports the others from a CSV
file and downloads the report; axe-core finds no WCAG 2.1 AA violation on the filled page, in Dutch and English."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from mvimonitor.award.loaders import load_award_reference
from mvimonitor.award.models import Bid, CO2PriceSet
from mvimonitor.organisations.models import Role, User
from tests.factories import LotFactory, MembershipFactory, OrganisationFactory, TenderFactory

from .test_accessibility import _axe_violations, _csp_messages, _log_in, _readable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Data:
    user: User
    lot_id: int
    price_set_id: int


@pytest.fixture
def data() -> Data:
    load_award_reference()
    organisation = OrganisationFactory(name="Provincie Voorbeeld")
    user = MembershipFactory(user__username="inkoper", organisation=organisation, role=Role.INKOPER).user
    lot = LotFactory(tender=TenderFactory(organisation=organisation, title="Onderhoud provinciale wegen"))
    return Data(user=user, lot_id=lot.pk, price_set_id=CO2PriceSet.objects.get(price_per_tonne=700).pk)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_buyer_ranks_bids_and_downloads_the_report(
    page: Any, live_server: Any, data: Data, tmp_path: Path, language: str
) -> None:
    _log_in(page, live_server, data.user)
    prefix = "" if language == "nl" else "/en"
    url = live_server.url + prefix + reverse("award:lot", args=[data.lot_id])
    page.goto(url)

    page.select_option("#id_kind", "co2_price")
    page.select_option("#id_price_set", str(data.price_set_id))
    page.locator("#id_kind").evaluate("field => field.form.requestSubmit()")
    page.wait_for_url(url)
    page.fill("#id_bidder_name", "Aannemer A")
    page.fill("#id_price", "1000000")
    page.fill("#id_tonnes", "1000")
    page.locator("#id_bidder_name").evaluate("field => field.form.requestSubmit()")
    page.wait_for_url(url)
    csv = tmp_path / "bids.csv"
    csv.write_text("bidder;price;tonnes\nAannemer B;900000;1600\nAannemer C;1200000;500\n", encoding="utf-8")
    page.set_input_files("#id_file", str(csv))
    page.locator("#id_file").evaluate("field => field.form.requestSubmit()")
    page.wait_for_url(url)

    ranking = page.locator("#mvim-award-ranking").inner_text()
    assert ranking.index("Aannemer A") < ranking.index("Aannemer B")
    assert Bid.objects.count() == 3
    violations = _axe_violations(page)
    assert violations == [], _readable(violations)
    assert _csp_messages(page) == []

    with page.expect_download() as download_info:
        page.locator("#mvim-award-documents a", has_text="PDF").last.click()
    saved = tmp_path / "report.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
