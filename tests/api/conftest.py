"""Fixtures for API tests: token-authenticated clients and a small catalogue made with the ORM."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.themes.models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    Criterion,
    EuThreshold,
    IsvRiskCategory,
    ProductGroup,
    ProductGroupCluster,
    ProductGroupSet,
    Theme,
    ThresholdCategory,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

SRC: dict[str, Any] = {"source": "test fixture", "source_year": 2024}


@pytest.fixture
def api_client() -> Callable[[User | None], APIClient]:
    """A client that sends `Authorization: Token ...` for the user (none for None)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
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


@pytest.fixture
def catalogue(db: None) -> dict[str, Any]:
    """One of each catalogue row the API serves."""
    themes = {
        code: Theme.objects.create(code=code, name_nl=name, name_en=name, order=order, **SRC)
        for order, (code, name) in enumerate([("klimaat", "Klimaat"), ("sroi", "Social return")])
    }
    forms = {
        code: ApplicationForm.objects.create(code=code, name_nl=name, name_en=name, order=order, **SRC)
        for order, (code, name) in enumerate([("minimumeis", "Minimumeis"), ("gunningscriterium", "Gunning")])
    }
    ambition = AmbitionLevel.objects.create(code="basis", name_nl="Basis", name_en="Basic", level=1, **SRC)
    group_set = ProductGroupSet.objects.create(
        version="2024", name="Productgroepen 2024", valid_from=dt.date(2024, 1, 1), declared_group_count=48, **SRC
    )
    cluster = ProductGroupCluster.objects.create(
        product_group_set=group_set, code="gww", name_nl="Grond-, weg- en waterbouw", **SRC
    )
    group = ProductGroup.objects.create(
        product_group_set=group_set, cluster=cluster, code="schoonmaak", name_nl="Schoonmaak", **SRC
    )
    criterion = Criterion.objects.create(
        product_group=group,
        code="MVI-1",
        title="Emissievrije voertuigen",
        theme=themes["klimaat"],
        form=forms["minimumeis"],
        ambition_level=ambition,
        **SRC,
    )
    isv = IsvRiskCategory.objects.create(list_version="2023", number=1, name_nl="Mensenrechten", **SRC)
    threshold = EuThreshold.objects.create(
        category=ThresholdCategory.DECENTRAL_SUPPLIES_SERVICES,
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2026, 1, 1),
        amount=Decimal("221000"),
        **SRC,
    )
    cpv = {
        code: CpvCode.objects.create(code=code, label_nl=nl, label_en=en, **SRC)
        for code, nl, en in [
            ("90910000", "Reinigingsdiensten", "Cleaning services"),
            ("90911000", "Reiniging van woningen", "Accommodation cleaning services"),
            ("45000000", "Bouwwerkzaamheden", "Construction work"),
            ("30190000", "Diverse kantoorbenodigdheden", "Various office equipment"),
        ]
    }
    return {
        "themes": themes,
        "forms": forms,
        "ambition": ambition,
        "group_set": group_set,
        "cluster": cluster,
        "group": group,
        "criterion": criterion,
        "isv": isv,
        "threshold": threshold,
        "cpv": cpv,
    }
