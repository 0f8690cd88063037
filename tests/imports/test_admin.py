"""The import records in the admin: read-only for system managers; a TenderNed pull's cursor may be deleted."""

import datetime as dt

import pytest
from django.test import Client

from mvimonitor.imports.models import PullCursor
from mvimonitor.organisations.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(client: Client, **flags: bool) -> Client:
    user: User = UserFactory(is_staff=True, **flags)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def cursor() -> PullCursor:
    return PullCursor.objects.create(
        endpoint="https://tenderned.example/papi", since=dt.date(2026, 1, 1),
        last_publication_date=dt.date(2026, 3, 1), last_publication_id="123",
    )  # fmt: skip


def test_a_system_manager_sees_the_pull_cursor_and_may_delete_it(client: Client, cursor: PullCursor) -> None:
    superuser = _client(client, is_superuser=True)

    listing = superuser.get("/admin/imports/pullcursor/")
    superuser.post(f"/admin/imports/pullcursor/{cursor.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "123" in listing.content.decode()
    assert not PullCursor.objects.exists()


def test_staff_without_superuser_rights_cannot_see_or_delete_it(client: Client, cursor: PullCursor) -> None:
    staff = _client(client)

    assert staff.get("/admin/imports/pullcursor/").status_code == 403
    staff.post(f"/admin/imports/pullcursor/{cursor.pk}/delete/", {"post": "yes"})

    assert PullCursor.objects.filter(pk=cursor.pk).exists()
