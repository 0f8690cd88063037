"""Answers that used to break the contract in docs/openapi.json: each is checked against the document itself
(tests/api/contract.py), and for what it must say."""

import json
from typing import Any

import pytest
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from mvimonitor.imports.models import ImportFailure, ImportRun, Severity
from mvimonitor.organisations.models import Organisation, OrganisationKind, Role, User
from tests.factories import MembershipFactory, OrganisationFactory, TenderFactory, api_key

from .contract import OPENAPI, answer

BEYOND_ANY_ID = "99999999999999999999"  # more than a signed 64-bit integer


@pytest.fixture(autouse=True)
def _contract_host(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # schemathesis's in-process requests, Django's test client


@pytest.fixture
def token(buyer: User) -> str:
    return api_key(buyer)


def _invalid(response: Any) -> list[str]:
    assert response.status_code == 400
    assert response.headers["content-type"] == ["application/problem+json"]
    return [param["name"] for param in response.json()["invalidParams"]]


@pytest.mark.parametrize(
    ("path", "key", "query"),
    [
        ("/tenders", "organisation", {}),
        ("/tenders", "productGroup", {}),
        ("/lots", "tender", {}),
        ("/award-criteria", "lot", {}),
        ("/mvi-applications", "tender", {}),
        ("/contracts", "lot", {}),
        ("/contracts", "organisation", {}),
        ("/commitments", "contract", {}),
        ("/realisations", "commitment", {}),
        ("/criteria", "productGroup", {}),
        ("/kpi-values", "organisation", {"scope": "organisation"}),
    ],
)
def test_an_id_beyond_what_a_database_holds_is_a_400_naming_the_key(
    token: str, path: str, key: str, query: dict[str, str]
) -> None:
    response = answer(path, token, query={**query, key: BEYOND_ANY_ID})

    assert _invalid(response) == [key]


@pytest.mark.parametrize("key", ["page", "pageSize"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5"])
def test_a_page_or_page_size_that_is_not_a_positive_number_is_a_400_naming_it(
    token: str, key: str, value: str
) -> None:
    response = answer("/tenders", token, query={key: value})

    assert _invalid(response) == [key]


def test_a_page_after_the_last_is_a_400_naming_page_and_page_one_always_exists(
    token: str, organisation: Organisation
) -> None:
    assert answer("/tenders", token, query={"page": 1}).json()["count"] == 0
    TenderFactory(organisation=organisation)

    response = answer("/tenders", token, query={"page": 2})

    assert _invalid(response) == ["page"]
    assert response.json()["invalidParams"][0]["code"] == "out_of_range"


def test_a_page_size_above_the_maximum_is_refused_not_cut_down(token: str) -> None:
    assert _invalid(answer("/tenders", token, query={"pageSize": 501})) == ["pageSize"]
    assert answer("/tenders", token, query={"pageSize": 500}).status_code == 200


def test_the_kpi_catalogue_is_a_paginated_list_like_every_other(db: None) -> None:
    body = answer("/kpis", query={"pageSize": 2}).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 2
    assert body["count"] > 2
    assert "page=2" in body["next"]


def test_a_body_that_is_not_json_is_a_400_with_invalid_params(client_for: Any, buyer: User) -> None:
    response = client_for(buyer).generic("POST", "/api/v1/tenders", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    (param,) = response.json()["invalidParams"]
    assert (param["name"], param["code"]) == ("body", "parse_error")


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_write_to_an_unknown_api_path_is_a_404_problem_even_with_a_session(buyer: User, method: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)

    response = getattr(client, method)("/api/v1/no-such-thing", data="{}", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["instance"] == "/api/v1/no-such-thing"


def test_an_organisation_without_province_keeps_the_contract(db: None) -> None:
    ministry = OrganisationFactory(kind=OrganisationKind.RIJK)  # no province
    user = MembershipFactory(organisation=ministry, role=Role.LEZER).user
    key = api_key(user)

    listed = answer("/organisations", key).json()["results"]
    detail = answer("/organisations/{id}", key, path_parameters={"id": ministry.pk}).json()

    assert listed[0]["province"] == detail["province"] == ""


def test_a_run_nobody_started_keeps_the_contract(token: str, organisation: Organisation) -> None:
    run = ImportRun.objects.create(organisation=organisation, source_description="notices.zip")

    listed = answer("/import-runs", token).json()["results"]
    detail = answer("/import-runs/{id}", token, path_parameters={"id": run.pk}).json()

    assert listed[0]["startedBy"] is None
    assert detail["startedBy"] is None


def test_a_run_counts_its_failures_and_pages_through_them(token: str, organisation: Organisation) -> None:
    run = ImportRun.objects.create(organisation=organisation, source_description="notices.zip", failed=120)
    ImportFailure.objects.bulk_create(
        [ImportFailure(run=run, file="a.xml", notice=f"n{i}", message="Bad date") for i in range(120)]
        + [ImportFailure(run=run, severity=Severity.WARNING, field="value", message="Left out") for _ in range(3)]
    )

    detail = answer("/import-runs/{id}", token, path_parameters={"id": run.pk}).json()
    first = answer("/import-runs/{id}/failures", token, path_parameters={"id": run.pk}).json()
    warnings = answer(
        "/import-runs/{id}/failures", token, path_parameters={"id": run.pk}, query={"severity": "warning"}
    ).json()

    assert "failures" not in detail
    assert (detail["errorCount"], detail["warningCount"]) == (120, 3)
    assert detail["failuresUrl"].endswith(f"/api/v1/import-runs/{run.pk}/failures")
    assert first["count"] == 123
    assert [row["notice"] for row in first["results"][:2]] == ["n0", "n1"]
    assert len(first["results"]) == 50
    assert "page=2" in first["next"]
    assert [row["message"] for row in warnings["results"]] == ["Left out"] * 3


def test_the_failures_of_another_organisations_run_are_404(token: str, other_organisation: Organisation) -> None:
    run = ImportRun.objects.create(organisation=other_organisation, source_description="theirs.zip")
    ImportFailure.objects.create(run=run, file="theirs.xml", message="Secret")

    response = answer("/import-runs/{id}/failures", token, path_parameters={"id": run.pk})

    assert response.status_code == 404


def test_national_values_for_a_year_without_tenders_are_an_empty_list(token: str, organisation: Organisation) -> None:
    TenderFactory(organisation=organisation)  # published in 2025

    for breakdown in ("all", "nature", "european", "value_class"):
        body = answer("/kpi-values", token, query={"year": 2016, "breakdown": breakdown}).json()

        assert (body["count"], body["results"]) == (0, [])


def test_a_refused_read_of_figures_is_a_documented_403(token: str, other_organisation: Organisation) -> None:
    response = answer("/kpi-values", token, query={"scope": "organisation", "organisation": other_organisation.pk})

    assert response.status_code == 403
    assert response.headers["content-type"] == ["application/problem+json"]


def test_too_many_requests_is_a_documented_429_problem_with_retry_after(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "0/minute", "user": "0/minute"})

    response = answer("/themes", token)

    assert response.status_code == 429
    assert int(response.headers["retry-after"][0]) >= 1
    assert response.json()["status"] == 429


def test_every_operation_documents_429_with_retry_after() -> None:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))

    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "Retry-After" not in operation["responses"].get("429", {}).get("headers", {})
    ]

    assert undocumented == []
