"""Synthetic commitments and realisations for the synthetic contracts of `generate_demo` (deterministic per seed).

Social return is generated the way a contractor accounts for it: the obligation is a percentage of the contract
value (`sroi_percentage_low` / `_high` in `data/profile.json`), and every reporting period lists placements in the
contract's building-block table whose value, computed by the effects app's own calculator
(`calculations.social_return_value`, the one the stored effects use), lands near the period's part of the
obligation times the fraction the contractor delivers. That fraction is drawn per commitment from a lognormal
around `sroi_delivery_median`, clipped to `sroi_delivery_min`-`sroi_delivery_max` (profile): most contractors
deliver about what they promised, some less, few more.

Emission factors are chosen from the factor sets in the database when the command runs (`choose_factors`), so the
demo follows the shipped or loaded list; a kind without a factor in the set keeps a code the set lacks, and is
shown as not calculable.

The other shares and ranges below are modelling choices for demo data, not facts: they only make the pages and the
benchmark realistic in shape. Every row written is marked `is_synthetic`.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from mvimonitor.demo.profile import load_profile
from mvimonitor.effects import calculations as calc

# (kind, theme, unit, reference unit, share of commitments); the factors are chosen by `choose_factors`
KINDS: list[tuple[str, str, str, str, float]] = [
    ("electricity", "klimaat", "kWh", "kWh", 0.28),
    ("vehicle_km", "klimaat", "vkm", "litre", 0.18),
    ("fuel", "klimaat", "litre", "litre", 0.08),
    ("natural_gas", "klimaat", "m3", "m3", 0.07),  # not calculable where the set has no gas factor
    ("flights", "klimaat", "pkm", "", 0.04),  # no reference: not calculable
    ("material", "circulair", "tonne", "", 0.10),
    ("social_return", "sroi", "EUR", "", 0.25),
]
# A code the kind keeps when the set has no factor in its unit (the commitment then says which factor is missing).
MISSING_FACTOR = {"natural_gas": "natural-gas", "flights": "flight-economy", "electricity": "electricity",
                  "vehicle_km": "passenger-car", "fuel": "fuel"}  # fmt: skip
PETROL_WORDS = ("benzine", "petrol")
LITRES_PER_KM = Decimal("0.065")  # demo assumption for the petrol reference car, not a sourced value
REJECTED_SHARE = 0.08  # reports rejected at review, each followed by a corrected one that is verified
AWAITING_REVIEW_DAYS = 90  # a report of a period that ended this recently may still await review
AWAITING_REVIEW_SHARE = 0.5
HOURS_STEP = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class ContractRow:
    contract_id: int
    value: Decimal | None
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class FactorRow:
    """One emission factor of the sets in the database, newest set first."""

    code: str
    name: str
    category: str
    unit: str
    wtw: Decimal | None


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
    placements: list[tuple[str, int, Decimal, Decimal]]  # (block code, persons, months, hours per week)


def _q(value: float, places: str = "0.001") -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(places), ROUND_HALF_UP)


def choose_factors(factors: Iterable[FactorRow]) -> dict[str, tuple[str, str, str]]:
    """(factor, reference factor, reference unit) per kind, from the factors present: the lowest-emitting factor in
    the kind's unit is the MVI option, the highest the reference; a car's reference is the highest-emitting car per
    vehicle-km, else petrol per litre. Codes the set lacks where it has none."""
    by_unit: dict[str, list[FactorRow]] = {}
    seen: set[str] = set()
    for factor in factors:  # the newest set's factor of a code wins
        if factor.wtw is not None and factor.code not in seen:
            by_unit.setdefault(factor.unit, []).append(factor)
        seen.add(factor.code)
    for rows in by_unit.values():
        rows.sort(key=lambda f: (f.wtw, f.code))
    litres = by_unit.get("litre", [])
    petrol = [f for f in litres if any(word in f"{f.code} {f.name}".lower() for word in PETROL_WORDS)]
    petrol_code = (petrol or litres)[-1].code if litres else "petrol"  # fossil petrol emits the most
    chosen: dict[str, tuple[str, str, str]] = {}
    for kind, _theme, unit, reference_unit, _share in KINDS:
        rows = by_unit.get(unit, [])
        code = rows[0].code if rows else MISSING_FACTOR.get(kind, "")
        if kind in ("material", "social_return"):
            chosen[kind] = ("", "", "")
        elif not reference_unit:
            chosen[kind] = (code, "", "")
        elif kind == "vehicle_km" and len(rows) > 1:
            chosen[kind] = (code, rows[-1].code, unit)
        elif reference_unit == "litre" and kind in ("vehicle_km", "fuel"):
            chosen[kind] = (code, petrol_code, "litre")
        else:
            chosen[kind] = (code, rows[-1].code if rows else code, reference_unit)
    return chosen


def generate(
    contracts: list[ContractRow],
    seed: int,
    today: date,
    table_blocks: list[dict[str, calc.BuildingBlock]],
    factors: Mapping[str, tuple[str, str, str]] | None = None,
    profile: Mapping[str, float] | None = None,
) -> tuple[list[CommitmentSpec], list[RealisationSpec]]:
    profile = load_profile() if profile is None else profile
    factors = choose_factors([]) if factors is None else factors
    rng = np.random.default_rng(seed)
    shares = np.array([k[4] for k in KINDS])
    shares /= shares.sum()
    n = len(contracts)
    kind_idx = rng.choice(len(KINDS), size=n, p=shares)
    second = rng.random(n) < 0.3
    second_idx = rng.choice(len(KINDS), size=n, p=shares)
    high = Decimal(repr(profile["sroi_percentage_high"]))
    low = Decimal(repr(profile["sroi_percentage_low"]))
    commitments: list[CommitmentSpec] = []
    realisations: list[RealisationSpec] = []
    for i, contract in enumerate(contracts):
        chosen = [int(kind_idx[i])]
        if second[i] and int(second_idx[i]) != chosen[0]:
            chosen.append(int(second_idx[i]))
        for k in chosen:
            kind, theme, unit, _ref_unit, _share = KINDS[k]
            factor, ref_factor, ref_unit = factors.get(kind, ("", "", ""))
            value = contract.value or Decimal(100000)
            years = max(1, round((contract.end - contract.start).days / 365))
            percentage = None
            table_index = 0
            delivered = 1.0
            if kind == "social_return":
                percentage = high if rng.random() < profile["sroi_percentage_high_share"] else low
                quantity = (value * percentage / 100).quantize(Decimal("0.01"))
                table_index = int(rng.integers(0, len(table_blocks)))
                delivered = _delivered_fraction(rng, profile)
            elif kind == "electricity":
                quantity = _q(float(rng.uniform(20_000, 400_000)) * years, "1")
            elif kind == "vehicle_km":
                quantity = _q(float(rng.uniform(5_000, 80_000)) * years, "1")
            elif kind == "material":
                quantity = _q(float(rng.uniform(5, 500)), "0.1")
            else:
                quantity = _q(float(rng.uniform(1_000, 40_000)) * years, "1")
            reference_quantity = (
                (quantity * LITRES_PER_KM).quantize(Decimal("0.001"))
                if kind == "vehicle_km" and ref_unit == "litre"
                else None
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
                    reference_unit=ref_unit if ref_factor else "",
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
            realisations += _realisations(rng, commitments[index], index, years, today, table_blocks, delivered)
    return commitments, realisations


def _delivered_fraction(rng: np.random.Generator, profile: Mapping[str, float]) -> float:
    """The fraction of its social-return obligation a contractor delivers over the whole contract."""
    drawn = float(rng.lognormal(math.log(profile["sroi_delivery_median"]), profile["sroi_delivery_sigma"]))
    return min(profile["sroi_delivery_max"], max(profile["sroi_delivery_min"], drawn))


def _realisations(
    rng: np.random.Generator,
    commitment: CommitmentSpec,
    index: int,
    years: int,
    today: date,
    table_blocks: list[dict[str, calc.BuildingBlock]],
    delivered: float,
) -> list[RealisationSpec]:
    """One report per contract year that has ended by `today`: verified, or still awaiting review when the year
    ended recently, or rejected and then reported again (the corrected report verified)."""
    out: list[RealisationSpec] = []
    start = commitment.period_start
    per_year = commitment.quantity / years
    contract_days = (commitment.period_end - commitment.period_start).days + 1
    while start <= min(commitment.period_end, today):
        end = min(commitment.period_end, start + timedelta(days=364))
        if end > today:
            break
        placements: list[tuple[str, int, Decimal, Decimal]] = []
        if commitment.kind == "social_return":
            part = float(commitment.quantity) * delivered * ((end - start).days + 1) / contract_days
            blocks = table_blocks[commitment.table_index]
            placements = placements_for(rng, part * float(rng.uniform(0.9, 1.1)), blocks)
            quantity = social_return_value(placements, blocks)
        else:
            quantity = (per_year * Decimal(repr(float(rng.uniform(0.6, 1.1))))).quantize(Decimal("0.001"))
        share = _q(float(rng.uniform(10, 90)), "0.1") if commitment.kind == "material" else None
        if (today - end).days < AWAITING_REVIEW_DAYS and rng.random() < AWAITING_REVIEW_SHARE:
            out.append(RealisationSpec(index, start, end, quantity, share, "submitted", placements))
        else:
            if rng.random() < REJECTED_SHARE:  # over-reported first, then corrected
                claimed = (quantity * Decimal("1.25")).quantize(Decimal("0.001"))
                over = [(code, persons + 1, months, hours) for code, persons, months, hours in placements]
                if over:
                    claimed = social_return_value(over, table_blocks[commitment.table_index])
                out.append(RealisationSpec(index, start, end, claimed, share, "rejected", over))
            out.append(RealisationSpec(index, start, end, quantity, share, "verified", placements))
        start = end + timedelta(days=1)
    return out


def social_return_value(
    placements: Sequence[tuple[str, int, Decimal, Decimal]], blocks: Mapping[str, calc.BuildingBlock]
) -> Decimal:
    """The effort value of the placements by the effects app's calculator (the one the stored effects use)."""
    lines = [calc.Placement(code, persons, months, hours) for code, persons, months, hours in placements]
    return calc.social_return_value(lines, blocks).value.quantize(Decimal("0.001"))


