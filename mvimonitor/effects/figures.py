"""The effect figures an organisation's and the national dashboard show: their keys, labels and units, and the
shapes of a summary. Shared by `selectors`, `yearly` and `national` (which the selectors call), so that none of them
imports another in a circle.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from . import calculations as calc
from . import social_return as sr
from .indicators import EXTRA_INDICATORS, indicator
from .models import CommitmentKind, EffectCalculation, EmissionFactorSet, IndicatorFigure
from .reasons import summary_label

DRAWS = 1000
SEED = 20261125
KG_PER_TONNE = 1000.0

# (key, label msgid, unit, EffectCalculation column, scale, reference wording)
FIGURES: list[tuple[str, str, str, str, float]] = [
    ("co2ExAnteTonnes", "CO2-eq avoided as promised (ex ante)", "t CO2-eq", "ex_ante_kg", 1 / KG_PER_TONNE),
    (
        "co2ExPostTonnes",
        "CO2-eq avoided as delivered and verified (ex post)",
        "t CO2-eq",
        "ex_post_kg",
        1 / KG_PER_TONNE,
    ),
    ("socialReturnObligation", "Social-return obligation", "EUR", "sr_obligation", 1.0),
    ("socialReturnValue", "Social-return value realised (verified)", "EUR", "sr_value", 1.0),
    ("socialReturnFteYears", "Social-return FTE-years realised (verified)", "FTE-years", "sr_fte_years", 1.0),
    ("sanctionsDue", "Sanctions due for missed promises", "EUR", "sanction_amount", 1.0),
]
# The indicators beyond CO2, from IndicatorFigure rather than a column: `<code>ExAnte` and `<code>ExPost`, in the
# indicator's unit; their "column" names the indicator and the figure (see `indicator_arrays`).
INDICATOR_PREFIX = "indicator:"
INDICATOR_FIGURES: dict[str, tuple[str, str]] = {}
for _indicator in EXTRA_INDICATORS:
    for _suffix, _which, _what in (("ExAnte", "ex_ante", "as promised (ex ante)"),
                                   ("ExPost", "ex_post", "as delivered and verified (ex post)")):  # fmt: skip
        _key = f"{_indicator.code}{_suffix}"
        INDICATOR_FIGURES[_key] = (_indicator.code, _which)
        FIGURES.append((_key, f"{_indicator.code} {_what}", _indicator.unit, f"{INDICATOR_PREFIX}{_key}", 1.0))
# the figures read from EffectCalculation's own columns
COLUMN_FIGURES = [figure for figure in FIGURES if not figure[3].startswith(INDICATOR_PREFIX)]


def indicator_arrays(effects: QuerySet[EffectCalculation], ids: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per indicator figure, for the stored effects with these ids (an array, in the order of the caller's rows):
    whether each has a figure of that indicator, and its value (NaN where not calculable or absent). One query, all
    numbers, straight from the cursor."""
    import numpy as np
    from django.db.models import Case, FloatField, IntegerField, Value, When
    from django.db.models.functions import Cast

    from mvimonitor import bulk

    codes = [indicator.code for indicator in EXTRA_INDICATORS]
    number = Case(*(When(indicator=code, then=Value(i)) for i, code in enumerate(codes)), output_field=IntegerField())
    query = (
        IndicatorFigure.objects.filter(calculation_id__in=effects.order_by().values("pk"))
        .order_by()
        .annotate(_n=number, _a=Cast("ex_ante", FloatField()), _p=Cast("ex_post", FloatField()))
        .values_list("calculation_id", "_n", "_a", "_p")
    )
    rows = bulk.number_table(query, 4)
    ids = np.asarray(ids, dtype=np.int64)
    relevant: dict[str, Any] = {}
    values: dict[str, Any] = {}
    order = np.argsort(ids, kind="stable")
    found = np.searchsorted(ids[order], rows[:, 0].astype(np.int64)) if len(ids) else np.zeros(0, dtype=np.int64)
    inside = found < len(ids)
    inside[inside] = ids[order][found[inside]] == rows[inside, 0].astype(np.int64)
    position = order[found[inside]]
    rows = rows[inside]
    for key, (code, which) in INDICATOR_FIGURES.items():
        mine = rows[:, 1] == codes.index(code)
        relevant[key] = np.zeros(len(ids), dtype=bool)
        relevant[key][position[mine]] = True
        values[key] = np.full(len(ids), np.nan)
        values[key][position[mine]] = rows[mine, 2 if which == "ex_ante" else 3]
    return relevant, values


