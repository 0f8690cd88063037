"""Releases of the criteria: a new one supersedes the old, which keeps its criteria; history; the current release;
multi-theme criteria in an MVI application."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from freezegun import freeze_time

from mvimonitor.tenders.models import MVIApplication
from mvimonitor.themes.models import (
    ApplicationForm,
    CriteriaRelease,
    Criterion,
    CriterionStatus,
    ReleaseStatus,
    Theme,
)
from tests.factories import LotFactory
from tests.themes.criteria_helpers import SAMPLE_JSON, SAMPLE_VERSION, counts, load_criteria, sample_json, write_json

pytestmark = pytest.mark.usefixtures("sample_release")

NEXT = "sample-2027"


def _next_release(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The sample as a later release: S1001 reworded, S1002 dropped, one criterion added, the rest the same."""
    data = sample_json()
    data["release"].update({"version": NEXT, "valid_from": "2027-01-01", "published": "2026-11-20"})
    criteria = data["product_groups"][0]["criteria"]
    criteria["S1001"]["text"] = "De inschrijver werkt met een gecertificeerd milieumanagementsysteem."
    del criteria["S1002"]
    criteria["S1016"] = {**criteria["S1003"], "id": "S1016", "code": "KM-B-EI2", "title": "Nieuwe eis"}
    return write_json(tmp_path / "next.json", data), data


def _snapshot(version: str) -> list[tuple[Any, ...]]:
    rows = Criterion.objects.filter(product_group__product_group_set__version=version).order_by("pk")
    return [(*row, sorted(Criterion.objects.get(pk=row[0]).theme_ids())) for row in rows.values_list()]


def test_a_new_release_supersedes_the_old_one_which_keeps_its_criteria(tmp_path: Path) -> None:
    old = Criterion.objects.get(product_group__product_group_set__version=SAMPLE_VERSION, external_id="S1001")
    application = MVIApplication.objects.create(
        lot=LotFactory(), theme=old.theme, form=old.form, ambition_level=old.ambition_level, criterion=old
    )
    stamp = application.updated_at
    before = _snapshot(SAMPLE_VERSION)
    path, _data = _next_release(tmp_path)

    output = load_criteria(str(path))

    previous = CriteriaRelease.objects.get(version=SAMPLE_VERSION)
    assert (previous.status, previous.valid_until) == (ReleaseStatus.SUPERSEDED, dt.date(2026, 12, 31))
    assert CriteriaRelease.objects.get(version=NEXT).supersedes == previous
    assert "Release sample-2026 is superseded by sample-2027 from 2027-01-01." in output
    assert counts(output, "criteria") == "criteria: 45 created, 0 updated, 0 unchanged"
    assert _snapshot(SAMPLE_VERSION) == before
    application.refresh_from_db()
    assert (application.criterion_id, application.updated_at) == (old.pk, stamp)


def test_new_criteria_are_linked_to_the_old_ones_with_their_status(tmp_path: Path) -> None:
    path, _data = _next_release(tmp_path)

    load_criteria(str(path))

    new = Criterion.objects.filter(product_group__product_group_set__version=NEXT)
    by_id = {criterion.external_id: criterion for criterion in new}
    assert by_id["S1001"].status == CriterionStatus.CHANGED
    assert by_id["S1001"].supersedes is not None
    assert by_id["S1001"].supersedes.release.version == SAMPLE_VERSION
    assert by_id["S1016"].status == CriterionStatus.NEW
    assert by_id["S1016"].supersedes is None
    assert new.filter(status=CriterionStatus.UNCHANGED).count() == 43
    assert "S1002" not in by_id


def test_history_gives_the_same_criterion_in_every_release_oldest_first(tmp_path: Path) -> None:
    path, _data = _next_release(tmp_path)
    load_criteria(str(path))
    old = Criterion.objects.get(product_group__product_group_set__version=SAMPLE_VERSION, external_id="S1001")
    new = Criterion.objects.get(product_group__product_group_set__version=NEXT, external_id="S1001")

    assert [criterion.release.version for criterion in new.history()] == [SAMPLE_VERSION, NEXT]
    assert old.history() == new.history()
    dropped = Criterion.objects.get(product_group__product_group_set__version=SAMPLE_VERSION, external_id="S1002")
    assert dropped.history() == [dropped]


