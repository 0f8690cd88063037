"""The admin is for superusers; a staff user sees only their own organisations' records and never another's."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import Tender

from .conftest import World

pytestmark = pytest.mark.django_db


def _staff(user: User) -> User:
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="tenders"))
    return user


def test_superuser_sees_every_organisations_tenders(world: World, admin_client: Client) -> None:
    html = admin_client.get(reverse("admin:tenders_tender_changelist")).content.decode()

    assert "Schoonmaak stadhuis" in html
    assert "Geheime aanbesteding" in html


def test_staff_user_sees_only_own_organisations_tenders(world: World, logged_in: Callable[[User], Client]) -> None:
    client = logged_in(_staff(world.inkoper))

    html = client.get(reverse("admin:tenders_tender_changelist")).content.decode()

    assert "Schoonmaak stadhuis" in html
    assert "Geheime aanbesteding" not in html


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_staff_user_cannot_open_another_organisations_tender(
    world: World, logged_in: Callable[[User], Client], view: str
) -> None:
    client = logged_in(_staff(world.inkoper))

    response = client.get(reverse(f"admin:tenders_tender_{view}", args=[world.foreign_tender.pk]))

    assert response.status_code in {302, 403, 404}
    assert "Geheime aanbesteding" not in response.content.decode()


def test_staff_user_cannot_change_another_organisations_tender(
    world: World, logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(_staff(world.inkoper))

    client.post(reverse("admin:tenders_tender_change", args=[world.foreign_tender.pk]), {"title": "Gekaapt"})

    assert Tender.objects.get(pk=world.foreign_tender.pk).title == "Geheime aanbesteding"


def test_staff_lezer_may_view_but_not_change_own_tender(world: World, logged_in: Callable[[User], Client]) -> None:
    client = logged_in(_staff(world.lezer))

    response = client.post(reverse("admin:tenders_tender_change", args=[world.tender.pk]), {"title": "Door lezer"})

    assert response.status_code in {200, 403}
    assert Tender.objects.get(pk=world.tender.pk).title == "Schoonmaak stadhuis"


def test_staff_user_cannot_add_tenders_in_the_admin(world: World, logged_in: Callable[[User], Client]) -> None:
    client = logged_in(_staff(world.inkoper))

    response = client.get(reverse("admin:tenders_tender_add"))

    assert response.status_code == 403


def test_staff_user_sees_only_own_mvi_applications(world: World, logged_in: Callable[[User], Client]) -> None:
    client = logged_in(_staff(world.inkoper))

    response = client.get(reverse("admin:tenders_mviapplication_change", args=[world.foreign_application.pk]))

    assert response.status_code in {302, 404}
