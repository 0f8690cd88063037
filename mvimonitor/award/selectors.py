"""Reads of the award pages: a method's stored parameters and its bids as the pure ranking needs them, and the state
of the winning promise in the contract (the commitment and the figures effects stored for it)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mvimonitor.effects.models import Commitment, EffectCalculation
from mvimonitor.tenders.models import Contract, Lot

from .models import AwardKind, AwardMethod, Bid, CO2PriceSet, DiscountScheme, QualityCriterion
from .ranking import BidFigures, Parameters, QualityRule, RankedBid, SwapPoint, rank, swap_point


def parameters_of(method: AwardMethod, criteria: list[QualityCriterion] | None = None) -> Parameters:
    """The parameters the method stored when it was set, never the reference row's current values (`criteria`: its
    quality criteria when the caller has read them already)."""
    return Parameters(
        kind=method.kind,
        price_per_tonne=method.price_per_tonne,
        discount_table={str(key): str(value) for key, value in (method.discount_table or {}).items()},
        quality=tuple(
            QualityRule(key=criterion.pk, max_discount=criterion.max_discount, max_score=criterion.max_score)
            for criterion in (quality_criteria(method) if criteria is None else criteria)
        ),
    )


def quality_criteria(method: AwardMethod) -> list[QualityCriterion]:
    return list(method.quality_criteria.all())


def figures_of(bid: Bid) -> BidFigures:
    return BidFigures(
        key=bid.pk,
        bidder_name=bid.bidder_name,
        price=bid.price,
        tonnes=bid.tonnes,
        ladder_level=bid.ladder_level,
        mki=bid.mki,
        scores={score.criterion_id: score.score for score in bid.scores.all()},
    )


def ranking(method: AwardMethod) -> list[RankedBid]:
    return rank(parameters_of(method), [figures_of(bid) for bid in method.bids.prefetch_related("scores")])


@dataclass(frozen=True)
class AwardView:
    """What the lot's award page shows: the ranked bids beside their rows, and the swap point if any."""

    rows: list[tuple[RankedBid, Bid]]
    swap: SwapPoint | None
    criteria: list[QualityCriterion]

    def scores_of(self, bid: Bid) -> list[Decimal | None]:
        """The bid's score per quality criterion, in the criteria's order (None: not scored)."""
        scores = {score.criterion_id: score.score for score in bid.scores.all()}
        return [scores.get(criterion.pk) for criterion in self.criteria]


def award_view(method: AwardMethod) -> AwardView:
    bids = {bid.pk: bid for bid in method.bids.prefetch_related("scores")}
    criteria = quality_criteria(method)
    parameters = parameters_of(method, criteria)
    ranked = rank(parameters, [figures_of(bid) for bid in bids.values()])
    return AwardView(
        rows=[(row, bids[row.bid.key]) for row in ranked],
        swap=swap_point(parameters, ranked),
        criteria=criteria,
    )


def price_sets() -> QuerySet[CO2PriceSet]:
    return CO2PriceSet.objects.all()


def discount_schemes() -> QuerySet[DiscountScheme]:
    return DiscountScheme.objects.prefetch_related("levels")


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def same_supplier(bid: Bid, contract: Contract) -> bool:
    """The bidder is the contract's supplier: by KvK number when both have one, else by name (case and spacing
    ignored)."""
    if bid.bidder_kvk and contract.supplier_kvk_number:
        return bid.bidder_kvk == contract.supplier_kvk_number
    return _name_key(bid.bidder_name) == _name_key(contract.supplier_name)


def contract_for(lot: Lot, winner: Bid) -> tuple[Contract | None, str]:
    """The lot's contract with the winning bidder, or None and why not."""
    contracts = list(lot.contracts.all())
    if not contracts:
        return None, _("This lot has no contract yet: record the contract first.")
    for contract in contracts:
        if same_supplier(winner, contract):
            return contract, ""
    return None, _(
        "The winning bidder %(bidder)s is not the supplier of this lot's contract (%(supplier)s): "
        "the promise is not carried."
    ) % {"bidder": winner.bidder_name, "supplier": ", ".join(c.supplier_name for c in contracts)}


def not_carried_reason(method: AwardMethod, winner: Bid) -> str | None:
    """Why this award's promise cannot become a contract commitment, or None when it can."""
    if method.kind == AwardKind.LADDER_DISCOUNT and winner.ladder_level is None:
        return _("The winning bid states no CO2-Prestatieladder level: there is no level to carry into the contract.")
    if not winner.award_advantage:
        return _("The winning bid won no advantage on CO2: there is no promise to carry into the contract.")
    return None


@dataclass(frozen=True)
class ContractPromise:
    """The winning promise and the contract: where it stands, what effects stored for it."""

    winner: Bid
    contract: Contract | None
    problem: str
    commitment: Commitment | None
    calculation: EffectCalculation | None

    @property
    def multiple(self) -> Decimal | None:
        """The multiple effects applies: the contract's own, else the rule's."""
        if self.commitment is None:
            return None
        if self.commitment.sanction_multiple is not None:
            return self.commitment.sanction_multiple
        rule = self.commitment.sanction_rule
        return rule.multiple if rule is not None else None


def contract_promise(method: AwardMethod) -> ContractPromise | None:
    """None while there is no winning bid."""
    winner = (
        method.bids.exclude(award_advantage=None)
        .select_related("commitment__contract", "commitment__sanction_rule")
        .first()
    )
    if winner is None:
        return None
    commitment = winner.commitment
    if commitment is not None:
        calculation = EffectCalculation.objects.current().filter(commitment=commitment).first()
        return ContractPromise(winner, commitment.contract, "", commitment, calculation)
    problem = not_carried_reason(method, winner)
    if problem is not None:
        return ContractPromise(winner, None, problem, None, None)
    contract, problem = contract_for(method.lot, winner)
    return ContractPromise(winner, contract, problem, None, None)