def test_a_superseded_release_is_not_loaded_into_again(tmp_path: Path) -> None:
    path, _data = _next_release(tmp_path)
    load_criteria(str(path))
    before = _snapshot(SAMPLE_VERSION)

    with pytest.raises(CommandError, match="Release sample-2026 has been superseded"):
        load_criteria(str(SAMPLE_JSON))

    assert _snapshot(SAMPLE_VERSION) == before


def test_loading_the_new_release_again_changes_nothing(tmp_path: Path) -> None:
    path, _data = _next_release(tmp_path)
    load_criteria(str(path))

    output = load_criteria(str(path))

    assert counts(output, "criteria releases") == "criteria releases: 0 created, 0 updated, 1 unchanged"
    assert counts(output, "criteria") == "criteria: 0 created, 0 updated, 45 unchanged"


def test_a_release_may_supersede_none(tmp_path: Path) -> None:
    path, _data = _next_release(tmp_path)

    load_criteria(str(path), "--supersedes", "none")

    assert CriteriaRelease.objects.get(version=SAMPLE_VERSION).status == ReleaseStatus.CURRENT
    assert CriteriaRelease.objects.get(version=NEXT).supersedes is None


def test_a_release_cannot_supersede_a_later_one(tmp_path: Path) -> None:
    data = sample_json()
    data["release"].update({"version": "sample-2025", "valid_from": "2025-01-01"})

    with pytest.raises(CommandError, match="a release supersedes one that started before it"):
        load_criteria(str(write_json(tmp_path / "older.json", data)), "--supersedes", SAMPLE_VERSION)

    assert not CriteriaRelease.objects.filter(version="sample-2025").exists()


def test_the_current_release_is_the_newest_already_in_force(tmp_path: Path) -> None:
    path, _data = _next_release(tmp_path)
    load_criteria(str(path), "--supersedes", "none")

    with freeze_time("2026-06-01"):
        assert CriteriaRelease.objects.current() == CriteriaRelease.objects.get(version=SAMPLE_VERSION)
    with freeze_time("2027-02-01"):
        assert CriteriaRelease.objects.current() == CriteriaRelease.objects.get(version=NEXT)
    with freeze_time("2023-06-01"):  # none in force yet: the newest
        assert CriteriaRelease.objects.current() == CriteriaRelease.objects.get(version=NEXT)


def test_an_application_may_name_any_theme_of_its_criterion() -> None:
    criterion = Criterion.objects.get(product_group__product_group_set__version=SAMPLE_VERSION, code="KM-B-EI")
    lot = LotFactory()
    keten, sroi = Theme.objects.get(code="keten"), Theme.objects.get(code="sroi")
    assert criterion.theme.code == "milieu"

    MVIApplication(lot=lot, theme=keten, form=criterion.form, criterion=criterion).full_clean()
    with pytest.raises(ValidationError) as refused:
        MVIApplication(lot=lot, theme=sroi, form=criterion.form, criterion=criterion).full_clean()

    assert "criterion" in refused.value.message_dict


def test_a_criterion_of_a_kind_has_the_form_of_that_kind() -> None:
    criterion = Criterion.objects.get(product_group__product_group_set__version=SAMPLE_VERSION, code="KM-B-EI")
    criterion.form = ApplicationForm.objects.get(code="gunningscriterium")

    with pytest.raises(ValidationError) as refused:
        criterion.full_clean()

    assert "form" in refused.value.message_dict


def test_the_shipped_sets_form_a_chain() -> None:
    chain = CriteriaRelease.objects.filter(is_sample=False).order_by("valid_from")

    assert [(release.version, release.status) for release in chain] == [
        ("mvi-criteria-2018", ReleaseStatus.SUPERSEDED),
        ("mvi-criteria-2023", ReleaseStatus.SUPERSEDED),
        ("mvi-criteria-2024", ReleaseStatus.CURRENT),
    ]
    assert chain[2].supersedes == chain[1]
    assert chain[1].supersedes == chain[0]
