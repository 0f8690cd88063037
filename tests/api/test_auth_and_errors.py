from collections.abc import Callable
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from mvimonitor.api.models import ApiToken
from mvimonitor.api.tokens import key_hash
from mvimonitor.organisations.models import Organisation, User
from tests.factories import TenderFactory, UserFactory

Client = Callable[[User | None], APIClient]


def test_without_token_is_401_problem(client_for: Client, db: None) -> None:
    response = client_for(None).get("/api/v1/tenders")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) >= {"type", "title", "status", "detail"}


def test_wrong_token_is_401(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/v1/tenders")

    assert response.status_code == 401


def test_token_authentication_works(client_for: Client, buyer: User, organisation: Organisation) -> None:
    TenderFactory(organisation=organisation)

    response = client_for(buyer).get("/api/v1/tenders")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_organisations_lists_own_memberships_only(
    buyer_client: APIClient, organisation: Organisation, other_organisation: Organisation
) -> None:
    body = buyer_client.get("/api/v1/organisations").json()

    assert [row["name"] for row in body["results"]] == ["Gemeente Eigen"]
    assert "kvkNumber" in body["results"][0]


@pytest.mark.parametrize("path", ["/api/v1/tenders", "/api/v1/does-not-exist", "/api/v1/openapi.json"])
def test_api_version_header_on_every_response(buyer_client: APIClient, path: str) -> None:
    response = buyer_client.get(path)

    assert response["API-Version"] == settings.API_VERSION == "1.7.0"


@pytest.mark.parametrize("path", ["/api/v1/does-not-exist", "/api/v1/tenders/", "/api/v2/tenders", "/api/"])
def test_unknown_api_routes_are_404_problem(buyer_client: APIClient, path: str) -> None:
    response = buyer_client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert response.json()["instance"] == path


def test_unknown_object_is_404_problem(buyer_client: APIClient) -> None:
    response = buyer_client.get("/api/v1/tenders/999999")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_malformed_json_is_400_problem(buyer_client: APIClient) -> None:
    response = buyer_client.generic("POST", "/api/v1/tenders", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_openapi_document_is_public(client_for: Client, db: None) -> None:
    response = client_for(None).get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.json()["info"]["version"] == settings.API_VERSION


def test_create_api_token_prints_a_token_that_authenticates(db: None) -> None:
    user = UserFactory(username="koper")
    out = StringIO()

    call_command("create_api_token", "koper", "--days", "30", stdout=out)

    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == key_hash(key)
    assert key not in str(model_to_dict(token))  # only the hash is kept
    assert 29 <= (token.expires_at - token.created_at).days <= 30
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/themes").status_code == 200


def test_create_api_token_makes_a_new_token_each_run(db: None) -> None:
    UserFactory(username="koper")
    first, second = StringIO(), StringIO()

    call_command("create_api_token", "koper", stdout=first)
    call_command("create_api_token", "koper", stdout=second)

    assert first.getvalue() != second.getvalue()
    assert ApiToken.objects.count() == 2


def test_create_api_token_for_unknown_user_fails_clearly(db: None) -> None:
    with pytest.raises(CommandError, match="No user with username 'niemand'"):
        call_command("create_api_token", "niemand")
