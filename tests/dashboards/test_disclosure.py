"""The disclosure-control module: primary rules, secondary suppression, and attacks that try to undo it."""

import itertools
import random
from collections.abc import Hashable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from mvimonitor.disclosure import (
    Amounts,
    Cell,
    Equation,
    Protected,
    Reason,
    Relation,
    Thresholds,
    difference,
    primary_reason,
    protect,
    protect_breakdown,
)
from mvimonitor.disclosure.audit import derivable, exact_intervals

RULES = Thresholds(min_organisations=5, dominance_percent=50)


def orgs(*amounts: int, start: int = 1) -> dict[int, int]:
    """Contributions of organisations start, start+1, ... with the given amounts."""
    return {start + index: amount for index, amount in enumerate(amounts)}


# --- primary rules ----------------------------------------------------------------------------------------------


def test_a_cell_with_fewer_than_k_organisations_is_suppressed() -> None:
    assert primary_reason(orgs(3, 3, 3, 3), RULES) is Reason.TOO_FEW_ORGANISATIONS


def test_a_cell_with_k_organisations_and_no_dominance_is_shown() -> None:
    assert primary_reason(orgs(3, 3, 3, 3, 3), RULES) is None


def test_zero_contributions_do_not_count_as_contributing_organisations() -> None:
    assert primary_reason(orgs(3, 3, 3, 3, 0, 0), RULES) is Reason.TOO_FEW_ORGANISATIONS


def test_a_cell_where_one_organisation_has_more_than_p_percent_is_suppressed() -> None:
    assert primary_reason(orgs(51, 10, 10, 10, 10, 9), RULES) is Reason.DOMINANCE


def test_exactly_p_percent_is_allowed() -> None:
    assert primary_reason(orgs(50, 10, 10, 10, 10, 10), RULES) is None


def test_dominance_works_on_money() -> None:
    money = {1: Decimal("1000000.00"), 2: Decimal("10.00"), 3: Decimal("10"), 4: Decimal(10), 5: Decimal(10)}

    assert primary_reason(money, RULES) is Reason.DOMINANCE


def test_thresholds_come_from_the_settings(settings: pytest.FixtureRequest) -> None:
    settings.MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS = 3  # type: ignore[attr-defined]
    settings.MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT = 90  # type: ignore[attr-defined]

    result = protect([Cell("a", orgs(80, 10, 10))])

    assert result.value("a") == 100


def test_negative_contributions_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Cell("a", {1: -1})


# --- secondary suppression and attacks --------------------------------------------------------------------------


def attack(protected: Protected, relations: list[Relation]) -> dict[Hashable, object]:
    """What a reader can recover: repeat 'a relation with one unknown gives that unknown' and the same on every
    difference of two relations (row total minus column total, national minus the shown parts), until nothing new."""
    known: dict[Hashable, object] = {
        key: protected.value(key) for key in list(protected.keys()) if protected.shown(key)
    }
    equations: list[dict[Hashable, int]] = []
    for relation in relations:
        equation: dict[Hashable, int] = {relation.total: 1}
        for part in relation.parts:
            equation[part] = equation.get(part, 0) - 1
        equations.append(equation)
    for first, second in itertools.combinations(list(equations), 2):
        for sign in (1, -1):
            combined = dict(first)
            for key, coefficient in second.items():
                combined[key] = combined.get(key, 0) + sign * coefficient
            equations.append({key: c for key, c in combined.items() if c})
    recovered: dict[Hashable, object] = {}
    progress = True
    while progress:
        progress = False
        for equation in equations:
            unknown = [key for key in equation if key not in known]
            if len(unknown) == 1:
                (target,) = unknown
                rest = sum(coefficient * known[key] for key, coefficient in equation.items() if key != target)  # type: ignore[operator]
                known[target] = -rest / equation[target]  # type: ignore[operator]
                recovered[target] = known[target]
                progress = True
    return recovered


def test_one_small_part_of_a_breakdown_takes_a_second_part_with_it() -> None:
    parts = {
        "works": orgs(10, 10, 10, 10, 10, 10),
        "supplies": orgs(5, 5, 5, 5, 5, 5, 5, start=20),
        "services": orgs(7, 7, start=40),  # two organisations only
    }

    result = protect_breakdown(parts, thresholds=RULES)

    assert result.decision("services").reason is Reason.TOO_FEW_ORGANISATIONS
    assert result.decision("supplies").reason is Reason.SECONDARY  # the smaller of the two others
    assert result.value("works") == 60
    assert result.value("total") == 60 + 35 + 14
    assert attack(result, [Relation("total", ("works", "supplies", "services"))]) == {}


