"""Every write of the award pages: set a lot's method (copying its parameters), enter and remove bids, and carry the
winning promise into the contract. Each runs the access guard first (edit tenders of the lot's organisation; edit
contracts to carry the promise) and refreshes the winner's stored award advantage. Once the promise is in the
contract, the method and the bids stay as they were."""

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mvimonitor.effects import services as effects_services
from mvimonitor.effects.models import Commitment, CommitmentKind, SanctionRule, Unit
from mvimonitor.organisations.access import Action, organisation_id_of, require
from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import Lot
from mvimonitor.themes.models import Theme

from .models import AwardKind, AwardMethod, Bid, BidScore, CO2PriceSet, DiscountScheme, QualityCriterion
from .ranking import cents
from .selectors import contract_for, not_carried_reason, ranking

REFUSED = gettext_lazy("You may not change the tenders of this organisation.")
REFUSED_CONTRACTS = gettext_lazy("You may not change the contracts of this organisation.")
# The catalogue theme a carried promise is recorded under: CO2 under climate, the environmental cost (MKI) under
# environment.
PROMISE_THEMES = {AwardKind.CO2_PRICE: "klimaat", AwardKind.MKI: "milieu", AwardKind.LADDER_DISCOUNT: "klimaat"}

# The figure each method ranks on, which every bid under it must state.
_NEEDED = {AwardKind.CO2_PRICE: "tonnes", AwardKind.MKI: "mki"}


def _guard(user: User, lot: Lot) -> None:
    require(user, Action.EDIT_TENDERS, organisation_id_of(lot), str(REFUSED))


def _refuse_once_carried(method: AwardMethod) -> None:
    """The contract's commitment and a later sanction rest on this award: it no longer changes."""
    if method.pk is not None and method.bids.filter(commitment__isnull=False).exists():
        raise ValidationError(
            _("The winning promise was carried into the contract: the method and the bids can no longer change.")
        )


def _missing_message(kind: str) -> str:
    if kind == AwardKind.CO2_PRICE:
        return _("State the tonnes CO2-eq over the contract period: this lot is awarded on a CO2 price.")
    return _("State the MKI in euros: this lot is awarded on MKI.")


def refresh_advantage(method: AwardMethod) -> None:
    """Store the award advantage (€, to cents half-up) on the winning bid and clear it on every other bid."""
    ranked = ranking(method)
    winner = ranked[0] if ranked else None
    others = method.bids.exclude(award_advantage=None)
    if winner is not None:
        others = others.exclude(pk=winner.bid.key)
        method.bids.filter(pk=winner.bid.key).update(award_advantage=cents(winner.advantage))
    others.update(award_advantage=None)


@transaction.atomic
def set_method(
    *,
    user: User,
    lot: Lot,
    kind: str,
    price_set: CO2PriceSet | None = None,
    discount_scheme: DiscountScheme | None = None,
) -> AwardMethod:
    """Set (or change) how the lot is awarded; the price per tonne or discount table is copied in now."""
    _guard(user, lot)
    method = AwardMethod.objects.filter(lot=lot).first() or AwardMethod(lot=lot)
    _refuse_once_carried(method)
    method.kind = kind
    method.price_set = price_set if kind == AwardKind.CO2_PRICE else None
    method.discount_scheme = discount_scheme if kind == AwardKind.LADDER_DISCOUNT else None
    method.price_per_tonne = method.price_set.price_per_tonne if method.price_set is not None else None
    method.discount_table = method.discount_scheme.table() if method.discount_scheme is not None else {}
    source = method.price_set or method.discount_scheme
    method.parameters_source = f"{source} — {source.source}"[:300] if source is not None else ""
    method.created_by = user
    method.full_clean()
    needed = _NEEDED.get(AwardKind(kind))
    if method.pk is not None and needed and method.bids.filter(**{f"{needed}__isnull": True}).exists():
        raise ValidationError({"kind": _missing_message(kind)})
    method.save()
    refresh_advantage(method)
    return method


