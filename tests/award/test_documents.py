"""The award report and the annex text: the page's numbers in both files, in the reader's language, for readers of
the tender only."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mvimonitor.award import services
from mvimonitor.award.annex import annex_text
from mvimonitor.award.models import AwardKind
from mvimonitor.award.report import award_report
from mvimonitor.organisations.models import User
from mvimonitor.reports.readback import docx_text, pdf_text
from mvimonitor.reports.render import render_docx

from .conftest import AwardWorld

pytestmark = pytest.mark.django_db


def _co2_price_example(world: AwardWorld) -> None:
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700
    )
    services.add_bid(
        user=world.inkoper, method=method, bidder_name="Aannemer A", price=Decimal(1_000_000), tonnes=Decimal(1000)
    )
    services.add_bid(
        user=world.inkoper, method=method, bidder_name="Aannemer B", price=Decimal(900_000), tonnes=Decimal(1600)
    )


def _get(client: Client, world: AwardWorld, name: str, file_format: str, prefix: str = "") -> bytes:
    response = client.get(prefix + reverse(name, args=[world.lot.pk, file_format]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].endswith(f'.{file_format}"')
    return response.content


def test_the_report_carries_the_ranking_of_the_page_in_docx_and_pdf(
    world: AwardWorld, logged_in: Callable[[User], Client]
) -> None:
    _co2_price_example(world)
    client = logged_in(world.lezer)
    page = client.get(reverse("award:lot", args=[world.lot.pk])).content.decode()

    docx = docx_text(_get(client, world, "award:lot-report", "docx"))
    pdf = pdf_text(_get(client, world, "award:lot-report", "pdf"))

    # A: 1,000,000 - (1,600 - 1,000) x 700 = 580,000; B gets no advantage and stays at 900,000
    for figure in ["€ 580.000,00", "€ 420.000,00", "€ 900.000,00", "€ 700,00", "1.600"]:
        assert figure in page
        assert figure in docx
        assert figure in pdf
    assert docx.index("Aannemer A") < docx.index("Aannemer B")
    # sensitivity: (900,000 - 1,000,000) / (1,000 - 1,600) = 166.67 per tonne
    assert "€ 166,67" in docx
    assert "€ 166,67" in pdf
    assert "Gunningsrapport" in docx


def test_the_documents_follow_the_readers_language(world: AwardWorld, logged_in: Callable[[User], Client]) -> None:
    _co2_price_example(world)
    client = logged_in(world.lezer)

    docx = docx_text(_get(client, world, "award:lot-report", "docx", prefix="/en"))

    assert "Award report" in docx
    assert "€ 580,000.00" in docx


def test_the_annex_describes_the_stored_method_with_a_worked_example(world: AwardWorld) -> None:
    _co2_price_example(world)
    method = world.lot.award_method
    world.price_700.price_per_tonne = Decimal(1)
    world.price_700.save()  # a price set changed after the method was set: the annex keeps the stored price

    with translation.override("en"):
        text = docx_text(render_docx(annex_text(method)))

    assert "€ 700.00" in text
    assert "(1,600 − 1,000) × € 700.00 = € 420,000.00" in text
    assert "Equal fictitious prices are decided by the lower price" in text


def test_the_ladder_annex_lists_the_discount_table(world: AwardWorld, logged_in: Callable[[User], Client]) -> None:
    services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.LADDER_DISCOUNT, discount_scheme=world.prorail
    )

    text = pdf_text(_get(logged_in(world.lezer), world, "award:lot-annex", "pdf", prefix="/en"))

    assert "Fictitious discount per CO2-Prestatieladder level" in text
    for level, percent in world.prorail.table().items():
        assert level in text
        assert f"{Decimal(percent).normalize():f}%" in text


def test_outsiders_get_404_and_unknown_formats_too(world: AwardWorld, logged_in: Callable[[User], Client]) -> None:
    _co2_price_example(world)
    assert logged_in(world.outsider).get(reverse("award:lot-report", args=[world.lot.pk, "pdf"])).status_code == 404
    assert logged_in(world.lezer).get(reverse("award:lot-report", args=[world.lot.pk, "odt"])).status_code == 404


def test_a_lot_without_a_method_has_no_documents(world: AwardWorld, logged_in: Callable[[User], Client]) -> None:
    response = logged_in(world.lezer).get(reverse("award:lot-annex", args=[world.lot.pk, "docx"]))

    assert response.status_code == 404


def test_quality_criteria_appear_in_the_annex_and_the_report(world: AwardWorld) -> None:
    method = services.set_method(
        user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700
    )
    plan = services.add_quality_criterion(
        user=world.inkoper, method=method, name="Plan", max_discount=Decimal(500_000)
    )
    services.add_bid(
        user=world.inkoper, method=method, bidder_name="A", price=Decimal(10_000_000), tonnes=Decimal(1000),
        scores={plan.pk: Decimal(4)},
    )  # fmt: skip

    with translation.override("en"):
        annex = docx_text(render_docx(annex_text(method)))
        report = docx_text(render_docx(award_report(method)))

    assert "Plan\t€ 500,000.00\t10" in annex
    assert "Score: Plan" in report
    assert "€ 200,000.00" in report  # 4 / 10 x 500,000
