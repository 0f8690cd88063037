from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mvimonitor.award.loaders import load_award_reference
from mvimonitor.award.models import CO2PriceSet, DiscountScheme
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import Lot

from ..factories import LotFactory, OrganisationFactory


@dataclass
class AwardWorld:
    organisation: Organisation
    inkoper: User
    lezer: User
    outsider: User
    lot: Lot
    price_700: CO2PriceSet
    prorail: DiscountScheme


@pytest.fixture
def world(db: None, make_member: Callable[..., User]) -> AwardWorld:
    load_award_reference()
    organisation = OrganisationFactory()
    return AwardWorld(
        organisation=organisation,
        inkoper=make_member(Role.INKOPER, organisation),
        lezer=make_member(Role.LEZER, organisation),
        outsider=make_member(Role.BEHEERDER),
        lot=LotFactory(tender__organisation=organisation),
        price_700=CO2PriceSet.objects.get(price_per_tonne=700),
        prorail=DiscountScheme.objects.get(version="3.1"),
    )