@transaction.atomic
def add_bid(
    *,
    user: User,
    method: AwardMethod,
    bidder_name: str,
    price: Decimal,
    bidder_kvk: str = "",
    tonnes: Decimal | None = None,
    ladder_level: int | None = None,
    mki: Decimal | None = None,
    scores: Mapping[int, Decimal] | None = None,
) -> Bid:
    """Enter a bid; ``scores`` gives its score per quality criterion (criterion id → score), one for every criterion
    of the method."""
    _guard(user, method.lot)
    _refuse_once_carried(method)
    bid = Bid(
        method=method,
        bidder_name=bidder_name.strip(),
        bidder_kvk=bidder_kvk.strip(),
        price=price,
        tonnes=tonnes,
        ladder_level=ladder_level,
        mki=mki,
    )
    bid.full_clean(exclude=["award_advantage"])
    needed = _NEEDED.get(AwardKind(method.kind))
    if needed and getattr(bid, needed) is None:
        raise ValidationError({needed: _missing_message(method.kind)})
    checked = _checked_scores(method, scores or {})
    bid.save()
    BidScore.objects.bulk_create(BidScore(bid=bid, criterion=criterion, score=score) for criterion, score in checked)
    refresh_advantage(method)
    return bid


def _checked_scores(method: AwardMethod, scores: Mapping[int, Decimal]) -> list[tuple[QualityCriterion, Decimal]]:
    criteria = {criterion.pk: criterion for criterion in method.quality_criteria.all()}
    unknown = set(scores) - set(criteria)
    if unknown:
        raise ValidationError(_("A score names a quality criterion this lot does not have."))
    problems = []
    checked = []
    for key, criterion in criteria.items():
        score = scores.get(key)
        if score is None:
            problems.append(_("Score the quality criterion “%(name)s”.") % {"name": criterion.name})
        elif not Decimal(0) <= score <= criterion.max_score:
            problems.append(
                _("The score on “%(name)s” must lie between 0 and %(max)s.")
                % {"name": criterion.name, "max": _plain(criterion.max_score)}
            )
        else:
            checked.append((criterion, score))
    if problems:
        raise ValidationError(problems)
    return checked


@transaction.atomic
def add_quality_criterion(
    *, user: User, method: AwardMethod, name: str, max_discount: Decimal, max_score: Decimal = Decimal(10)
) -> QualityCriterion:
    """Add a quality criterion besides CO2; only before any bid, since the bids answer the published criteria."""
    _guard(user, method.lot)
    _refuse_with_bids(method)
    criterion = QualityCriterion(method=method, name=name.strip(), max_discount=max_discount, max_score=max_score)
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def remove_quality_criterion(*, user: User, criterion: QualityCriterion) -> None:
    _guard(user, criterion.method.lot)
    _refuse_with_bids(criterion.method)
    criterion.delete()


def _refuse_with_bids(method: AwardMethod) -> None:
    if method.bids.exists():
        raise ValidationError(
            _("The quality criteria can change only before the first bid: remove the bids to change them.")
        )


@transaction.atomic
def remove_bid(*, user: User, bid: Bid) -> None:
    method = bid.method
    _guard(user, method.lot)
    _refuse_once_carried(method)
    bid.delete()
    refresh_advantage(method)


def _plain(value: Decimal) -> str:
    """1000.000 as 1000, 12.500 as 12.5: the tonnes as entered, for the commitment's text."""
    return f"{value.normalize():f}"


def _level_promise(winner: Bid) -> dict[str, object]:
    """A CO2-Prestatieladder award as effects records a promise: the level, held through the contract period. Effects
    reads a level's delivery as the lowest level verified in the period, so one period below it makes the promise
    missed."""
    level = winner.ladder_level
    assert level is not None  # noqa: S101 - not_carried_reason refuses a winner without a level
    return {
        "kind": CommitmentKind.OTHER,
        "description": (
            _(
                "Award promise of %(name)s: CO2-Prestatieladder level %(level)s (certified) held throughout the "
                "contract period"
            )
            % {"name": winner.bidder_name, "level": level}
        )[:500],
        "quantity": Decimal(level),
        "unit": Unit.LEVEL,
    }


