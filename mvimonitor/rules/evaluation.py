"""Evaluating the policy rules, set-based: one INSERT … SELECT per rule version over the monitoring facts.

Every tender with a fact row (`dashboards.TenderFact`: withdrawn tenders have none) whose organisation is of a kind
the rule addresses and whose publication date lies in the rule's validity (or is missing) gets one `Finding`.
Tenders of other organisations, or published outside the validity, get none: the rule does not speak about them.

Each scope condition is an SQL expression that is 1 (in scope), 0 (out of scope) or NULL (cannot be judged, with a
short code of the missing data). The outcome is "not applicable" when any condition is 0, else "unknown" (missing:
the codes of the NULL conditions) when any is NULL, else "met" or "not met" (missing: the requirement).

The statement runs in the database; no tender passes through Python. It is built from table names of the models,
this module's constants and placeholders; every value from a rule is a parameter. The previous findings of the rule
version are deleted in the same transaction, so a re-evaluation replaces them. See docs/rules.md and ADR 0033.
"""

import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from mvimonitor.dashboards.models import TenderFact
from mvimonitor.dashboards.vocabulary import bits
from mvimonitor.isv.lists import list_periods
from mvimonitor.isv.models import LotRiskCategory
from mvimonitor.tenders.models import Contract, Lot, MVIApplication, Tender
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, Criterion, EuThreshold, Theme

from .models import Finding, Outcome, PolicyRule, Requirement


@dataclass
class RuleRun:
    rule: PolicyRule
    findings: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _part(field_name: str, expression: str) -> str:
    """An integer part (year, month, day) of a date expression."""
    if connection.vendor == "sqlite":
        code = {"year": "%%Y", "month": "%%m", "day": "%%d"}[field_name]
        return f"CAST(strftime('{code}', {expression}) AS INTEGER)"
    return f"CAST(EXTRACT({field_name.upper()} FROM {expression}) AS INTEGER)"


def _next_day(expression: str) -> str:
    if connection.vendor == "sqlite":
        return f"date({expression}, '+1 day')"
    return f"({expression} + 1)"


def _full_months(start: str, end: str) -> str:
    """Whole months from `start` to `end`, the end day included (1 January to 30 June is 6 months)."""
    after = _next_day(end)
    return (
        f"(({_part('year', after)} * 12 + {_part('month', after)}) - ({_part('year', start)} * 12 + "
        f"{_part('month', start)}) - CASE WHEN {_part('day', after)} < {_part('day', start)} THEN 1 ELSE 0 END)"
    )


def _placeholders(values: list[Any], params: list[Any]) -> str:
    params.extend(values)
    return ", ".join(["%s"] * len(values))


