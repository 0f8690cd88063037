import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client

from mvimonitor.organisations.models import Organisation, Role, User

from . import snapshots
from .factories import PASSWORD, Catalogue, MembershipFactory, OrganisationFactory, UserFactory, make_catalogue

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# The browser fixtures (one Playwright and one chromium per session) for the browser tests of every folder.
pytest_plugins = ["tests.browser.fixtures"]

# With pytest-xdist (`make test-quick`: `-n 2 --dist loadfile --no-loadscope-reorder`) each worker takes the next
# module when it is done with one, in the order collected. The modules that take longest go first, so that none of
# them starts while the other worker has nothing left to do. Seconds per module (setup included) on PostgreSQL in
# one process / on SQLite in `make test-quick`, both measured 2026-12-03 (docs/performance.md).
LONGEST_MODULES_FIRST = (
    "tests/test_production.py",  # 33 / 32: needs no test database, so it starts while the other worker makes its own
    "tests/api/test_fuzz.py",  # 38 / 50: one test, bounded fuzzing of every API operation
    "tests/access/test_permission_matrix.py",  # 41 / 40
    "tests/imports/test_parallel.py",  # 15 / 27: imports with reading worker processes
    "tests/reference/test_load_reference.py",  # 17 / 8: loads the full CPV list
    "tests/plans/test_demo_report.py",  # 15 / 13
    "tests/imports/test_recovery.py",  # 3 / 12: import workers killed half way, on SQLite only
    "tests/imports/test_tenderned_pull.py",  # 12 / 11
    "tests/dashboards/test_summaries.py",  # 11 / 7
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # one process: the order pytest-django gave them
        return
    rank = {path: place for place, path in enumerate(LONGEST_MODULES_FIRST)}
    # a stable sort: within a module, and among the other modules, the order stays pytest-django's
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: pytest.FixtureRequest) -> None:
    # The real hasher costs ~0.3 s a user; tests create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # A request in English (LocaleMiddleware) leaves English active in the thread; without this reset a later test
    # that expects the Dutch default sees English URLs and texts, depending on the order the tests run in.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _forget_figures_kept_in_process() -> None:
    # Cached figures are kept unpickled per process under keys with the facts version; a test database starts
    # again from version "none", so every test starts without them.
    from django.core.cache import cache

    from mvimonitor.dashboards.cache import clear_local

    clear_local()
    cache.clear()  # also the API's throttle history: each test starts with its full request allowance


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is not present at {SHARED_DATA}; real-data tests need it")
    return SHARED_DATA


@pytest.fixture
def make_member(db: None) -> Callable[..., User]:
    def make(role: str = Role.INKOPER, organisation: Organisation | None = None) -> User:
        membership = MembershipFactory(role=role, organisation=organisation or OrganisationFactory())
        return membership.user  # type: ignore[no-any-return]

    return make


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    """The one small catalogue of the tests (tests/factories.py `make_catalogue`)."""
    return make_catalogue()


@pytest.fixture
def reference_data(db: None) -> None:
    """The project's shipped reference data (themes, forms, ambition levels, ...), without the full CPV list and
    without the sample release of criteria (`sample_release` adds it): loading those costs every test that needs
    themes a database round trip per row."""
    snapshots.reference_data()


@pytest.fixture
def sample_release(reference_data: None) -> None:
    """The shipped sample release of criteria (`sample-2026`), as `make run` loads it."""
    snapshots.sample_release()


@pytest.fixture
def logged_in(client: Client) -> Callable[[User], Client]:
    def login(user: User) -> Client:
        # client.login() cannot pass a request to django-axes' backend, so log in directly.
        assert user.check_password(PASSWORD)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


__all__ = ["PASSWORD", "OrganisationFactory", "UserFactory"]