def test_national_total_minus_shown_cells_does_not_reveal_a_suppressed_cell() -> None:
    relation = Relation("nl", ("a", "b", "c", "d"))
    cells = [
        Cell("a", orgs(4, 4, 4, 4, 4)),
        Cell("b", orgs(4, 4, 4, 4, 4, start=10)),
        Cell("c", orgs(30, start=20)),
        Cell("d", orgs(3, 3, 3, 3, 3, 3, start=30)),
        Cell(
            "nl", {**orgs(4, 4, 4, 4, 4), **orgs(4, 4, 4, 4, 4, start=10), 20: 30, **orgs(3, 3, 3, 3, 3, 3, start=30)}
        ),
    ]

    result = protect(cells, [relation], thresholds=RULES)

    assert result.value("c") is None
    assert result.value("nl") == 88
    assert len(result.suppressed_keys()) == 3  # c + d is still dominated by c's organisation, so a third goes too
    assert attack(result, [relation]) == {}


def test_two_suppressed_cells_whose_sum_is_still_one_organisation_take_a_third() -> None:
    # c and d are each one organisation; together only two: their sum (total minus shown) must not be published.
    cells = {
        "a": orgs(4, 4, 4, 4, 4),
        "b": orgs(9, 9, 9, 9, 9, start=10),
        "c": {20: 50},
        "d": {21: 60},
    }

    result = protect_breakdown(cells, thresholds=RULES)

    hidden = result.suppressed_keys()
    assert {"c", "d", "a"} <= hidden
    assert result.value("total") is not None


def two_way_table(values: Mapping[tuple[str, str], dict[int, int]]) -> tuple[list[Cell], list[Relation]]:
    """A rows x columns table with row totals, column totals and a grand total."""
    rows = sorted({r for r, _ in values})
    columns = sorted({c for _, c in values})
    cells = [Cell((r, c), contributions) for (r, c), contributions in values.items()]
    relations: list[Relation] = []

    def total_of(keys: list[tuple[str, str]]) -> dict[int, int]:
        out: dict[int, int] = {}
        for key in keys:
            for organisation, amount in values[key].items():
                out[organisation] = out.get(organisation, 0) + amount
        return out

    for r in rows:
        cells.append(Cell((r, "*"), total_of([(r, c) for c in columns])))
        relations.append(Relation((r, "*"), tuple((r, c) for c in columns)))
    for c in columns:
        cells.append(Cell(("*", c), total_of([(r, c) for r in rows])))
        relations.append(Relation(("*", c), tuple((r, c) for r in rows)))
    cells.append(Cell(("*", "*"), total_of(list(values))))
    relations.append(Relation(("*", "*"), tuple((r, "*") for r in rows)))
    relations.append(Relation(("*", "*"), tuple(("*", c) for c in columns)))
    return cells, relations


def big(start: int) -> dict[int, int]:
    return orgs(5, 5, 5, 5, 5, 5, start=start)


def test_row_and_column_totals_do_not_reveal_a_suppressed_cell() -> None:
    # Kinds of organisation x nature; one sparse cell. Row totals, column totals and the grand total are published.
    values = {
        ("gemeente", "works"): big(100),
        ("gemeente", "supplies"): big(110),
        ("gemeente", "services"): big(120),
        ("provincie", "works"): big(200),
        ("provincie", "supplies"): {300: 7},  # one province
        ("provincie", "services"): big(210),
        ("waterschap", "works"): big(400),
        ("waterschap", "supplies"): big(410),
        ("waterschap", "services"): big(420),
    }
    cells, relations = two_way_table(values)

    result = protect(cells, relations, thresholds=RULES)

    assert result.value(("provincie", "supplies")) is None
    hidden = result.suppressed_keys()
    assert len(hidden) >= 4  # at least a rectangle: one more in its row, its column, and the opposite corner
    assert attack(result, relations) == {}
    assert result.value(("*", "*")) is not None


def test_a_fully_shown_table_is_left_alone() -> None:
    values = {(r, c): big(10 * i) for i, (r, c) in enumerate(itertools.product("ab", "xy"), start=1)}
    cells, relations = two_way_table(values)

    result = protect(cells, relations, thresholds=RULES)

    assert result.suppressed_keys() == set()


