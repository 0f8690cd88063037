"""Every tender URL checks access: other organisations' ids give 404 and change nothing; readers cannot edit."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import Lot, MVIApplication, Tender

from .conftest import World

pytestmark = pytest.mark.django_db


def _urls(tender: Tender, application: MVIApplication) -> dict[str, str]:
    lot = application.lot
    return {
        "detail": reverse("tenders:detail", args=[tender.pk]),
        "edit": reverse("tenders:edit", args=[tender.pk]),
        "confirm-mvi": reverse("tenders:confirm-mvi", args=[tender.pk]),
        "lot-create": reverse("tenders:lot-create", args=[tender.pk]),
        "lot-edit": reverse("tenders:lot-edit", args=[tender.pk, lot.pk]),
        "lot-delete": reverse("tenders:lot-delete", args=[tender.pk, lot.pk]),
        "award-criterion-create": reverse("tenders:award-criterion-create", args=[tender.pk, lot.pk]),
        "mvi-application-create": reverse("tenders:mvi-application-create", args=[tender.pk, lot.pk]),
        "mvi-application-edit": reverse("tenders:mvi-application-edit", args=[tender.pk, application.pk]),
        "mvi-application-delete": reverse("tenders:mvi-application-delete", args=[tender.pk, application.pk]),
    }


EDIT_URLS = [
    "edit",
    "confirm-mvi",
    "lot-create",
    "lot-edit",
    "lot-delete",
    "award-criterion-create",
    "mvi-application-create",
    "mvi-application-edit",
    "mvi-application-delete",
]
ALL_URLS = ["detail", *EDIT_URLS]
TENDER_ONLY_URLS = ["edit", "lot-create", "lot-edit", "lot-delete", "award-criterion-create"]


def _snapshot() -> tuple[list[tuple[object, ...]], ...]:
    return (
        list(Tender.objects.order_by("pk").values_list("pk", "title", "mvi_confirmed_at")),
        list(Lot.objects.order_by("pk").values_list("pk", "title")),
        list(MVIApplication.objects.order_by("pk").values_list("pk", "award_weight")),
    )


@pytest.mark.parametrize("name", ALL_URLS)
def test_another_organisations_ids_give_404_and_change_nothing(
    world: World, inkoper_client: Client, name: str
) -> None:
    url = _urls(world.foreign_tender, world.foreign_application)[name]
    before = _snapshot()

    got = inkoper_client.get(url)
    posted = inkoper_client.post(url, {"title": "Gekaapt", "number": "1", "award_weight": "1"})

    # confirm-mvi accepts POST only, so a GET is refused before any lookup and leaks nothing either.
    assert got.status_code == (405 if name == "confirm-mvi" else 404)
    assert posted.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("name", ["lot-edit", "lot-delete", "mvi-application-edit", "mvi-application-delete"])
def test_own_tender_with_another_organisations_child_id_gives_404(
    world: World, inkoper_client: Client, name: str
) -> None:
    """Mixing an own tender id with a lot or MVI application of another organisation must not reach it."""
    foreign = _urls(world.foreign_tender, world.foreign_application)[name]
    url = foreign.replace(f"/tenders/{world.foreign_tender.pk}/", f"/tenders/{world.tender.pk}/")
    before = _snapshot()

    response = inkoper_client.post(url)

    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("name", EDIT_URLS)
def test_lezer_cannot_use_edit_urls(world: World, logged_in: Callable[[User], Client], name: str) -> None:
    client = logged_in(world.lezer)
    url = _urls(world.tender, world.application)[name]
    before = _snapshot()

    got = client.get(url)
    posted = client.post(url, {"title": "Door lezer", "number": "7", "award_weight": "1"})

    assert got.status_code == (405 if name == "confirm-mvi" else 403)
    assert posted.status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("name", TENDER_ONLY_URLS)
def test_coordinator_cannot_edit_tenders_or_lots(world: World, logged_in: Callable[[User], Client], name: str) -> None:
    client = logged_in(world.coordinator)

    response = client.get(_urls(world.tender, world.application)[name])

    assert response.status_code == 403


def test_lezer_cannot_open_the_new_tender_form(world: World, logged_in: Callable[[User], Client]) -> None:
    response = logged_in(world.lezer).get(reverse("tenders:create"))

    assert response.status_code == 403


def test_lezer_cannot_post_a_new_tender(world: World, logged_in: Callable[[User], Client]) -> None:
    response = logged_in(world.lezer).post(reverse("tenders:create"), {"title": "Door lezer"})

    assert response.status_code == 403
    assert not Tender.objects.filter(title="Door lezer").exists()


def test_anonymous_user_is_sent_to_login_from_every_tender_url(world: World, client: Client) -> None:
    for name, url in _urls(world.tender, world.application).items():
        response = client.post(url) if name == "confirm-mvi" else client.get(url)

        assert response.status_code == 302, name
        assert response["Location"].startswith("/login/"), name


def test_anonymous_user_is_sent_to_login_from_the_list(client: Client) -> None:
    response = client.get(reverse("tenders:list"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
