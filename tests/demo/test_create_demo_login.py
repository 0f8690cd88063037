from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation

from mvimonitor.demo.logins import DEFAULT_PASSWORD
from mvimonitor.organisations.models import Membership, Organisation, Role, User

pytestmark = pytest.mark.django_db
USERNAMES = ["demo", "demo-analist", "demo-contractmanager", "demo-coordinator", "demo-inkoper", "demo-lezer"]


@pytest.fixture
def synthetic_organisation() -> Organisation:
    Organisation.objects.create(name="Gemeente Echt", kind="gemeente")
    return Organisation.objects.create(name="Gemeente Demo (synthetisch)", kind="gemeente", is_synthetic=True)


def _run() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("create_demo_login", stdout=out)
    return out.getvalue()


def test_demo_users_get_one_role_each_in_the_synthetic_organisation(synthetic_organisation: Organisation) -> None:
    _run()

    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        "demo": Role.BEHEERDER,
        "demo-inkoper": Role.INKOPER,
        "demo-contractmanager": Role.CONTRACTMANAGER,
        "demo-coordinator": Role.COORDINATOR,
        "demo-lezer": Role.LEZER,
    }
    assert set(Membership.objects.values_list("organisation", flat=True)) == {synthetic_organisation.pk}
    assert User.objects.get(username="demo-analist").national_analyst is True


def test_second_run_creates_no_duplicates(synthetic_organisation: Organisation) -> None:
    _run()

    _run()

    assert sorted(User.objects.values_list("username", flat=True)) == USERNAMES
    assert Membership.objects.count() == 5


def test_password_from_environment_is_used_and_printed_with_url(
    synthetic_organisation: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MVIMONITOR_DEMO_PASSWORD", "demo-password-for-tests")

    output = _run()

    assert "http://127.0.0.1:8000/" in output
    assert "demo-password-for-tests" in output
    assert User.objects.get(username="demo").check_password("demo-password-for-tests") is True


def test_the_password_is_the_same_on_every_run(
    synthetic_organisation: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MVIMONITOR_DEMO_PASSWORD", raising=False)
    first = _run()
    User.objects.filter(username="demo-inkoper").update(password="")

    second = _run()

    assert DEFAULT_PASSWORD in first
    assert first == second
    assert all(u.check_password(DEFAULT_PASSWORD) for u in User.objects.filter(username__in=USERNAMES))


def test_the_login_page_shows_the_demo_logins_in_development(
    synthetic_organisation: Organisation, client: Client
) -> None:
    _run()

    page = client.get("/en/login/").content.decode()

    assert DEFAULT_PASSWORD in page
    assert "demo-contractmanager" in page
    assert "Contract manager" in page or "contract manager" in page.lower()


def test_the_login_page_shows_no_demo_logins_in_production(
    synthetic_organisation: Organisation, client: Client, settings: pytest.FixtureRequest
) -> None:
    _run()
    settings.PRODUCTION = True  # type: ignore[attr-defined]

    page = client.get("/en/login/").content.decode()

    assert DEFAULT_PASSWORD not in page
    assert "demo-contractmanager" not in page


def test_the_login_page_shows_nothing_without_demo_logins(db: None, client: Client) -> None:
    page = client.get("/en/login/").content.decode()

    assert DEFAULT_PASSWORD not in page


def test_refused_in_production(synthetic_organisation: Organisation, settings: pytest.FixtureRequest) -> None:
    settings.DJANGO_ENV = "production"  # type: ignore[attr-defined]

    with pytest.raises(CommandError, match="production"):
        _run()
    assert not User.objects.filter(username="demo").exists()


def test_without_synthetic_organisation_it_says_what_to_run(db: None) -> None:
    with pytest.raises(CommandError, match="generate_demo"):
        _run()


def test_the_login_fields_are_the_component_librarys_text_boxes(db: None, client: Client) -> None:
    page = client.get("/en/login/").content.decode()

    assert page.count('class="utrecht-textbox utrecht-textbox--html-input"') == 2
