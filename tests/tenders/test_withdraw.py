"""Withdrawing and deleting a tender: who may, what stays on record, and that a withdrawn tender leaves the figures."""

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from mvimonitor.dashboards.models import FactSummary, TenderFact
from mvimonitor.organisations.models import User
from mvimonitor.tenders import services
from mvimonitor.tenders.models import Tender
from tests.factories import LotFactory, TenderFactory

from .conftest import World

pytestmark = pytest.mark.django_db


def _tenders_counted(tender: Tender) -> int:
    """The number of tenders the stored summary of the tender's organisation and year counts (0 without a row)."""
    assert tender.publication_date is not None
    row = FactSummary.objects.filter(
        organisation_id=tender.organisation_id, year=tender.publication_date.year, breakdown="all"
    ).first()
    if row is None:
        return 0
    amounts = dict(zip(row.names.split(","), np.frombuffer(bytes(row.amounts), "<i8").tolist(), strict=True))
    return int(amounts["n"])


def _dated_tender(world: World) -> Tender:
    return services.tender_create(
        user=world.inkoper,
        organisation=world.own,
        title="Wagenpark",
        nature="supplies",
        procedure_type="open",
        publication_date=dt.date(2024, 5, 1),
    )


def test_withdrawal_leaves_the_figures_and_undoing_it_brings_the_tender_back(world: World) -> None:
    tender = _dated_tender(world)
    assert TenderFact.objects.filter(tender=tender).exists()
    counted = _tenders_counted(tender)
    assert counted >= 1

    services.tender_withdraw(user=world.inkoper, tender=tender, reason="Geen inschrijvingen")
    tender.refresh_from_db()
    assert tender.is_withdrawn
    assert tender.withdrawn_by == world.inkoper
    assert tender.withdrawal_reason == "Geen inschrijvingen"
    assert not TenderFact.objects.filter(tender=tender).exists()
    assert _tenders_counted(tender) == counted - 1

    services.tender_reinstate(user=world.inkoper, tender=tender)
    tender.refresh_from_db()
    assert not tender.is_withdrawn
    assert TenderFact.objects.filter(tender=tender).exists()
    assert _tenders_counted(tender) == counted


def test_withdrawal_is_kept_in_the_history(world: World) -> None:
    tender = _dated_tender(world)
    services.tender_withdraw(user=world.inkoper, tender=tender, reason="Ingetrokken na bezwaar")
    latest = tender.history.order_by("-history_date").first()
    assert latest is not None
    assert latest.withdrawal_reason == "Ingetrokken na bezwaar"
    assert latest.withdrawn_by_id == world.inkoper.pk
    assert latest.withdrawn_at is not None


def test_withdrawal_needs_a_reason_and_edit_rights(world: World) -> None:
    tender = _dated_tender(world)
    with pytest.raises(ValidationError):
        services.tender_withdraw(user=world.inkoper, tender=tender, reason="   ")
    with pytest.raises(PermissionDenied):
        services.tender_withdraw(user=world.lezer, tender=tender, reason="Mag niet")
    with pytest.raises(PermissionDenied):
        services.tender_withdraw(user=world.inkoper, tender=world.foreign_tender, reason="Mag niet")
    tender.refresh_from_db()
    assert not tender.is_withdrawn


def test_withdraw_page(world: World, inkoper_client: Client) -> None:
    url = reverse("tenders:withdraw", args=[world.tender.pk])
    assert inkoper_client.get(url).status_code == 200
    refused = inkoper_client.post(url, {"reason": ""})
    assert refused.status_code == 400
    response = inkoper_client.post(url, {"reason": "Opdracht vervalt"})
    assert response.status_code == 302
    world.tender.refresh_from_db()
    assert world.tender.withdrawal_reason == "Opdracht vervalt"
    detail = inkoper_client.get(reverse("tenders:detail", args=[world.tender.pk]))
    assert "Opdracht vervalt" in detail.content.decode()
    assert reverse("tenders:reinstate", args=[world.tender.pk]) in detail.content.decode()


def test_a_reader_may_not_withdraw(world: World, logged_in: Callable[[User], Client]) -> None:
    client = logged_in(world.lezer)
    assert client.get(reverse("tenders:withdraw", args=[world.tender.pk])).status_code == 403
    assert client.post(reverse("tenders:delete", args=[world.tender.pk])).status_code == 403
    assert client.get(reverse("tenders:withdraw", args=[world.foreign_tender.pk])).status_code == 404


def test_a_tender_with_contracts_cannot_be_deleted(world: World, inkoper_client: Client) -> None:
    url = reverse("tenders:delete", args=[world.tender.pk])  # the world's tender has a contract
    page = inkoper_client.get(url)
    assert page.status_code == 400
    main = page.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    assert 'method="post"' not in main  # no delete button to press
    assert inkoper_client.post(url).status_code == 400
    assert Tender.objects.filter(pk=world.tender.pk).exists()


def test_deleting_a_tender_asks_first_and_keeps_the_history(world: World, inkoper_client: Client) -> None:
    tender = TenderFactory(organisation=world.own, title="Te verwijderen")
    LotFactory(tender=tender, number="1")
    url = reverse("tenders:delete", args=[tender.pk])
    page = inkoper_client.get(url)
    assert page.status_code == 200
    assert Tender.objects.filter(pk=tender.pk).exists()  # the page only asks
    response = inkoper_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("tenders:list")
    assert not Tender.objects.filter(pk=tender.pk).exists()
    deleted = Tender.history.filter(id=tender.pk, history_type="-")
    assert deleted.count() == 1


def test_the_list_behind_a_figure_leaves_withdrawn_tenders_out_and_the_plain_list_shows_them(
    world: World, inkoper_client: Client
) -> None:
    tender = _dated_tender(world)
    services.tender_withdraw(user=world.inkoper, tender=tender, reason="Geen inschrijvingen")

    plain = inkoper_client.get(reverse("tenders:list")).content.decode()
    behind_a_figure = inkoper_client.get(reverse("tenders:list"), {"mvi": "no"}).content.decode()

    assert "Wagenpark" in plain
    assert "Wagenpark" not in behind_a_figure
