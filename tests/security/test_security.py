import pytest
from django.conf import settings
from django.test import Client

from ..factories import PASSWORD, UserFactory


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    response = client.get("/login/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_login_is_locked_after_repeated_failures(client: Client) -> None:
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": user.username, "password": "wrong"})

    response = client.post("/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_correct_password_logs_in_and_failure_does_not(client: Client) -> None:
    user = UserFactory()

    failed = client.post("/login/", {"username": user.username, "password": "wrong"})
    assert failed.status_code == 200
    assert "_auth_user_id" not in client.session

    ok = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sessions_expire() -> None:
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600


@pytest.mark.django_db
def test_logout_needs_post(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)

    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
