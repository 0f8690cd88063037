"""National extrapolation of an effect figure: a ratio estimator per stratum with a documented collapsing rule, a
finite-population correction and diagnostics that say what the estimate cannot know.

Pure numpy, no Django (docs/effects.md, "Uncertainty and the national estimate"; ADR 0037):

- the population is every active organisation, with its kind and its size `x` (total contract value in the system);
  a *reporter* of a figure is an organisation with at least one calculable commitment for that figure (the caller
  decides that per figure: an organisation that records only social return is no CO2 reporter);
- strata are kind × size class (tertiles of `x` over the organisations with contracts; "none" for the others);
- collapsing: within a kind, a size class with fewer than `MIN_REPORTERS` reporters merges with its neighbour (the
  next larger class, or the next smaller for the largest), again until every group has enough reporters or the kind
  is one group; the kinds that still have fewer pool into one group; if that pool has fewer than `MIN_REPORTERS`, it
  is estimated with the ratio of all reporters (the same resample, so the interval includes it);
- in group g: Ŷ_g = (Σ y / Σ x over its reporters) × X_g (mean per organisation × N_g when its reporters have no
  size); national Ŷ = Σ_g Ŷ_g;
- interval: stratified bootstrap (reporters resampled with replacement within each group) with every group's
  replicate deviations rescaled by √((1 − n_g/N_g) · n_g/(n_g − 1)) (finite-population correction, and the n/(n−1)
  the plain bootstrap misses), percentile interval. When everyone reports the interval is the point.

`y` is a matrix: one column per quantity estimated with the same reporters and resample (the whole period, each
calendar year, each RIVM period), so the point estimates of years add up to those of their periods.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

MIN_REPORTERS = 2  # a group needs two reporters to have a spread at all
NO_SIZE = "none"
SIZE_CLASSES = ("small", "medium", "large")
SIZE_ORDER = (NO_SIZE, *SIZE_CLASSES)
# Self-selection warning: a difference between reporters and non-reporters that is both significant and material.
# Two tests (size, kind), each at ALPHA / 2, so that random reporting raises the warning at most about 5% of the time.
ALPHA = 0.05
SMD_MATERIAL = 0.1  # standardised mean difference of log size (Austin 2009, balance diagnostics)
CRAMERS_V_MATERIAL = 0.1  # association of reporting with kind (Cohen 1988, a small effect)


def size_classes(sizes: FloatArray) -> npt.NDArray[np.str_]:
    """Tertiles of the organisations' size; organisations without size (no contract value) form their own class."""
    sizes = np.asarray(sizes, dtype=np.float64)
    out = np.full(len(sizes), NO_SIZE, dtype=object)
    positive = sizes > 0
    if positive.any():
        low, high = np.quantile(sizes[positive], [1 / 3, 2 / 3])
        out[positive & (sizes <= low)] = SIZE_CLASSES[0]
        out[positive & (sizes > low) & (sizes <= high)] = SIZE_CLASSES[1]
        out[positive & (sizes > high)] = SIZE_CLASSES[2]
    return out.astype(str)


@dataclass(frozen=True, slots=True)
class Group:
    """Organisations estimated with one ratio: the strata (kind, size class) merged into it."""

    strata: tuple[tuple[str, str], ...]
    members: IntArray
    reporters: int
    national_ratio: bool = False  # too few reporters even pooled: the ratio of all reporters is used

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(kind for kind, _size in self.strata))

    @property
    def size_classes(self) -> tuple[str, ...]:
        return tuple(size for size in SIZE_ORDER if any(s == size for _kind, s in self.strata))


@dataclass(frozen=True, slots=True)
class StratumReport:
    kind: str
    size_class: str
    organisations: int
    reporters: int
    group: int  # index into Diagnostics.groups

    @property
    def share(self) -> float:
        return self.reporters / self.organisations if self.organisations else 0.0


@dataclass(frozen=True, slots=True)
class Balance:
    """Reporters against the organisations with contracts that do not report: size (log contract value) and kind."""

    size_smd: float | None = None
    size_p: float | None = None
    kind_v: float | None = None
    kind_p: float | None = None

    @property
    def size_differs(self) -> bool:
        return self.size_p is not None and self.size_p < ALPHA / 2 and abs(self.size_smd or 0.0) >= SMD_MATERIAL

    @property
    def kind_differs(self) -> bool:
        return self.kind_p is not None and self.kind_p < ALPHA / 2 and (self.kind_v or 0.0) >= CRAMERS_V_MATERIAL

    @property
    def self_selection(self) -> bool:
        return self.size_differs or self.kind_differs