def placements_for(
    rng: np.random.Generator, target: float, blocks: Mapping[str, calc.BuildingBlock]
) -> list[tuple[str, int, Decimal, Decimal]]:
    """Placements in yearly building blocks worth about `target` euros in one reporting year: one line for a small
    obligation, up to three for a large one; people, months and hours per week fitted to the line's part."""
    yearly = sorted(
        (b for b in blocks.values() if b.basis == calc.BASIS_PER_YEAR and b.counts_as_fte and b.value),
        key=lambda b: (b.value, b.code),
    )
    if not yearly or target <= 0:
        return []
    count = 1 if target < 25_000 else int(rng.integers(1, 4))
    weights = rng.uniform(0.5, 1.5, size=count)
    lines = []
    for part in (target * weights / weights.sum()).tolist():
        block = yearly[int(rng.integers(0, len(yearly)))]
        if float(block.value or 0) / 12 > part:  # less than a month of this block: the least valued block instead
            block = yearly[0]
        assert block.value is not None  # noqa: S101 - filtered above
        value = float(block.value)
        most = min(12, block.max_months or 12)  # months that count within one year
        months = min(most, int(rng.integers(3, 13)))
        persons = max(1, math.ceil(part / (value * months / 12)))
        hours = part * 12 * 36 / (value * persons * months)
        if hours < 8:  # a small part: fewer months at a workable number of hours
            months = max(1, min(months, math.ceil(months * hours / 8)))
            hours = part * 12 * 36 / (value * persons * months)
        steps = max(1, round(min(36.0, hours) / float(HOURS_STEP)))
        lines.append((block.code, persons, Decimal(months), HOURS_STEP * steps))
    return lines
