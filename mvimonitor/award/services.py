"""Every write of the award pages: set a lot's method (copying its parameters), enter and remove bids. Each runs the
access guard first (edit tenders of the lot's organisation) and refreshes the winner's stored award advantage."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, organisation_id_of, require
from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import Lot

from .models import AwardKind, AwardMethod, Bid, CO2PriceSet, DiscountScheme
from .ranking import cents
from .selectors import ranking

REFUSED = _("You may not change the tenders of this organisation.")

# The figure each method ranks on, which every bid under it must state.
_NEEDED = {AwardKind.CO2_PRICE: "tonnes", AwardKind.MKI: "mki"}


def _guard(user: User, lot: Lot) -> None:
    require(user, Action.EDIT_TENDERS, organisation_id_of(lot), REFUSED)


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
) -> Bid:
    _guard(user, method.lot)
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
    bid.save()
    refresh_advantage(method)
    return bid


@transaction.atomic
def remove_bid(*, user: User, bid: Bid) -> None:
    method = bid.method
    _guard(user, method.lot)
    bid.delete()
    refresh_advantage(method)
