"""Fixtures for the tender pages: two organisations, members in several roles, and a little catalogue."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import MVIApplication, Tender
from tests.factories import (
    AwardCriterionFactory,
    Catalogue,
    ContractFactory,
    LotFactory,
    MVIApplicationFactory,
    OrganisationFactory,
    TenderFactory,
)


@dataclass
class World:
    own: Organisation
    other: Organisation
    inkoper: User
    lezer: User
    coordinator: User
    tender: Tender
    foreign_tender: Tender
    application: MVIApplication
    foreign_application: MVIApplication


@pytest.fixture
def world(catalogue: Catalogue, make_member: Callable[..., User]) -> World:
    """Organisation `own` with an inkoper, a lezer and a coordinator; organisation `other` with its own tender."""
    own, other = OrganisationFactory(name="Gemeente Eigen"), OrganisationFactory(name="Gemeente Ander")
    tender = TenderFactory(organisation=own, title="Schoonmaak stadhuis", main_cpv=catalogue.cleaning)
    lot = LotFactory(tender=tender, number="1", title="Kantoren")
    AwardCriterionFactory(lot=lot, name="Prijs", criterion_type="price", weight=60)
    application = MVIApplicationFactory(lot=lot, theme=catalogue.sroi, form=catalogue.award, award_weight=10)
    ContractFactory(lot=lot, supplier_name="Schoon BV")
    foreign_tender = TenderFactory(organisation=other, title="Geheime aanbesteding")
    foreign_lot = LotFactory(tender=foreign_tender, number="1")
    foreign_application = MVIApplicationFactory(lot=foreign_lot, theme=catalogue.sroi, form=catalogue.award)
    return World(
        own=own,
        other=other,
        inkoper=make_member(Role.INKOPER, own),
        lezer=make_member(Role.LEZER, own),
        coordinator=make_member(Role.COORDINATOR, own),
        tender=tender,
        foreign_tender=foreign_tender,
        application=application,
        foreign_application=foreign_application,
    )


@pytest.fixture
def inkoper_client(world: World, logged_in: Callable[[User], Client]) -> Client:
    return logged_in(world.inkoper)
