"""A supplier (KvK 12345678) with contracts at two organisations, their contract managers, and helpers to send a
request and read the link from the e-mail."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from mvimonitor.effects.models import Commitment
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.suppliers import services
from mvimonitor.suppliers.models import ReportingRequest
from mvimonitor.tenders.models import Contract
from tests.factories import (
    ContractFactory,
    LotFactory,
    MembershipFactory,
    OrganisationFactory,
    TenderFactory,
    ThemeFactory,
)

KVK = "12345678"
OTHER_KVK = "87654321"
BASE_URL = "http://testserver/"
LINK = re.compile(r"http://testserver(/supplier/[ro]/[A-Za-z0-9_-]+/)")


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    manager_a: User
    manager_b: User
    colleague_b: User
    reader_a: User
    contract_a: Contract
    contract_a2: Contract
    contract_b: Contract
    other_contract: Contract  # another supplier, at A


def _contract(organisation: Organisation, title: str, kvk: str, *descriptions: str) -> Contract:
    lot = LotFactory(tender=TenderFactory(organisation=organisation, title=title))
    contract = ContractFactory(
        lot=lot, supplier_name="Schoon BV" if kvk == KVK else "Ander BV", supplier_kvk_number=kvk,
        start_date=dt.date(2025, 6, 1), end_date=dt.date(2027, 5, 31),
    )  # fmt: skip
    for description in descriptions:
        Commitment.objects.create(
            contract=contract, theme=ThemeFactory(), kind="other", description=description, quantity=Decimal(1000),
            unit="kWh", period_start=contract.start_date, period_end=contract.end_date,
        )  # fmt: skip
    return contract


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Path) -> World:
    settings.MVIMONITOR_PRIVATE_MEDIA_ROOT = str(tmp_path)
    org_a = OrganisationFactory(name="Gemeente A", four_eyes_verification=False)
    org_b = OrganisationFactory(name="Waterschap B", four_eyes_verification=True)
    return World(
        org_a=org_a,
        org_b=org_b,
        manager_a=MembershipFactory(organisation=org_a, role=Role.CONTRACTMANAGER).user,
        manager_b=MembershipFactory(organisation=org_b, role=Role.CONTRACTMANAGER).user,
        colleague_b=MembershipFactory(organisation=org_b, role=Role.CONTRACTMANAGER).user,
        reader_a=MembershipFactory(organisation=org_a, role=Role.LEZER).user,
        contract_a=_contract(org_a, "Schoonmaak stadhuis", KVK, "Groene stroom", "Elektrische bussen"),
        contract_a2=_contract(org_a, "Schoonmaak scholen", KVK, "Groene stroom scholen"),
        contract_b=_contract(org_b, "Schoonmaak gemalen", KVK, "Groene stroom gemalen"),
        other_contract=_contract(org_a, "Groenonderhoud", OTHER_KVK, "Elektrisch gereedschap"),
    )


def due() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)


def send(user: User, contract: Contract, **overrides: Any) -> tuple[ReportingRequest, str]:
    """Send a request and return it with the path of the link in the e-mail."""
    before = len(mail.outbox)
    fields: dict[str, Any] = {
        "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2026, 6, 30),
        "due_date": due(),
        "recipient_email": "rapportage@schoon.example",
    } | overrides
    request = services.request_send(user=user, contract=contract, base_url=BASE_URL, **fields)
    assert len(mail.outbox) == before + 1
    return request, link_in(mail.outbox[-1].body)


def link_in(body: str) -> str:
    match = LINK.search(body)
    assert match, body
    return match.group(1)
