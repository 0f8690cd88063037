"""Personal API tokens: made and revoked by their owner on the account page, with an expiry; only a hash is kept."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from mvimonitor.api.models import ApiToken
from mvimonitor.api.tokens import key_hash, token_create
from mvimonitor.organisations.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAGE = "/en/account/api-tokens/"


def _logged_in(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _api(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_a_user_makes_a_token_on_the_account_page_and_sees_its_key_once(client: Client) -> None:
    user = UserFactory()
    page = _logged_in(client, user)

    made = page.post(PAGE, {"name": "BI-rapport", "days": "30"})
    again = page.get(PAGE)

    token = ApiToken.objects.get(user=user)
    html = made.content.decode()
    key = html.split('<code class="mvim-token">')[1].split("</code>")[0]
    assert token.key_hash == key_hash(key)
    assert token.name == "BI-rapport"
    assert 29 <= (token.expires_at - timezone.now()).days <= 30
    assert key not in again.content.decode()
    assert f"{token.prefix}…" in again.content.decode()
    assert made["Cache-Control"] == "private, no-store"
    assert _api(key).get("/api/v1/themes").status_code == 200


def test_a_token_without_a_name_or_with_a_lifetime_not_offered_is_refused(client: Client) -> None:
    page = _logged_in(client, UserFactory())

    nameless = page.post(PAGE, {"name": " ", "days": "30"})
    forever = page.post(PAGE, {"name": "script", "days": "36500"})

    assert (nameless.status_code, forever.status_code) == (400, 400)
    assert not ApiToken.objects.exists()


def test_an_expired_token_answers_401(db: None) -> None:
    _token, key = token_create(user=UserFactory(), name="script", days=30)

    with freeze_time(timezone.now() + dt.timedelta(days=31)):
        response = _api(key).get("/api/v1/themes")

    assert response.status_code == 401


def test_a_revoked_token_answers_401_and_the_page_says_revoked(client: Client) -> None:
    user = UserFactory()
    token, key = token_create(user=user, name="script")
    page = _logged_in(client, user)

    page.post(f"/en/account/api-tokens/{token.pk}/revoke/")

    assert _api(key).get("/api/v1/themes").status_code == 401
    assert "revoked" in page.get(PAGE).content.decode()


def test_nobody_revokes_or_sees_someone_elses_token(client: Client) -> None:
    owner, other = UserFactory(), UserFactory()
    token, key = token_create(user=owner, name="owner's script")
    page = _logged_in(client, other)

    answer = page.post(f"/en/account/api-tokens/{token.pk}/revoke/")
    listing = page.get(PAGE).content.decode()

    assert answer.status_code == 404
    assert "owner's script" not in listing
    assert _api(key).get("/api/v1/themes").status_code == 200


def test_the_token_of_an_inactive_account_answers_401(db: None) -> None:
    user = UserFactory()
    _token, key = token_create(user=user, name="script")
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert _api(key).get("/api/v1/themes").status_code == 401


def test_use_is_recorded_without_a_write_per_request(db: None) -> None:
    token, key = token_create(user=UserFactory(), name="script")

    _api(key).get("/api/v1/themes")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    _api(key).get("/api/v1/themes")

    assert first is not None
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
