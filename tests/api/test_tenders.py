from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import Tender
from tests.factories import Catalogue, LotFactory, MVIApplicationFactory, TenderFactory

URL = "/api/v1/tenders"
Client = Callable[[User | None], APIClient]


def _body(organisation: Organisation, **extra: Any) -> dict[str, Any]:
    return {
        "organisation": organisation.pk,
        "title": "Schoonmaak stadhuis",
        "nature": "services",
        "procedureType": "open",
        "publicationDate": "2025-02-01",
        "estimatedValue": "120000.00",
        **extra,
    }


def test_list_shows_only_tenders_of_own_organisation(
    buyer_client: APIClient, organisation: Organisation, other_organisation: Organisation
) -> None:
    own = TenderFactory(organisation=organisation)
    TenderFactory(organisation=other_organisation)

    response = buyer_client.get(URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [own.pk]


def test_detail_uses_camel_case_properties(buyer_client: APIClient, organisation: Organisation) -> None:
    tender = TenderFactory(organisation=organisation, internal_reference="INK-1")
    lot = LotFactory(tender=tender)

    body = buyer_client.get(f"{URL}/{tender.pk}").json()

    assert body["internalReference"] == "INK-1"
    assert body["procedureType"] == "open"
    assert body["estimatedValue"] == "250000.00"
    assert body["isEuropean"] is True
    assert body["lots"] == [lot.pk]
    assert "internal_reference" not in body


def test_detail_of_another_organisations_tender_is_404_problem(
    buyer_client: APIClient, other_organisation: Organisation
) -> None:
    tender = TenderFactory(organisation=other_organisation)

    response = buyer_client.get(f"{URL}/{tender.pk}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_create_tender(buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue) -> None:
    response = buyer_client.post(
        URL, _body(organisation, mainCpv="90910000", additionalCpvs=["90911000"]), format="json"
    )

    assert response.status_code == 201, response.json()
    tender = Tender.objects.get(pk=response.json()["id"])
    assert tender.organisation == organisation
    assert tender.estimated_value == Decimal("120000.00")
    assert tender.main_cpv_id == "90910000"
    assert list(tender.additional_cpvs.values_list("code", flat=True)) == ["90911000"]
    assert response.json()["additionalCpvs"] == ["90911000"]


def test_create_for_another_organisation_is_refused_and_writes_nothing(
    buyer_client: APIClient, other_organisation: Organisation
) -> None:
    response = buyer_client.post(URL, _body(other_organisation), format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["organisation"]
    assert Tender.objects.count() == 0


def test_negative_value_is_a_problem_naming_the_field(buyer_client: APIClient, organisation: Organisation) -> None:
    response = buyer_client.post(URL, _body(organisation, estimatedValue="-5"), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["title"]
    assert body["status"] == 400
    assert [p["name"] for p in body["invalidParams"]] == ["estimatedValue"]
    assert Tender.objects.count() == 0


def test_unknown_cpv_code_is_a_problem_naming_the_field(
    buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue
) -> None:
    response = buyer_client.post(URL, _body(organisation, mainCpv="99999999"), format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["mainCpv"]


def test_cpv_of_another_nature_is_refused_by_the_service(
    buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue
) -> None:
    response = buyer_client.post(URL, _body(organisation, mainCpv="45000000"), format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["mainCpv"]
    assert Tender.objects.count() == 0


def test_update_tender(buyer_client: APIClient, organisation: Organisation) -> None:
    tender = TenderFactory(organisation=organisation)

    response = buyer_client.patch(f"{URL}/{tender.pk}", {"title": "Nieuwe titel"}, format="json")

    assert response.status_code == 200
    tender.refresh_from_db()
    assert tender.title == "Nieuwe titel"


def test_update_cannot_move_tender_to_another_organisation(
    buyer_client: APIClient, organisation: Organisation, buyer: User
) -> None:
    second = TenderFactory().organisation
    buyer.memberships.create(organisation=second, role=Role.INKOPER)
    tender = TenderFactory(organisation=organisation)

    response = buyer_client.patch(f"{URL}/{tender.pk}", {"organisation": second.pk}, format="json")

    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["organisation"]
    tender.refresh_from_db()
    assert tender.organisation == organisation


def test_update_of_another_organisations_tender_is_404_and_changes_nothing(
    buyer_client: APIClient, other_organisation: Organisation
) -> None:
    tender = TenderFactory(organisation=other_organisation, title="Origineel")

    response = buyer_client.patch(f"{URL}/{tender.pk}", {"title": "Gekaapt"}, format="json")

    assert response.status_code == 404
    tender.refresh_from_db()
    assert tender.title == "Origineel"


def test_delete_tender(buyer_client: APIClient, organisation: Organisation) -> None:
    tender = TenderFactory(organisation=organisation)

    response = buyer_client.delete(f"{URL}/{tender.pk}")

    assert response.status_code == 204
    assert Tender.objects.filter(pk=tender.pk).exists() is False


def test_delete_of_another_organisations_tender_is_404_and_keeps_it(
    buyer_client: APIClient, other_organisation: Organisation
) -> None:
    tender = TenderFactory(organisation=other_organisation)

    response = buyer_client.delete(f"{URL}/{tender.pk}")

    assert response.status_code == 404
    assert Tender.objects.filter(pk=tender.pk).exists() is True


def test_reader_can_read_but_not_create(
    client_for: Client, member: Callable[[str], User], organisation: Organisation
) -> None:
    client = client_for(member(Role.LEZER))
    TenderFactory(organisation=organisation)

    listed = client.get(URL)
    created = client.post(URL, _body(organisation), format="json")

    assert listed.json()["count"] == 1
    assert created.status_code == 403
    assert created["Content-Type"] == "application/problem+json"
    assert Tender.objects.count() == 1


def test_reader_cannot_update_or_delete(
    client_for: Client, member: Callable[[str], User], organisation: Organisation
) -> None:
    client = client_for(member(Role.LEZER))
    tender = TenderFactory(organisation=organisation, title="Origineel")

    updated = client.patch(f"{URL}/{tender.pk}", {"title": "Anders"}, format="json")
    deleted = client.delete(f"{URL}/{tender.pk}")

    assert (updated.status_code, deleted.status_code) == (403, 403)
    tender.refresh_from_db()
    assert tender.title == "Origineel"


def test_national_analyst_sees_no_tenders(client_for: Client, national_analyst: User) -> None:
    TenderFactory()

    response = client_for(national_analyst).get(URL)

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_national_analyst_with_a_membership_still_sees_no_tenders(
    client_for: Client, national_analyst: User, organisation: Organisation
) -> None:
    national_analyst.memberships.create(organisation=organisation, role=Role.LEZER)
    tender = TenderFactory(organisation=organisation)

    listed = client_for(national_analyst).get(URL)
    detail = client_for(national_analyst).get(f"{URL}/{tender.pk}")

    assert listed.json()["count"] == 0
    assert detail.status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("year=2024", ["old"]),
        ("nature=works", ["works"]),
        ("procedureType=restricted", ["works"]),
        ("search=ScHooN", ["old", "new"]),
    ],
)
def test_filters(buyer_client: APIClient, organisation: Organisation, query: str, expected: list[str]) -> None:
    TenderFactory(organisation=organisation, title="Schoonmaak oud", publication_date="2024-05-01")
    TenderFactory(organisation=organisation, title="Schoonmaak nieuw", publication_date="2025-05-01")
    TenderFactory(organisation=organisation, title="Brug", nature="works", procedure_type="restricted")
    names = {"Schoonmaak oud": "old", "Schoonmaak nieuw": "new", "Brug": "works"}

    response = buyer_client.get(f"{URL}?{query}")

    assert response.status_code == 200
    assert sorted(names[row["title"]] for row in response.json()["results"]) == sorted(expected)


def test_filter_by_theme_and_product_group(
    buyer_client: APIClient, organisation: Organisation, catalogue: Catalogue
) -> None:
    with_theme = TenderFactory(organisation=organisation, product_group=catalogue.group)
    MVIApplicationFactory(lot__tender=with_theme, theme=catalogue.klimaat)
    TenderFactory(organisation=organisation)

    by_theme = buyer_client.get(f"{URL}?theme=klimaat").json()
    by_group = buyer_client.get(f"{URL}?productGroup={catalogue.group.pk}").json()

    assert [row["id"] for row in by_theme["results"]] == [with_theme.pk]
    assert [row["id"] for row in by_group["results"]] == [with_theme.pk]


def test_filter_by_organisation(buyer_client: APIClient, organisation: Organisation, buyer: User) -> None:
    second = TenderFactory().organisation
    buyer.memberships.create(organisation=second, role=Role.LEZER)
    TenderFactory(organisation=organisation)

    response = buyer_client.get(f"{URL}?organisation={second.pk}")

    assert [row["organisation"] for row in response.json()["results"]] == [second.pk]


@pytest.mark.parametrize(
    ("query", "param"),
    [("nature=foo", "nature"), ("year=abc", "year"), ("procedureType=x", "procedureType"), ("theme=nope", "theme")],
)
def test_unknown_filter_values_are_a_400_problem(
    buyer_client: APIClient, catalogue: Catalogue, query: str, param: str
) -> None:
    response = buyer_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [p["name"] for p in response.json()["invalidParams"]] == [param]


def test_pagination_with_page_size(buyer_client: APIClient, organisation: Organisation) -> None:
    TenderFactory.create_batch(3, organisation=organisation)

    first = buyer_client.get(f"{URL}?pageSize=2").json()
    second = buyer_client.get(f"{URL}?pageSize=2&page=2").json()

    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert "pageSize=2" in first["next"]
    assert first["previous"] is None
    assert len(second["results"]) == 1
    assert second["next"] is None


def test_tender_list_query_count_does_not_grow_with_rows(
    buyer_client: APIClient, organisation: Organisation, django_assert_max_num_queries: Any
) -> None:
    for tender in TenderFactory.create_batch(5, organisation=organisation):
        LotFactory.create_batch(2, tender=tender)

    with django_assert_max_num_queries(8):
        response = buyer_client.get(URL)

    assert response.json()["count"] == 5


def test_withdraw_and_reinstate_through_the_api(buyer_client: APIClient, organisation: Organisation) -> None:
    tender = TenderFactory(organisation=organisation)

    without_reason = buyer_client.post(f"{URL}/{tender.pk}/withdraw", {"reason": ""}, format="json")
    withdrawn = buyer_client.post(f"{URL}/{tender.pk}/withdraw", {"reason": "Geen inschrijvingen"}, format="json")
    again = buyer_client.post(f"{URL}/{tender.pk}/withdraw", {"reason": "Nogmaals"}, format="json")
    listed = buyer_client.get(URL, {"withdrawn": "true"}).json()
    not_listed = buyer_client.get(URL, {"withdrawn": "false"}).json()

    assert without_reason.status_code == 400
    assert without_reason.json()["invalidParams"][0]["name"] == "reason"
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawalReason"] == "Geen inschrijvingen"
    assert withdrawn.json()["withdrawnAt"] is not None
    assert again.status_code == 400
    assert [t["id"] for t in listed["results"]] == [tender.pk]
    assert not_listed["count"] == 0
    reinstated = buyer_client.post(f"{URL}/{tender.pk}/reinstate")
    assert (reinstated.status_code, reinstated.json()["withdrawnAt"]) == (200, None)


def test_a_reader_cannot_withdraw(
    client_for: Client, member: Callable[[str], User], organisation: Organisation
) -> None:
    tender = TenderFactory(organisation=organisation)

    response = client_for(member(Role.LEZER)).post(f"{URL}/{tender.pk}/withdraw", {"reason": "x"}, format="json")

    assert response.status_code == 403
    tender.refresh_from_db()
    assert tender.withdrawn_at is None
