"""Product groups suggested for a tender from its CPV codes: shown with their status and source, assigned only when a
member who may edit the tender presses the button, with the change in the tender's history."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import Tender
from mvimonitor.themes.models import Criterion, MappingStatus, ProductGroup, ProductGroupCpvMapping
from tests.factories import Catalogue, ProductGroupFactory

from .conftest import World

pytestmark = pytest.mark.django_db

OLD_DOCUMENT = "Criteriadocument Reinigingsdiensten 2010"


@pytest.fixture
def proposed(catalogue: Catalogue) -> ProductGroup:
    """A second group of the catalogue's release, proposed for cleaning services by an old criteria document."""
    group = ProductGroupFactory(
        product_group_set=catalogue.group_set, cluster=catalogue.cluster, code="gebouwbeheer", name_nl="Gebouwbeheer"
    )
    ProductGroupCpvMapping.objects.create(
        product_group=group,
        cpv_prefix="90910000",
        status=MappingStatus.PROPOSED,
        source=OLD_DOCUMENT,
        source_url="https://example.org/criteriadocument",
        source_year=2010,
    )
    return group  # type: ignore[no-any-return]


def _suggestions(client: Client, tender: Tender) -> tuple[int, str]:
    response = client.get(reverse("tenders:product-group", args=[tender.pk]))
    return response.status_code, response.content.decode()


def _assign(client: Client, tender: Tender, group: ProductGroup) -> int:
    response = client.post(reverse("tenders:product-group-assign", args=[tender.pk]), {"product_group": group.pk})
    return response.status_code


def test_the_tender_page_links_the_suggestions_when_it_has_cpv_codes_and_no_group(
    world: World, inkoper_client: Client
) -> None:
    html = inkoper_client.get(reverse("tenders:detail", args=[world.tender.pk])).content.decode()

    assert reverse("tenders:product-group", args=[world.tender.pk]) in html


def test_the_suggestions_show_status_and_source_with_a_button_each(
    world: World, inkoper_client: Client, catalogue: Catalogue, proposed: ProductGroup
) -> None:
    status, html = _suggestions(inkoper_client, world.tender)

    assert status == 200
    assert "Schoonmaakdiensten" in html
    assert "Gebouwbeheer" in html
    assert html.index("Schoonmaakdiensten") < html.index("Gebouwbeheer")  # confirmed before proposed
    assert "Bevestigd" in html
    assert "Voorgesteld" in html
    assert OLD_DOCUMENT in html
    assert 'href="https://example.org/criteriadocument"' in html
    assert html.count('name="product_group"') == 2
    assert f'value="{proposed.pk}"' in html
    assert f'value="{catalogue.group.pk}"' in html
    world.tender.refresh_from_db()
    assert world.tender.product_group is None  # showing assigns nothing


def test_assigning_a_suggestion_sets_the_group_and_writes_history(
    world: World, inkoper_client: Client, proposed: ProductGroup
) -> None:
    before = world.tender.history.count()

    response = inkoper_client.post(
        reverse("tenders:product-group-assign", args=[world.tender.pk]), {"product_group": proposed.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("tenders:detail", args=[world.tender.pk])
    world.tender.refresh_from_db()
    assert world.tender.product_group == proposed
    assert world.tender.history.count() == before + 1
    latest = world.tender.history.first()
    assert latest is not None
    assert (latest.product_group_id, latest.history_user_id) == (proposed.pk, world.inkoper.pk)
    html = inkoper_client.get(reverse("tenders:detail", args=[world.tender.pk])).content.decode()
    assert "Gebouwbeheer" in html


def test_a_reader_sees_the_suggestions_without_buttons_and_may_not_assign(
    world: World, logged_in: Callable[[User], Client], proposed: ProductGroup
) -> None:
    client = logged_in(world.lezer)

    status, html = _suggestions(client, world.tender)
    refused = _assign(client, world.tender, proposed)

    assert status == 200
    assert "Gebouwbeheer" in html
    assert 'name="product_group"' not in html
    assert refused == 403
    world.tender.refresh_from_db()
    assert world.tender.product_group is None


def test_a_group_that_is_not_suggested_is_not_assigned(world: World, inkoper_client: Client) -> None:
    elsewhere = ProductGroupFactory(name_nl="Kantoormeubilair")

    response = inkoper_client.post(
        reverse("tenders:product-group-assign", args=[world.tender.pk]), {"product_group": elsewhere.pk}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("tenders:product-group", args=[world.tender.pk])
    with translation.override("nl"):
        expected = gettext("This product group is not suggested for the CPV codes of this tender.")
    assert [message.message for message in response.context["messages"]] == [expected]
    world.tender.refresh_from_db()
    assert world.tender.product_group is None


def test_a_tender_with_a_product_group_shows_no_suggestions(
    world: World, inkoper_client: Client, catalogue: Catalogue, proposed: ProductGroup
) -> None:
    Tender.objects.filter(pk=world.tender.pk).update(product_group=catalogue.group)

    detail = inkoper_client.get(reverse("tenders:detail", args=[world.tender.pk])).content.decode()
    status, html = _suggestions(inkoper_client, world.tender)
    refused = _assign(inkoper_client, world.tender, proposed)

    assert reverse("tenders:product-group", args=[world.tender.pk]) not in detail
    assert status == 200
    assert "Gebouwbeheer" not in html
    assert 'name="product_group"' not in html
    assert refused == 302
    world.tender.refresh_from_db()
    assert world.tender.product_group == catalogue.group


def test_a_tender_without_cpv_codes_gets_no_link(world: World, inkoper_client: Client) -> None:
    Tender.objects.filter(pk=world.tender.pk).update(main_cpv=None)

    detail = inkoper_client.get(reverse("tenders:detail", args=[world.tender.pk])).content.decode()

    assert reverse("tenders:product-group", args=[world.tender.pk]) not in detail


def test_another_organisations_tender_is_404(world: World, inkoper_client: Client, proposed: ProductGroup) -> None:
    assert _suggestions(inkoper_client, world.foreign_tender)[0] == 404
    assert _assign(inkoper_client, world.foreign_tender, proposed) == 404


def test_the_tender_page_links_a_catalogue_criterion_to_its_page(
    world: World, inkoper_client: Client, catalogue: Catalogue
) -> None:
    criterion: Criterion = catalogue.criterion
    world.application.criterion = criterion
    world.application.theme = criterion.theme
    world.application.save()

    html = inkoper_client.get(reverse("tenders:detail", args=[world.tender.pk])).content.decode()

    assert f'href="{reverse("dashboards:criterion", args=[criterion.pk])}"' in html
