"""Statistical disclosure control: the ONE place that decides whether a national figure may be shown.

Every figure that sums over more than one organisation (national, per kind of organisation, per province) goes
through `protect()` before it reaches a page, an export or the API. No other module may decide this.

Stable API (also used by the effects module)
--------------------------------------------
- ``Cell(key, contributions)``: one figure. ``key`` is any hashable coordinate; ``contributions`` maps organisation
  id -> that organisation's non-negative part of the figure (a number of tenders, euros, tonnes CO2, ...). The
  figure is the sum of the contributions.
- ``Relation(total, parts)``: an additivity rule that a reader can use: ``value(total) == sum(value(parts))``.
  Give one for every total or margin that is published.
- ``Equation(terms)``: any other identity ``sum(coefficient * value) == 0`` between published cells (the per-theme
  counts add up to sum k x tenders-with-k-themes). ``Inequality(terms)``: a bound ``sum(...) <= 0`` a reader knows
  from the definitions (a subset is never larger than its set, a value class has limits).
- ``protect(cells, relations=(), *, equations=(), inequalities=(), fixed=None, thresholds=None) -> Protected``:
  decides every cell. ``fixed`` maps keys whose status was decided elsewhere to ``True`` (shown) or ``False``.
  Give every figure derived from the same records in ONE call, with all identities between them: a cell then has
  one state everywhere, and no combination of published figures reveals a suppressed one.
- ``protect_breakdown(parts, *, total_key="total", thresholds=None)``: a breakdown plus its total.
- ``Protected.value(key)`` gives the figure or ``None`` when suppressed; ``Protected.decision(key)`` says why.
- ``difference(protected_a, key_a, protected_b, key_b)``: a change between two cells, ``None`` unless both shown.
- ``audit.exact_intervals(...)``: what a reader can deduce about each suppressed cell, for tests and benchmarks.

Cells whose value is known to everybody (zero by definition, like the euros of tenders without a value, or a
group without members) are not cells: leave them out of the problem (they are constants, and a known zero must
never serve as cover).

The rules
---------
1. Primary. A cell is shown only if at least k distinct organisations contribute to it (a non-zero contribution;
   ``MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS``, default 5) and no single organisation contributes more than p percent
   of its value (``MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT``, default 50). A cell with fewer than k contributors is
   suppressed even when it is zero: "nobody in this group did X" is also a statement about each member. Cells that
   fail this rule are *sensitive*.
2. Secondary, line by line. For each relation whose total is shown, the suppressed parts together are known to a
   reader; their combined contributions must pass rule 1, so more parts are suppressed (smallest first) until they
   do. A suppressed total whose parts are all shown is derivable, so one part is suppressed too.
3. Exact derivation. The published cells and all equations form a linear system; no suppressed cell may be
   determined by it (exact elimination, `audit.derivable`). Where one is, one more cell of an equation that
   contains it is suppressed, and rules 2-3 repeat.
4. Intervals. With every cell >= 0 and the inequalities, a reader can still bound a suppressed cell. For each
   sensitive cell the bounds a reader can reach (linear programming, `audit.too_narrow`) must lie at least q percent
   of its value below and above it (``MVIMONITOR_DISCLOSURE_PROTECTION_PERCENT``, default 10). A zero cell keeps no
   interval (rule 3 keeps it from being derived). Where a bound is not reached, a neighbouring cell is suppressed
   and rules 2-4 repeat.

It does not add noise. Output never contains an organisation id or name: `Protected` exposes values and decisions
only. See docs/adr/0012-disclosure-control.md and docs/adr/0026-one-protection-problem-per-year.md.
"""

from . import audit
from .cells import (
    Amounts,
    Cell,
    Decision,
    Equation,
    Inequality,
    Key,
    Number,
    Protected,
    Reason,
    Relation,
    Thresholds,
    primary_reason,
    scaled,
)
from .decide import difference, protect, protect_breakdown

__all__ = [
    "Amounts",
    "Cell",
    "Decision",
    "Equation",
    "Inequality",
    "Key",
    "Number",
    "Protected",
    "Reason",
    "Relation",
    "Thresholds",
    "audit",
    "difference",
    "primary_reason",
    "protect",
    "protect_breakdown",
    "scaled",
]
