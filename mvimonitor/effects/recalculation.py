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

from . import calculations as calc
from .factor_sets import Unit
from .models import (
    CO2_KINDS,
    Commitment,
    CommitmentKind,
    EffectCalculation,
    EmissionFactor,
    EmissionFactorSet,
    Placement,
    Realisation,
    RealisationStatus,
)
from .reads import THOUSANDTH, SocialReturnRead, read_not_applicable, read_social_return
from .reads import decimal_value as _decimal_value
from .reads import raw_rows as _raw_rows


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
    "method_version",
    "fingerprint",
    "computed_at",
    "is_current",
)
ROW_COLUMNS = EFFECT_COLUMNS[:-2]
EffectRow = tuple[Any, ...]  # the values of ROW_COLUMNS; problem_details and factors_used are dicts
# per commitment: verified sum (None: nothing verified), submitted sum, verified realisations outside the commitment
# period and that period as text (see _read_realised)
Realised = tuple[Decimal | None, Decimal | None, int, str]
# per factor set: code -> source year of the item (for `factors_used`)
FactorYears = Mapping[int, Mapping[str, int | None]]


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


def fingerprint(row: Sequence[Any]) -> str:
    """A digest of the stored values of a row (its commitment id and the digest itself left out)."""
    values = list(stored(row)[1 : len(ROW_COLUMNS) - 1])
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
    factors: Mapping[str, calc.Factor], years: Mapping[str, int | None], codes: Sequence[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """code -> role, WTW, unit and source year of the items a CO2 figure used (those found in the set)."""
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
    return used


# What the recalculation reads of a commitment, in this order (organisation and rule multiple come from joins).
COMMITMENT_FIELDS = (
    "id",
    "kind",
    "unit",
    "quantity",
    "factor_code",
    "reference_quantity",
    "reference_unit",
    "reference_factor_code",
    "factor_set_id",
    "period_start",
    "period_end",
    "award_advantage",
    "sanction_multiple",
    "organisation_id",
    "rule_multiple",
    "no_additionality",
    "sanction_basis",
    "sanction_percentage",
    "rule_basis",
    "rule_percentage",
)


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
) -> list[EffectRow]:
    """Run the calculators over plain rows (no queries): one row of ROW_COLUMNS per commitment, with the factor values
    it used and the digest of its values.

    `commitments` are rows of COMMITMENT_FIELDS with Python values (Decimal, date). CO2 goes through
    `calc.co2_figures` (the one CO2 calculator, factor look-ups memoised per set), sanctions through
    `calc.sanction`; every figure stays a `Decimal`, exactly as the calculators compute it. Social return takes its
    delivered value, FTE-years and note from `social_return` (the placements counted per candidate over all verified
    reports); a commitment in `not_applicable` (its policy's conditions are not met) gets no social-return figures and
    no sanction, and is calculable: not applicable is neither unknown nor 0.
    """
    out: list[EffectRow] = []
    append = out.append
    default_by_year: dict[int, int | None] = {}
    lookups: dict[int | None, calc.FactorLookup] = {}
    used_memo: dict[tuple[int | None, str, str], dict[str, dict[str, Any]]] = {}
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
        own_basis, own_percentage, rule_basis, rule_percentage,
    ) in commitments:  # fmt: skip
        verified, submitted, outside, own_period = realised.get(pk, no_realisation)
        ex_ante = ex_post = reference_kg = sr_obligation = sr_value = sr_fte_years = None
        fte_by_year: dict[str, str] = {}
        note: calc.Problem | None = None
        applies = True
        calculable = True
        problem: calc.Problem | None = None
        label = ""
        used: dict[str, dict[str, Any]] = {}
        is_co2 = kind in co2_kinds
        if is_co2:
            if set_id is None:
                year = period_start.year
                if year not in default_by_year:
                    default_by_year[year] = default_factor_set(public_sets, year)
                set_id = default_by_year[year]
            lookup = lookups.get(set_id)
            if lookup is None:
                lookup = lookups[set_id] = calc.FactorLookup(factor_sets.get(set_id, {}) if set_id is not None else {})
            label = set_labels.get(set_id, "") if set_id is not None else ""
            used_key = (set_id, factor_code, reference_factor_code)
            memo = used_memo.get(used_key)
            if memo is None:
                memo = used_memo[used_key] = _factors_used(
                    factor_sets.get(set_id, {}) if set_id is not None else {},
                    years.get(set_id, {}) if set_id is not None else {},
                    (("promised", factor_code), ("reference", reference_factor_code)),
                )
            used = memo
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
            sanction_status, sanction_amount, set_id, label, used, method, "",
        )  # fmt: skip
        append((*row[:-1], fingerprint(row)))
    return out


