from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from mvimonitor.organisations.models import User
from mvimonitor.themes.models import CpvCode
from tests.factories import Catalogue

Client = Callable[[User | None], APIClient]


def test_themes_list_and_detail_by_code(buyer_client: APIClient, catalogue: Catalogue) -> None:
    listed = buyer_client.get("/api/v1/themes").json()
    detail = buyer_client.get("/api/v1/themes/sroi").json()

    assert [row["code"] for row in listed["results"]] == ["klimaat", "sroi"]
    assert detail["nameNl"] == "Social return"
    assert detail["sourceYear"] == 2021


def test_application_forms_and_ambition_levels(buyer_client: APIClient, catalogue: Catalogue) -> None:
    forms = buyer_client.get("/api/v1/application-forms").json()
    level = buyer_client.get("/api/v1/ambition-levels/basis").json()

    assert [row["code"] for row in forms["results"]] == ["minimumeis", "gunningscriterium"]
    assert "legalBasis" in forms["results"][0]
    assert level["level"] == 1


def test_product_group_set_has_clusters_with_groups(buyer_client: APIClient, catalogue: Catalogue) -> None:
    body = buyer_client.get("/api/v1/product-group-sets/2024").json()

    assert body["declaredGroupCount"] == 48
    assert body["validFrom"] == "2024-01-01"
    assert body["clusters"][0]["code"] == "gww"
    assert body["clusters"][0]["productGroups"][0]["code"] == "schoonmaak"


def test_product_groups_filter_by_set(buyer_client: APIClient, catalogue: Catalogue) -> None:
    found = buyer_client.get("/api/v1/product-groups?productGroupSet=2024").json()
    unknown = buyer_client.get("/api/v1/product-groups?productGroupSet=1999")

    assert found["results"][0]["productGroupSet"] == "2024"
    assert found["results"][0]["cluster"] == "gww"
    assert unknown.status_code == 400
    assert [p["name"] for p in unknown.json()["invalidParams"]] == ["productGroupSet"]


def test_criteria_filter_by_theme(buyer_client: APIClient, catalogue: Catalogue) -> None:
    klimaat = buyer_client.get("/api/v1/criteria?theme=klimaat").json()
    sroi = buyer_client.get("/api/v1/criteria?theme=sroi").json()

    assert [row["code"] for row in klimaat["results"]] == ["MVI-1"]
    assert klimaat["results"][0]["ambitionLevel"] == "basis"
    assert sroi["count"] == 0


def test_isv_risk_categories(buyer_client: APIClient, catalogue: Catalogue) -> None:
    body = buyer_client.get("/api/v1/isv-risk-categories").json()

    assert body["results"][0]["listVersion"] == "2023"
    assert body["results"][0]["nameNl"] == "Mensenrechten"


@pytest.mark.parametrize(("date", "count"), [("2025-06-30", 1), ("2026-01-01", 0)])
def test_eu_thresholds_valid_on(buyer_client: APIClient, catalogue: Catalogue, date: str, count: int) -> None:
    body = buyer_client.get(f"/api/v1/eu-thresholds?validOn={date}").json()

    assert body["count"] == count


def test_eu_threshold_amount_and_bad_category(buyer_client: APIClient, catalogue: Catalogue) -> None:
    body = buyer_client.get("/api/v1/eu-thresholds?category=decentral_supplies_services").json()
    bad = buyer_client.get("/api/v1/eu-thresholds?category=foo")

    assert body["results"][0]["amount"] == "221000.00"
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("search", "codes"),
    [("9091", ["90910000", "90911000"]), ("reiniging", ["90910000", "90911000"]), ("construction", ["45000000"])],
)
def test_cpv_search_on_code_and_label(
    buyer_client: APIClient, catalogue: Catalogue, search: str, codes: list[str]
) -> None:
    body = buyer_client.get(f"/api/v1/cpv-codes?search={search}").json()

    assert [row["code"] for row in body["results"]] == codes


def test_cpv_codes_are_paginated(buyer_client: APIClient, catalogue: Catalogue) -> None:
    first = buyer_client.get("/api/v1/cpv-codes?pageSize=3").json()
    last = buyer_client.get("/api/v1/cpv-codes?pageSize=3&page=2").json()

    assert first["count"] == CpvCode.objects.count() == 5
    assert [row["code"] for row in last["results"]] == ["90910000", "90911000"]


def test_cpv_detail_by_code(buyer_client: APIClient, catalogue: Catalogue) -> None:
    body = buyer_client.get("/api/v1/cpv-codes/45000000").json()

    assert body["labelEn"] == "Construction work"


def test_national_analyst_may_read_the_catalogue(
    client_for: Client, national_analyst: User, catalogue: Catalogue
) -> None:
    response = client_for(national_analyst).get("/api/v1/themes")

    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_catalogue_is_read_only(buyer_client: APIClient, catalogue: Catalogue) -> None:
    response = buyer_client.post("/api/v1/themes", {"code": "nieuw"}, format="json")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_catalogue_needs_authentication(client_for: Client, catalogue: Catalogue) -> None:
    response = client_for(None).get("/api/v1/cpv-codes")

    assert response.status_code == 401


def test_shipped_reference_data_is_served(buyer_client: APIClient, reference_data: None) -> None:
    themes = buyer_client.get("/api/v1/themes").json()
    forms = buyer_client.get("/api/v1/application-forms").json()
    levels = buyer_client.get("/api/v1/ambition-levels").json()

    assert themes["count"] == 6
    assert {row["code"] for row in forms["results"]} == {
        "selectie",
        "minimumeis",
        "gunningscriterium",
        "contractbepaling",
    }
    assert [row["code"] for row in levels["results"]] == ["basis", "significant", "ambitieus"]