def _avoided_promise(method: AwardMethod, winner: Bid) -> dict[str, object]:
    """The winner's promise as effects records a promise: a quantity that delivery must at least reach.

    A bid's tonnes (CO2 price) or MKI are a ceiling (at most that much), the other way round; so the promise is
    recorded as what it avoids against the bid with the most (tonnes, or euros of MKI), the very amount the advantage
    was paid for; the delivery is reported as that bid's figure minus the winner's delivered figure.
    """
    field, unit = ("tonnes", Unit.TONNE) if method.kind == AwardKind.CO2_PRICE else ("mki", Unit.EUR)
    reference = method.bids.exclude(**{field: None}).order_by(f"-{field}", "pk").first()
    assert reference is not None  # noqa: S101 - the method refuses bids without the figure
    worst: Decimal = getattr(reference, field)
    promised: Decimal = getattr(winner, field)
    values = {"name": winner.bidder_name, "figure": _plain(promised), "reference": _plain(worst)}
    if method.kind == AwardKind.CO2_PRICE:
        description = _(
            "Award promise of %(name)s: at most %(figure)s t CO2-eq over the contract period, recorded as the "
            "tonnes avoided against the bid with the most emissions (%(reference)s t)"
        )
        reference_text = _("The bid with the most emissions: %(name)s, %(tonnes)s t CO2-eq")
    else:
        description = _(
            "Award promise of %(name)s: an MKI of at most € %(figure)s, recorded as the environmental cost avoided "
            "against the bid with the highest MKI (€ %(reference)s)"
        )
        reference_text = _("The bid with the highest MKI: %(name)s, € %(tonnes)s")
    return {
        "kind": CommitmentKind.OTHER,
        "description": (description % values)[:500],
        "quantity": worst - promised,
        "unit": unit,
        "reference_description": (reference_text % {"name": reference.bidder_name, "tonnes": _plain(worst)})[:500],
        "reference_quantity": worst,
        "reference_unit": unit,
    }


@transaction.atomic
def carry_into_contract(
    *,
    user: User,
    method: AwardMethod,
    sanction_rule: SanctionRule | None = None,
    sanction_multiple: Decimal | None = None,
) -> Commitment:
    """Record the winning bid's promise as a commitment of the lot's contract, with the award advantage and the
    sanction rule (or the organisation's own multiple, which effects lets override the rule).

    Idempotent: a bid whose promise was carried already returns the commitment it was carried into.
    """
    lot = method.lot
    require(user, Action.EDIT_CONTRACTS, organisation_id_of(lot), str(REFUSED_CONTRACTS))
    winner = Bid.objects.select_for_update().filter(method=method).exclude(award_advantage=None).first()
    if winner is None:
        raise ValidationError(_("There is no winning bid to carry into the contract."))
    if winner.commitment_id is not None and winner.commitment is not None:
        return winner.commitment
    reason = not_carried_reason(method, winner)
    if reason is not None:
        raise ValidationError(reason)
    contract, problem = contract_for(lot, winner)
    if contract is None:
        raise ValidationError(problem)
    if sanction_rule is None and sanction_multiple is None:
        raise ValidationError(
            {"sanction_rule": _("Choose a sanction rule or enter the multiple your organisation agreed.")}
        )
    theme = Theme.objects.filter(code=PROMISE_THEMES[AwardKind(method.kind)]).first()
    if theme is None:
        raise ValidationError(
            _("The theme of the promise is missing from the catalogue; load the reference data first.")
        )
    commitment = effects_services.commitment_create(
        user=user,
        contract=contract,
        theme=theme,
        award_advantage=winner.award_advantage,
        sanction_rule=sanction_rule,
        sanction_multiple=sanction_multiple,
        **(_level_promise(winner) if method.kind == AwardKind.LADDER_DISCOUNT else _avoided_promise(method, winner)),
    )
    winner.commitment = commitment
    winner.save(update_fields=["commitment"])
    return commitment
