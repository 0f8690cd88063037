"""Sliding session expiry is kept, but the session is written at most once per refresh interval."""

from collections.abc import Callable

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mvimonitor.organisations import middleware
from mvimonitor.organisations.models import User

pytestmark = pytest.mark.django_db


def _session_writes(queries: CaptureQueriesContext) -> int:
    writes = ("UPDATE", "INSERT")
    return sum(1 for q in queries.captured_queries if "django_session" in q["sql"] and q["sql"].startswith(writes))


def test_a_session_is_saved_once_per_interval_and_its_expiry_renewed(
    make_member: Callable[..., User],
    logged_in: Callable[[User], Client],
    settings: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MVIMONITOR_SESSION_REFRESH_SECONDS = 60  # type: ignore[attr-defined]
    client = logged_in(make_member())
    url = reverse("dashboards:catalogue")
    now = [1_800_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])

    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    assert _session_writes(first) == 1  # the first request records the refresh time
    key = client.cookies["sessionid"].value
    expiry = Session.objects.get(session_key=key).expire_date

    now[0] += 30
    with CaptureQueriesContext(connection) as within:
        assert client.get(url).status_code == 200
    assert _session_writes(within) == 0  # within the interval: no write
    assert Session.objects.get(session_key=key).expire_date == expiry

    now[0] += 31
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert _session_writes(after) == 1  # the interval passed: saved again, the expiry moves on
    assert Session.objects.get(session_key=key).expire_date > expiry
    assert client.session[middleware.REFRESHED_KEY] == int(now[0])


def test_anonymous_visitors_get_no_session(client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboards:catalogue"))
    assert response.status_code == 200
    assert _session_writes(queries) == 0
    assert "sessionid" not in response.cookies
