"""The stored effects: per commitment one current `EffectCalculation` row, computed from the record, never typed in,
and the earlier rows it superseded.

`effects_recalculate` (and `effects_on_record_change`, the refresher registered for
`mvimonitor.changes.record_changed`) reads commitments, realisations, placements and factor sets with a few
raw queries, runs the pure calculators over plain rows (`compute_effects`), and compares each result with the
commitment's current row by a digest of every stored value: an identical result leaves the row alone, a different
one (figures, factor values, factor set, method version) marks the current row superseded and adds a new one. All in
one transaction, written in bulk: COPY on PostgreSQL, one `executemany` on SQLite (ADR 0015, ADR 0020, ADR 0025,
docs/effects.md).
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from mvimonitor import bulk
from mvimonitor.changes import RecordChange
from mvimonitor.collection import collector_paused

from . import calculations as calc
from .indicator_rows import (
    INDICATOR_COLUMNS,
    IndicatorJob,
    IndicatorPair,
    indicator_figures,
    indicator_pairs,
    stored_indicator,
)
from .models import (
    CO2_KINDS,
    Commitment,
    CommitmentKind,
    EffectCalculation,
    EmissionFactorSet,
    IndicatorFigure,
    Placement,
    Realisation,
    RealisationStatus,
)
from .recalculation_reads import COMMITMENT_FIELDS as COMMITMENT_FIELDS
from .recalculation_reads import (
    THOUSANDTH,
    FactorYears,
    IndicatorFactors,
    Realised,
    SocialReturnRead,
    _commitment_query,
    _commitment_values,
    _read_realised,
    load_indicator_factors,
    raw_rows,
    read_not_applicable,
    read_social_return,
)
from .recalculation_reads import load_factor_sets as load_factor_sets
from .reference_options import OptionChooser, load_options


def default_factor_set(sets: Sequence[tuple[int, int]], year: int | None) -> int | None:
    """From (id, publication_year) of the public sets: the newest published no later than `year`; else the oldest.

    domain.md §7: new factors are used from their year of publication; past years are not recalculated.
    """
    if not sets:
        return None
    ordered = sorted(sets, key=lambda s: (s[1], s[0]))
    if year is not None:
        earlier = [s for s in ordered if s[1] <= year]
        if earlier:
            return earlier[-1][0]
    return ordered[0][0]


@dataclass
class RecalculationResult:
    commitments: int
    calculable: int
    not_calculable: int
    written: int = 0  # new current rows (a first calculation or a changed result)
    superseded: int = 0  # earlier rows kept as history
    seconds_read: float = 0.0
    seconds_compute: float = 0.0
    seconds_write: float = 0.0


# One stored row per commitment, in this column order (computed_at and is_current are added when writing).
EFFECT_COLUMNS = (
    "commitment_id",
    "organisation_id",
    "kind",
    "unit",
    "promised",
    "delivered_verified",
    "delivered_submitted",
    "is_co2",
    "ex_ante_kg",
    "ex_post_kg",
    "reference_kg",
    "sr_obligation",
    "sr_value",
    "sr_fte_years",
    "sr_fte_by_year",
    "calculable",
    "problem_code",
    "problem_details",
    "sanction_status",
    "sanction_amount",
    "factor_set_id",
    "factor_set_label",
    "factors_used",
    "reference_option_id",
    "reference_option_label",
    "reference_deviates",
    "reference_deviation_reason",
    "method_version",
    "fingerprint",
    "computed_at",
    "is_current",
)
ROW_COLUMNS = EFFECT_COLUMNS[:-2]
EffectRow = tuple[Any, ...]  # the values of ROW_COLUMNS; problem_details and factors_used are dicts


def _exponents() -> tuple[tuple[int, Decimal], ...]:
    """(position in a row, 10**-places) of every decimal column: the digest sees values as the database keeps them."""
    out = []
    for index, name in enumerate(ROW_COLUMNS):
        field = EffectCalculation._meta.get_field(name)
        places = getattr(field, "decimal_places", None)
        if places is not None:
            out.append((index, Decimal(1).scaleb(-places)))
    return tuple(out)


_DECIMALS = _exponents()
_DIGESTED = slice(1, len(ROW_COLUMNS) - 1)  # a row's values a digest is taken of: all but the id and the digest
_USED_AT = ROW_COLUMNS.index("factors_used") - 1  # in the values a digest is taken of
_DIGESTED_DECIMALS = tuple((index - 1, exponent) for index, exponent in _DECIMALS if 0 < index < len(ROW_COLUMNS) - 1)


def fingerprint(row: Sequence[Any], inputs: Sequence[Any] = (), used_text: str | None = None) -> str:
    """A digest of the stored values of a row (its commitment id and the digest itself left out) and of `inputs`.

    A row with figures of the indicators beyond CO2 passes as `inputs` what those figures depend on beyond the row
    (item codes, reference quantity and unit, realisations outside the period): with the row, which holds the
    quantities and, in `factors_used`, every indicator value used, that determines them, at a fraction of the cost
    of digesting the figures themselves. `used_text` is `repr` of the row's `factors_used`, when the caller keeps it
    (many rows share the same few)."""
    values = list(row[_DIGESTED])
    for index, exponent in _DIGESTED_DECIMALS:  # as `stored` rounds them
        value = values[index]
        if value is not None:
            values[index] = value.quantize(exponent, ROUND_HALF_UP)
    if used_text is not None:
        values[_USED_AT] = used_text
    if inputs:
        values.append(inputs)
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


def stored(row: Sequence[Any]) -> EffectRow:
    """The row as the database keeps it: every decimal rounded half up to its column's places here, so SQLite (whose
    adapter rounds half to even) and PostgreSQL (half away from zero) store the same figure."""
    values = list(row)
    for index, exponent in _DECIMALS:
        value = values[index]
        if value is not None:
            values[index] = value.quantize(exponent, ROUND_HALF_UP)
    return tuple(values)


def _factors_used(
    factors: Mapping[str, calc.Factor],
    years: Mapping[str, int | None],
    codes: Sequence[tuple[str, str]],
    indicators: Mapping[str, Mapping[str, calc.Factor]] | None = None,
) -> dict[str, dict[str, Any]]:
    """code -> role, WTW, unit and source year of the items a CO2 figure used (those found in the set), and the
    values per unit of the other indicators the set holds for them ("indicators": {code: value})."""
    used: dict[str, dict[str, Any]] = {}
    for role, code in codes:
        factor = factors.get(code) if code else None
        if factor is None:
            continue
        if code in used:
            used[code]["role"] = f"{used[code]['role']}+{role}"
            continue
        used[code] = {
            "role": role,
            "wtw": None if factor.wtw is None else str(factor.wtw),
            "unit": factor.unit,
            "source_year": years.get(code),
        }
        values = {
            name: str(table[code].wtw) for name, table in (indicators or {}).items() if code in table
        }  # fmt: skip
        if values:
            used[code]["indicators"] = values
    return used


def compute_effects(
    commitments: Iterable[Sequence[Any]],
    realised: Mapping[int, Realised],
    factor_sets: Mapping[int, Mapping[str, calc.Factor]],
    set_labels: Mapping[int, str],
    public_sets: Sequence[tuple[int, int]],
    social_return: Mapping[int, SocialReturnRead],
    as_of: date,
    factor_years: FactorYears | None = None,
    not_applicable: Mapping[int, calc.Problem] | None = None,
    reference_options: OptionChooser | None = None,
    indicator_factors: IndicatorFactors | None = None,
    indicator_jobs: list[IndicatorJob] | None = None,
) -> list[EffectRow]:
    """Run the calculators over plain rows (no queries): one row of ROW_COLUMNS per commitment, with the factor values
    it used and the digest of its values.

    `commitments` are rows of COMMITMENT_FIELDS with Python values (Decimal, date). CO2 goes through
    `calc.co2_figures` (the one CO2 calculator, factor look-ups memoised per set), sanctions through
    `calc.sanction`; every figure stays a `Decimal`, exactly as the calculators compute it. Social return takes its
    delivered value, FTE-years and note from `social_return` (the placements counted per candidate over all verified
    reports); a commitment in `not_applicable` (its policy's conditions are not met) gets no social-return figures and
    no sanction, and is calculable: not applicable is neither unknown nor 0. A CO2 commitment that
    names no reference factor takes the one of the national reference option valid at its period start
    (`reference_options`); the row names that option and whether (and why) the commitment deviates from it.
    The indicators beyond CO2 go through the same calculator with the set's values per unit of each indicator
    (`indicator_factors`: set -> indicator -> item code -> value as a `calc.Factor`), for each indicator the set holds
    a value of the promised or the reference item for; what their rows (INDICATOR_COLUMNS) are computed from is
    appended to `indicator_jobs` (`indicator_figures` turns them into rows), and takes part in the digest of the
    commitment's row.
    """
    out: list[EffectRow] = []
    append = out.append
    default_by_year: dict[int, int | None] = {}
    lookups: dict[int | None, calc.FactorLookup] = {}
    pairs_by_key: dict[tuple[int, str, str, str, str], list[IndicatorPair]] = {}
    all_indicators = indicator_factors or {}
    used_memo: dict[tuple[int | None, str, str], dict[str, dict[str, Any]]] = {}
    used_texts: dict[tuple[int | None, str, str], str] = {}
    years = factor_years or {}
    method = calc.METHOD_VERSION
    co2_kinds = frozenset(str(kind) for kind in CO2_KINDS)
    sr_kind = str(CommitmentKind.SOCIAL_RETURN)
    unmet_share = calc.UNMET_SHARE
    no_realisation: Realised = (None, None, 0, "")
    not_applicable = not_applicable or {}
    zero = Decimal(0)
    for (
        pk, kind, unit, quantity, factor_code, reference_quantity, reference_unit, reference_factor_code, set_id,
        period_start, period_end, award_advantage, own_multiple, organisation_id, rule_multiple, not_additional,
        own_basis, own_percentage, rule_basis, rule_percentage, group_code, deviation_reason,
    ) in commitments:  # fmt: skip
        verified, submitted, outside, own_period = realised.get(pk, no_realisation)
        job: IndicatorJob | None = None
        option_id: int | None = None
        option_label = ""
        deviates = False
        reason = ""
        ex_ante = ex_post = reference_kg = sr_obligation = sr_value = sr_fte_years = None
        fte_by_year: dict[str, str] = {}
        note: calc.Problem | None = None
        applies = True
        calculable = True
        problem: calc.Problem | None = None
        label = ""
        used: dict[str, dict[str, Any]] = {}
        used_text = "{}"
        is_co2 = kind in co2_kinds
        if is_co2:
            option = reference_options.option(kind, group_code or "", period_start) if reference_options else None
            if option is not None:
                option_id, option_label = option.id, option.label
                if not reference_factor_code:
                    reference_factor_code = option.factor_code
                elif reference_factor_code != option.factor_code:
                    deviates, reason = True, deviation_reason or ""
            if set_id is None:
                year = period_start.year
                if year not in default_by_year:
                    default_by_year[year] = default_factor_set(public_sets, year)
                set_id = default_by_year[year]
            lookup = lookups.get(set_id)
            if lookup is None:
                lookup = lookups[set_id] = calc.FactorLookup(factor_sets.get(set_id, {}) if set_id is not None else {})
            label = set_labels.get(set_id, "") if set_id is not None else ""
            by_indicator = all_indicators.get(set_id) if set_id is not None else None
            used_key = (set_id, factor_code, reference_factor_code)
            memo = used_memo.get(used_key)
            if memo is None:
                memo = used_memo[used_key] = _factors_used(
                    factor_sets.get(set_id, {}) if set_id is not None else {},
                    years.get(set_id, {}) if set_id is not None else {},
                    (("promised", factor_code), ("reference", reference_factor_code)),
                    by_indicator,
                )
            used = memo
            used_text = used_texts.get(used_key) or used_texts.setdefault(used_key, repr(memo))
            figures = calc.co2_without_additionality(verified) if not_additional else None
            ex_ante, ex_post, reference_kg, calculable, problem = figures or calc.co2_figures(
                quantity,
                unit,
                factor_code,
                reference_quantity if reference_quantity is not None else quantity,
                reference_unit or unit,
                reference_factor_code,
                verified,
                lookup,
            )
            if by_indicator:
                assert set_id is not None  # noqa: S101 - values per indicator are only found for a set
                pair_key = (set_id, factor_code, unit, reference_factor_code, reference_unit or unit)
                pairs = pairs_by_key.get(pair_key)
                if pairs is None:
                    pairs = pairs_by_key[pair_key] = indicator_pairs(by_indicator, pair_key)
                if pairs:
                    job = (
                        pairs, pk, organisation_id, quantity, unit, factor_code, reference_quantity, reference_unit,
                        reference_factor_code, verified, figures, outside,
                    )  # fmt: skip
        else:
            set_id = None
            if kind == sr_kind:
                counted = social_return.get(pk)
                if verified is not None and counted is not None:
                    # the placements counted per candidate over all reports, not the sum of the reports' own figures
                    verified = None if counted.value is None else counted.value.quantize(THOUSANDTH)
                    if counted.value is None:
                        calculable, problem = False, counted.problem
                    else:
                        note = counted.problem
                    fte_by_year = counted.fte_by_year
                sr_obligation = quantity
                sr_value = verified
                if verified is not None:
                    sr_fte_years = counted.fte_years if counted is not None else zero
                applies = pk not in not_applicable
        if outside and problem is None:
            # verified deliveries outside the commitment period were left out: the delivered figure cannot be stated
            # (never 0) until they are corrected
            ex_post = sr_value = sr_fte_years = None
            fte_by_year = {}
            problem = calc.Problem(calc.OUTSIDE_PERIOD, {"count": str(outside), "period": own_period})
        if not applies:
            # the policy does not apply to this contract: no obligation, value or sanction; calculable, not 0
            sr_obligation = sr_value = sr_fte_years = None
            fte_by_year = {}
            calculable, problem = True, not_applicable[pk]
        elif problem is None:
            problem = note
        multiple = own_multiple if own_multiple is not None else rule_multiple
        basis = (
            own_basis
            or rule_basis
            or (unmet_share if own_percentage is not None and own_multiple is None else calc.ADVANTAGE_MULTIPLE)
        )
        percentage = own_percentage if own_percentage is not None else rule_percentage
        sanction_status = ""
        sanction_amount = None
        # a fine on the unmet share is for social return only (refused at entry for other kinds: not euros)
        wanted = (
            award_advantage is not None or multiple is not None or (basis == unmet_share and percentage is not None)
        )
        if applies and wanted and (basis != unmet_share or kind == sr_kind):
            outcome = calc.sanction(
                promised=quantity,
                delivered=verified,
                period_end=period_end,
                as_of=as_of,
                award_advantage=award_advantage,
                multiple=multiple,
                basis=basis,
                percentage=percentage,
            )
            sanction_status, sanction_amount = outcome.status, outcome.amount
        row = (
            pk, organisation_id, kind, unit, quantity, verified, submitted, is_co2, ex_ante, ex_post,
            reference_kg, sr_obligation, sr_value, sr_fte_years, fte_by_year, calculable,
            problem.code if problem is not None else "", dict(problem.details) if problem is not None else {},
            sanction_status, sanction_amount, set_id, label, used, option_id, option_label, deviates, reason,
            method, "",
        )  # fmt: skip
        inputs = (factor_code, reference_quantity, reference_unit, reference_factor_code, outside) if job else ()
        append((*row[:-1], fingerprint(row, inputs, used_text)))
        if job is not None and indicator_jobs is not None:
            indicator_jobs.append(job)
    return out


def _current_rows(organisation_ids: Sequence[int] | None, commitments: Any) -> dict[int, tuple[int, str]]:
    """commitment id -> (id, digest) of the current rows the recalculation may replace: all of them, or those of the
    organisations recalculated and of the commitments recalculated (one that moved organisation included)."""
    from django.db.models import Q

    current = EffectCalculation.objects.current()
    if organisation_ids is not None:
        current = current.filter(Q(organisation_id__in=organisation_ids) | Q(commitment__in=commitments.values("pk")))
    query = current.order_by().values_list("commitment_id", "pk", "fingerprint")
    return {commitment_id: (pk, digest) for commitment_id, pk, digest in raw_rows(query)}


def _supersede(ids: Sequence[int], now: Any) -> None:
    """Keep these rows as history: no longer current (before the new current rows are written, which the unique
    index of current rows per commitment requires)."""
    bulk.update_ids(EffectCalculation, ids, {"is_current": False, "superseded_at": now})


def _insert_effects(effects: Sequence[EffectRow], now: Any, *, returning: bool = False) -> list[Any]:
    """Write the rows by each database's bulk path (`mvimonitor.bulk`), all current, with the same computation time.

    Values are passed as the calculators computed them (Decimal, bool, str); the backend's own adapters prepare them
    as a model save would."""
    return bulk.insert_rows(
        EffectCalculation, EFFECT_COLUMNS, ((*stored(effect), now, True) for effect in effects), returning=returning
    )


def _mark_sets_used(effects: Sequence[EffectRow], now: Any) -> None:
    """Every factor set a stored effect used is frozen from then on (ADR 0025)."""
    at = ROW_COLUMNS.index("factor_set_id")
    used = {effect[at] for effect in effects} - {None}
    if used:
        EmissionFactorSet.objects.filter(pk__in=used, first_used_at__isnull=True).update(first_used_at=now)


def effects_on_record_change(change: RecordChange) -> None:
    """The effects app's refresher for `record_changed` (registered in `EffectsConfig.ready`)."""
    if change.everything:
        _recalculate(None, timezone.localdate())
    elif change.contract_organisation_ids:
        _recalculate(sorted(change.contract_organisation_ids), timezone.localdate())


def effects_recalculate(
    *, organisation_ids: Sequence[int] | None = None, as_of: date | None = None
) -> RecalculationResult:
    """Recompute the stored effect of every commitment (of the given organisations): read everything in a few
    queries, compute with the pure calculators, replace the stored rows; all in one transaction (docs/effects.md)."""
    with transaction.atomic():
        return _recalculate(organisation_ids, as_of or timezone.localdate())


def _recalculate(organisation_ids: Sequence[int] | None, as_of: date) -> RecalculationResult:
    with collector_paused():  # millions of objects, no cycles (mvimonitor.collection)
        return _recalculate_all(organisation_ids, as_of)


def _recalculate_all(organisation_ids: Sequence[int] | None, as_of: date) -> RecalculationResult:
    import time

    started = time.perf_counter()
    commitments = Commitment.objects.all()
    if organisation_ids is not None:
        commitments = commitments.filter(contract__lot__tender__organisation_id__in=organisation_ids)
    rows = list(_commitment_values(raw_rows(_commitment_query(commitments))))
    realisation_rows = Realisation.objects.all()
    placement_rows = Placement.objects.filter(realisation__status=RealisationStatus.VERIFIED)
    if organisation_ids is not None:  # a subquery only when recomputing part; all rows otherwise
        realisation_rows = realisation_rows.filter(commitment__in=commitments)
        placement_rows = placement_rows.filter(realisation__commitment__in=commitments)
    realised = _read_realised(realisation_rows)
    social_return = read_social_return(placement_rows)
    not_applicable = read_not_applicable(commitments)
    factors, labels, years = load_factor_sets()
    # the default set: the public ones, less those a correction has replaced
    public = list(EmissionFactorSet.objects.public().not_superseded().values_list("pk", "publication_year"))
    read = time.perf_counter()
    options = OptionChooser(load_options())
    indicator_factors = load_indicator_factors()
    indicator_jobs: list[IndicatorJob] = []
    effects = compute_effects(
        rows, realised, factors, labels, public, social_return, as_of, years, not_applicable, options,
        indicator_factors, indicator_jobs,
    )  # fmt: skip
    computed = time.perf_counter()
    current = _current_rows(organisation_ids, commitments)
    changed: list[EffectRow] = []
    superseded: list[int] = []
    digest_at = ROW_COLUMNS.index("fingerprint")
    for effect in effects:
        kept = current.pop(effect[0], None)
        if kept is not None:
            if kept[1] == effect[digest_at]:
                continue  # the same result: the current row stays
            superseded.append(kept[0])
        changed.append(effect)
    superseded.extend(pk for pk, _digest in current.values())  # commitments no longer there (or moved away)
    now = timezone.now()
    _supersede(superseded, now)
    changed_ids = {effect[0] for effect in changed}
    children = indicator_figures(indicator_jobs, changed_ids)
    ids = _insert_effects(changed, now, returning=bool(children))
    if children:
        calculation = {effect[0]: pk for effect, pk in zip(changed, ids, strict=True)}
        bulk.insert_rows(
            IndicatorFigure,
            ("calculation_id", *INDICATOR_COLUMNS),
            ((calculation[figure[0]], *stored_indicator(figure)) for figure in children),
        )
    _mark_sets_used(effects, now)
    written = time.perf_counter()
    calculable_at = ROW_COLUMNS.index("calculable")
    calculable = sum(1 for e in effects if e[calculable_at])
    return RecalculationResult(
        commitments=len(effects),
        calculable=calculable,
        not_calculable=len(effects) - calculable,
        written=len(changed),
        superseded=len(superseded),
        seconds_read=read - started,
        seconds_compute=computed - read,
        seconds_write=written - computed,
    )