def _current_rows(organisation_ids: Sequence[int] | None, commitments: Any) -> dict[int, tuple[int, str]]:
    """commitment id -> (id, digest) of the current rows the recalculation may replace: all of them, or those of the
    organisations recalculated and of the commitments recalculated (one that moved organisation included)."""
    from django.db.models import Q

    current = EffectCalculation.objects.current()
    if organisation_ids is not None:
        current = current.filter(Q(organisation_id__in=organisation_ids) | Q(commitment__in=commitments.values("pk")))
    query = current.order_by().values_list("commitment_id", "pk", "fingerprint")
    return {commitment_id: (pk, digest) for commitment_id, pk, digest in _raw_rows(query)}


def _supersede(ids: Sequence[int], now: Any) -> None:
    """Keep these rows as history: no longer current (before the new current rows are written, which the unique
    index of current rows per commitment requires)."""
    bulk.update_ids(EffectCalculation, ids, {"is_current": False, "superseded_at": now})


def _insert_effects(effects: Sequence[EffectRow], now: Any) -> None:
    """Write the rows by each database's bulk path (`mvimonitor.bulk`), all current, with the same computation time.

    Values are passed as the calculators computed them (Decimal, bool, str); the backend's own adapters prepare them
    as a model save would."""
    bulk.insert_rows(EffectCalculation, EFFECT_COLUMNS, ((*stored(effect), now, True) for effect in effects))


def _mark_sets_used(effects: Sequence[EffectRow], now: Any) -> None:
    """Every factor set a stored effect used is frozen from then on (ADR 0025)."""
    at = ROW_COLUMNS.index("factor_set_id")
    used = {effect[at] for effect in effects} - {None}
    if used:
        EmissionFactorSet.objects.filter(pk__in=used, first_used_at__isnull=True).update(first_used_at=now)


def load_factor_sets(
    set_ids: Iterable[int] | None = None,
) -> tuple[dict[int, dict[str, calc.Factor]], dict[int, str], dict[int, dict[str, int | None]]]:
    """Per set: its items as the calculators take them, its label, and the items' source years."""
    factors: dict[int, dict[str, calc.Factor]] = {}
    labels: dict[int, str] = {}
    years: dict[int, dict[str, int | None]] = {}
    sets = EmissionFactorSet.objects.all()
    if set_ids is not None:
        sets = sets.filter(pk__in=list(set_ids))
    for factor_set in sets:
        labels[factor_set.pk] = factor_set.label
        factors[factor_set.pk] = {}
        years[factor_set.pk] = {}
    rows = EmissionFactor.objects.filter(factor_set_id__in=list(labels)).values_list(
        "factor_set_id", "code", "unit", "wtw", "ttw", "wtt", "source_year"
    )
    for set_id, code, unit, wtw, ttw, wtt, source_year in rows:
        factors[set_id][code] = calc.Factor(code, unit, wtw, ttw, wtt)
        years[set_id][code] = source_year
    return factors, labels, years


