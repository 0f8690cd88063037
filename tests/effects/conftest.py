"""Fixtures for the effects tests: reference data, a contract per organisation, members with roles."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from mvimonitor.effects.loaders import factor_sets_json_load
from mvimonitor.effects.models import Commitment, EmissionFactorSet
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import Contract
from mvimonitor.themes.models import Theme
from tests import snapshots
from tests.factories import ContractFactory, LotFactory, MembershipFactory, OrganisationFactory, TenderFactory

FIXTURES = Path(__file__).parent / "fixtures"


TEST_FACTORS = FIXTURES / "test_factors.json"


@pytest.fixture
def effects_reference(db: None) -> None:
    """The catalogue, the shipped effect reference data, and the public set "Test values" 1 (2020): the fixed values
    the hand-worked figures of these tests use. Commitments starting 2020–2025 get it by default (the newest public
    set published no later than their start year), whatever the shipped set holds."""
    snapshots.effects_reference()
    snapshots.load("effects_test_factors", lambda: factor_sets_json_load(TEST_FACTORS))


@dataclass
class Side:
    organisation: Organisation
    contract: Contract
    manager: User
    reader: User


def make_side(name: str, *, four_eyes: bool = False) -> Side:
    """An organisation with a contract, a contract manager and a reader. The manager verifies what they submitted
    unless `four_eyes` (tests/effects/test_four_eyes.py covers that rule)."""
    organisation = OrganisationFactory(name=name, four_eyes_verification=four_eyes)
    lot = LotFactory(tender=TenderFactory(organisation=organisation))
    contract = ContractFactory(lot=lot, value=Decimal("1000000.00"), start_date=dt.date(2024, 1, 1),
                               end_date=dt.date(2025, 12, 31))  # fmt: skip
    manager = MembershipFactory(organisation=organisation, role=Role.CONTRACTMANAGER).user
    reader = MembershipFactory(organisation=organisation, role=Role.LEZER).user
    return Side(organisation, contract, manager, reader)


@pytest.fixture
def side_a(effects_reference: None) -> Side:
    return make_side("Gemeente A")


@pytest.fixture
def side_b(effects_reference: None) -> Side:
    return make_side("Gemeente B")


@pytest.fixture
def test_set(effects_reference: None) -> EmissionFactorSet:
    """The set the commitments of these tests use by default."""
    return EmissionFactorSet.objects.public().get(name="Test values", version="1")


@pytest.fixture
def electricity_commitment(side_a: Side) -> Callable[..., Commitment]:
    from mvimonitor.effects import services

    def make(**overrides: object) -> Commitment:
        fields: dict[str, object] = {
            "theme": Theme.objects.get(code="klimaat"),
            "kind": "electricity",
            "description": "Groene stroom gemeentehuis",
            "quantity": Decimal(100000),
            "unit": "kWh",
            "factor_code": "green-power-government-average",
            "reference_description": "Stroom uit het net",
            "reference_factor_code": "electricity-nl-mix-2021",
        }
        fields.update(overrides)
        return services.commitment_create(user=side_a.manager, contract=side_a.contract, **fields)

    return make


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English (the msgids); pages and API follow the request's language."""
    with translation.override("en"):
        yield
