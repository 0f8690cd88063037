"""Ranking bids by fictitious price: pure functions over the parameters an award method stored (docs/award.md).

- CO2 price: a bid's advantage is (the most tonnes among the bids - its tonnes) * the price per tonne, so the bid with
  the most emissions gets none; fictitious price = price - advantage. This orders the bids exactly as
  price + tonnes * price per tonne would, while the advantage stays a positive amount in euros.
- CO2-Prestatieladder: advantage = price * the discount of the bid's level; fictitious price = price * (1 - discount).
  A level the table does not list takes the discount of the highest listed level below it; no level, no discount.
- MKI (environmental cost in euros): advantage = the highest MKI among the bids - the bid's MKI; fictitious price =
  price - advantage (the same order as price + MKI).

Other quality criteria (optional) lower the fictitious price by a fictitious discount each: the bid's score divided
by the criterion's maximum score, times the discount a maximum score is worth in euros (its weight). They are not
part of the CO2 advantage, which alone is carried into the contract.

The lowest fictitious price wins; equal fictitious prices are decided by the lower real price, then by the bidder's
name (case-insensitive), then by the order of entry. Amounts are exact Decimals; `cents` rounds half-up to cents and
is used only to show an amount and to store the winner's advantage.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CO2_PRICE = "co2_price"
LADDER_DISCOUNT = "ladder_discount"
MKI = "mki"
CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class QualityRule:
    """A quality criterion besides CO2: a full score (``max_score``) is worth ``max_discount`` euros."""

    key: int
    max_discount: Decimal
    max_score: Decimal


@dataclass(frozen=True)
class Parameters:
    """What a method stored: its kind, the price per tonne (CO2 price) or level → percent table (ladder), and the
    other quality criteria."""

    kind: str
    price_per_tonne: Decimal | None = None
    discount_table: Mapping[str, str] | None = None
    quality: Sequence[QualityRule] = ()


@dataclass(frozen=True)
class BidFigures:
    key: int
    bidder_name: str
    price: Decimal
    tonnes: Decimal | None = None
    ladder_level: int | None = None
    mki: Decimal | None = None
    scores: Mapping[int, Decimal] | None = None  # quality criterion key → score; a missing score counts as 0


@dataclass(frozen=True)
class RankedBid:
    rank: int
    bid: BidFigures
    advantage: Decimal
    fictitious_price: Decimal
    discount_percent: Decimal | None = None
    quality_discount: Decimal = ZERO


@dataclass(frozen=True)
class SwapPoint:
    """The price per tonne at which the first two bids are equal; beyond it they change places."""

    price_per_tonne: Decimal
    first: BidFigures
    second: BidFigures


def cents(amount: Decimal) -> Decimal:
    """An amount rounded to cents, half-up (0.005 → 0.01)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def discount_for(table: Mapping[str, str], level: int | None) -> Decimal:
    """The discount percent of a ladder level: the highest listed level at or below it; 0 without a level."""
    if level is None:
        return ZERO
    listed = sorted((int(key), Decimal(value)) for key, value in table.items() if int(key) <= level)
    return listed[-1][1] if listed else ZERO


def _required(value: Decimal | None, what: str, bid: BidFigures) -> Decimal:
    if value is None:
        raise ValueError(f"{bid.bidder_name}: {what} is needed for this method")
    return value


def _advantages(parameters: Parameters, bids: Sequence[BidFigures]) -> list[tuple[Decimal, Decimal | None]]:
    """(advantage in euros, discount percent or None) per bid, in the order given."""
    if parameters.kind == CO2_PRICE:
        per_tonne = parameters.price_per_tonne
        if per_tonne is None:
            raise ValueError("a CO2 price method needs a price per tonne")
        tonnes = [_required(bid.tonnes, "tonnes", bid) for bid in bids]
        worst = max(tonnes, default=ZERO)
        return [((worst - t) * per_tonne, None) for t in tonnes]
    if parameters.kind == LADDER_DISCOUNT:
        table = parameters.discount_table or {}
        percents = [discount_for(table, bid.ladder_level) for bid in bids]
        return [(bid.price * percent / 100, percent) for bid, percent in zip(bids, percents, strict=True)]
    if parameters.kind == MKI:
        scores = [_required(bid.mki, "MKI", bid) for bid in bids]
        worst = max(scores, default=ZERO)
        return [(worst - score, None) for score in scores]
    raise ValueError(f"unknown award method {parameters.kind!r}")


def quality_discount(parameters: Parameters, bid: BidFigures) -> Decimal:
    """The sum of the bid's fictitious discounts for the other quality criteria (0 without any)."""
    scores = bid.scores or {}
    return sum((scores.get(rule.key, ZERO) / rule.max_score * rule.max_discount for rule in parameters.quality), ZERO)


def rank(parameters: Parameters, bids: Sequence[BidFigures]) -> list[RankedBid]:
    """The bids from best (rank 1) to worst by fictitious price, ties decided as the module says."""
    scored = []
    for bid, (advantage, percent) in zip(bids, _advantages(parameters, bids), strict=True):
        quality = quality_discount(parameters, bid)
        scored.append((bid.price - advantage - quality, bid, advantage, percent, quality))
    scored.sort(key=lambda row: (row[0], row[1].price, row[1].bidder_name.casefold(), row[1].key))
    return [
        RankedBid(
            rank=number,
            bid=bid,
            advantage=advantage,
            fictitious_price=fictitious,
            discount_percent=percent,
            quality_discount=quality,
        )
        for number, (fictitious, bid, advantage, percent, quality) in enumerate(scored, start=1)
    ]


def swap_point(parameters: Parameters, ranking: Sequence[RankedBid]) -> SwapPoint | None:
    """For a CO2 price method: the price per tonne x at which the first two bids A and B are equal,
    pA + tA*x = pB + tB*x, so x = (pB - pA) / (tA - tB), where a price is less its quality discount. None for other
    methods, with fewer than two bids, when both bids have the same tonnes (no price swaps them) or when x would be
    negative (no price swaps them either)."""
    if parameters.kind != CO2_PRICE or len(ranking) < 2:
        return None
    first, second = ranking[0].bid, ranking[1].bid
    t_first, t_second = _required(first.tonnes, "tonnes", first), _required(second.tonnes, "tonnes", second)
    if t_first == t_second:
        return None
    x = ((second.price - ranking[1].quality_discount) - (first.price - ranking[0].quality_discount)) / (
        t_first - t_second
    )
    if x < 0:
        return None
    return SwapPoint(price_per_tonne=x, first=first, second=second)