def _commitment_values(rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    """Decimal and date values of raw COMMITMENT_FIELDS rows. PostgreSQL's driver gives them already; SQLite gives
    numbers (a DecimalField column holds at most 15 significant digits there, so repr() of the float is its value)
    and, from the query of `_commitment_query`, the dates as ISO text."""
    from django.db import connection

    if connection.vendor == "postgresql":
        yield from rows
        return
    dec = _decimal_value
    day = date.fromisoformat
    for (
        pk, kind, unit, quantity, factor_code, reference_quantity, reference_unit, reference_factor_code, set_id,
        period_start, period_end, award_advantage, own_multiple, organisation_id, rule_multiple, not_additional,
        own_basis, own_percentage, rule_basis, rule_percentage,
    ) in rows:  # fmt: skip
        yield (
            pk, kind, unit, Decimal(repr(quantity)) if quantity.__class__ is float else dec(quantity), factor_code,
            None if reference_quantity is None else dec(reference_quantity), reference_unit, reference_factor_code,
            set_id, day(period_start), day(period_end), None if award_advantage is None else dec(award_advantage),
            None if own_multiple is None else dec(own_multiple), organisation_id,
            None if rule_multiple is None else dec(rule_multiple), bool(not_additional), own_basis,
            None if own_percentage is None else dec(own_percentage), rule_basis,
            None if rule_percentage is None else dec(rule_percentage),
        )  # fmt: skip


def _commitment_query(commitments: Any) -> Any:
    """The values_list query of COMMITMENT_FIELDS. On SQLite the two dates are selected as text: a plain date column
    goes through the driver's date converter (two Python calls per value), `date.fromisoformat` is one C call."""
    from django.db import connection
    from django.db.models import CharField, F
    from django.db.models.functions import Cast

    annotations: dict[str, Any] = {
        "organisation_id": F("contract__lot__tender__organisation_id"),
        "rule_multiple": F("sanction_rule__multiple"),
        "rule_basis": F("sanction_rule__basis"),
        "rule_percentage": F("sanction_rule__percentage"),
    }
    fields = list(COMMITMENT_FIELDS)
    if connection.vendor == "sqlite":
        for name in ("period_start", "period_end"):
            annotations[f"{name}_text"] = Cast(name, CharField())
            fields[fields.index(name)] = f"{name}_text"
    return commitments.annotate(**annotations).order_by().values_list(*fields)


def _sum_value(value: Any) -> Decimal | None:
    """A SUM of quantities with three decimals is exact with three decimals; SQLite sums them as floats, so the
    float is rounded back to its three decimals (its error is far below 0.0005 for any quantity the field holds)."""
    number = _decimal_value(value)
    return None if number is None else number.quantize(THOUSANDTH)


def _read_realised(realisation_rows: Any) -> dict[int, Realised]:
    """Per commitment: (sum of verified quantities or None when nothing is verified — for a level, the lowest verified
    level, since a level is held through the period rather than added up —, sum of submitted ones, number
    of verified realisations outside the commitment's period, that period). Realisations outside the commitment's
    period or the contract's (possible only through paths that skip the checks, or recorded before the commitment
    period was enforced) are left out of both sums."""
    from django.db.models import Case, Count, F, Min, Q, Sum, When

    inside = (
        Q(period_start__gte=F("commitment__period_start"))
        & Q(period_end__lte=F("commitment__period_end"))
        & (
            Q(commitment__contract__start_date__isnull=True)
            | Q(period_start__gte=F("commitment__contract__start_date"))
        )
        & (Q(commitment__contract__end_date__isnull=True) | Q(period_end__lte=F("commitment__contract__end_date")))
    )
    verified = Q(status=RealisationStatus.VERIFIED)
    realisations = (
        realisation_rows.values("commitment_id", "commitment__unit")
        .annotate(
            verified=Sum(Case(When(verified & inside, then="quantity"))),
            lowest=Min(Case(When(verified & inside, then="quantity"))),
            submitted=Sum(Case(When(Q(status=RealisationStatus.SUBMITTED) & inside, then="quantity"))),
            n_verified=Count("pk", filter=verified & inside),
            n_outside=Count("pk", filter=verified & ~inside),
        )
        .order_by()
        .values_list("commitment_id", "commitment__unit", "verified", "lowest", "submitted", "n_verified", "n_outside")
    )
    realised: dict[int, Realised] = {}
    outside: list[int] = []
    for pk, unit, verified_sum, lowest, submitted_sum, n_verified, n_outside in _raw_rows(realisations):
        delivered = lowest if unit == Unit.LEVEL else verified_sum  # a level is held, not added up
        realised[pk] = (
            _sum_value(delivered) if n_verified else None,
            _sum_value(submitted_sum) if submitted_sum is not None else None,
            n_outside,
            "",
        )
        if n_outside:
            outside.append(pk)
    if outside:  # rare: name the period the realisations must lie in (the commitment's, within the contract's)
        periods = Commitment.objects.filter(pk__in=outside).values_list(
            "pk", "period_start", "period_end", "contract__start_date", "contract__end_date"
        )
        for pk, start, end, contract_start, contract_end in periods:
            start = max(start, contract_start) if contract_start else start
            end = min(end, contract_end) if contract_end else end
            realised[pk] = (*realised[pk][:3], f"{start}–{end}")
    return realised


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
    import time

    started = time.perf_counter()
    commitments = Commitment.objects.all()
    if organisation_ids is not None:
        commitments = commitments.filter(contract__lot__tender__organisation_id__in=organisation_ids)
    rows = list(_commitment_values(_raw_rows(_commitment_query(commitments))))
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
    effects = compute_effects(rows, realised, factors, labels, public, social_return, as_of, years, not_applicable)
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
    _insert_effects(changed, now)
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
