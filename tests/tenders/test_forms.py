"""Create and edit through the web forms: happy paths and every validation message, in Dutch."""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import AwardCriterion, Lot, MVIApplication, Tender
from tests.factories import Catalogue, ContractFactory, LotFactory

from .conftest import World

pytestmark = pytest.mark.django_db


def _tender_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Groenonderhoud parken",
        "description": "Maaien en snoeien",
        "internal_reference": "INK-2025-007",
        "publication_date": "2025-04-01",
        "nature": "services",
        "procedure_type": "open",
        "is_european": "on",
        "estimated_value": "125000",
        "currency": "EUR",
        "main_cpv": "90910000",
        "additional_cpvs": "",
    }
    data.update(overrides)
    return data


def _errors_of(html: str, field: str) -> str:
    """The text of the error messages tied to one field (the element the input's aria-describedby names)."""
    match = re.search(rf'<div id="id_{field}_error">(.*?)</div>\s*</div>', html, re.S)
    assert match is not None, f"no errors shown for {field}"
    assert (
        f'aria-describedby="id_{field}_error' in html
        or f'aria-describedby="id_{field}_helptext id_{field}_error' in html
    )
    return match.group(1)


def test_create_tender_redirects_to_detail_with_success_message(
    world: World, catalogue: Catalogue, inkoper_client: Client
) -> None:
    response = inkoper_client.post(
        reverse("tenders:create"), _tender_data(additional_cpvs="39100000, 45000000-3"), follow=True
    )

    tender = Tender.objects.get(title="Groenonderhoud parken")
    assert response.redirect_chain == [(reverse("tenders:detail", args=[tender.pk]), 302)]
    assert "De aanbesteding “Groenonderhoud parken” is toegevoegd." in response.content.decode()
    assert tender.organisation == world.own
    assert tender.main_cpv == catalogue.cleaning
    assert tender.estimated_value == Decimal("125000")
    assert sorted(c.code for c in tender.additional_cpvs.all()) == ["39100000", "45000000"]


def test_create_tender_form_renders_every_field_with_a_label(world: World, inkoper_client: Client) -> None:
    html = inkoper_client.get(reverse("tenders:create")).content.decode()

    for field in ("title", "nature", "main_cpv", "estimated_value", "publication_date"):
        assert f'<label class="utrecht-form-label" for="id_{field}">' in html
    assert 'name="main_cpv"' in html
    assert "<select" in html  # nature, procedure
    assert html.count("<option") < 200  # no 9,000-option CPV select


