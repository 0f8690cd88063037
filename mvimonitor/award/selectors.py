"""Reads of the award pages: a method's stored parameters and its bids as the pure ranking needs them."""

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import AwardMethod, Bid, CO2PriceSet, DiscountScheme
from .ranking import BidFigures, Parameters, RankedBid, SwapPoint, rank, swap_point


def parameters_of(method: AwardMethod) -> Parameters:
    """The parameters the method stored when it was set, never the reference row's current values."""
    return Parameters(
        kind=method.kind,
        price_per_tonne=method.price_per_tonne,
        discount_table={str(key): str(value) for key, value in (method.discount_table or {}).items()},
    )


def figures_of(bid: Bid) -> BidFigures:
    return BidFigures(
        key=bid.pk,
        bidder_name=bid.bidder_name,
        price=bid.price,
        tonnes=bid.tonnes,
        ladder_level=bid.ladder_level,
        mki=bid.mki,
    )


def ranking(method: AwardMethod) -> list[RankedBid]:
    return rank(parameters_of(method), [figures_of(bid) for bid in method.bids.all()])


@dataclass(frozen=True)
class AwardView:
    """What the lot's award page shows: the ranked bids beside their rows, and the swap point if any."""

    rows: list[tuple[RankedBid, Bid]]
    swap: SwapPoint | None


def award_view(method: AwardMethod) -> AwardView:
    bids = {bid.pk: bid for bid in method.bids.all()}
    parameters = parameters_of(method)
    ranked = rank(parameters, [figures_of(bid) for bid in bids.values()])
    return AwardView(rows=[(row, bids[row.bid.key]) for row in ranked], swap=swap_point(parameters, ranked))


def price_sets() -> QuerySet[CO2PriceSet]:
    return CO2PriceSet.objects.all()


def discount_schemes() -> QuerySet[DiscountScheme]:
    return DiscountScheme.objects.prefetch_related("levels")
