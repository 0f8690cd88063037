"""Showing award amounts: euros rounded to cents half-up, in the active language's number format."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django import template
from django.utils.formats import number_format

from mvimonitor.award.ranking import cents

if TYPE_CHECKING:
    from mvimonitor.award.models import Bid
    from mvimonitor.award.selectors import AwardView

register = template.Library()


@register.filter
def euros(value: Decimal | None) -> str:
    """€ 28.800.000,00 in Dutch, € 28,800,000.00 in English; empty for no value."""
    if value is None:
        return ""
    return "€ " + number_format(cents(value), 2, use_l10n=True, force_grouping=True)


@register.filter
def amount(value: Decimal | None) -> str:
    """A number as it was entered (tonnes, percent), in the active language's format, without trailing zeros."""
    if value is None:
        return ""
    normal = value.normalize()
    places = max(0, -int(normal.as_tuple().exponent))
    return number_format(normal, places, use_l10n=True, force_grouping=True)


@register.filter
def scores_of(award: "AwardView", bid: "Bid") -> "list[Decimal | None]":
    """The bid's score per quality criterion of the award, in the criteria's order."""
    return award.scores_of(bid)
