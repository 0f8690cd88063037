"""Rules for every request (mvimonitor/web.py): the client's address behind a proxy, the request-body limit and no
caching of what a logged-in user sees."""

import io

import pytest
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.urls import reverse

from mvimonitor.organisations.models import User
from mvimonitor.web import client_ip

from .factories import PASSWORD, UserFactory, api_key


class _Body(io.BytesIO):
    """A request body that records whether anything read it."""

    touched = False

    def read(self, *args: object) -> bytes:
        type(self).touched = True
        return super().read(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy trusted: the header is the client's own word, ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the left entry was written by the client
        (2, "198.51.100.7, 203.0.113.9", "198.51.100.7"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer hops than proxies: not through them all
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(
    proxies: int, forwarded: str, expected: str
) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    with override_settings(MVIMONITOR_TRUSTED_PROXIES=proxies):
        assert client_ip(request) == expected


@pytest.mark.django_db
@override_settings(MVIMONITOR_TRUSTED_PROXIES=1, MVIMONITOR_LOGIN_FAILURE_LIMIT=3, AXES_FAILURE_LIMIT=3)
def test_behind_a_proxy_failed_log_ins_lock_out_the_attacker_not_the_user() -> None:
    user = UserFactory(username="victim")
    attacker, victim = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.1")  # both through the proxy

    for _attempt in range(4):
        attacker.post(
            reverse("login"), {"username": "victim", "password": "wrong"}, HTTP_X_FORWARDED_FOR="198.51.100.66"
        )
    refused = attacker.post(
        reverse("login"), {"username": "victim", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.66"
    )
    logged_in = victim.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.5"
    )

    assert refused.status_code == 429
    assert logged_in.status_code == 302


@pytest.mark.django_db
def test_an_oversized_evidence_upload_is_refused_before_its_body_is_read(client: Client) -> None:
    user: User = UserFactory()
    client.force_login(user)
    _Body.touched = False
    body = _Body(b"x" * 1024)

    response = client.generic(
        "POST",
        reverse("effects:realisation-create", args=[1]),
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert "314572800" in response.content.decode()
    assert not _Body.touched


@pytest.mark.django_db
@override_settings(MVIMONITOR_MAX_REQUEST_BYTES=1000, MVIMONITOR_MAX_UPLOAD_REQUEST_BYTES=5000)
def test_notice_uploads_have_a_limit_of_their_own_and_the_api_answers_problem_json(client: Client) -> None:
    user: User = UserFactory()
    client.force_login(user)

    form = client.post(reverse("imports:upload"), data=b"x" * 3000, content_type="application/octet-stream")
    api_small = client.post("/api/v1/import-runs", data=b"x" * 3000, content_type="application/octet-stream")
    api_large = client.post("/api/v1/import-runs", data=b"x" * 6000, content_type="application/octet-stream")
    elsewhere = client.post(reverse("organisations:members"), data=b"x" * 3000, content_type="text/plain")

    assert form.status_code != 413
    assert api_small.status_code != 413
    assert api_large.status_code == 413
    assert api_large["Content-Type"] == "application/problem+json"
    assert api_large.json()["status"] == 413
    assert elsewhere.status_code == 413


@pytest.mark.django_db
def test_pages_of_a_logged_in_user_are_not_stored_by_any_cache(client: Client) -> None:
    client.force_login(UserFactory())

    page = client.get(reverse("tenders:list"))

    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]


@pytest.mark.django_db
def test_api_answers_to_a_token_are_not_stored_by_any_cache(client: Client) -> None:
    response = client.get("/api/v1/themes", HTTP_AUTHORIZATION=f"Token {api_key(UserFactory())}")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_nul_character_in_the_query_is_a_400_not_a_database_error(client: Client) -> None:
    # PostgreSQL refuses any query that compares with a NUL character: a server error before this rule.
    client.force_login(UserFactory())

    page = client.get(reverse("tenders:list"), {"q": "water\x00"})
    api = client.get("/api/v1/criteria", {"theme": "x\x00"})

    assert page.status_code == 400
    assert api.status_code == 400
    assert api["Content-Type"] == "application/problem+json"
    assert api.json()["invalidParams"][0]["name"] == "theme"


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["a\\u0000b", "\\udb0f"])
def test_json_text_no_database_can_store_is_a_400_naming_the_body(client: Client, text: str) -> None:
    client.force_login(UserFactory())

    response = client.post(
        "/api/v1/commitments", data='{"description": "' + text + '"}', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "body"
    assert "description" in response.json()["invalidParams"][0]["reason"]
