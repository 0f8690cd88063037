"""What the demo set is calibrated to, and the theme model that meets it (pure: no database access).

The numbers are data: `data/profile.json` holds one row per parameter with its value, the source it comes from and
the year of that source. Rows of kind "published" approximate a published figure; rows of kind "modelling choice"
fill a gap where no figure was found (../shared/docs/domain.md section 2: exact per-theme percentages are NOT FOUND).

| Parameter | Value | Approximates |
| --- | --- | --- |
| `mvi_share_tenders` | 0.61 | MVI in 61% of tenders, first national MVI ZET results (domain.md section 2) |
| `mvi_share_product_group_tenders` | 0.79 | RIVM Trends in MVOI 2021-2022, tenders in the monitored product groups |
| `sroi_share_tenders` | 0.41 | social return in 41% of tenders (MVI ZET; RIVM process monitor 2019-2020) |
| `sroi_share_works` | 0.65 | social return in 65% of GWW tenders (RIVM process monitor 2019-2020) |
| `circulair_share_product_group_tenders` | 0.39 | RIVM Trends in MVOI 2021-2022, circular in the product groups |
| `keten_share_product_group_tenders` | 0.09 | RIVM Trends in MVOI 2021-2022, ISV in the product groups |
| `yearly_trend` | 0.05 | between published rises: social return +3 points a year (RIVM); Rijk 57% to 65.6% |
| `sroi_percentage_low` / `_high` | 2 / 5 | the social-return percentages in domain.md section 5 |

The other rows (`mvi_share_works`, the shares of milieu, klimaat, d_i, and of circulair and keten outside the
product groups, `sroi_services_to_supplies`, `value_unknown_share`, `undated_share`, the social-return delivery
distribution) are modelling choices; their rows say why.

How the themes of a tender are drawn (`ThemeModel`), in two steps:

1. Whether the tender applies MVI at all: a logistic in the size of the tender (log10 of its value) and whether it
   is European (larger and European tenders apply MVI more often, domain.md section 2), with one intercept per cell
   (works; supplies and services, each in or outside a criteria-tool product group) and year, solved so that the
   mean over a sample of the generator's own tenders meets the cell's target. The targets move by `yearly_trend`
   a year around the middle year of the generated range, so the shares rise year over year.
2. Which themes, given MVI: the first theme by weight, every other one independently, with probabilities chosen so
   that each theme's share of the cell's tenders meets its target. European tenders take extra themes more often
   (about 30% more themes, PIANOo monitoring 2024), balanced by the national ones so the shares stay put.
"""

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

PROFILE_FILE = Path(__file__).resolve().parent / "data" / "profile.json"
THEMES = ("milieu", "klimaat", "circulair", "keten", "d_i", "sroi")
NATURES = ("works", "supplies", "services")
# Relative propensity of a theme per nature where the profile gives no split (modelling choice: social return is
# common in all sectors, green themes are applied less in services, domain.md section 2).
NATURE_WEIGHTS: dict[str, dict[str, float]] = {
    "milieu": {"works": 1.0, "supplies": 1.5, "services": 0.6},
    "klimaat": {"works": 1.5, "supplies": 1.0, "services": 0.6},
    "circulair": {"works": 1.2, "supplies": 1.7, "services": 0.5},
    "keten": {"works": 0.4, "supplies": 1.5, "services": 0.8},
    "d_i": {"works": 0.4, "supplies": 0.3, "services": 1.6},
}
PRODUCT_GROUP_THEMES = ("circulair", "keten")  # themes with a published share inside the product groups
SIZE_EFFECT = 0.55  # logit per factor 10 in value (modelling choice: larger tenders apply MVI more often)
EUROPEAN_EFFECT = 0.45  # logit for a European procedure (modelling choice)
EUROPEAN_EXTRA = 1.6  # European tenders take extra themes this much more often (about 30% more themes in total)
LOWEST, HIGHEST = 0.02, 0.97  # bounds of any share the model is asked to meet


class ProfileError(ValueError):
    pass


@cache
def load_profile(path: Path = PROFILE_FILE) -> dict[str, float]:
    """parameter -> value from the profile file; every row must name its source and year."""
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    values: dict[str, float] = {}
    for number, row in enumerate(rows, start=1):
        missing = [key for key in ("parameter", "value", "source", "year") if not row.get(key)]
        if missing:
            raise ProfileError(f"{path.name} row {number}: {', '.join(missing)} missing")
        if row["parameter"] in values:
            raise ProfileError(f"{path.name} row {number}: {row['parameter']} given twice")
        values[row["parameter"]] = float(row["value"])
    return values


@dataclass(frozen=True, slots=True)
class Sample:
    """One tender of the calibration sample: its cell, log10(value) - 5 and whether it is European."""

    cell: str
    size: float
    european: bool


def cell_of(nature: str, in_product_group: bool) -> str:
    return f"{nature}-pg" if in_product_group and nature != "works" else nature


FloatArray = npt.NDArray[np.float64]


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def _intercept(linear: FloatArray, target: float) -> float:
    """The intercept a with mean(sigmoid(a + linear)) == target, by bisection."""
    low, high = -20.0, 20.0
    for _ in range(60):
        middle = (low + high) / 2
        if float(_sigmoid(middle + linear).mean()) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _clip(value: float) -> float:
    return min(HIGHEST, max(LOWEST, value))


