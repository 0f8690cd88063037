"""Reads of the effects app: visible records, the organisation's effect figures and the national estimate.

National figures go through `mvimonitor.disclosure` (the one disclosure-control module); this module
never decides on its own what may be shown.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from mvimonitor import bulk
from mvimonitor.organisations.access import Action, visible_to
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import Contract

from . import calculations as calc
from .figures import (
    COLUMN_FIGURES,
    PROCESS_THEMES,
    ProcessIndicator,
    _deviations,
    _factor_set_labels,
    _kind_rows,
    _reasons,
    column_arrays,
    indicator_arrays,
    social_return_counted,
)
from .figures import DRAWS as DRAWS
from .figures import FIGURES as FIGURES
from .figures import SEED as SEED
from .figures import Figure as Figure
from .figures import KindRow as KindRow
from .figures import Summary as Summary
from .figures import figure_label as figure_label
from .figures import figure_reference as figure_reference
from .models import Commitment, EffectCalculation, EmissionFactorSet, Realisation
from .national import national_summary as _national_summary
from .reasons import describe_code
from .rivm import RivmTable
from .rivm import rivm_table as _rivm_table
from .yearly import SPREAD_KEYS, organisation_periods

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from mvimonitor.organisations.models import User

# --- visibility ------------------------------------------------------------------------------------------------------


def visible_contracts(user: "User | AnonymousUser", action: Action = Action.VIEW) -> QuerySet[Contract]:
    return visible_to(user, Contract.objects.select_related("lot__tender__organisation"), action)


def visible_commitments(user: "User | AnonymousUser", action: Action = Action.VIEW) -> QuerySet[Commitment]:
    return visible_to(user, Commitment.objects.select_related("contract__lot__tender", "theme"), action)


REALISATIONS = Realisation.objects.select_related("commitment__contract__lot__tender")


def visible_realisations(user: "User | AnonymousUser", action: Action = Action.VIEW) -> QuerySet[Realisation]:
    return visible_to(user, REALISATIONS, action)


def visible_factor_sets(user: "User | AnonymousUser") -> QuerySet[EmissionFactorSet]:
    """Public sets, plus the own sets of the organisations the user may view."""
    own = visible_to(user, EmissionFactorSet.objects.filter(organisation__isnull=False))
    return EmissionFactorSet.objects.filter(Q(organisation__isnull=True) | Q(pk__in=own.values("pk")))


def realisations_outside_commitment_period() -> QuerySet[Realisation]:
    """Realisations whose period does not lie within their commitment's (recorded before the rule was enforced, or
    past the services): the recalculation leaves them out; `manage.py check_effect_periods` lists them."""
    from django.db.models import F

    return (
        Realisation.objects.filter(
            Q(period_start__lt=F("commitment__period_start")) | Q(period_end__gt=F("commitment__period_end"))
        )
        .select_related("commitment__contract__lot__tender__organisation")
        .order_by("pk")
    )


# --- the history of one commitment's effect --------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    """One stored calculation of a commitment, newest first, with what differs from the calculation before it."""

    effect: EffectCalculation
    reason: str
    changes: list[str]
    is_first: bool = False


def _history_fields() -> list[tuple[str, str]]:
    return [
        ("promised", _("promised")),
        ("delivered_verified", _("delivered (verified)")),
        ("delivered_submitted", _("submitted")),
        ("ex_ante_kg", _("CO2-eq avoided ex ante (kg)")),
        ("ex_post_kg", _("CO2-eq avoided ex post (kg)")),
        ("reference_kg", _("reference emissions (kg)")),
        ("sr_obligation", _("social-return obligation (EUR)")),
        ("sr_value", _("social-return value (EUR)")),
        ("sr_fte_years", _("FTE-years")),
        ("sanction_status", _("sanction")),
        ("sanction_amount", _("sanction amount (EUR)")),
        ("problem_code", _("reason not calculable")),
        ("factor_set_label", _("factor set")),
        ("method_version", _("method version")),
    ]


def _factor_changes(older: dict[str, Any], newer: dict[str, Any]) -> list[str]:
    changes = []
    for code in sorted(set(older) | set(newer)):
        before, after = older.get(code), newer.get(code)
        if before is None or after is None:
            changes.append(
                (_("factor “%(code)s” no longer used") if after is None else _("factor “%(code)s” now used"))
                % {"code": code}
            )
        elif (before.get("wtw"), before.get("unit")) != (after.get("wtw"), after.get("unit")):
            changes.append(
                _("factor “%(code)s”: WTW %(old)s → %(new)s kg CO2-eq per %(unit)s")
                % {"code": code, "old": before.get("wtw"), "new": after.get("wtw"), "unit": after.get("unit")}
            )
    return changes


def _shown(value: Any) -> Any:
    return "–" if value is None or value == "" else value


def effect_changes(older: EffectCalculation, newer: EffectCalculation) -> list[str]:
    """What differs between two calculations of one commitment, in words ("ex ante: 3256.000 → 3300.000")."""
    changes = []
    for name, label in _history_fields():
        before, after = getattr(older, name), getattr(newer, name)
        if before != after:
            changes.append(
                _("%(what)s: %(old)s → %(new)s")
                % {
                    "what": label,
                    "old": "–" if before in (None, "") else before,
                    "new": "–" if after in (None, "") else after,
                }
            )
    changes += _factor_changes(older.factors_used or {}, newer.factors_used or {})
    if not changes and older.problem_details != newer.problem_details:
        changes.append(_("the details of the reason"))
    return changes


def effect_history(commitment: Commitment | int) -> list[HistoryEntry]:
    """Every stored calculation of a commitment, the current one first; each says what changed against the one
    before it (the oldest: nothing to compare with)."""
    commitment_id = commitment if isinstance(commitment, int) else commitment.pk
    rows = list(EffectCalculation.objects.filter(commitment_id=commitment_id).order_by("-computed_at", "-pk"))
    entries = []
    for index, effect in enumerate(rows):
        older = rows[index + 1] if index + 1 < len(rows) else None
        entries.append(
            HistoryEntry(
                effect=effect,
                reason=describe_code(effect.problem_code, effect.problem_details) if effect.problem_code else "",
                changes=effect_changes(older, effect) if older is not None else [],
                is_first=older is None,
            )
        )
    return entries


# --- figures ---------------------------------------------------------------------------------------------------------


def _relevant(key: str) -> Q:
    if key.startswith("co2"):
        return Q(is_co2=True)
    if key == "sanctionsDue":
        return Q(sanction_status="due")  # pending ones are not yet a figure; "not calculable": due, no advantage
    return social_return_counted()


@dataclass(frozen=True)
class FigureIntervals:
    """One figure for many organisations: per organisation (ascending id) the total, the bootstrap interval and the
    number of commitments with and without a value."""

    organisations: list[int]
    totals: list[float]
    low: list[float]
    high: list[float]
    calculable: dict[int, int]
    not_calculable: dict[int, int]


def _figure_arrays(effects: QuerySet[EffectCalculation]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The stored effects as arrays, in one query straight from the cursor (no per-value Decimal conversion: the
    intervals are computed in floats): organisation ids, and per figure whether each row is about it (the same
    rule as `_relevant`) and its scaled value (NaN where the figure is not calculable)."""
    from django.db.models import BooleanField, ExpressionWrapper, FloatField
    from django.db.models.functions import Cast

    # every column a number, so the rows become one float array in one call: the database compares kind and status and
    # hands over floats (PostgreSQL would send Decimals, slow to turn into an array); ids are exact in a float64
    flags = {
        "_sr": ExpressionWrapper(social_return_counted(), output_field=BooleanField()),
        "_due": ExpressionWrapper(Q(sanction_status="due"), output_field=BooleanField()),
    }
    as_float = {f"_{f[3]}": Cast(f[3], FloatField()) for f in COLUMN_FIGURES}
    query = (
        effects.order_by()
        .annotate(**flags, **as_float)
        .values_list("organisation_id", "is_co2", *flags, *as_float, "pk")
    )
    table = bulk.number_table(query, 5 + len(COLUMN_FIGURES))  # None → NaN
    organisations = table[:, 0].astype(np.int64)
    is_co2, is_sr, is_due = (table[:, column] == 1 for column in (1, 2, 3))
    relevant, values = indicator_arrays(effects, table[:, -1].astype(np.int64))
    column_arrays(table, 4, is_co2, is_sr, is_due, relevant, values)
    return organisations, relevant, values


