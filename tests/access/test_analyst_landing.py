"""A national analyst lands on the national figures: the record pages lead there, and the menu shows only what an
analyst may read."""

import pytest
from django.test import Client

from mvimonitor.organisations.models import User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def analyst(client: Client) -> Client:
    return _client(client, UserFactory(national_analyst=True))


@pytest.mark.parametrize(
    ("page", "target"),
    [
        ("/", "/monitoring/national/"),
        ("/tenders/", "/monitoring/national/"),
        ("/monitoring/organisation/", "/monitoring/national/"),
        ("/contracts/", "/effects/national/"),
        ("/effects/", "/effects/national/"),
    ],
)
def test_record_pages_take_the_analyst_to_the_national_counterpart(analyst: Client, page: str, target: str) -> None:
    response = analyst.get(page, follow=True)

    assert response.redirect_chain[-1][0] == target
    assert response.status_code == 200


def test_the_analyst_menu_holds_the_national_pages_only(analyst: Client) -> None:
    page = analyst.get("/monitoring/national/").content.decode()
    menu = page[page.index("<nav") : page.index("</nav>")]

    assert 'href="/monitoring/national/"' in menu
    assert 'href="/effects/national/"' in menu
    assert 'href="/tenders/"' not in menu
    assert 'href="/contracts/"' not in menu


def test_a_user_without_organisation_is_told_how_to_become_a_member(client: Client) -> None:
    page = _client(client, UserFactory()).get("/en/tenders/").content.decode()

    assert "not a member of any organisation" in page


def test_a_member_keeps_the_full_menu(client: Client) -> None:
    member = MembershipFactory().user
    page = _client(client, member).get("/tenders/").content.decode()
    menu = page[page.index("<nav") : page.index("</nav>")]

    assert 'href="/tenders/"' in menu
    assert 'href="/contracts/"' in menu


def test_a_member_logs_in_to_the_task_list_marked_current_in_the_menu(client: Client) -> None:
    member = MembershipFactory().user
    page = _client(client, member).get("/").content.decode()
    menu = page[page.index("<nav") : page.index("</nav>")]

    assert 'href="/" aria-current="page"' in menu
    assert 'href="/tenders/" aria-current' not in menu