@dataclass(frozen=True, slots=True)
class Diagnostics:
    strata: tuple[StratumReport, ...]
    groups: tuple[Group, ...]
    value_covered: float | None  # share of the population's size held by the reporters
    balance: Balance

    @property
    def collapsed(self) -> int:
        """Strata that were merged with others (the number of strata minus the number of groups)."""
        return len([s for s in self.strata if s.organisations]) - len(self.groups)


@dataclass(frozen=True, slots=True)
class NationalEstimate:
    values: FloatArray  # (K,) one per column of y
    low: FloatArray
    high: FloatArray
    reporting: int
    population: int
    diagnostics: Diagnostics


def collapse(kinds: npt.NDArray[np.str_], classes: npt.NDArray[np.str_], reporting: BoolArray) -> list[Group]:
    """The groups the ratios are computed in, by the rule in the module's docstring."""
    groups: list[Group] = []
    sparse: list[Group] = []
    for kind in sorted(set(kinds.tolist())):
        parts: list[Group] = []
        for size in SIZE_ORDER:
            members = np.flatnonzero((kinds == kind) & (classes == size))
            if len(members):
                parts.append(Group(((kind, size),), members, int(reporting[members].sum())))
        while len(parts) > 1:
            weak = next((i for i, part in enumerate(parts) if part.reporters < MIN_REPORTERS), None)
            if weak is None:
                break
            other = weak + 1 if weak + 1 < len(parts) else weak - 1
            first, second = sorted((weak, other))
            parts[first : second + 1] = [_merge(parts[first], parts[second])]
        if len(parts) == 1 and parts[0].reporters < MIN_REPORTERS:
            sparse.append(parts[0])
        else:
            groups.extend(parts)
    if sparse:
        pool = sparse[0]
        for part in sparse[1:]:
            pool = _merge(pool, part)
        if pool.reporters < MIN_REPORTERS:
            pool = Group(pool.strata, pool.members, pool.reporters, national_ratio=True)
        groups.append(pool)
    return groups


def _merge(a: Group, b: Group) -> Group:
    return Group(a.strata + b.strata, np.concatenate([a.members, b.members]), a.reporters + b.reporters)


def resample_weights(rng: np.random.Generator, n: int, draws: int) -> FloatArray:
    """How often each of n units is drawn in each of `draws` resamples with replacement: (draws, n)."""
    idx = rng.integers(0, n, size=(draws, n))
    flat = (np.arange(draws)[:, None] * n + idx).ravel()
    return np.bincount(flat, minlength=draws * n).reshape(draws, n).astype(np.float64)


def fpc_scale(n: int, population: int) -> float:
    """Rescaling of bootstrap deviations: √((1 − n/N) · n/(n − 1)); 0 when everyone reports."""
    if n < 2 or population <= 0:
        return 0.0
    return math.sqrt(max(0.0, 1 - n / population) * n / (n - 1))


def estimate_totals(
    kinds: npt.NDArray[np.str_],
    sizes: FloatArray,
    y: FloatArray,
    reporting: BoolArray,
    *,
    draws: int,
    seed: int,
    level: float = 0.95,
    classes: npt.NDArray[np.str_] | None = None,
) -> NationalEstimate:
    """Ratio estimates of the population totals of every column of `y` (N × K; rows of non-reporters are ignored)."""
    kinds = np.asarray(kinds).astype(str)
    sizes = np.asarray(sizes, dtype=np.float64)
    reporting = np.asarray(reporting, dtype=bool)
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    columns = y.shape[1]
    classes = size_classes(sizes) if classes is None else classes
    groups = collapse(kinds, classes, reporting)
    diagnostics = _diagnostics(kinds, classes, sizes, reporting, groups)
    n_all, population = int(reporting.sum()), len(sizes)
    nan = np.full(columns, np.nan)
    if n_all == 0:
        return NationalEstimate(nan, nan.copy(), nan.copy(), 0, population, diagnostics)
    rng = np.random.default_rng(seed)
    point = np.zeros(columns)
    boot = np.zeros((draws, columns))
    sum_y, sum_x = np.zeros(columns), 0.0  # over all reporters, for a group on the national ratio
    boot_y, boot_x = np.zeros((draws, columns)), np.zeros(draws)
    national_x = 0.0
    pooled = any(group.national_ratio for group in groups)  # its ratio is resampled over every reporter
    for group in groups:
        rows = group.members[reporting[group.members]]
        total_x, n, big_n = float(sizes[group.members].sum()), len(rows), len(group.members)
        yr, xr = y[rows], sizes[rows]
        sum_y += yr.sum(axis=0)
        sum_x += float(xr.sum())
        if group.national_ratio:
            national_x += total_x
            boot_y += yr.sum(axis=0)  # 0 or 1 reporter: the same in every resample
            boot_x += float(xr.sum())
            continue
        scale = fpc_scale(n, big_n)
        if scale == 0 and n >= MIN_REPORTERS and not pooled:  # everyone reports: no sampling spread, no resample
            estimate = yr.sum(axis=0)
            point += estimate
            boot += estimate
            boot_y += yr.sum(axis=0)
            boot_x += float(xr.sum())
            continue
        weights = resample_weights(rng, n, draws)
        by, bx = weights @ yr, weights @ xr
        boot_y += by
        boot_x += bx
        if xr.sum() > 0:
            ratio = yr.sum(axis=0) / xr.sum()
            estimate = ratio * total_x
            replicate = np.divide(by, bx[:, None], out=np.tile(ratio, (draws, 1)), where=bx[:, None] > 0) * total_x
        else:  # reporters without size: mean per organisation
            estimate = yr.sum(axis=0) / n * big_n
            replicate = by / n * big_n
        point += estimate
        boot += estimate + scale * (replicate - estimate)
    if national_x:
        ratio = sum_y / sum_x if sum_x > 0 else np.zeros(columns)
        estimate = ratio * national_x
        replicate = np.divide(boot_y, boot_x[:, None], out=np.tile(ratio, (draws, 1)), where=boot_x[:, None] > 0)
        point += estimate
        boot += estimate + fpc_scale(n_all, population) * (replicate * national_x - estimate)
    if n_all < MIN_REPORTERS:
        return NationalEstimate(point, nan.copy(), nan.copy(), n_all, population, diagnostics)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(boot, [tail, 100 - tail], axis=0)
    return NationalEstimate(point, np.asarray(low), np.asarray(high), n_all, population, diagnostics)


