"""Fixtures for API tests: token-authenticated clients and a small catalogue made with the ORM."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from mvimonitor.organisations.models import Organisation, Role, User
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, api_key

SRC: dict[str, Any] = {"source": "test fixture", "source_year": 2024}


@pytest.fixture
def api_client() -> Callable[[User | None], APIClient]:
    """A client that sends `Authorization: Token ...` for the user (none for None)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
        return client

    return make


@pytest.fixture
def organisation(db: None) -> Organisation:
    return OrganisationFactory(name="Gemeente Eigen")  # type: ignore[no-any-return]


@pytest.fixture
def other_organisation(db: None) -> Organisation:
    return OrganisationFactory(name="Gemeente Ander")  # type: ignore[no-any-return]


@pytest.fixture
def member(organisation: Organisation) -> Callable[[str], User]:
    def make(role: str = Role.INKOPER) -> User:
        return MembershipFactory(role=role, organisation=organisation).user  # type: ignore[no-any-return]

    return make


@pytest.fixture
def buyer(member: Callable[[str], User]) -> User:
    return member(Role.INKOPER)


@pytest.fixture
def client_for(api_client: Callable[[User | None], APIClient]) -> Callable[[User | None], APIClient]:
    return api_client


@pytest.fixture
def buyer_client(api_client: Callable[[User | None], APIClient], buyer: User) -> APIClient:
    return api_client(buyer)


@pytest.fixture
def national_analyst(db: None) -> User:
    return UserFactory(national_analyst=True)  # type: ignore[no-any-return]
