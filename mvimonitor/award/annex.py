"""The annex text for the tender documents: how the lot will be awarded on CO2, with the stored parameters, the
formula, a worked example and the rules for ties, rounding and the contract. Built in the active language; written
before any bid exists, so it uses the method only.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from mvimonitor.reports.document import Block, Document, Heading, Paragraph, Table

from .models import AwardKind, AwardMethod
from .report import DOCUMENTATION, document_language
from .templatetags.award import amount, euros

EXAMPLE_TONNES = (Decimal(1000), Decimal(1600))  # two illustrative bids, not policy figures
EXAMPLE_PRICE = Decimal(30_000_000)


def _co2_price(method: AwardMethod) -> list[Block]:
    per_tonne = method.price_per_tonne or Decimal(0)
    low, high = EXAMPLE_TONNES
    return [
        Paragraph(
            _(
                "Each bidder states the emissions of its offer in tonnes CO2-equivalent over the whole contract "
                "period (T). The contracting authority values every tonne at %(price)s (P)."
            )
            % {"price": euros(per_tonne)}
        ),
        Paragraph(
            _(
                "Advantage of a bid = (T of the bid with the most emissions − T of the bid) × P. "
                "Fictitious price = price − advantage. The bid with the lowest fictitious price wins."
            )
        ),
        Paragraph(
            _(
                "Example: a bid of %(low)s t against a bid of %(high)s t gets an advantage of "
                "(%(high)s − %(low)s) × %(price)s = %(advantage)s."
            )
            % {
                "low": amount(low),
                "high": amount(high),
                "price": euros(per_tonne),
                "advantage": euros((high - low) * per_tonne),
            }
        ),
    ]


def _ladder(method: AwardMethod) -> list[Block]:
    table = method.discount_table or {}
    levels = sorted(table.items(), key=lambda item: int(item[0]))
    blocks: list[Block] = [
        Paragraph(
            _(
                "A bidder that holds a valid CO2-Prestatieladder certificate at the time of award states its level. "
                "The price of its bid is lowered by the fictitious discount of that level; a level not in the table "
                "takes the discount of the highest level below it; without a certificate there is no discount."
            )
        ),
        Table(
            _("Fictitious discount per CO2-Prestatieladder level"),
            [_("Level"), _("Discount")],
            [[str(level), f"{amount(Decimal(percent))}%"] for level, percent in levels],
            numeric_columns=frozenset({0, 1}),
        ),
        Paragraph(_("Fictitious price = price × (1 − discount). The bid with the lowest fictitious price wins.")),
    ]
    if levels:
        level, percent = levels[-1]
        discounted = EXAMPLE_PRICE * (1 - Decimal(percent) / 100)
        blocks.append(
            Paragraph(
                _("Example: a bid of %(price)s at level %(level)s gets a fictitious price of %(fictitious)s.")
                % {"price": euros(EXAMPLE_PRICE), "level": level, "fictitious": euros(discounted)}
            )
        )
    return blocks


def _mki() -> list[Block]:
    return [
        Paragraph(
            _(
                "Each bidder states the environmental cost indicator (MKI) of its offer in euros, calculated with the "
                "prescribed method and database."
            )
        ),
        Paragraph(
            _(
                "Advantage of a bid = the highest MKI among the bids − the MKI of the bid. Fictitious price = price − "
                "advantage. The bid with the lowest fictitious price wins."
            )
        ),
    ]


def annex_text(method: AwardMethod) -> Document:
    """The method described for the tender documents, in the active language."""
    lot = method.lot
    body: list[Block]
    if method.kind == AwardKind.CO2_PRICE:
        body = _co2_price(method)
    elif method.kind == AwardKind.LADDER_DISCOUNT:
        body = _ladder(method)
    else:
        body = _mki()
    criteria = list(method.quality_criteria.all())
    if criteria:
        body += [
            Heading(_("Other quality criteria"), level=2),
            Paragraph(
                _(
                    "Besides CO2 the bids are scored on the criteria below. Each score lowers the fictitious price by "
                    "its share of the criterion's fictitious discount: score ÷ full score × discount for a full "
                    "score. This discount is not part of the CO2 advantage."
                )
            ),
            Table(
                _("Quality criteria and their weights"),
                [_("Quality criterion"), _("Fictitious discount for a full score"), _("Full score")],
                [
                    [criterion.name, euros(criterion.max_discount), amount(criterion.max_score)]
                    for criterion in criteria
                ],
                numeric_columns=frozenset({1, 2}),
            ),
        ]
    source = (
        [Paragraph(_("The parameters are taken from: %(source)s.") % {"source": method.parameters_source})]
        if method.parameters_source
        else []
    )
    return Document(
        title=_("Award on CO2: description of the method"),
        subtitle=f"{lot.tender.title} — {_('lot')} {lot}",
        language=document_language(),
        blocks=[
            Heading(method.get_kind_display()),
            *body,
            *source,
            Heading(_("Ties and rounding")),
            Paragraph(
                _(
                    "Equal fictitious prices are decided by the lower price, then by the bidder's name. Amounts are "
                    "calculated exactly and rounded to cents (half up) only when shown."
                )
            ),
            Heading(_("In the contract")),
            Paragraph(
                _(
                    "The fictitious price serves only to rank the bids; the contract price is the price offered. What "
                    "the winning bidder states becomes a contract obligation. When it is not met, the sanction of the "
                    "contract conditions applies: a multiple of the advantage the bid received at award."
                )
            ),
        ],
        colophon=[
            (_("Made with"), _("MVI Monitor, award on CO2 (%(documentation)s)") % {"documentation": DOCUMENTATION})
        ],
    )
