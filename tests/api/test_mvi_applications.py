from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rest_framework.test import APIClient

from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import MVIApplication
from tests.factories import Catalogue, LotFactory, MVIApplicationFactory

URL = "/api/v1/mvi-applications"
Client = Callable[[User | None], APIClient]


def _body(lot_id: int, **extra: Any) -> dict[str, Any]:
    return {"lot": lot_id, "theme": "klimaat", "form": "gunningscriterium", "awardWeight": "15", **extra}


def test_list_filters_by_tender_and_theme(
    buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue
) -> None:
    wanted = MVIApplicationFactory(lot__tender__organisation=organisation, theme=catalogue.klimaat)
    MVIApplicationFactory(lot__tender__organisation=organisation, theme=catalogue.sroi)

    by_tender = buyer_client.get(f"{URL}?tender={wanted.lot.tender_id}").json()
    by_theme = buyer_client.get(f"{URL}?theme=klimaat").json()

    assert [row["id"] for row in by_tender["results"]] == [wanted.pk]
    assert [row["id"] for row in by_theme["results"]] == [wanted.pk]


def test_detail_shows_codes_in_camel_case(
    buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue
) -> None:
    application = MVIApplicationFactory(
        lot__tender__organisation=organisation,
        theme=catalogue.klimaat,
        ambition_level=catalogue.basis,
    )

    body = buyer_client.get(f"{URL}/{application.pk}").json()

    assert body["theme"] == "klimaat"
    assert body["form"] == "gunningscriterium"
    assert body["ambitionLevel"] == "basis"
    assert body["awardWeight"] == "10.00"


def test_create_mvi_application(buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = buyer_client.post(URL, _body(lot.pk, ambitionLevel="basis"), format="json")

    assert response.status_code == 201, response.json()
    application = MVIApplication.objects.get(lot=lot)
    assert application.theme.code == "klimaat"
    assert application.award_weight == Decimal("15")


def test_unknown_theme_code_is_a_problem_naming_the_field(
    buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue
) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = buyer_client.post(URL, _body(lot.pk, theme="onbekend"), format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["theme"]
    assert MVIApplication.objects.count() == 0


def test_weight_above_100_is_a_problem(
    buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue
) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = buyer_client.post(URL, _body(lot.pk, awardWeight="100.5"), format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["awardWeight"]


def test_weight_on_a_minimum_requirement_is_refused_by_the_model_rule(
    buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue
) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = buyer_client.post(URL, _body(lot.pk, form="minimumeis"), format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["awardWeight"]
    assert MVIApplication.objects.count() == 0


def test_update_mvi_application(buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue) -> None:
    application = MVIApplicationFactory(lot__tender__organisation=organisation)

    response = buyer_client.patch(f"{URL}/{application.pk}", {"awardWeight": "25"}, format="json")

    assert response.status_code == 200, response.json()
    application.refresh_from_db()
    assert application.award_weight == Decimal("25")


def test_delete_mvi_application(buyer_client: APIClient, organisation: Organisation) -> None:
    application = MVIApplicationFactory(lot__tender__organisation=organisation)

    response = buyer_client.delete(f"{URL}/{application.pk}")

    assert response.status_code == 204
    assert MVIApplication.objects.filter(pk=application.pk).exists() is False


def test_coordinator_may_register_mvi(
    client_for: Client, member: Callable[[str], User], organisation: Organisation, catalogue: Catalogue
) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = client_for(member(Role.COORDINATOR)).post(URL, _body(lot.pk), format="json")

    assert response.status_code == 201


def test_contract_manager_may_not_register_mvi(
    client_for: Client, member: Callable[[str], User], organisation: Organisation, catalogue: Catalogue
) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = client_for(member(Role.CONTRACTMANAGER)).post(URL, _body(lot.pk), format="json")

    assert response.status_code == 403
    assert MVIApplication.objects.count() == 0


def test_reader_cannot_delete(client_for: Client, member: Callable[[str], User], organisation: Organisation) -> None:
    application = MVIApplicationFactory(lot__tender__organisation=organisation)

    response = client_for(member(Role.LEZER)).delete(f"{URL}/{application.pk}")

    assert response.status_code == 403
    assert MVIApplication.objects.filter(pk=application.pk).exists() is True


def test_another_organisations_application_cannot_be_changed(
    buyer_client: APIClient, other_organisation: Organisation
) -> None:
    application = MVIApplicationFactory(lot__tender__organisation=other_organisation)

    response = buyer_client.patch(f"{URL}/{application.pk}", {"awardWeight": "99"}, format="json")

    assert response.status_code == 404
    application.refresh_from_db()
    assert application.award_weight == Decimal("10")


def test_application_on_another_organisations_lot_is_400_and_writes_nothing(
    buyer_client: APIClient, other_organisation: Organisation, catalogue: Catalogue
) -> None:
    lot = LotFactory(tender__organisation=other_organisation)

    response = buyer_client.post(URL, _body(lot.pk), format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["lot"]
    assert MVIApplication.objects.count() == 0
