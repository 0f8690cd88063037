import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mvimonitor.isv.models import IloIssue
from mvimonitor.organisations.models import Organisation, OrganisationKind, Role, User
from mvimonitor.tenders.models import Contract, Lot
from mvimonitor.themes.models import ApplicationForm, Theme

from ..factories import ContractFactory, CpvCodeFactory, LotFactory, OrganisationFactory
from .factories import Lists, make_lists


@dataclass
class IsvWorld:
    organisation: Organisation
    lists: Lists
    inkoper: User
    contractmanager: User
    lezer: User
    outsider: User
    lot: Lot
    contract: Contract
    issue: IloIssue


@pytest.fixture
def world(db: None, make_member: Callable[..., User]) -> IsvWorld:
    Theme.objects.create(code="keten", name_nl="Ketenverantwoordelijkheid", order=4, source="t", source_year=2021)
    for order, code in enumerate(("selectie", "gunningscriterium", "contractbepaling")):
        ApplicationForm.objects.create(code=code, name_nl=code.title(), order=order, source="t", source_year=2022)
    lists = make_lists()
    organisation = OrganisationFactory(name="Ministerie van Test", kind=OrganisationKind.RIJK)
    cpv = CpvCodeFactory(code="18110000")
    lot = LotFactory(tender__organisation=organisation, tender__publication_date=dt.date(2025, 3, 1), main_cpv=cpv)
    issue = IloIssue.objects.create(
        code="child-labour",
        name_nl="Kinderarbeid",
        name_en="Child labour",
        conventions="C138, C182",
        source="t",
        source_year=2023,
    )
    return IsvWorld(
        organisation=organisation,
        lists=lists,
        inkoper=make_member(Role.INKOPER, organisation),
        contractmanager=make_member(Role.CONTRACTMANAGER, organisation),
        lezer=make_member(Role.LEZER, organisation),
        outsider=make_member(Role.BEHEERDER),
        lot=lot,
        contract=ContractFactory(lot=lot, supplier_name="Kleding BV"),
        issue=issue,
    )
