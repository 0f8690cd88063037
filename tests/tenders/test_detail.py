from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from mvimonitor.organisations.models import User
from mvimonitor.tenders import services

from .conftest import World

pytestmark = pytest.mark.django_db


def _detail(client: Client, world: World) -> str:
    response = client.get(reverse("tenders:detail", args=[world.tender.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_detail_shows_lots_award_criteria_mvi_applications_and_contracts(world: World, inkoper_client: Client) -> None:
    html = _detail(inkoper_client, world)

    assert "Schoonmaak stadhuis" in html
    assert "Kantoren" in html
    assert "Prijs" in html  # award criterion
    assert "Social return" in html  # MVI theme
    assert "Gunningscriterium" in html  # form of application
    assert "Schoon BV" in html  # contract supplier
    assert "90910000" in html  # main CPV


def test_detail_tables_have_captions_and_header_scopes(world: World, inkoper_client: Client) -> None:
    html = _detail(inkoper_client, world)

    assert html.count("<table") == html.count("<caption")
    assert 'scope="col"' in html
    assert 'scope="row"' in html


def test_inkoper_sees_edit_buttons(world: World, inkoper_client: Client) -> None:
    html = _detail(inkoper_client, world)

    assert reverse("tenders:edit", args=[world.tender.pk]) in html
    assert reverse("tenders:confirm-mvi", args=[world.tender.pk]) in html
    assert reverse("tenders:mvi-application-edit", args=[world.tender.pk, world.application.pk]) in html


def test_lezer_sees_no_edit_buttons(world: World, logged_in: Callable[[User], Client]) -> None:
    html = _detail(logged_in(world.lezer), world)

    assert f"/tenders/{world.tender.pk}/edit/" not in html
    assert "confirm-mvi" not in html
    assert "/lots/new/" not in html
    assert "mvi-applications" not in html


def test_coordinator_sees_mvi_buttons_but_not_tender_edit(world: World, logged_in: Callable[[User], Client]) -> None:
    html = _detail(logged_in(world.coordinator), world)

    assert reverse("tenders:confirm-mvi", args=[world.tender.pk]) in html
    assert reverse("tenders:edit", args=[world.tender.pk]) not in html


def test_detail_of_another_organisations_tender_is_404(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.get(reverse("tenders:detail", args=[world.foreign_tender.pk]))

    assert response.status_code == 404
    assert "Geheime aanbesteding" not in response.content.decode()


def test_history_shows_who_changed_which_tender_field(world: World, inkoper_client: Client) -> None:
    inkoper_client.post(
        reverse("tenders:edit", args=[world.tender.pk]),
        {
            "title": "Schoonmaak stadhuis en bibliotheek",
            "nature": "services",
            "procedure_type": "open",
            "currency": "EUR",
            "main_cpv": "90910000",
        },
    )

    html = _detail(inkoper_client, world)

    history = html.split("Wijzigingsgeschiedenis", 1)[1]
    assert world.inkoper.username in history
    assert "Schoonmaak stadhuis en bibliotheek" in history
    assert "titel: van “Schoonmaak stadhuis” naar “Schoonmaak stadhuis en bibliotheek”" in history


def test_history_shows_mvi_application_field_changes(world: World, inkoper_client: Client) -> None:
    services.mvi_application_update(user=world.inkoper, application=world.application, evidence="Bestek 4.2")

    html = _detail(inkoper_client, world)

    history = html.split("Wijzigingsgeschiedenis", 1)[1]
    assert "MVI-toepassing Social return / Gunningscriterium" in history
    assert "onderbouwing: van “\u2013” naar “Bestek 4.2”" in history


def test_history_keeps_deleted_mvi_applications(world: World, inkoper_client: Client) -> None:
    services.mvi_application_delete(user=world.inkoper, application=world.application)

    html = _detail(inkoper_client, world)

    assert "Social return / Gunningscriterium (perceel 1: Kantoren) verwijderd" in html
