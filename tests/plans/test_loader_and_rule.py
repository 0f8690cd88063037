"""The ladder as reference data, and the rule that judges a goal from its numbers."""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mvimonitor.plans.loaders import DATA_FILE, load_plans_reference
from mvimonitor.plans.measurement import BEHIND, MET, NOT_JUDGED, ON_TRACK, judge
from mvimonitor.plans.models import LadderStep

pytestmark = pytest.mark.django_db


def test_the_shipped_ladder_has_five_steps_each_with_its_source() -> None:
    out = StringIO()
    call_command("load_plans_reference", stdout=out)

    steps = list(LadderStep.objects.order_by("step"))
    assert [(s.step, s.name_nl) for s in steps] == [
        (1, "Afweging"), (2, "Pilots"), (3, "Verbreding"), (4, "Borging"), (5, "Leiderschap"),
    ]  # fmt: skip
    assert all(s.source and s.source_year == 2022 and s.source_url.startswith("https://") for s in steps)
    assert all(s.ladder == "MVOI 2022-2025" for s in steps)


def test_loading_again_changes_nothing() -> None:
    load_plans_reference()
    (result,) = load_plans_reference()

    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)


def test_a_bad_row_refuses_the_file_naming_line_and_field(tmp_path: Path) -> None:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["ladder_steps"][2]["step"] = 9
    bad = tmp_path / "ladder.json"
    bad.write_text(json.dumps(data), encoding="utf-8")

    with translation.override("en"), pytest.raises(CommandError, match=r"line 3, field step"):
        call_command("load_plans_reference", str(bad))
    assert not LadderStep.objects.exists()


def test_a_row_without_a_source_is_refused(tmp_path: Path) -> None:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["ladder_steps"][0]["source"] = ""
    bad = tmp_path / "ladder.json"
    bad.write_text(json.dumps(data), encoding="utf-8")

    with translation.override("en"), pytest.raises(CommandError, match=r"line 1, field source"):
        call_command("load_plans_reference", str(bad))


D = Decimal


@pytest.mark.parametrize(
    ("measured", "target", "baseline", "baseline_year", "target_year", "year", "expected"),
    [
        (D(60), D(60), D(20), 2022, 2025, 2024, MET),  # reached exactly
        (D(70), D(60), None, None, 2025, 2023, MET),  # reached, no baseline needed
        (D(50), D(60), D(20), 2022, 2025, 2024, ON_TRACK),  # the line is at 46.67 in 2024
        (D(40), D(60), D(20), 2022, 2025, 2024, BEHIND),
        (D(59), D(60), D(20), 2022, 2025, 2025, BEHIND),  # the target year: only met is good enough
        (D(6), D(5), D(10), 2022, 2025, 2024, ON_TRACK),  # a falling target: line at 6.67
        (D(9), D(5), D(10), 2022, 2025, 2024, BEHIND),
        (D(4), D(5), D(10), 2022, 2025, 2023, MET),
        (None, D(60), D(20), 2022, 2025, 2024, NOT_JUDGED),  # no figure
        (D(50), None, D(20), 2022, 2025, 2024, NOT_JUDGED),  # no target
        (D(50), D(60), None, None, 2025, 2024, NOT_JUDGED),  # no baseline, target year not reached
        (D(50), D(60), None, None, 2025, 2025, BEHIND),  # no baseline, target year reached
    ],
)
def test_judgement(
    measured: Decimal | None,
    target: Decimal | None,
    baseline: Decimal | None,
    baseline_year: int | None,
    target_year: int | None,
    year: int,
    expected: str,
) -> None:
    assert (
        judge(
            measured=measured,
            target=target,
            baseline=baseline,
            baseline_year=baseline_year,
            target_year=target_year,
            year=year,
        )
        == expected
    )