def column_arrays(
    table: Any, first: int, is_co2: Any, is_sr: Any, is_due: Any, relevant: dict[str, Any], values: dict[str, Any]
) -> None:
    """Fill `relevant` and `values` for the figures of EffectCalculation's own columns, read as floats into `table`
    from column `first` on in the order of COLUMN_FIGURES: CO2 figures are about CO2 commitments, sanctions about the
    due ones, the rest about the social-return commitments counted (`social_return_counted`)."""
    for index, (key, _label, _unit, _column, scale) in enumerate(COLUMN_FIGURES):
        relevant[key] = is_co2 if key.startswith("co2") else is_due if key == "sanctionsDue" else is_sr
        values[key] = table[:, first + index] * scale


FTE_KEY = "socialReturnFteYears"


def social_return_counted() -> Q:
    """The effects the social-return figures are about: social-return commitments, less those whose policy does not
    apply to their contract (not applicable is neither unknown nor 0: such a commitment is left out of them)."""
    return Q(kind=CommitmentKind.SOCIAL_RETURN) & ~Q(problem_code=sr.NOT_APPLICABLE)


def figure_label(key: str) -> str:
    if key in INDICATOR_FIGURES:
        code, which = INDICATOR_FIGURES[key]
        name = indicator(code).label
        if which == "ex_ante":
            return _("%(indicator)s avoided as promised (ex ante)") % {"indicator": name}
        return _("%(indicator)s avoided as delivered and verified (ex post)") % {"indicator": name}
    labels = {
        "co2ExAnteTonnes": _("CO2-eq avoided as promised (ex ante)"),
        "co2ExPostTonnes": _("CO2-eq avoided as delivered and verified (ex post)"),
        "socialReturnObligation": _("Social-return obligation"),
        "socialReturnValue": _("Social-return value realised (verified)"),
        "socialReturnFteYears": _("Social-return FTE-years realised (verified)"),
        "sanctionsDue": _("Sanctions due for missed promises"),
    }
    return labels[key]


def figure_reference(key: str) -> str:
    if key in INDICATOR_FIGURES:
        return _(
            "Against each commitment's reference option, with the values per unit of this indicator in the "
            "commitment's factor set, over the commitment period; only commitments whose set holds such a value."
        )
    if key.startswith("co2"):
        return _("Against each commitment's reference option, WTW factors, over the commitment period.")
    if key == "sanctionsDue":
        return _("Multiple of the award advantage, for promises whose period has ended unmet.")
    return _("Building-block tables of the region named in each commitment; obligation from its base and percentage.")


@dataclass
class Figure:
    key: str
    label: str
    unit: str
    value: float | None
    low: float | None
    high: float | None
    calculable: int
    not_calculable: int
    reference: str
    factor_sets: list[str]
    method_version: str = calc.METHOD_VERSION
    note: str = ""
    diagnostics: Any = None  # estimator.Diagnostics of a national figure


@dataclass
class KindRow:
    kind: str
    label: str
    unit: str
    commitments: int
    promised: Decimal | None
    delivered: Decimal | None
    submitted: Decimal | None

    @property
    def share(self) -> float | None:
        if self.promised is None or self.delivered is None or not self.promised:
            return None
        return float(self.delivered / self.promised)


