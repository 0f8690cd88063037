"""Reading the findings: per tender (the tender page's panel) and counted per rule and outcome for one year, the
organisation's own counts beside the national ones.

National counts are figures over organisations and go through disclosure control (`mvimonitor.disclosure`): every
count of the year (rule version x outcome) is a cell with each organisation's findings as its contributions, and
the cells of one year are decided in one call.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from mvimonitor import disclosure
from mvimonitor.dashboards.criteria_use import Figure

from .models import Finding, Outcome, PolicyRule

OUTCOMES = [Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN, Outcome.NOT_APPLICABLE]


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    outcome: Outcome
    figure: Figure


@dataclass(frozen=True, slots=True)
class RuleCounts:
    rule: PolicyRule
    rows: list[OutcomeRow]


def findings_for_tender(tender_id: int) -> list[Finding]:
    findings = Finding.objects.filter(tender_id=tender_id).select_related("rule")
    return list(findings.order_by("rule__code", "rule__version"))


def finding_years() -> list[int]:
    years = Finding.objects.filter(year__isnull=False).values_list("year", flat=True).distinct().order_by("-year")
    return [int(year) for year in years if year is not None]


def _figure(protected: disclosure.Protected, key: tuple[int, str], own: int | None) -> Figure:
    value = protected.value(key)
    if value is not None:
        return Figure(own, int(value))
    reason = protected.decision(key).reason
    return Figure(own, None, reason.value if reason else "")


def rule_counts(*, year: int, organisation_id: int | None) -> list[RuleCounts]:
    """Per rule version and outcome: the organisation's findings (None without an organisation) and the national
    count under disclosure control."""
    parts: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    rows = (
        Finding.objects.filter(year=year)
        .values("rule_id", "outcome", "organisation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        parts[(row["rule_id"], row["outcome"])][row["organisation_id"]] = row["n"]
    rules = list(PolicyRule.objects.filter(pk__in={key[0] for key in parts}).order_by("code", "version"))
    # Every outcome of every rule with findings is a cell, also one nobody has: "no organisation has an unknown
    # finding" is a statement about each of them, so the primary rule decides it like any other count.
    keys = [(rule.pk, str(outcome)) for rule in rules for outcome in OUTCOMES]
    protected = disclosure.protect([disclosure.Cell(key, parts.get(key, {})) for key in keys])
    result = []
    for rule in rules:
        outcome_rows = []
        for outcome in OUTCOMES:
            key = (rule.pk, str(outcome))
            own = None if organisation_id is None else parts.get(key, {}).get(organisation_id, 0)
            outcome_rows.append(OutcomeRow(outcome, _figure(protected, key, own)))
        result.append(RuleCounts(rule, outcome_rows))
    return result