def test_a_bridge_between_two_rectangles_is_found_by_the_exact_audit() -> None:
    # The line-by-line rule is satisfied by two separate suppression rectangles plus one cell linking them, but that
    # linking cell could be derived; the exact audit must catch every such pattern on any table it is given.
    values = {(r, c): big(10 * i) for i, (r, c) in enumerate(itertools.product("abcd", "wxyz"), start=1)}
    values[("a", "w")] = {1: 3}
    values[("c", "y")] = {2: 3}
    cells, relations = two_way_table(values)

    result = protect(cells, relations, thresholds=RULES)

    assert attack(result, relations) == {}
    assert result.value(("a", "w")) is None
    assert result.value(("c", "y")) is None


def test_fixed_cells_keep_their_status() -> None:
    # A denominator decided in another table stays shown; the numerator table hides its own cells instead.
    cells = [
        Cell("all", orgs(5, 5, 5, 5, 5, 5)),
        Cell("with", orgs(5, 5, 5, 5, 5, 0)),  # five organisations
        Cell("without", {6: 5}),  # one organisation: the complement reveals it
    ]

    result = protect(cells, [Relation("all", ("with", "without"))], fixed={"all": True}, thresholds=RULES)

    assert result.value("all") == 30
    assert result.value("with") is None  # else all - with would give the one organisation's figure
    assert result.decision("with").reason is Reason.SECONDARY


def test_fixed_shown_cell_that_fails_the_rules_is_refused() -> None:
    with pytest.raises(ValueError, match="fixed as shown"):
        protect([Cell("a", {1: 5})], fixed={"a": True}, thresholds=RULES)


def test_year_over_year_change_is_hidden_when_either_year_is_suppressed() -> None:
    this_year = protect([Cell("x", {1: 5})], thresholds=RULES)
    last_year = protect([Cell("x", orgs(5, 5, 5, 5, 5))], thresholds=RULES)

    assert difference(this_year, "x", last_year, "x") is None
    assert difference(last_year, "x", last_year, "x") == 0


def test_output_carries_no_organisation_ids() -> None:
    result = protect_breakdown({"a": {987654: 5}, "b": orgs(5, 5, 5, 5, 5)}, thresholds=RULES)

    text = repr(result._values) + repr(result._decisions)
    assert "987654" not in text


# --- vector contributions (disclosure.Amounts) -------------------------------------------------------------------


def _as_amounts(contributions: Mapping[int, int | Decimal], ids: "np.ndarray[Any, Any]", scale: int) -> Amounts:
    units = np.zeros(len(ids), dtype=np.int64)
    for organisation, amount in contributions.items():
        units[int(np.searchsorted(ids, organisation))] = int(Decimal(amount) * scale)
    return Amounts(ids, units, scale)


@pytest.mark.parametrize("seed", range(12))
def test_vector_contributions_give_the_same_decisions_as_dicts(seed: int) -> None:
    # Random sparse two-way tables with money amounts; protect() must decide every cell the same whether the
    # contributions are dicts or Amounts vectors (in cents), and the vector result must withstand the attack too.
    rng = random.Random(seed)
    rows, columns = "abcde"[: rng.randint(2, 5)], "vwxyz"[: rng.randint(2, 5)]
    values: dict[tuple[str, str], dict[int, Decimal]] = {}
    for row, column in itertools.product(rows, columns):
        contributors = rng.sample(range(1, 41), rng.choice([1, 2, 3, 6, 9, 14]))
        values[(row, column)] = {org: Decimal(rng.randint(1, 500_000)) / 100 for org in contributors}
    cells, relations = two_way_table(values)
    ids = np.arange(1, 41, dtype=np.int64)
    vector_cells = [Cell(cell.key, _as_amounts(cell.contributions, ids, 100)) for cell in cells]

    expected = protect(cells, relations, thresholds=RULES)
    result = protect(vector_cells, relations, thresholds=RULES)

    keys = expected.keys()
    assert result.keys() == keys
    assert [result.decision(key) for key in keys] == [expected.decision(key) for key in keys]
    assert [result.value(key) for key in keys] == [expected.value(key) for key in keys]
    assert attack(result, relations) == {}


def test_amounts_behave_as_the_mapping_they_stand_for() -> None:
    ids = np.array([3, 7, 9, 12], dtype=np.int64)
    amounts = Amounts(ids, np.array([150, 0, 1, 2500], dtype=np.int64), 100)

    assert dict(amounts) == {3: Decimal("1.50"), 9: Decimal("0.01"), 12: Decimal("25.00")}
    assert len(amounts) == 3
    assert 7 not in amounts
    assert amounts.total() == Decimal("26.51")
    assert primary_reason(amounts, RULES) == primary_reason(dict(amounts), RULES) == Reason.TOO_FEW_ORGANISATIONS
    with pytest.raises(ValueError, match="negative"):
        Cell("x", Amounts(ids, np.array([1, -1, 0, 0], dtype=np.int64)))


