"""The award report of a lot and the annex text that describes its method for the tender documents, as documents
(mvimonitor.reports renders them to DOCX and PDF).

Both are built in the active language from what the award page shows: the method's stored parameters, the ranking of
the bids (ranking.py) and the promise in the contract. Amounts are shown as on the page: euros rounded half-up to
cents, quantities as entered.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mvimonitor.reports.document import Block, Chart, Document, Heading, Paragraph, Series, Table

from .models import AwardKind, AwardMethod
from .ranking import cents
from .selectors import award_view, contract_promise
from .templatetags.award import amount, euros

DOCUMENTATION = "docs/award.md"


def document_language() -> str:
    return (get_language() or "nl").split("-")[0]


def _moment(value: object) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""  # type: ignore[arg-type]


def _discounts(method: AwardMethod) -> str:
    table = method.discount_table or {}
    return "; ".join(
        _("level %(level)s: %(percent)s%%") % {"level": level, "percent": amount(Decimal(percent))}
        for level, percent in sorted(table.items(), key=lambda item: int(item[0]))
    )


def _parameter_rows(method: AwardMethod) -> list[list[str]]:
    rows = [[_("Method"), method.get_kind_display()]]
    if method.price_per_tonne is not None:
        rows.append([_("Price per tonne CO2-eq"), euros(method.price_per_tonne)])
    if method.discount_table:
        rows.append([_("Discount per level"), _discounts(method)])
    for criterion in method.quality_criteria.all():
        rows.append(
            [
                _("Quality criterion: %(name)s") % {"name": criterion.name},
                _("%(discount)s for a full score of %(max)s")
                % {"discount": euros(criterion.max_discount), "max": amount(criterion.max_score)},
            ]
        )
    if method.parameters_source:
        rows.append([_("Parameters taken from"), method.parameters_source])
    rows.append([_("Set"), _moment(method.created_at)])
    return rows


def _tie_note() -> str:
    return _(
        "Equal fictitious prices are decided by the lower price, then by the bidder's name. Amounts are calculated "
        "exactly and shown rounded to cents (half up). Method: %(documentation)s."
    ) % {"documentation": DOCUMENTATION}


def _ranking_blocks(method: AwardMethod) -> list[Block]:
    award = award_view(method)
    if not award.rows:
        return [Paragraph(_("No bids have been entered yet."))]
    columns = [_("Rank"), _("Bidder"), _("Price")]
    if method.kind == AwardKind.CO2_PRICE:
        columns.append(_("Tonnes CO2-eq"))
    elif method.kind == AwardKind.LADDER_DISCOUNT:
        columns += [_("Ladder level"), _("Discount")]
    elif method.kind == AwardKind.MKI:
        columns.append(_("MKI"))
    columns += [_("Score: %(name)s") % {"name": criterion.name} for criterion in award.criteria]
    if award.criteria:
        columns.append(_("Quality discount"))
    columns += [_("Advantage"), _("Fictitious price")]
    rows = []
    for ranked, bid in award.rows:
        row = [str(ranked.rank), bid.bidder_name, euros(bid.price)]
        if method.kind == AwardKind.CO2_PRICE:
            row.append(amount(bid.tonnes))
        elif method.kind == AwardKind.LADDER_DISCOUNT:
            row += ["–" if bid.ladder_level is None else str(bid.ladder_level), f"{amount(ranked.discount_percent)}%"]
        elif method.kind == AwardKind.MKI:
            row.append(euros(bid.mki))
        row += ["–" if score is None else amount(score) for score in award.scores_of(bid)]
        if award.criteria:
            row.append(euros(ranked.quality_discount))
        row += [euros(ranked.advantage), euros(ranked.fictitious_price)]
        rows.append(row)
    numeric = frozenset(index for index in range(len(columns)) if index != 1)
    blocks: list[Block] = [
        Table(_("Bids by fictitious price, best first"), columns, rows, numeric, notes=(_tie_note(),)),
        Chart(
            _("Price and fictitious price per bid"),
            [bid.bidder_name for _ranked, bid in award.rows],
            [
                Series(_("Price"), [float(cents(bid.price)) for _ranked, bid in award.rows]),
                Series(_("Fictitious price"), [float(cents(ranked.fictitious_price)) for ranked, _bid in award.rows]),
            ],
            "€",
            decimals=2,
            category_label=_("Bidder"),
        ),
    ]
    winner_row, winner = award.rows[0]
    blocks.append(
        Paragraph(
            _("Best bid: %(name)s, with an award advantage of %(advantage)s.")
            % {"name": winner.bidder_name, "advantage": euros(winner_row.advantage)}
        )
    )
    if method.kind == AwardKind.CO2_PRICE:
        if award.swap is not None:
            text = _(
                "Sensitivity: at a price of %(price)s per tonne, %(first)s and %(second)s are equal; beyond it they "
                "change places."
            ) % {
                "price": euros(award.swap.price_per_tonne),
                "first": award.swap.first.bidder_name,
                "second": award.swap.second.bidder_name,
            }
        elif len(award.rows) > 1:
            text = _("Sensitivity: no price per tonne changes the order of the first two bids.")
        else:
            text = _("Sensitivity: needs at least two bids.")
        blocks.append(Paragraph(text))
    return blocks


def _contract_blocks(method: AwardMethod) -> list[Block]:
    promise = contract_promise(method)
    if promise is None:
        return []
    blocks: list[Block] = [Heading(_("Into the contract"))]
    commitment = promise.commitment
    if commitment is None:
        blocks.append(Paragraph(promise.problem or _("The winning promise is not in the contract yet.")))
        return blocks
    calculation = promise.calculation
    statuses = {
        "pending": _("Pending: the period runs until %(end)s.") % {"end": commitment.period_end},
        "none": _("None: the verified delivery reaches the promise."),
        "due": _("Due"),
    }
    status = (
        statuses.get(calculation.sanction_status, _("No sanction applies."))
        if calculation is not None
        else _("Not calculated yet.")
    )
    rows = [
        [_("Contract"), promise.contract.supplier_name if promise.contract else ""],
        [_("Commitment"), commitment.description],
        [
            _("Promised"),
            f"{amount(commitment.quantity)} {commitment.get_unit_display()}, "
            f"{commitment.period_start} – {commitment.period_end}",
        ],
        [_("Award advantage"), euros(commitment.award_advantage)],
        [_("Sanction"), status],
    ]
    if calculation is not None and calculation.sanction_amount is not None:
        rows.append([_("Sanction amount"), euros(calculation.sanction_amount)])
    blocks.append(Table(_("The winning promise in the contract"), [_("Item"), _("Value")], rows))
    return blocks


def award_report(method: AwardMethod) -> Document:
    """The award report of the method's lot, in the active language."""
    lot = method.lot
    tender = lot.tender
    bids = list(method.bids.all())
    blocks: list[Block] = [
        Heading(_("Method")),
        Table(_("The award method and its stored parameters"), [_("Item"), _("Value")], _parameter_rows(method)),
        Paragraph(
            _(
                "The parameters were copied when the method was set: a price set or scheme that changes later does "
                "not change this award."
            )
        ),
        Heading(_("Ranking")),
        *_ranking_blocks(method),
        *_contract_blocks(method),
    ]
    latest = max((bid.created_at for bid in bids), default=method.created_at)
    return Document(
        title=_("Award report"),
        subtitle=f"{tender.organisation.name} — {tender.title} — {_('lot')} {lot}",
        language=document_language(),
        blocks=blocks,
        colophon=[
            (_("Organisation"), tender.organisation.name),
            (_("Tender"), tender.title),
            (_("Lot"), str(lot)),
            (_("Data as of"), _moment(max(latest, method.created_at))),
            (_("Generated"), _moment(timezone.now())),
            (_("Made with"), _("MVI Monitor, award on CO2 (%(documentation)s)") % {"documentation": DOCUMENTATION}),
        ],
    )