def _counts(organisations: Any) -> dict[int, int]:
    labels, counts = np.unique(organisations, return_counts=True)
    return {int(label): int(count) for label, count in zip(labels, counts, strict=True)}


def figure_intervals(
    effects: QuerySet[EffectCalculation], *, draws: int = DRAWS, seed: int = SEED
) -> dict[str, FigureIntervals]:
    """Every figure of every organisation in `effects`, with its 95% bootstrap interval over the organisation's
    commitments that have a value (1,000 draws), all organisations at once (calc.grouped_bootstrap_totals).

    The organisation dashboard and the benchmark both use this, so they show and time the same computation.
    """
    organisations, relevant, values = _figure_arrays(effects)
    # figures about exactly the same commitments (social-return value and FTE-years) are resampled in one pass: with
    # the same seed and units that gives each of them the very draws it would get alone, for one set of random numbers
    passes: dict[bytes, list[str]] = defaultdict(list)
    masks: dict[str, Any] = {}
    for key, _label, _unit, _column, _scale in FIGURES:
        masks[key] = relevant[key] & ~np.isnan(values[key])
        passes[np.packbits(masks[key]).tobytes()].append(key)
    out: dict[str, FigureIntervals] = {}
    for keys in passes.values():
        ok = masks[keys[0]]
        matrix = np.vstack([values[key][ok] for key in keys])
        totals, low, high = calc.grouped_bootstrap_totals(matrix, organisations[ok], draws, seed)
        calculable = _counts(organisations[ok])
        for row, key in enumerate(keys):
            out[key] = FigureIntervals(
                organisations=sorted(calculable),
                totals=totals[row].tolist(),
                low=low[row].tolist(),
                high=high[row].tolist(),
                calculable=calculable,
                not_calculable=_counts(organisations[relevant[key] & np.isnan(values[key])]),
            )
    return {key: out[key] for key, *_rest in FIGURES}