# --- identities across tables and intervals (rules 3 and 4) ------------------------------------------------------


def test_the_theme_count_identity_is_part_of_the_problem() -> None:
    """Tenders with 0..3 themes (a partition of all tenders) and the per-theme counts (sum = sum k x count_k).
    "2 themes" (three organisations) and "3 themes" (two) are hidden; together they pass the primary rule, so the
    partition alone needs no further cell. But with "0", "1" and the theme counts shown, they are two unknowns in two
    equations."""
    everyone = range(1, 21)
    five = dict.fromkeys(range(1, 6), 1)
    cells = [
        Cell("all", {org: 9 + (org in five) for org in everyone}),
        Cell(0, dict.fromkeys(everyone, 5)),
        Cell(1, dict.fromkeys(everyone, 4)),
        Cell(2, {1: 1, 2: 1, 3: 1}),
        Cell(3, {4: 1, 5: 1}),
        Cell("theme-a", {org: 2 + (org in five) for org in everyone}),
        Cell("theme-b", {org: 1 + (org in five) for org in everyone}),
        Cell("theme-c", {org: 1 + (org in (4, 5)) for org in everyone}),
    ]
    identity = Equation((("theme-a", 1), ("theme-b", 1), ("theme-c", 1), (1, -1), (2, -2), (3, -3)))
    partition = Relation("all", (0, 1, 2, 3))

    without = protect(cells, [partition], thresholds=RULES)
    linked = protect(cells, [partition], equations=[identity], thresholds=RULES)

    # decided without the identity, the hidden cells can be solved for with it (the attack across tables) ...
    assert derivable([partition.terms, identity.terms], without.suppressed_keys())
    # ... decided with it, they cannot
    hidden = linked.suppressed_keys()
    assert {2, 3} <= hidden
    assert derivable([partition.terms, identity.terms], hidden) == set()


def test_an_interval_pinned_by_non_negativity_is_widened() -> None:
    """A (one organisation, 10) is hidden; its cover B is small (0.5 from six organisations). Total minus C is known,
    so A lies in [0, 10.5]: not derivable, but within 5% of its value. Rule 4 hides C as well."""
    small = {org: Decimal("0.5") / 6 for org in range(2, 8)}
    cells = [
        Cell("A", {1: 10}),
        Cell("B", small),
        Cell("C", orgs(20, 20, 20, 20, 20, start=10)),
        Cell(
            "total", {1: 10, **{org: Decimal("0.5") / 6 for org in range(2, 8)}, **orgs(20, 20, 20, 20, 20, start=10)}
        ),
    ]
    relation = Relation("total", ("A", "B", "C"))
    loose = Thresholds(min_organisations=5, dominance_percent=100, protection_percent=0)
    strict = Thresholds(min_organisations=5, dominance_percent=100, protection_percent=10)

    assert protect(cells, [relation], thresholds=loose).suppressed_keys() == {"A", "B"}  # the old outcome
    protected = protect(cells, [relation], thresholds=strict)

    assert protected.suppressed_keys() == {"A", "B", "C"}
    values = {cell.key: float(cell.value) for cell in cells}
    (interval,) = exact_intervals(values, ["A", "B", "C"], ["A"], [relation.terms], [], 10)
    assert interval.low == pytest.approx(0.0)
    assert interval.high == pytest.approx(110.5)
    assert interval.protected


def test_the_exact_intervals_are_those_of_the_linear_system() -> None:
    values = {"t": 10.0, "a": 4.0, "b": 6.0, "c": 5.0}
    equations = [(("t", 1), ("a", -1), ("b", -1))]
    bounds = [(("a", 1), ("c", -1))]  # a <= c, with c shown

    (a, b) = exact_intervals(values, ["a", "b"], ["a", "b"], equations, bounds, 10)

    assert (a.low, a.high) == (pytest.approx(0.0), pytest.approx(5.0))  # a <= c = 5
    assert (b.low, b.high) == (pytest.approx(5.0), pytest.approx(10.0))  # b = 10 - a
    assert a.protected  # [0, 5] holds 4 -/+ 10%
    assert b.protected