def test_unknown_cpv_code_is_refused(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.post(reverse("tenders:create"), _tender_data(main_cpv="12345678"))

    assert response.status_code == 400
    assert "CPV-code 12345678 is onbekend." in _errors_of(response.content.decode(), "main_cpv")
    assert not Tender.objects.filter(title="Groenonderhoud parken").exists()


def test_malformed_cpv_code_is_refused(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.post(reverse("tenders:create"), _tender_data(main_cpv="9091"))

    assert "“9091” is geen CPV-code. Een CPV-code heeft 8 cijfers" in _errors_of(response.content.decode(), "main_cpv")


def test_unknown_additional_cpv_codes_are_listed(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.post(reverse("tenders:create"), _tender_data(additional_cpvs="39100000 11111111"))

    assert "Onbekende CPV-code(s): 11111111." in _errors_of(response.content.decode(), "additional_cpvs")


def test_negative_estimated_value_is_refused(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.post(reverse("tenders:create"), _tender_data(estimated_value="-5"))

    assert "De geraamde waarde kan niet negatief zijn." in _errors_of(response.content.decode(), "estimated_value")
    assert not Tender.objects.filter(title="Groenonderhoud parken").exists()


def test_dutch_decimal_comma_is_accepted(world: World, inkoper_client: Client) -> None:
    inkoper_client.post(reverse("tenders:create"), _tender_data(estimated_value="1250,50"))

    assert Tender.objects.get(title="Groenonderhoud parken").estimated_value == Decimal("1250.50")


def test_cpv_division_inconsistent_with_nature_is_refused(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.post(reverse("tenders:create"), _tender_data(main_cpv="45000000", nature="services"))

    errors = _errors_of(response.content.decode(), "main_cpv")
    assert "CPV 45000000 hoort bij Werken, maar de aanbesteding is aangemerkt als Diensten." in errors


def test_missing_title_is_refused_with_a_message_at_the_top_and_at_the_field(
    world: World, inkoper_client: Client
) -> None:
    response = inkoper_client.post(reverse("tenders:create"), _tender_data(title=""))

    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Dit veld is vereist." in _errors_of(html, "title")


def test_edit_tender_changes_only_the_submitted_fields(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.post(
        reverse("tenders:edit", args=[world.tender.pk]),
        _tender_data(title="Schoonmaak stadhuis 2026", estimated_value="300000"),
    )

    world.tender.refresh_from_db()
    assert response.status_code == 302
    assert world.tender.title == "Schoonmaak stadhuis 2026"
    assert world.tender.estimated_value == Decimal("300000")
    assert world.tender.organisation == world.own


def test_edit_form_shows_current_values(world: World, inkoper_client: Client) -> None:
    html = inkoper_client.get(reverse("tenders:edit", args=[world.tender.pk])).content.decode()

    assert 'value="Schoonmaak stadhuis"' in html
    assert 'value="90910000"' in html


def test_invalid_edit_changes_nothing(world: World, inkoper_client: Client) -> None:
    inkoper_client.post(
        reverse("tenders:edit", args=[world.tender.pk]), _tender_data(title="Nieuw", estimated_value="-1")
    )

    world.tender.refresh_from_db()
    assert world.tender.title == "Schoonmaak stadhuis"


def test_add_lot(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.post(
        reverse("tenders:lot-create", args=[world.tender.pk]),
        {"number": "2", "title": "Scholen", "estimated_value": "50000", "main_cpv": "90910000"},
    )

    assert response.status_code == 302
    assert world.tender.lots.get(number="2").title == "Scholen"


def test_duplicate_lot_number_is_refused(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.post(
        reverse("tenders:lot-create", args=[world.tender.pk]), {"number": "1", "title": "Dubbel"}
    )

    assert "Deze aanbesteding heeft al een perceel met nummer 1." in _errors_of(response.content.decode(), "number")
    assert world.tender.lots.count() == 1


def test_edit_lot(world: World, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()

    inkoper_client.post(
        reverse("tenders:lot-edit", args=[world.tender.pk, lot.pk]), {"number": "1", "title": "Kantoren en hal"}
    )

    lot.refresh_from_db()
    assert lot.title == "Kantoren en hal"


def test_negative_lot_value_is_refused(world: World, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()

    response = inkoper_client.post(
        reverse("tenders:lot-edit", args=[world.tender.pk, lot.pk]),
        {"number": "1", "title": "Kantoren", "estimated_value": "-10"},
    )

    assert "De geraamde waarde kan niet negatief zijn." in _errors_of(response.content.decode(), "estimated_value")


def test_delete_lot_without_contracts(world: World, inkoper_client: Client) -> None:
    lot = LotFactory(tender=world.tender, number="9")

    response = inkoper_client.post(reverse("tenders:lot-delete", args=[world.tender.pk, lot.pk]), follow=True)

    assert not Lot.objects.filter(pk=lot.pk).exists()
    assert "Perceel 9: Perceel is verwijderd." in response.content.decode()


def test_delete_lot_with_contracts_is_refused_with_a_message(world: World, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()
    ContractFactory(lot=lot)

    response = inkoper_client.post(reverse("tenders:lot-delete", args=[world.tender.pk, lot.pk]))

    assert response.status_code == 400
    assert "Een perceel met contracten kan niet worden verwijderd." in response.content.decode()
    assert Lot.objects.filter(pk=lot.pk).exists()


def test_delete_lot_asks_for_confirmation_on_get(world: World, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()

    response = inkoper_client.get(reverse("tenders:lot-delete", args=[world.tender.pk, lot.pk]))

    assert response.status_code == 200
    assert Lot.objects.filter(pk=lot.pk).exists()


def test_add_award_criterion(world: World, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()

    inkoper_client.post(
        reverse("tenders:award-criterion-create", args=[world.tender.pk, lot.pk]),
        {"criterion_type": "quality", "name": "CO2-reductie", "weight": "25"},
    )

    assert AwardCriterion.objects.get(lot=lot, name="CO2-reductie").weight == Decimal("25")


def test_award_criterion_weight_above_100_is_refused(world: World, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()

    response = inkoper_client.post(
        reverse("tenders:award-criterion-create", args=[world.tender.pk, lot.pk]),
        {"criterion_type": "quality", "name": "Te zwaar", "weight": "120"},
    )

    assert "Een weging kan niet hoger zijn dan 100 procent." in _errors_of(response.content.decode(), "weight")
    assert not AwardCriterion.objects.filter(name="Te zwaar").exists()


def _application_data(catalogue: Catalogue, **overrides: Any) -> dict[str, Any]:
    data = {
        "theme": catalogue.klimaat.pk,
        "form": catalogue.award.pk,
        "ambition_level": catalogue.ambition.pk,
        "award_weight": "15",
        "origin": "manual",
        "evidence": "Gunningsleidraad 5.1",
        "confidence": "high",
    }
    data.update(overrides)
    return data


def test_add_mvi_application(world: World, catalogue: Catalogue, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()

    response = inkoper_client.post(
        reverse("tenders:mvi-application-create", args=[world.tender.pk, lot.pk]), _application_data(catalogue)
    )

    application = MVIApplication.objects.get(lot=lot, theme=catalogue.klimaat)
    assert response.status_code == 302
    assert application.award_weight == Decimal("15")
    assert application.created_by == world.inkoper


def test_mvi_award_weight_above_100_is_refused(world: World, catalogue: Catalogue, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()

    response = inkoper_client.post(
        reverse("tenders:mvi-application-create", args=[world.tender.pk, lot.pk]),
        _application_data(catalogue, award_weight="101"),
    )

    assert "Een weging kan niet hoger zijn dan 100 procent." in _errors_of(response.content.decode(), "award_weight")


def test_mvi_award_weight_on_a_minimum_requirement_is_refused(
    world: World, catalogue: Catalogue, inkoper_client: Client
) -> None:
    lot = world.tender.lots.get()

    response = inkoper_client.post(
        reverse("tenders:mvi-application-create", args=[world.tender.pk, lot.pk]),
        _application_data(catalogue, form=catalogue.minimum.pk),
    )

    errors = _errors_of(response.content.decode(), "award_weight")
    assert "Een gunningsweging hoort alleen bij een gunningscriterium." in errors


def test_duplicate_mvi_application_is_refused(world: World, catalogue: Catalogue, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()

    response = inkoper_client.post(
        reverse("tenders:mvi-application-create", args=[world.tender.pk, lot.pk]),
        _application_data(catalogue, theme=catalogue.sroi.pk),
    )

    errors = _errors_of(response.content.decode(), "form")
    assert "Dit perceel heeft het thema Social return al in de vorm Gunningscriterium." in errors
    assert lot.mvi_applications.count() == 1


def test_unknown_theme_is_refused(world: World, catalogue: Catalogue, inkoper_client: Client) -> None:
    lot = world.tender.lots.get()

    response = inkoper_client.post(
        reverse("tenders:mvi-application-create", args=[world.tender.pk, lot.pk]),
        _application_data(catalogue, theme="999999"),
    )

    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in _errors_of(response.content.decode(), "theme")


def test_edit_mvi_application(world: World, catalogue: Catalogue, inkoper_client: Client) -> None:
    response = inkoper_client.post(
        reverse("tenders:mvi-application-edit", args=[world.tender.pk, world.application.pk]),
        _application_data(catalogue, theme=catalogue.sroi.pk, award_weight="20", confidence="medium"),
    )

    world.application.refresh_from_db()
    assert response.status_code == 302
    assert world.application.award_weight == Decimal("20")
    assert world.application.confidence == "medium"


def test_delete_mvi_application(world: World, inkoper_client: Client) -> None:
    url = reverse("tenders:mvi-application-delete", args=[world.tender.pk, world.application.pk])

    response = inkoper_client.post(url)

    assert response.status_code == 302
    assert not MVIApplication.objects.filter(pk=world.application.pk).exists()


def test_confirm_mvi_registration(world: World, logged_in: Callable[[User], Client]) -> None:
    client = logged_in(world.coordinator)

    response = client.post(reverse("tenders:confirm-mvi", args=[world.tender.pk]), follow=True)

    world.tender.refresh_from_db()
    assert world.tender.mvi_confirmed_by == world.coordinator
    assert world.tender.mvi_confirmed_at is not None
    assert "De MVI-registratie van deze aanbesteding is bevestigd." in response.content.decode()


def test_confirm_mvi_registration_needs_post(world: World, inkoper_client: Client) -> None:
    response = inkoper_client.get(reverse("tenders:confirm-mvi", args=[world.tender.pk]))

    world.tender.refresh_from_db()
    assert response.status_code == 405
    assert world.tender.mvi_confirmed_at is None