def organisation_summary(organisation: Organisation | int, *, draws: int = DRAWS, seed: int = SEED) -> Summary:
    """The effect figures of one organisation, with a bootstrap interval over its commitments."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    effects = EffectCalculation.objects.current().filter(organisation=org_id)
    labels = _factor_set_labels(effects)
    intervals = figure_intervals(effects, draws=draws, seed=seed)
    figures: list[Figure] = []
    for key, _label, unit, _column, _scale in FIGURES:
        figure = intervals[key]
        missing = figure.not_calculable.get(org_id, 0)
        if org_id not in figure.calculable:
            figures.append(
                Figure(key, figure_label(key), unit, None, None, None, 0, missing, figure_reference(key), labels)
            )
            continue
        at = figure.organisations.index(org_id)
        figures.append(
            Figure(
                key,
                figure_label(key),
                unit,
                figure.totals[at],
                figure.low[at],
                figure.high[at],
                figure.calculable[org_id],
                missing,
                figure_reference(key),
                labels if key.startswith("co2") else [],
            )
        )
    return Summary(
        periods=organisation_periods(effects),
        period_keys=SPREAD_KEYS,
        figures=figures,
        kinds=_kind_rows(effects),
        reasons=_reasons(effects),
        calculable=effects.filter(calculable=True).count(),
        not_calculable=effects.filter(calculable=False).count(),
        factor_sets=labels,
        deviations=_deviations(effects),
        process=process_indicators(org_id),
    )


def process_indicators(organisation_id: int) -> list[ProcessIndicator]:
    """For the themes without an effect method (international social conditions, diversity and inclusion): how many
    of the organisation's contracts have a lot that applies the theme. A count of applications, not an effect."""
    from django.db.models import Count

    from mvimonitor.themes.models import Theme

    contracts = Contract.objects.filter(lot__tender__organisation_id=organisation_id)
    counts = dict(
        contracts.filter(lot__mvi_applications__theme__code__in=PROCESS_THEMES)
        .values("lot__mvi_applications__theme__code")
        .annotate(n=Count("pk", distinct=True))
        .values_list("lot__mvi_applications__theme__code", "n")
    )
    total = contracts.count()
    themes = {theme.code: str(theme) for theme in Theme.objects.filter(code__in=PROCESS_THEMES)}
    return [ProcessIndicator(code, themes.get(code, code), counts.get(code, 0), total) for code in PROCESS_THEMES]


# --- national --------------------------------------------------------------------------------------------------------


def national_summary(*, draws: int = DRAWS, seed: int = SEED) -> Summary:
    """Observed totals of reporting organisations (through disclosure control) and the national extrapolation per
    figure, with its diagnostics, per calendar year and per RIVM period (`mvimonitor.effects.national`)."""
    return _national_summary(draws=draws, seed=seed)


def rivm_table(*, draws: int = DRAWS, seed: int = SEED) -> RivmTable:
    """The RIVM-style national table: per RIVM period and product group, each declared figure's national estimate
    under disclosure control, with RIVM's published results per period beside it (`mvimonitor.effects.rivm`)."""
    return _rivm_table(draws=draws, seed=seed)