# --- diagnostics -----------------------------------------------------------------------------------------------------


def _diagnostics(
    kinds: npt.NDArray[np.str_],
    classes: npt.NDArray[np.str_],
    sizes: FloatArray,
    reporting: BoolArray,
    groups: list[Group],
) -> Diagnostics:
    group_of: dict[tuple[str, str], int] = {}
    for index, group in enumerate(groups):
        for stratum in group.strata:
            group_of[stratum] = index
    strata = []
    for kind in sorted(set(kinds.tolist())):
        for size in SIZE_ORDER:
            members = (kinds == kind) & (classes == size)
            if members.any():
                reporters = int(reporting[members].sum())
                strata.append(StratumReport(kind, size, int(members.sum()), reporters, group_of[(kind, size)]))
    total = float(sizes.sum())
    covered = float(sizes[reporting].sum()) / total if total > 0 else None
    return Diagnostics(tuple(strata), tuple(groups), covered, balance(kinds, sizes, reporting))


def _normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


def _chi2_p(statistic: float, df: int) -> float:
    """Upper tail of the chi-square distribution (Wilson–Hilferty cube-root approximation; no scipy needed)."""
    if statistic <= 0:
        return 1.0
    h = 2 / (9 * df)
    z = ((statistic / df) ** (1 / 3) - (1 - h)) / math.sqrt(h)
    return 0.5 * math.erfc(z / math.sqrt(2))


def balance(kinds: npt.NDArray[np.str_], sizes: FloatArray, reporting: BoolArray) -> Balance:
    """Do reporters differ from the organisations that could report (those with contracts) but do not?

    Size: Welch's z on log size and the standardised mean difference; kind: the chi-square test of reporting × kind
    and Cramér's V. A difference is flagged when it is significant (p < ALPHA / 2 per test) and material
    (|SMD| ≥ 0.1, V ≥ 0.1).
    """
    could = sizes > 0
    rep, non = could & reporting, could & ~reporting
    size_smd = size_p = kind_v = kind_p = None
    if rep.sum() >= 2 and non.sum() >= 2:
        a, b = np.log(sizes[rep]), np.log(sizes[non])
        va, vb = float(a.var(ddof=1)), float(b.var(ddof=1))
        diff = float(a.mean() - b.mean())
        pooled = math.sqrt((va + vb) / 2)
        size_smd = diff / pooled if pooled > 0 else 0.0
        se = math.sqrt(va / len(a) + vb / len(b))
        size_p = _normal_p(diff / se) if se > 0 else (1.0 if diff == 0 else 0.0)
        labels = sorted(set(kinds[could].tolist()))
        if len(labels) > 1:
            table = np.array([[np.sum(kinds[rows] == k) for k in labels] for rows in (rep, non)], dtype=np.float64)
            table = table[:, table.sum(axis=0) > 0]
            expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
            chi2 = float(((table - expected) ** 2 / expected).sum())
            kind_v = math.sqrt(chi2 / table.sum())
            kind_p = _chi2_p(chi2, table.shape[1] - 1)
    return Balance(size_smd, size_p, kind_v, kind_p)
