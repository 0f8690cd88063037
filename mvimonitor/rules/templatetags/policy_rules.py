"""The tender page's panel of rule findings: `{% load policy_rules %}{% rule_findings tender %}`."""

from typing import Any

from django import template

from mvimonitor.rules.selectors import findings_for_tender

register = template.Library()


@register.inclusion_tag("rules/includes/tender_findings.html")
def rule_findings(tender: Any) -> dict[str, Any]:
    return {"findings": findings_for_tender(int(tender.pk))}
