"""Synthetic commitments and realisations for the synthetic contracts of `generate_demo` (deterministic per seed).

The shares and ranges below are modelling choices for demo data, not facts: they only make the pages and the
benchmark realistic in shape. Every row written is marked `is_synthetic`.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from mvimonitor.effects import calculations as calc

# (kind, theme, unit, factor, reference factor, reference unit, share of commitments)
KINDS: list[tuple[str, str, str, str, str, str, float]] = [
    ("electricity", "klimaat", "kWh", "green-power-government-average", "electricity-nl-mix-2021", "kWh", 0.28),
    ("vehicle_km", "klimaat", "vkm", "passenger-car-bev-grey", "benzine-e95-nl", "litre", 0.18),
    ("fuel", "klimaat", "litre", "bio-ethanol-e85", "benzine-e95-nl", "litre", 0.08),
    ("natural_gas", "klimaat", "m3", "natural-gas", "natural-gas", "m3", 0.07),  # no factor shipped: not calculable
    ("flights", "klimaat", "pkm", "flight-economy", "", "", 0.04),  # no reference: not calculable
    ("material", "circulair", "tonne", "", "", "", 0.10),
    ("social_return", "sroi", "EUR", "", "", "", 0.25),
]
LITRES_PER_KM = Decimal("0.065")  # demo assumption for the petrol reference car, not a sourced value
PROGRESS_STATUSES = ("verified", "submitted", "rejected")
STATUS_WEIGHTS = (0.75, 0.15, 0.10)


@dataclass(frozen=True, slots=True)
class ContractRow:
    contract_id: int
    value: Decimal | None
    start: date
    end: date


@dataclass(slots=True)
class CommitmentSpec:
    contract_id: int
    kind: str
    theme: str
    unit: str
    quantity: Decimal
    factor_code: str
    reference_factor_code: str
    reference_unit: str
    reference_quantity: Decimal | None
    recycled_share: Decimal | None
    period_start: date
    period_end: date
    percentage: Decimal | None
    table_index: int
    award_advantage: Decimal | None
    with_rule: bool


@dataclass(slots=True)
class RealisationSpec:
    commitment_index: int
    period_start: date
    period_end: date
    quantity: Decimal
    recycled_share: Decimal | None
    status: str
    placements: list[tuple[str, int, Decimal]]  # (block code, persons, months)


def _q(value: float, places: str = "0.001") -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(places), ROUND_HALF_UP)


def generate(
    contracts: list[ContractRow],
    seed: int,
    today: date,
    table_blocks: list[dict[str, calc.BuildingBlock]],
) -> tuple[list[CommitmentSpec], list[RealisationSpec]]:
    rng = np.random.default_rng(seed)
    shares = np.array([k[6] for k in KINDS])
    shares /= shares.sum()
    n = len(contracts)
    kind_idx = rng.choice(len(KINDS), size=n, p=shares)
    second = rng.random(n) < 0.3
    second_idx = rng.choice(len(KINDS), size=n, p=shares)
    commitments: list[CommitmentSpec] = []
    realisations: list[RealisationSpec] = []
    for i, contract in enumerate(contracts):
        chosen = [int(kind_idx[i])]
        if second[i] and int(second_idx[i]) != chosen[0]:
            chosen.append(int(second_idx[i]))
        for k in chosen:
            kind, theme, unit, factor, ref_factor, ref_unit, _share = KINDS[k]
            value = contract.value or Decimal(100000)
            years = max(1, round((contract.end - contract.start).days / 365))
            percentage = None
            table_index = 0
            if kind == "social_return":
                percentage = Decimal(2) if rng.random() < 0.5 else Decimal(5)
                quantity = (value * percentage / 100).quantize(Decimal("0.01"))
                table_index = int(rng.integers(0, len(table_blocks)))
            elif kind == "electricity":
                quantity = _q(float(rng.uniform(20_000, 400_000)) * years, "1")
            elif kind == "vehicle_km":
                quantity = _q(float(rng.uniform(5_000, 80_000)) * years, "1")
            elif kind == "material":
                quantity = _q(float(rng.uniform(5, 500)), "0.1")
            else:
                quantity = _q(float(rng.uniform(1_000, 40_000)) * years, "1")
            reference_quantity = (
                (quantity * LITRES_PER_KM).quantize(Decimal("0.001")) if kind == "vehicle_km" else None
            )
            advantage = (value * Decimal("0.02")).quantize(Decimal("0.01")) if rng.random() < 0.3 else None
            commitments.append(
                CommitmentSpec(
                    contract_id=contract.contract_id,
                    kind=kind,
                    theme=theme,
                    unit=unit,
                    quantity=quantity,
                    factor_code=factor,
                    reference_factor_code=ref_factor,
                    reference_unit=ref_unit,
                    reference_quantity=reference_quantity,
                    recycled_share=_q(float(rng.uniform(20, 80)), "0.1") if kind == "material" else None,
                    period_start=contract.start,
                    period_end=contract.end,
                    percentage=percentage,
                    table_index=table_index,
                    award_advantage=advantage,
                    with_rule=advantage is not None,
                )
            )
            index = len(commitments) - 1
            realisations += _realisations(rng, commitments[index], index, years, today, table_blocks)
    return commitments, realisations


def _realisations(
    rng: np.random.Generator,
    commitment: CommitmentSpec,
    index: int,
    years: int,
    today: date,
    table_blocks: list[dict[str, calc.BuildingBlock]],
) -> list[RealisationSpec]:
    out: list[RealisationSpec] = []
    start = commitment.period_start
    per_year = commitment.quantity / years
    while start <= min(commitment.period_end, today):
        end = min(commitment.period_end, start + timedelta(days=364))
        if end > today:
            break
        status = PROGRESS_STATUSES[int(rng.choice(3, p=STATUS_WEIGHTS))]
        placements: list[tuple[str, int, Decimal]] = []
        if commitment.kind == "social_return":
            blocks = table_blocks[commitment.table_index]
            yearly = [b for b in blocks.values() if b.basis == calc.BASIS_PER_YEAR and b.counts_as_fte]
            lines = int(rng.integers(1, 4))
            picks = rng.choice(len(yearly), size=lines)
            placements = [
                (yearly[int(p)].code, int(rng.integers(1, 4)), Decimal(int(rng.integers(3, 13)))) for p in picks
            ]
            result = calc.social_return_value([calc.Placement(c, n, m) for c, n, m in placements], blocks)
            quantity = result.value.quantize(Decimal("0.001"))
        else:
            quantity = (per_year * Decimal(repr(float(rng.uniform(0.6, 1.1))))).quantize(Decimal("0.001"))
        share = _q(float(rng.uniform(10, 90)), "0.1") if commitment.kind == "material" else None
        out.append(RealisationSpec(index, start, end, quantity, share, status, placements))
        start = end + timedelta(days=1)
    return out