@dataclass
class Summary:
    figures: list[Figure]
    kinds: list[KindRow]
    reasons: list[tuple[str, int]]
    calculable: int
    not_calculable: int
    factor_sets: list[str] = field(default_factory=list)
    reporting: int = 0
    population: int = 0
    suppressed: list[str] = field(default_factory=list)
    periods: list[Any] = field(default_factory=list)  # rows per calendar year and RIVM period (national.PeriodRow)
    period_keys: list[str] = field(default_factory=list)  # the figures of each row's cells, in order
    # an organisation's commitments whose reference differs from the national option, with the reason (Deviation)
    deviations: list[Any] = field(default_factory=list)
    process: list[Any] = field(default_factory=list)  # themes with no effect method (ProcessIndicator)


# Themes with no effect method: reported as process indicators next to the effects (theme codes of domain.md §1).
PROCESS_THEMES = ("keten", "d_i")


@dataclass
class ProcessIndicator:
    theme: str
    label: str
    contracts: int  # the organisation's contracts whose lot applies the theme
    of_contracts: int  # all of the organisation's contracts


@dataclass
class Deviation:
    commitment_id: int
    description: str
    national_option: str
    reference_factor_code: str
    reason: str


def _kind_label(kind: str) -> str:
    return str(CommitmentKind(kind).label) if kind in CommitmentKind.values else kind


def _factor_set_labels(effects: QuerySet[EffectCalculation]) -> list[str]:
    """The distinct factor-set labels, made distinct by the database (not 100,000 strings fetched to make a set)."""
    rows = effects.exclude(factor_set_label="").order_by().values_list("factor_set_label", flat=True).distinct()
    return sorted(rows)


def _public_factor_set_labels(effects: QuerySet[EffectCalculation]) -> list[str]:
    """For national figures: the published sets by name. An organisation's own set is private to its members (its name
    may say whose it is), so national figures only say that own sets were used, not which or by whom.

    The distinct (set, label) pairs come from the effects alone (no join: a handful of pairs out of 100,000 rows);
    which of those few sets belong to an organisation is one small query. A label whose set is gone counts as public,
    as before."""
    pairs = set(
        effects.exclude(factor_set_label="").order_by().values_list("factor_set_id", "factor_set_label").distinct()
    )
    ids = {set_id for set_id, _label in pairs if set_id is not None}
    own = set(EmissionFactorSet.objects.filter(pk__in=ids, organisation__isnull=False).values_list("pk", flat=True))
    labels = sorted({label for set_id, label in pairs if set_id not in own})
    if own:
        labels.append(_("organisations' own sets (not named)"))
    return labels


def _kind_rows(effects: QuerySet[EffectCalculation]) -> list[KindRow]:
    rows = (
        effects.values("kind", "unit")
        .annotate(
            n=Count("pk"),
            promised=Sum("promised"),
            delivered=Sum("delivered_verified"),
            submitted=Sum("delivered_submitted"),
        )
        .order_by("kind", "unit")
    )
    return [
        KindRow(r["kind"], _kind_label(r["kind"]), r["unit"], r["n"], r["promised"], r["delivered"], r["submitted"])
        for r in rows
    ]


def _deviations(effects: QuerySet[EffectCalculation]) -> list[Deviation]:
    """The commitments whose stored figure deviates from the national reference option, with the reason given."""
    rows = (
        effects.filter(reference_deviates=True)
        .order_by("commitment_id")
        .values_list(
            "commitment_id", "commitment__description", "reference_option_label", "commitment__reference_factor_code",
            "reference_deviation_reason",
        )
    )  # fmt: skip
    return [Deviation(*row) for row in rows]


def _reasons(effects: QuerySet[EffectCalculation]) -> list[tuple[str, int]]:
    rows = effects.exclude(problem_code="").values("problem_code").annotate(n=Count("pk")).order_by("-n")
    return [(summary_label(r["problem_code"]), r["n"]) for r in rows]