class ThemeModel:
    """Draws the themes of one tender so that the sample's shares meet the profile (see the module docstring)."""

    def __init__(self, profile: Mapping[str, float], samples: Sequence[Sample], years: Sequence[int]) -> None:
        cells = sorted({sample.cell for sample in samples})
        total = max(1, len(samples))
        share = {cell: sum(1 for s in samples if s.cell == cell) / total for cell in cells}
        self.targets = self._mvi_targets(profile, share)
        middle = (min(years) + max(years)) / 2 if years else 0.0
        trend = profile["yearly_trend"]
        self.intercepts: dict[tuple[str, int], float] = {}
        european_share: dict[str, float] = {}
        for cell in cells:
            sizes = np.array([s.size for s in samples if s.cell == cell])
            european = np.array([s.european for s in samples if s.cell == cell], dtype=float)
            linear = SIZE_EFFECT * sizes + EUROPEAN_EFFECT * european
            for year in years:
                target = _clip(self.targets[cell] + trend * (year - middle))
                self.intercepts[(cell, year)] = _intercept(linear, target)
            weights = _sigmoid(_intercept(linear, self.targets[cell]) + linear)
            european_share[cell] = float((weights * european).sum() / weights.sum())
        conditional = self._conditional(profile, share)
        self.first: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {}
        self.extra: dict[tuple[str, bool], dict[str, float]] = {}
        for cell in cells:
            wanted = conditional[cell]
            scale = max(1.0, 1.0 / max(sum(wanted.values()), 1e-9))
            wanted = {theme: min(1.0, p * scale) for theme, p in wanted.items()}
            weights_sum = sum(wanted.values())
            first = {theme: p / weights_sum for theme, p in wanted.items()}
            self.first[cell] = (tuple(first), tuple(first.values()))
            extra = {t: (wanted[t] - first[t]) / (1 - first[t]) if first[t] < 1 else 0.0 for t in wanted}
            eu = european_share[cell]
            national = (1 - eu * EUROPEAN_EXTRA) / (1 - eu) if eu < 1 else 1.0
            self.extra[(cell, True)] = {t: min(1.0, p * EUROPEAN_EXTRA) for t, p in extra.items()}
            self.extra[(cell, False)] = {t: min(1.0, max(0.0, p * national)) for t, p in extra.items()}

    @staticmethod
    def _mvi_targets(profile: Mapping[str, float], share: Mapping[str, float]) -> dict[str, float]:
        """The share of tenders with MVI per cell: works and the product groups as given, the rest what is left."""
        targets = {"works": profile["mvi_share_works"]}
        for cell in share:
            if cell.endswith("-pg"):
                targets[cell] = profile["mvi_share_product_group_tenders"]
        fixed = sum(share[cell] * targets[cell] for cell in share if cell in targets)
        rest = sum(share[cell] for cell in share if cell not in targets)
        remaining = _clip((profile["mvi_share_tenders"] - fixed) / rest) if rest else 0.0
        return {cell: targets.get(cell, remaining) for cell in share}

    def _conditional(self, profile: Mapping[str, float], share: Mapping[str, float]) -> dict[str, dict[str, float]]:
        """P(theme | MVI) per cell: the theme's target share of the cell's tenders over the cell's MVI share."""
        mvi = self.targets
        nature = {cell: cell.removesuffix("-pg") for cell in share}
        wanted: dict[str, dict[str, float]] = {cell: {} for cell in share}
        # social return: works as published; services and supplies share the rest in a fixed proportion
        works_mass = share.get("works", 0.0) * profile["sroi_share_works"]
        ratio = {"services": profile["sroi_services_to_supplies"], "supplies": 1.0}
        mass = sum(share[c] * mvi[c] * ratio[nature[c]] for c in share if nature[c] != "works")
        k = (profile["sroi_share_tenders"] - works_mass) / mass if mass else 0.0
        for cell in share:
            if nature[cell] == "works":
                wanted[cell]["sroi"] = profile["sroi_share_works"] / mvi[cell]
            else:
                wanted[cell]["sroi"] = k * ratio[nature[cell]]
        for theme in ("milieu", "klimaat", "circulair", "keten", "d_i"):
            national = profile[f"{theme}_share_tenders"]
            fixed_cells = [c for c in share if c.endswith("-pg")] if theme in PRODUCT_GROUP_THEMES else []
            inside = profile.get(f"{theme}_share_product_group_tenders", 0.0)
            rest_cells = [c for c in share if c not in fixed_cells]
            rest_mass = national - sum(share[c] * inside for c in fixed_cells)
            norm = sum(share[c] * NATURE_WEIGHTS[theme][nature[c]] for c in rest_cells)
            for cell in fixed_cells:
                wanted[cell][theme] = inside / mvi[cell]
            for cell in rest_cells:
                target = max(LOWEST, rest_mass) * NATURE_WEIGHTS[theme][nature[cell]] / norm if norm else 0.0
                wanted[cell][theme] = target / mvi[cell]
        return {cell: {t: min(1.0, wanted[cell][t]) for t in THEMES} for cell in share}

    def themes(self, rng: random.Random, cell: str, size: float, european: bool, year: int) -> tuple[str, ...]:
        score = self.intercepts[(cell, year)] + SIZE_EFFECT * size + (EUROPEAN_EFFECT if european else 0.0)
        if rng.random() >= 1 / (1 + math.exp(-score)):
            return ()
        names, weights = self.first[cell]
        first = rng.choices(names, weights=weights)[0]
        extra = self.extra[(cell, european)]
        chosen = {first} | {theme for theme in names if theme != first and rng.random() < extra[theme]}
        return tuple(theme for theme in THEMES if theme in chosen)
