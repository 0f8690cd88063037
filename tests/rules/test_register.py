"""The policy rules are part of the definitions register, each version with the date it holds from."""

import pytest
from django.core.management import call_command

from mvimonitor.dashboards import definitions
from mvimonitor.rules.models import PolicyRule

pytestmark = pytest.mark.django_db


def test_every_rule_version_is_in_the_register_with_its_start_date(reference_data: None) -> None:
    call_command("load_rules", verbosity=0)

    rules = {(entry.id, entry.version): entry for entry in definitions.entries() if entry.kind == "rule"}

    stored = list(PolicyRule.objects.all())
    assert stored, "the shipped rules were not loaded"
    assert set(rules) == {(rule.code, str(rule.version)) for rule in stored}
    for rule in stored:
        entry = rules[(rule.code, str(rule.version))]
        assert (entry.effective, entry.name_nl) == (rule.valid_from.isoformat(), rule.name_nl)
