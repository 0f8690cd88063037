"""The buyer sets the SME and innovation flags on a tender and on a lot; a later notice does not undo the choice."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mvimonitor.imports.models import ImportedTender
from mvimonitor.imports.updates import protected_assign
from mvimonitor.tenders.models import Lot, Tender

from .conftest import World
from .test_forms import _tender_data

pytestmark = pytest.mark.django_db


def test_the_buyer_sets_both_flags_on_the_tender(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.post(
        reverse("tenders:edit", args=[world.tender.pk]),
        _tender_data(is_sme_friendly="true", is_innovative="false"),
    )

    world.tender.refresh_from_db()
    assert response.status_code == 302
    assert (world.tender.is_sme_friendly, world.tender.is_innovative) == (True, False)
    assert world.tender.history.first().is_sme_friendly is True  # type: ignore[union-attr]


def test_unknown_stays_unknown(world: World, inkoper_client: Client) -> None:
    inkoper_client.post(
        reverse("tenders:edit", args=[world.tender.pk]), _tender_data(is_sme_friendly="unknown", is_innovative="")
    )

    world.tender.refresh_from_db()
    assert (world.tender.is_sme_friendly, world.tender.is_innovative) == (None, None)


def test_the_buyer_sets_both_flags_on_a_lot(world: World, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()
    response = inkoper_client.post(
        reverse("tenders:lot-edit", args=[world.tender.pk, lot.pk]),
        {"number": "1", "title": "Kantoren", "is_sme_friendly": "true", "is_innovative": "true"},
    )

    lot.refresh_from_db()
    assert response.status_code == 302
    assert (lot.is_sme_friendly, lot.is_innovative) == (True, True)


def test_the_forms_offer_yes_no_and_unknown_with_an_explanation(world: World, inkoper_client: Client) -> None:
    with translation.override("en"):
        url = reverse("tenders:edit", args=[world.tender.pk])
    page = inkoper_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for name in ("is_sme_friendly", "is_innovative"):
        assert f'<select name="{name}"' in page
        assert f'id="id_{name}_helptext"' in page or f'aria-describedby="id_{name}_helptext"' in page
    assert 'class="utrecht-select utrecht-select--html-select"' in page


def test_the_detail_page_shows_the_flags_of_tender_and_lot(world: World, inkoper_client: Client) -> None:
    Tender.objects.filter(pk=world.tender.pk).update(is_sme_friendly=True)
    Lot.objects.filter(tender=world.tender).update(is_innovative=False)

    with translation.override("en"):
        url = reverse("tenders:detail", args=[world.tender.pk])
    page = inkoper_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    tender_part, lot_part = page.split('class="mvim-lot"', 1)
    assert 'SME-friendly</dt><dd class="utrecht-data-list__item-value">Yes' in tender_part
    assert 'Innovation-oriented</dt><dd class="utrecht-data-list__item-value">unknown' in tender_part
    assert 'Innovation-oriented</dt><dd class="utrecht-data-list__item-value">No' in lot_part


def test_a_later_notice_keeps_the_buyers_choice_and_shows_the_difference(world: World, inkoper_client: Client) -> None:
    """The import remembers what it last wrote (ADR 0010); a flag the buyer changed since is kept."""
    Tender.objects.filter(pk=world.tender.pk).update(is_sme_friendly=True)
    link = ImportedTender.objects.create(
        tender=world.tender, source_format="eforms", procedure_id="p-1", imported_values={"is_sme_friendly": True}
    )
    inkoper_client.post(reverse("tenders:edit", args=[world.tender.pk]), _tender_data(is_sme_friendly="false"))
    tender = Tender.objects.get(pk=world.tender.pk)

    changed, differences = protected_assign(tender, {"is_sme_friendly": True}, link.imported_values, "")

    assert changed == []
    assert tender.is_sme_friendly is False
    assert differences == [{"field": "is_sme_friendly", "notice": True, "current": False}]
