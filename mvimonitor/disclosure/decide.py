"""`protect`: primary rule, line-by-line secondary suppression, exact derivation and interval protection, repeated
until the published set is safe (see the package docstring)."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import audit
from .cells import (
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
    _combined,
    primary_reason,
)


class _Problem:
    """The state of one protection problem while `protect` decides it."""

    def __init__(
        self,
        cells: Iterable[Cell],
        relations: Iterable[Relation],
        equations: Iterable[Equation],
        inequalities: Iterable[Inequality],
        fixed: Mapping[Key, bool] | None,
        rules: Thresholds,
        priority: Mapping[Any, int] | None = None,
    ) -> None:
        self.rules = rules
        self.priority = priority or {}
        self.by_key: dict[Key, Cell] = {}
        for cell in cells:
            if cell.key in self.by_key:
                raise ValueError(f"Cell {cell.key!r} is given twice.")
            self.by_key[cell.key] = cell
        self.links = list(relations)
        self.equations: list[audit.Terms] = [relation.terms for relation in self.links]
        self.equations += [equation.terms for equation in equations]
        self.inequalities: list[audit.Terms] = [inequality.terms for inequality in inequalities]
        for terms in [*self.equations, *self.inequalities]:
            for key, _coefficient in terms:
                if key not in self.by_key:
                    raise ValueError(f"A relation names the unknown cell {key!r}.")
        self.locked = dict(fixed or {})
        self.values: dict[Key, Number] = {}
        self.status: dict[Key, Reason | None] = {}
        self.sensitive: set[Key] = set()
        for key, cell in self.by_key.items():
            reason = primary_reason(cell.contributions, rules)
            if reason is not None:
                self.sensitive.add(key)
            if key in self.locked:
                if self.locked[key] and reason is not None:
                    raise ValueError(f"Cell {key!r} is fixed as shown but fails the disclosure rules ({reason}).")
                self.status[key] = None if self.locked[key] else (reason or Reason.SECONDARY)
            else:
                self.status[key] = reason
        self.neighbours: dict[Key, list[Key]] = {key: [] for key in self.by_key}
        self.equation_neighbours: dict[Key, list[Key]] = {key: [] for key in self.by_key}
        self.equations_of: dict[Key, list[int]] = {key: [] for key in self.by_key}
        for number, terms in enumerate(self.equations):
            for key, _c in terms:
                self.equations_of[key].append(number)
        for number, terms in enumerate([*self.equations, *self.inequalities]):
            keys = [key for key, _c in terms]
            for key in keys:
                self.neighbours[key] += keys
                if number < len(self.equations):
                    self.equation_neighbours[key] += keys

    def value_of(self, key: Key) -> Number:
        if key not in self.values:
            self.values[key] = self.by_key[key].value
        return self.values[key]

    def suppressed(self, key: Key) -> bool:
        return self.status[key] is not None

    def free(self, candidates: Iterable[Key]) -> list[Key]:
        return [key for key in dict.fromkeys(candidates) if not self.suppressed(key) and key not in self.locked]

    def pick(self, candidates: Sequence[Key]) -> Key | None:
        """The cheapest free candidate, preferring one that would not be given away at once by an equation whose
        other cells are all shown."""
        free = sorted(self.free(candidates), key=self.cost)
        return next((key for key in free if self.stays_hidden(key)), free[0] if free else None)

    def stays_hidden(self, key: Key) -> bool:
        """Whether suppressing `key` would not be undone at once by an equation whose other cells are all shown."""
        return not any(
            all(other == key or not self.suppressed(other) for other, _c in self.equations[number])
            for number in self.equations_of[key]
        )

    def nearby(self, start: Key, links: Mapping[Key, list[Key]]) -> list[Key]:
        """The free cells closest to `start`: its neighbours, else those of its suppressed neighbours, and so on."""
        seen = {start}
        ring = [start]
        while ring:
            around = [other for key in ring for other in links[key] if other not in seen]
            seen.update(around)
            free = self.free(around)
            if free:
                return free
            ring = [key for key in dict.fromkeys(around) if self.suppressed(key)]
        return []

    def cost(self, key: Key) -> tuple[int, Number, str]:
        """What hiding a cell costs: its priority (a total a reader cares about more than its parts), its value."""
        return (self.priority.get(key, 0), self.value_of(key), repr(key))

    def suppress_one_of(self, relation: Relation) -> bool:
        choice = self.pick(relation.parts)
        if choice is None and not self.suppressed(relation.total) and relation.total not in self.locked:
            choice = relation.total
        if choice is None:
            return False
        self.status[choice] = Reason.SECONDARY
        return True

    def lines_and_rank(self) -> None:
        """Rules 2 and 3 until neither suppresses anything more."""
        checked_safe: dict[int, frozenset[Key]] = {}  # relation -> hidden parts already found safe together
        while True:
            changed = True
            while changed:
                changed = False
                for number, relation in enumerate(self.links):
                    hidden_keys = frozenset(key for key in relation.parts if self.suppressed(key))
                    if not self.suppressed(relation.total):
                        if not hidden_keys or checked_safe.get(number) == hidden_keys:
                            continue
                        combined = _combined(self.by_key[key] for key in hidden_keys)
                        if primary_reason(combined, self.rules) is None:
                            checked_safe[number] = hidden_keys
                        else:
                            if not self.suppress_one_of(relation):
                                raise ValueError(f"Cannot protect {relation!r}: its shown total reveals its parts.")
                            changed = True
                    elif not hidden_keys and relation.parts:
                        if not self.suppress_one_of(relation):
                            raise ValueError(f"Cannot protect {relation!r}: its fixed shown parts reveal its total.")
                        changed = True
            hidden = {key for key in self.by_key if self.suppressed(key)}
            found = audit.derivable(self.equations, hidden)
            if not found:
                return
            progress = False
            touched: set[Key] = set()
            for target in sorted(found, key=repr):
                if target in touched:
                    continue
                choice = self.pick(self.nearby(target, self.equation_neighbours))
                if choice is not None:
                    self.status[choice] = Reason.SECONDARY
                    touched |= {choice, *self.equation_neighbours[choice]}
                    progress = True
            if not progress:
                target = min(found, key=repr)
                raise ValueError(f"Cannot protect cell {target!r}: every cell that could hide it is fixed as shown.")

    def widen(self, narrow: Mapping[Key, float]) -> bool:
        """For cells whose interval is too narrow, suppress one more cell near each: one that shares a relation or
        bound with it, or with one of its hidden neighbours. The least important ones go first (priority), and of
        those the smallest that can make up what is missing, else the largest. Cells near a cell chosen in this
        round wait for the next round (one choice often widens several intervals). False when no cell is left to
        suppress near any of them: then every cell they are linked to is suppressed already, and what pins them is
        the definitions alone (a figure that is zero by construction), which tells a reader nothing."""
        progress = False
        touched: set[Key] = set()
        for key in sorted(narrow, key=repr):
            near = {key, *self.neighbours[key]}
            if near & touched:
                continue
            pool = self.nearby(key, self.neighbours)
            if not pool:
                continue
            pool = [other for other in pool if self.stays_hidden(other)] or pool
            lowest = min(self.priority.get(other, 0) for other in pool)
            candidates = [other for other in pool if self.priority.get(other, 0) == lowest]
            big_enough = [other for other in candidates if self.value_of(other) >= narrow[key]]
            if big_enough:
                choice = min(big_enough, key=self.cost)
            else:
                choice = max(candidates, key=lambda other: (self.value_of(other), repr(other)))
            self.status[choice] = Reason.SECONDARY
            touched |= {choice, *self.neighbours[choice]}
            progress = True
        return progress

    def intervals(self) -> dict[Key, float]:
        hidden = [key for key in self.by_key if self.suppressed(key)]
        values = {key: float(self.value_of(key)) for key in self.by_key}
        sensitive = [key for key in hidden if key in self.sensitive]
        return audit.too_narrow(values, hidden, sensitive, self.equations, self.inequalities, self.rules.protection)

    def result(self) -> Protected:
        result = Protected()
        for key in self.by_key:
            reason = self.status[key]
            result._decisions[key] = Decision(shown=reason is None, reason=reason)
            if reason is None:
                result._values[key] = self.value_of(key)
        return result


def protect(
    cells: Iterable[Cell],
    relations: Iterable[Relation] = (),
    *,
    equations: Iterable[Equation] = (),
    inequalities: Iterable[Inequality] = (),
    fixed: Mapping[Key, bool] | None = None,
    thresholds: Thresholds | None = None,
    priority: Mapping[Any, int] | None = None,
) -> Protected:
    """Decide which cells may be shown (rules 1-4 of the package docstring). Where a cell must be added to the
    suppressed ones, the lowest `priority` goes first (default 0), then the smallest value."""
    rules = thresholds or Thresholds.from_settings()
    problem = _Problem(cells, relations, equations, inequalities, fixed, rules, priority)
    while True:
        problem.lines_and_rank()
        narrow = problem.intervals()
        if not narrow or not problem.widen(narrow):
            return problem.result()


def protect_breakdown(
    parts: Mapping[Key, Mapping[int, Number]],
    *,
    total_key: Key = "total",
    thresholds: Thresholds | None = None,
) -> Protected:
    """A one-way breakdown and its total (the sum of the parts), protected together."""
    total: dict[int, Number] = {}
    for contributions in parts.values():
        for organisation, amount in contributions.items():
            total[organisation] = total.get(organisation, 0) + amount
    cells = [Cell(key, contributions) for key, contributions in parts.items()]
    cells.append(Cell(total_key, total))
    return protect(cells, [Relation(total_key, tuple(parts))], thresholds=thresholds)


def difference(first: Protected, first_key: Key, second: Protected, second_key: Key) -> Number | None:
    """first - second (for example this year minus last year), or None unless both cells are shown."""
    a, b = first.value(first_key), second.value(second_key)
    if a is None or b is None:
        return None
    return a - b
