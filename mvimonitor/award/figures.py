"""Figures on CO2 in award: per organisation, every lot that priced CO2 with the price used, the advantage granted to
the winner and the part of it kept after delivery; nationally, how many lots did so per method.

National counts and amounts are figures over organisations and go through disclosure control
(`mvimonitor.disclosure`): each method's count is a cell with each organisation's lots as its contributions,
protected with their total; the advantage granted and the part kept are two cells with each organisation's euros as
contributions, protected together with the bound a reader knows (kept is never more than granted).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from mvimonitor import disclosure
from mvimonitor.effects.models import EffectCalculation

from .models import AwardKind, AwardMethod, Bid

# The sanction states effects stores (`effects.calculations`): the promise kept, or missed.
KEPT = "none"
MISSED = "due"
TOTAL = "total"


@dataclass(frozen=True, slots=True)
class LotFigure:
    method: AwardMethod
    winner: Bid | None
    advantage: Decimal | None
    # the advantage when the promise was kept, 0 when it was missed, None while unknown (not carried, or pending)
    kept: Decimal | None
    sanction_status: str


@dataclass(frozen=True, slots=True)
class OrganisationFigures:
    lots: list[LotFigure]
    advantage_granted: Decimal
    advantage_kept: Decimal


def _kept(advantage: Decimal | None, status: str) -> Decimal | None:
    if advantage is None:
        return None
    if status == KEPT:
        return advantage
    if status == MISSED:
        return Decimal(0)
    return None


def organisation_figures(organisation_id: int) -> OrganisationFigures:
    methods = list(
        AwardMethod.objects.filter(lot__tender__organisation_id=organisation_id)
        .select_related("lot__tender")
        .order_by("lot__tender__title", "lot__number", "pk")
    )
    winners = {
        bid.method_id: bid
        for bid in Bid.objects.filter(method__in=methods).exclude(award_advantage=None).select_related("commitment")
    }
    carried = [bid.commitment_id for bid in winners.values() if bid.commitment_id is not None]
    statuses = dict(
        EffectCalculation.objects.current()
        .filter(commitment_id__in=carried)
        .values_list("commitment_id", "sanction_status")
    )
    lots = []
    for method in methods:
        winner = winners.get(method.pk)
        advantage = winner.award_advantage if winner is not None else None
        status = statuses.get(winner.commitment_id, "") if winner is not None and winner.commitment_id else ""
        lots.append(LotFigure(method, winner, advantage, _kept(advantage, status), status))
    return OrganisationFigures(
        lots=lots,
        advantage_granted=sum((lot.advantage for lot in lots if lot.advantage is not None), Decimal(0)),
        advantage_kept=sum((lot.kept for lot in lots if lot.kept is not None), Decimal(0)),
    )


@dataclass(frozen=True, slots=True)
class NationalCount:
    key: str
    label: str
    value: int | None
    reason: str


def national_counts() -> list[NationalCount]:
    """Per method and in total: the lots that priced CO2 in award, with their bids ranked (a winner), shown only where
    disclosure control allows; a suppressed count says why."""
    parts: dict[str, dict[int, int]] = defaultdict(dict)
    rows = (
        AwardMethod.objects.filter(bids__award_advantage__isnull=False)
        .values("kind", "lot__tender__organisation_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    for row in rows:
        parts[row["kind"]][row["lot__tender__organisation_id"]] = row["n"]
    kinds = [str(kind) for kind in AwardKind]
    protected = disclosure.protect_breakdown({kind: parts.get(kind, {}) for kind in kinds}, total_key=TOTAL)
    labels = {**{str(kind): str(kind.label) for kind in AwardKind}, TOTAL: ""}
    result = []
    for key in [*kinds, TOTAL]:
        value = protected.value(key)
        reason = protected.decision(key).reason
        shown = int(value) if value is not None else None
        result.append(NationalCount(key, labels[key], shown, reason.value if reason and shown is None else ""))
    return result


GRANTED = "granted"
KEPT_AMOUNT = "kept"
AMOUNT_LABELS = {
    GRANTED: _("Advantage granted to the winners"),
    KEPT_AMOUNT: _("Part kept after delivery (promise verified as kept)"),
}


@dataclass(frozen=True, slots=True)
class NationalAmount:
    key: str
    label: str
    value: Decimal | None
    reason: str


def national_amounts() -> list[NationalAmount]:
    """The euros of award advantage granted nationally, and the part of it kept after delivery, each shown only
    where disclosure control allows."""
    granted: dict[int, Decimal] = {}
    for row in (
        Bid.objects.filter(award_advantage__gt=0)
        .values("method__lot__tender__organisation_id")
        .annotate(total=Sum("award_advantage"))
        .order_by()
    ):
        granted[row["method__lot__tender__organisation_id"]] = row["total"]
    kept_commitments = (
        EffectCalculation.objects.current().filter(sanction_status=KEPT).values_list("commitment_id", flat=True)
    )
    kept: dict[int, Decimal] = {}
    for row in (
        Bid.objects.filter(award_advantage__gt=0, commitment_id__in=kept_commitments)
        .values("method__lot__tender__organisation_id")
        .annotate(total=Sum("award_advantage"))
        .order_by()
    ):
        kept[row["method__lot__tender__organisation_id"]] = row["total"]
    protected = disclosure.protect(
        [disclosure.Cell(GRANTED, granted), disclosure.Cell(KEPT_AMOUNT, kept)],
        inequalities=[disclosure.Inequality(((KEPT_AMOUNT, 1), (GRANTED, -1)))],
    )
    result = []
    for key in (GRANTED, KEPT_AMOUNT):
        value = protected.value(key)
        reason = protected.decision(key).reason
        shown = Decimal(value) if value is not None else None
        result.append(
            NationalAmount(key, str(AMOUNT_LABELS[key]), shown, reason.value if reason and shown is None else "")
        )
    return result