class _Statement:
    """The parts of one rule's SELECT: joins, scope conditions (code, expression) and the requirement."""

    def __init__(self, rule: PolicyRule) -> None:
        self.rule = rule
        self.joins: list[str] = []
        self.join_params: list[Any] = []
        self.conditions: list[tuple[str, str]] = []
        self.condition_params: list[Any] = []
        self.notes: list[str] = []
        self.requirement = "0"

    def _addressed(self) -> str:
        """A condition on `l.tender_id` that keeps a subquery to the tenders of the organisations the rule addresses,
        so it reads the contracts or applications of those tenders only (its parameters go to the joins')."""
        if not self.rule.organisation_kinds:
            return "1 = 1"
        kinds = _placeholders(list(self.rule.organisation_kinds), self.join_params)
        facts = _table(TenderFact)
        return f"l.tender_id IN (SELECT tender_id FROM {facts} WHERE organisation_kind IN ({kinds}))"  # noqa: S608

    def scope(self) -> None:
        rule = self.rule
        self.conditions.append(("publication_date", "CASE WHEN f.publication_date IS NULL THEN NULL ELSE 1 END"))
        if rule.natures:
            natures = _placeholders(list(rule.natures), self.condition_params)
            self.conditions.append(("nature", f"CASE WHEN f.nature IN ({natures}) THEN 1 ELSE 0 END"))
        compare = ">=" if rule.value_inclusive else ">"
        if rule.threshold_categories:
            whens = []
            for nature, category in sorted(rule.threshold_categories.items()):
                whens.append("WHEN %s THEN %s")
                self.join_params += [nature, category]
            self.joins.append(
                f"LEFT JOIN {_table(EuThreshold)} t ON t.category = CASE f.nature {' '.join(whens)} END "
                "AND t.valid_from <= f.publication_date AND t.valid_until >= f.publication_date"
            )
            # A nature without a threshold category is out of scope.
            listed = _placeholders(sorted(rule.threshold_categories), self.condition_params)
            self.conditions.append(("nature", f"CASE WHEN f.nature IN ({listed}) THEN 1 ELSE 0 END"))
            self.conditions.append(
                ("threshold", "CASE WHEN f.publication_date IS NOT NULL AND t.amount IS NULL THEN NULL ELSE 1 END")
            )
            self.conditions.append(
                (
                    "value",
                    f"CASE WHEN f.value IS NULL THEN NULL WHEN t.amount IS NULL THEN 1 "
                    f"WHEN f.value {compare} t.amount THEN 1 ELSE 0 END",
                )
            )
        if rule.minimum_value is not None:
            self.condition_params.append(rule.minimum_value)
            self.conditions.append(
                ("value", f"CASE WHEN f.value IS NULL THEN NULL WHEN f.value {compare} %s THEN 1 ELSE 0 END")
            )
        if rule.minimum_duration_months is not None:
            self.joins.append(
                f"LEFT JOIN (SELECT l.tender_id, MIN(c.start_date) AS first_day, MAX(c.end_date) AS last_day "  # noqa: S608
                f"FROM {_table(Contract)} c JOIN {_table(Lot)} l ON l.id = c.lot_id WHERE {self._addressed()} "
                "GROUP BY l.tender_id) d ON d.tender_id = f.tender_id"
            )
            self.condition_params.append(rule.minimum_duration_months)
            self.conditions.append(
                (
                    "duration",
                    "CASE WHEN d.first_day IS NULL OR d.last_day IS NULL THEN NULL "
                    f"WHEN {_full_months('d.first_day', 'd.last_day')} >= %s THEN 1 ELSE 0 END",
                )
            )
        if rule.requires_product_group:
            self.conditions.append(("product_group", "CASE WHEN f.in_product_group THEN 1 ELSE 0 END"))
        if rule.requires_isv_risk_category:
            self._isv_risk_category()

    def _isv_risk_category(self) -> None:
        """Within an ISV risk category: 1 when a lot's confirmed category is of the list that applies at the
        tender's publication date, 0 when every lot is confirmed as within none under that list, else NULL (a lot
        unconfirmed, or confirmed under another list). A list applies from its start date until the next one's."""
        periods: list[str] = []
        period_params: list[Any] = []
        for risk_list, first, following in list_periods():
            periods.append(
                "(lr.risk_list_id = %s AND tt.publication_date >= %s"
                + (" AND tt.publication_date < %s)" if following else ")")
            )
            period_params += [risk_list.pk, first] + ([following] if following else [])
        in_force = " OR ".join(periods) or "1 = 0"
        # The periods appear twice in the subquery, before the addressed organisations' parameters.
        self.join_params += period_params * 2
        # Only confirmed lots are read (a small table); the lots of a tender are counted only where every
        # confirmed lot says "none", to tell "outside" from "some lot not confirmed yet".
        self.joins.append(
            f"LEFT JOIN (SELECT l.tender_id, "  # noqa: S608
            f"SUM(CASE WHEN ({in_force}) AND lr.category_id IS NOT NULL THEN 1 ELSE 0 END) AS within_category, "
            f"SUM(CASE WHEN ({in_force}) AND lr.category_id IS NULL THEN 1 ELSE 0 END) AS outside_category "
            f"FROM {_table(LotRiskCategory)} lr JOIN {_table(Lot)} l ON l.id = lr.lot_id "
            f"JOIN {_table(Tender)} tt ON tt.id = l.tender_id WHERE {self._addressed()} "
            "GROUP BY l.tender_id) iv ON iv.tender_id = f.tender_id"
        )
        lots = f"(SELECT COUNT(*) FROM {_table(Lot)} lc WHERE lc.tender_id = f.tender_id)"  # noqa: S608
        self.conditions.append(
            (
                "isv_risk_category",
                "CASE WHEN iv.within_category > 0 THEN 1 "
                f"WHEN iv.outside_category > 0 AND iv.outside_category = {lots} THEN 0 ELSE NULL END",
            )
        )

    def _applied(self, where: str, params: list[Any], *, criteria: bool = False) -> None:
        """Requirement met where the tender has an MVI application matching `where` (a semi-join, one pass)."""
        extra = ""
        if criteria:
            extra = (
                f"JOIN {_table(Criterion)} cr ON cr.id = a.criterion_id "
                f"JOIN {_table(AmbitionLevel)} al ON al.id = cr.ambition_level_id "
            )
        self.join_params += params
        self.joins.append(
            f"LEFT JOIN (SELECT DISTINCT l.tender_id FROM {_table(MVIApplication)} a "  # noqa: S608
            f"JOIN {_table(Lot)} l ON l.id = a.lot_id {extra}WHERE {where} AND {self._addressed()}) r "
            "ON r.tender_id = f.tender_id"
        )
        self.requirement = "CASE WHEN r.tender_id IS NULL THEN 0 ELSE 1 END"

    def requirement_sql(self) -> None:
        rule = self.rule
        if rule.requirement == Requirement.CRITERIA:
            level = AmbitionLevel.objects.filter(code=rule.minimum_level_code).values_list("level", flat=True).first()
            if level is None:
                self.notes.append(f"ambition level {rule.minimum_level_code} is not loaded: nothing can meet the rule")
                return
            self._applied("al.level >= %s", [level], criteria=True)
            return
        theme = Theme.objects.filter(code=rule.theme_code).values_list("pk", flat=True).first()
        if theme is None:
            self.notes.append(f"theme {rule.theme_code} is not loaded: nothing can meet the rule")
            return
        if not rule.form_codes:
            self.requirement = f"CASE WHEN (f.theme_mask & {1 << bits(Theme)[theme]}) <> 0 THEN 1 ELSE 0 END"
            return
        forms = list(ApplicationForm.objects.filter(code__in=rule.form_codes).values_list("pk", flat=True))
        if len(forms) < len(rule.form_codes):
            self.notes.append(f"some of the forms {', '.join(rule.form_codes)} are not loaded")
        if not forms:
            return
        params: list[Any] = [theme]
        self._applied(f"a.theme_id = %s AND a.form_id IN ({_placeholders(forms, params)})", params)

    def sql(self) -> tuple[str, list[Any]]:
        rule = self.rule
        params: list[Any] = []
        columns = [f"{expression} AS c{number}" for number, (_code, expression) in enumerate(self.conditions)]
        kinds = ""
        if rule.organisation_kinds:
            kinds = f"AND f.organisation_kind IN ({_placeholders(list(rule.organisation_kinds), [])})"
        inner = (
            f"SELECT f.tender_id, f.organisation_id, f.year, {', '.join(columns)}, {self.requirement} AS req "  # noqa: S608
            f"FROM {_table(TenderFact)} f {' '.join(self.joins)} "
            f"WHERE (f.publication_date IS NULL OR (f.publication_date >= %s"
            + (" AND f.publication_date <= %s" if rule.valid_until else "")
            + f")) {kinds}"
        )
        params += self.condition_params + self.join_params + [rule.valid_from]
        if rule.valid_until:
            params.append(rule.valid_until)
        params += list(rule.organisation_kinds)
        # Conditions and their params are in SELECT order, joins after them: keep the order of appearance.
        out = [f"s.c{n} = 0" for n in range(len(self.conditions))]
        unknown = [f"s.c{n} IS NULL" for n in range(len(self.conditions))]
        outside = " OR ".join(out) or "1 = 0"
        undecided = " OR ".join(unknown) or "1 = 0"
        codes = " || ".join(
            f"CASE WHEN s.c{n} IS NULL THEN '{code},' ELSE '' END" for n, (code, _sql) in enumerate(self.conditions)
        )
        codes = codes or "''"
        outer = (
            f"INSERT INTO {_table(Finding)} (rule_id, tender_id, organisation_id, year, outcome, missing) "  # noqa: S608
            f"SELECT {int(rule.pk)}, s.tender_id, s.organisation_id, s.year, "
            f"CASE WHEN {outside} THEN '{Outcome.NOT_APPLICABLE}' WHEN {undecided} THEN '{Outcome.UNKNOWN}' "
            f"WHEN s.req = 1 THEN '{Outcome.MET}' ELSE '{Outcome.NOT_MET}' END, "
            f"CASE WHEN {outside} THEN '' WHEN {undecided} THEN SUBSTR({codes}, 1, LENGTH({codes}) - 1) "
            f"WHEN s.req = 1 THEN '' ELSE %s END "
            f"FROM ({inner}) s"
        )
        return outer, [rule.missing_when_not_met, *params]


def evaluate_rule(rule: PolicyRule) -> RuleRun:
    """Replace the findings of one rule version by a fresh evaluation over every tender."""
    started = time.perf_counter()
    statement = _Statement(rule)
    statement.scope()
    statement.requirement_sql()
    sql, params = statement.sql()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table(Finding)} WHERE rule_id = %s", [rule.pk])  # noqa: S608
        cursor.execute(sql, params)
        written = int(cursor.rowcount)
    return RuleRun(rule, written, time.perf_counter() - started, statement.notes)


def evaluate(rules: list[PolicyRule] | None = None) -> list[RuleRun]:
    """Evaluate the given rule versions (default: every loaded one)."""
    chosen = rules if rules is not None else list(PolicyRule.objects.order_by("code", "version"))
    return [evaluate_rule(rule) for rule in chosen]
