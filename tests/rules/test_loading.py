import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mvimonitor.reference import ReferenceDataError
from mvimonitor.rules.models import PolicyRule
from mvimonitor.rules.services import DATA, rules_load
from mvimonitor.tenders.value_classes import DATA_DIR

pytestmark = pytest.mark.django_db


def _spec(**changes: object) -> dict[str, object]:
    spec = json.loads(DATA.read_text(encoding="utf-8"))["rules"][0]
    spec.update(changes)
    return spec


def _file(tmp_path: Path, *specs: dict[str, object]) -> Path:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": list(specs)}), encoding="utf-8")
    return path


def test_the_shipped_rules_load_with_their_sources() -> None:
    result = rules_load()
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    rules = {rule.code: rule for rule in PolicyRule.objects.all()}
    assert set(rules) == {"rijk-social-return", "rijk-isv", "rijk-criteria-significant"}
    assert all(rule.source and rule.source_year for rule in rules.values())
    assert "NOT VERIFIED" in rules["rijk-criteria-significant"].note


def test_the_social_return_amount_comes_from_the_value_classes() -> None:
    rules_load()
    rule = PolicyRule.objects.get(code="rijk-social-return")
    classes = json.loads((DATA_DIR / "value_classes.json").read_text(encoding="utf-8"))["rows"]
    bound = next(row for row in classes if row["code"] == "below-250k")
    assert rule.minimum_value == Decimal(bound["upper"]) == Decimal("250000")
    assert rule.minimum_value_source == f"{bound['source']} ({bound['source_year']})"
    assert rule.value_inclusive is False
    assert rule.minimum_duration_months == 6


def test_loading_again_changes_nothing() -> None:
    rules_load()
    before = list(PolicyRule.objects.order_by("pk").values())
    result = rules_load()
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert list(PolicyRule.objects.order_by("pk").values()) == before


def test_a_new_version_is_a_new_row(tmp_path: Path) -> None:
    rules_load()
    first = _spec(valid_until="2024-12-31")
    second = _spec(version=2, valid_from="2025-01-01", name_en="Changed")
    rules_load(path=_file(tmp_path, first, second))
    versions = PolicyRule.objects.filter(code="rijk-social-return").order_by("version")
    assert [(rule.version, str(rule.valid_until)) for rule in versions] == [(1, "2024-12-31"), (2, "None")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": ""}, "rules.json, rule 1 (rijk-social-return), field source: a value is required"),
        ({"natures": ["goods"]}, "field natures: unknown code(s): goods"),
        ({"organisation_kinds": ["rijk", "ministry"]}, "field organisation_kinds: unknown code(s): ministry"),
        ({"valid_from": "1 July 2011"}, "field valid_from: 1 July 2011 is not a date"),
        ({"requirement": {"kind": "theme"}}, "field requirement: a theme requirement needs a theme code"),
        ({"minimum_value_from_value_class": "nope"}, "field minimum_value_from_value_class: no value class nope"),
        ({"threshold_categories": {"works": "regional"}}, "field threshold_categories: unknown nature or category"),
    ],
)
def test_a_bad_rule_is_named_and_nothing_is_loaded(tmp_path: Path, changes: dict[str, object], message: str) -> None:
    with translation.override("en"), pytest.raises(ReferenceDataError, match=re.escape(message)):
        rules_load(path=_file(tmp_path, _spec(**changes)))
    assert not PolicyRule.objects.exists()


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, _spec(), _spec(version=2, valid_from="2020-01-01"))
    with (
        translation.override("en"),
        pytest.raises(ReferenceDataError, match=r"rule 2 \(rijk-social-return\), field valid_from: overlaps"),
    ):
        rules_load(path=path)


def test_the_command_reports_and_names_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with translation.override("en"):
        call_command("load_rules")
    assert "policy rules: 3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    with translation.override("en"), pytest.raises(CommandError, match="field source"):
        call_command("load_rules", "--file", str(_file(tmp_path, _spec(source=""))))
