from collections.abc import Callable
from decimal import Decimal

from rest_framework.test import APIClient

from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import AwardCriterion, Lot
from tests.factories import AwardCriterionFactory, LotFactory, TenderFactory

LOTS = "/api/v1/lots"
CRITERIA = "/api/v1/award-criteria"
Client = Callable[[User | None], APIClient]


def test_lot_list_filters_by_tender(buyer_client: APIClient, organisation: Organisation) -> None:
    lot = LotFactory(tender__organisation=organisation)
    LotFactory(tender__organisation=organisation)

    response = buyer_client.get(f"{LOTS}?tender={lot.tender_id}")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [lot.pk]


def test_lot_list_hides_other_organisations(buyer_client: APIClient, other_organisation: Organisation) -> None:
    LotFactory(tender__organisation=other_organisation)

    response = buyer_client.get(LOTS)

    assert response.json()["count"] == 0


def test_lot_detail(buyer_client: APIClient, organisation: Organisation) -> None:
    lot = LotFactory(tender__organisation=organisation, number="1", estimated_value=Decimal("10.50"))

    body = buyer_client.get(f"{LOTS}/{lot.pk}").json()

    assert body == {
        "id": lot.pk,
        "tender": lot.tender_id,
        "number": "1",
        "title": "Perceel",
        "description": "",
        "estimatedValue": "10.50",
        "mainCpv": None,
    }


def test_create_lot(buyer_client: APIClient, organisation: Organisation) -> None:
    tender = TenderFactory(organisation=organisation)

    response = buyer_client.post(LOTS, {"tender": tender.pk, "number": "2", "title": "Glasbewassing"}, format="json")

    assert response.status_code == 201, response.json()
    assert Lot.objects.get(pk=response.json()["id"]).tender == tender


def test_lot_pointing_at_another_organisations_tender_is_400_and_writes_nothing(
    buyer_client: APIClient, other_organisation: Organisation
) -> None:
    tender = TenderFactory(organisation=other_organisation)

    response = buyer_client.post(LOTS, {"tender": tender.pk, "number": "1", "title": "Inbraak"}, format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["tender"]
    assert Lot.objects.count() == 0


def test_duplicate_lot_number_is_a_problem_not_a_500(buyer_client: APIClient, organisation: Organisation) -> None:
    lot = LotFactory(tender__organisation=organisation, number="1")

    response = buyer_client.post(LOTS, {"tender": lot.tender_id, "number": "1", "title": "Dubbel"}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert Lot.objects.count() == 1


def test_update_lot(buyer_client: APIClient, organisation: Organisation) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = buyer_client.put(
        f"{LOTS}/{lot.pk}", {"tender": lot.tender_id, "number": "9", "title": "Nieuw"}, format="json"
    )

    assert response.status_code == 200, response.json()
    lot.refresh_from_db()
    assert (lot.number, lot.title) == ("9", "Nieuw")


def test_lot_cannot_move_to_another_tender(buyer_client: APIClient, organisation: Organisation) -> None:
    lot = LotFactory(tender__organisation=organisation)
    other_tender = TenderFactory(organisation=organisation)

    response = buyer_client.patch(f"{LOTS}/{lot.pk}", {"tender": other_tender.pk}, format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["tender"]
    lot.refresh_from_db()
    assert lot.tender_id != other_tender.pk


def test_delete_lot(buyer_client: APIClient, organisation: Organisation) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = buyer_client.delete(f"{LOTS}/{lot.pk}")

    assert response.status_code == 204
    assert Lot.objects.filter(pk=lot.pk).exists() is False


def test_reader_cannot_change_a_lot(
    client_for: Client, member: Callable[[str], User], organisation: Organisation
) -> None:
    lot = LotFactory(tender__organisation=organisation, title="Origineel")

    response = client_for(member(Role.LEZER)).patch(f"{LOTS}/{lot.pk}", {"title": "Anders"}, format="json")

    assert response.status_code == 403
    lot.refresh_from_db()
    assert lot.title == "Origineel"


def test_award_criteria_list_filters_by_lot(buyer_client: APIClient, organisation: Organisation) -> None:
    criterion = AwardCriterionFactory(lot__tender__organisation=organisation)
    AwardCriterionFactory(lot__tender__organisation=organisation)

    response = buyer_client.get(f"{CRITERIA}?lot={criterion.lot_id}")

    assert [row["id"] for row in response.json()["results"]] == [criterion.pk]
    assert response.json()["results"][0]["criterionType"] == "quality"


def test_award_criterion_detail_of_another_organisation_is_404(
    buyer_client: APIClient, other_organisation: Organisation
) -> None:
    criterion = AwardCriterionFactory(lot__tender__organisation=other_organisation)

    response = buyer_client.get(f"{CRITERIA}/{criterion.pk}")

    assert response.status_code == 404


def test_create_award_criterion(buyer_client: APIClient, organisation: Organisation) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = buyer_client.post(
        CRITERIA, {"lot": lot.pk, "criterionType": "price", "name": "Prijs", "weight": "60"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert AwardCriterion.objects.get(lot=lot).weight == Decimal("60")


def test_award_weight_above_100_is_a_problem_naming_the_field(
    buyer_client: APIClient, organisation: Organisation
) -> None:
    lot = LotFactory(tender__organisation=organisation)

    response = buyer_client.post(
        CRITERIA, {"lot": lot.pk, "criterionType": "price", "name": "Prijs", "weight": "101"}, format="json"
    )

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["weight"]
    assert AwardCriterion.objects.count() == 0


def test_award_criterion_on_another_organisations_lot_is_400_and_writes_nothing(
    buyer_client: APIClient, other_organisation: Organisation
) -> None:
    lot = LotFactory(tender__organisation=other_organisation)

    response = buyer_client.post(
        CRITERIA, {"lot": lot.pk, "criterionType": "price", "name": "Prijs", "weight": "60"}, format="json"
    )

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["lot"]
    assert AwardCriterion.objects.count() == 0
