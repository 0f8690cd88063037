"""API v1 for contracts, commitments, realisations and effect summaries: camelCase, problem+json, services."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from mvimonitor.effects.models import BuildingBlock, BuildingBlockTable, Realisation
from mvimonitor.organisations.models import User
from tests.factories import api_key

from .conftest import Side


def _api(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def _commitment_body(side: Side, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "contract": side.contract.pk,
        "theme": "klimaat",
        "kind": "electricity",
        "description": "Groene stroom",
        "quantity": "100000",
        "unit": "kWh",
        "factorCode": "green-power-government-average",
        "referenceFactorCode": "electricity-nl-mix-2021",
    }
    body.update(overrides)
    return body


def test_contract_create_and_update(side_a: Side) -> None:
    client = _api(side_a.manager)

    created = client.post(
        "/api/v1/contracts",
        {"lot": side_a.contract.lot_id, "supplierName": "Nieuw BV", "value": "5000.00", "startDate": "2025-01-01",
         "endDate": "2025-12-31"},
        format="json",
    )  # fmt: skip
    changed = client.patch(f"/api/v1/contracts/{created.json()['id']}", {"supplierName": "Anders BV"}, format="json")

    assert created.status_code == 201, created.json()
    assert changed.json()["supplierName"] == "Anders BV"


def test_contract_with_end_before_start_is_a_problem(side_a: Side) -> None:
    response = _api(side_a.manager).post(
        "/api/v1/contracts",
        {"lot": side_a.contract.lot_id, "supplierName": "X", "startDate": "2025-12-01", "endDate": "2025-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["invalidParams"][0]["name"] == "endDate"


def test_commitment_realisation_review_and_summary(side_a: Side) -> None:
    client = _api(side_a.manager)

    commitment = client.post("/api/v1/commitments", _commitment_body(side_a), format="json")
    realisation = client.post(
        "/api/v1/realisations",
        {"commitment": commitment.json()["id"], "periodStart": "2024-01-01", "periodEnd": "2024-12-31",
         "quantity": "50000"},
        format="json",
    )  # fmt: skip
    review = client.post(
        f"/api/v1/realisations/{realisation.json()['id']}/review", {"status": "verified"}, format="json"
    )
    summary = client.get(f"/api/v1/effect-summaries/{side_a.organisation.pk}")

    assert commitment.status_code == 201, commitment.json()
    assert realisation.status_code == 201, realisation.json()
    assert review.json()["status"] == "verified"
    figures = {f["key"]: f for f in summary.json()["figures"]}
    # (0.374 − 0.127) kg/kWh × 100,000 kWh = 24.7 t promised; × 50,000 kWh = 12.35 t delivered
    assert figures["co2ExAnteTonnes"]["value"] == pytest.approx(24.7)
    assert figures["co2ExPostTonnes"]["value"] == pytest.approx(12.35)
    assert figures["co2ExAnteTonnes"]["factorSets"] == ["Test values 1 (2020)"]
    assert figures["co2ExAnteTonnes"]["methodVersion"] == "effects-1.2"
    assert figures["co2ExAnteTonnes"]["low"] is not None


def test_realisation_outside_the_contract_period_is_a_problem_naming_the_field(side_a: Side) -> None:
    client = _api(side_a.manager)
    commitment = client.post("/api/v1/commitments", _commitment_body(side_a), format="json").json()

    response = client.post(
        "/api/v1/realisations",
        {"commitment": commitment["id"], "periodStart": "2026-01-01", "periodEnd": "2026-03-31", "quantity": "1"},
        format="json",
    )

    assert response.status_code == 400
    problem = response.json()
    assert problem["invalidParams"][0]["name"] == "periodStart"
    assert "buiten de contractperiode 2024-01-01–2025-12-31" in problem["invalidParams"][0]["reason"]  # API speaks nl
    assert not Realisation.objects.exists()


def test_negative_quantity_is_a_problem(side_a: Side) -> None:
    response = _api(side_a.manager).post("/api/v1/commitments", _commitment_body(side_a, quantity="-4"), format="json")

    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "quantity"


def test_bsn_in_free_text_is_a_problem(side_a: Side) -> None:
    response = _api(side_a.manager).post(
        "/api/v1/commitments", _commitment_body(side_a, description="kandidaat 111222333"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "description"


def test_social_return_realisation_by_placements(side_a: Side) -> None:
    client = _api(side_a.manager)
    table = BuildingBlockTable.objects.get(code="utrecht")
    block = BuildingBlock.objects.get(table=table, code="participatiewet")
    commitment = client.post(
        "/api/v1/commitments",
        {"contract": side_a.contract.pk, "theme": "sroi", "kind": "social_return", "description": "SR",
         "unit": "EUR", "obligationBase": "contract_value", "obligationPercentage": "5", "blockTable": table.pk},
        format="json",
    )  # fmt: skip

    realisation = client.post(
        "/api/v1/realisations",
        {"commitment": commitment.json()["id"], "periodStart": "2024-01-01", "periodEnd": "2024-12-31",
         "placements": [{"block": block.pk, "persons": 2, "months": "6"}]},
        format="json",
    )  # fmt: skip

    assert commitment.json()["quantity"] == "50000.000"  # 5% of €1,000,000
    assert realisation.status_code == 201, realisation.json()
    # Utrecht Participatiewet €40,000 × 2 people × 6/12 = €40,000
    assert Decimal(realisation.json()["quantity"]) == Decimal(40000)


def test_unknown_block_is_a_problem_naming_the_line(side_a: Side) -> None:
    client = _api(side_a.manager)
    commitment = client.post(
        "/api/v1/commitments",
        {"contract": side_a.contract.pk, "theme": "sroi", "kind": "social_return", "description": "SR",
         "unit": "EUR", "obligationBase": "contract_value", "obligationPercentage": "5",
         "blockTable": BuildingBlockTable.objects.get(code="utrecht").pk},
        format="json",
    ).json()  # fmt: skip
    other = BuildingBlock.objects.get(table__code="haaglanden-zhc", code="ww")

    response = client.post(
        "/api/v1/realisations",
        {"commitment": commitment["id"], "periodStart": "2024-01-01", "periodEnd": "2024-12-31",
         "placements": [{"block": other.pk, "persons": 1, "months": "6"}]},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "placements.0.block"


def test_reference_tables_are_readable(side_a: Side) -> None:
    client = _api(side_a.reader)

    tables = client.get("/api/v1/building-block-tables").json()["results"]
    rules = client.get("/api/v1/sanction-rules").json()["results"]
    policies = client.get("/api/v1/social-return-policies").json()["results"]
    sets = client.get("/api/v1/emission-factor-sets").json()["results"]

    assert {t["code"] for t in tables} == {"haaglanden-zhc", "utrecht", "holland-rijnland-dzb"}
    assert rules[0]["multiple"] == "1.50"
    assert {p["code"] for p in policies} == {"sudwest-fryslan-2023", "wage-sum-5-percent"}
    assert sets[0]["factors"][0]["wtw"] is not None


def test_national_summary_suppresses_with_too_few_organisations(side_a: Side) -> None:
    client = _api(side_a.manager)
    client.post("/api/v1/commitments", _commitment_body(side_a), format="json")

    national = client.get("/api/v1/effect-summaries/national").json()

    assert all(f["value"] is None for f in national["figures"])
    assert national["suppressed"]
    assert national["kinds"] == []


def test_anonymous_gets_problem_json() -> None:
    response = APIClient().get("/api/v1/contracts")

    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"
