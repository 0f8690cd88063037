"""load_criteria and the sample release: the three readers, idempotence, and refusals that name the row and field."""

from collections import Counter
from pathlib import Path

import pytest
from django.core.management import ManagementUtility
from django.core.management.base import CommandError
from openpyxl import Workbook

from mvimonitor.themes.models import CriteriaRelease, Criterion, CriterionKind, ProductGroup
from tests.themes.criteria_helpers import (
    SAMPLE_CSV,
    SAMPLE_JSON,
    SAMPLE_VERSION,
    counts,
    load_criteria,
    sample_json,
    sample_rows,
    write_csv,
    write_json,
)

pytestmark = pytest.mark.usefixtures("sample_release")

NEW_RELEASE = ["--release", "other-2027", "--valid-from", "2027-01-01", "--source", "Test source"]


def test_the_sample_release_comes_with_the_reference_data_marked_as_a_sample() -> None:
    release = CriteriaRelease.objects.get(version=SAMPLE_VERSION)
    criteria = Criterion.objects.filter(product_group__product_group_set=release)

    assert release.is_sample
    assert release.source == "MVI Monitor sample release — not official criteria"
    assert ProductGroup.objects.filter(product_group_set=release).count() == 3
    assert criteria.count() == 45
    cells = Counter(criteria.values_list("product_group__code", "ambition_level__code", "kind"))
    assert len(cells) == 3 * 3 * len(CriterionKind)  # every group has every level with every kind
    assert sum(1 for criterion in criteria if len(criterion.theme_ids()) >= 2) >= 10
    assert not criteria.filter(text_en="").exists()
    assert not criteria.filter(verification_nl="").exists()
    assert not criteria.filter(verification_en="").exists()


def test_the_sample_names_only_product_groups_the_catalogue_knows() -> None:
    official = set(ProductGroup.objects.filter(product_group_set__is_sample=False).values_list("name_nl", flat=True))
    sample = set(ProductGroup.objects.filter(product_group_set__is_sample=True).values_list("name_nl", flat=True))

    assert sample <= official


def test_a_criterion_keeps_its_themes_in_order_main_theme_first() -> None:
    criterion = Criterion.objects.get(product_group__product_group_set__version=SAMPLE_VERSION, code="OV-A-GC")

    assert criterion.theme.code == "milieu"
    assert set(criterion.themes.values_list("code", flat=True)) == {"milieu", "klimaat", "circulair"}
    assert criterion.form.code == "gunningscriterium"
    assert criterion.subjects == ["Milieu", "Klimaat", "Circulair"]


def test_loading_the_same_file_again_creates_and_updates_nothing() -> None:
    output = load_criteria(str(SAMPLE_JSON))

    assert all(", 0 updated," in line and ": 0 created" in line for line in output.splitlines() if "created" in line)
    assert counts(output, "criteria") == "criteria: 0 created, 0 updated, 45 unchanged"


def test_the_csv_holds_the_same_release_as_the_json() -> None:
    output = load_criteria(str(SAMPLE_CSV), "--release", SAMPLE_VERSION)

    assert counts(output, "criteria") == "criteria: 0 created, 0 updated, 45 unchanged"
    assert counts(output, "product groups") == "product groups: 0 created, 0 updated, 3 unchanged"


def test_a_changed_text_is_counted_as_updated(tmp_path: Path) -> None:
    header, rows = sample_rows()
    rows[0]["text_en"] = "A corrected English text."

    output = load_criteria(str(write_csv(tmp_path / "fix.csv", header, rows)), "--release", SAMPLE_VERSION)

    assert counts(output, "criteria") == "criteria: 0 created, 1 updated, 44 unchanged"
    assert Criterion.objects.get(external_id=rows[0]["criterion_id"]).text_en == "A corrected English text."


def test_a_changed_list_of_themes_is_counted_as_updated(tmp_path: Path) -> None:
    header, rows = sample_rows()
    rows[0]["themes"] = "milieu|klimaat"

    output = load_criteria(str(write_csv(tmp_path / "themes.csv", header, rows)), "--release", SAMPLE_VERSION)

    assert counts(output, "criteria") == "criteria: 0 created, 1 updated, 44 unchanged"
    criterion = Criterion.objects.get(external_id=rows[0]["criterion_id"])
    assert set(criterion.themes.values_list("code", flat=True)) == {"milieu", "klimaat"}


def test_the_xlsx_reader_reads_the_same_columns(tmp_path: Path) -> None:
    header, rows = sample_rows()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "criteria"
    sheet.append(header)
    for row in rows:
        sheet.append([row[name] for name in header])
    workbook.save(tmp_path / "release.xlsx")

    output = load_criteria(str(tmp_path / "release.xlsx"), "--release", SAMPLE_VERSION)

    assert counts(output, "criteria") == "criteria: 0 created, 0 updated, 45 unchanged"


def test_a_new_release_from_csv_needs_its_dates_and_source(tmp_path: Path) -> None:
    header, rows = sample_rows()
    path = write_csv(tmp_path / "new.csv", header, rows)

    with pytest.raises(CommandError, match=r"field valid_from: a value is required"):
        load_criteria(str(path), "--release", "other-2027")

    assert not CriteriaRelease.objects.filter(version="other-2027").exists()


def test_a_broken_file_names_every_row_and_field_and_loads_nothing(tmp_path: Path) -> None:
    header, rows = sample_rows()
    rows[6]["title_nl"] = ""  # data row 7, line 8 of the file
    rows[8]["themes"] = "klimaat|onbekend"
    rows[9]["level"] = "extreem"
    rows[10]["kind"] = "wens"
    before = Criterion.objects.count()

    with pytest.raises(CommandError) as refused:
        load_criteria(str(write_csv(tmp_path / "broken.csv", header, rows)), *NEW_RELEASE)

    message = str(refused.value)
    assert "Nothing was loaded." in message
    assert "broken.csv, line 8, field title_nl: a value is required" in message
    assert "broken.csv, line 10, field themes: onbekend is not a known theme" in message
    assert "broken.csv, line 11, field level: extreem is not a known ambition level" in message
    assert "broken.csv, line 12, field kind: wens is not a kind of criterion" in message
    assert Criterion.objects.count() == before
    assert not CriteriaRelease.objects.filter(version="other-2027").exists()


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    header, rows = sample_rows()
    header.remove("level")

    with pytest.raises(CommandError, match=r"line 1, field level: column is missing from the header"):
        load_criteria(str(write_csv(tmp_path / "columns.csv", header, rows)), *NEW_RELEASE)


def test_the_tool_json_ignores_unknown_keys(tmp_path: Path) -> None:
    data = sample_json()
    data["extra"] = {"anything": 1}
    data["release"]["version"] = "other-2027"
    data["release"]["valid_from"] = "2027-01-01"
    for group in data["product_groups"]:
        group["weight"] = 3
        for criterion in group["criteria"].values():
            criterion["unknown_field"] = ["kept out"]

    output = load_criteria(str(write_json(tmp_path / "tool.json", data)))

    assert counts(output, "criteria") == "criteria: 45 created, 0 updated, 0 unchanged"


def test_the_tool_json_names_the_criterion_and_the_missing_key(tmp_path: Path) -> None:
    data = sample_json()
    data["release"]["version"] = "other-2027"
    del data["product_groups"][0]["criteria"]["S1003"]["type"]
    data["product_groups"][1]["criteria"]["S2004"]["ambition_level"] = "Heel hoog"

    with pytest.raises(CommandError) as refused:
        load_criteria(str(write_json(tmp_path / "tool.json", data)))

    message = str(refused.value)
    assert "tool.json, product group S10, criterion S1003, field type: a value is required" in message
    assert "tool.json, product group S20, criterion S2004, field ambition_level: Heel hoog is not a known" in message
    assert not CriteriaRelease.objects.filter(version="other-2027").exists()


def test_a_bare_answer_of_the_tool_is_loaded_for_a_known_product_group(tmp_path: Path) -> None:
    group = sample_json()["product_groups"][1]
    answer = {key: group[key] for key in ("criteria", "subjects", "tags")}
    path = write_json(tmp_path / "answer.json", answer)

    output = load_criteria(str(path), "--product-group", "S20", *NEW_RELEASE)

    loaded = ProductGroup.objects.get(product_group_set__version="other-2027")
    assert (loaded.code, loaded.external_id, loaded.cluster.code) == (
        "ict-hardware-en-mobiele-apparaten",
        "S20",
        "automatisering-en-telecommunicatie",
    )
    assert counts(output, "criteria") == "criteria: 15 created, 0 updated, 0 unchanged"


def test_a_bare_answer_for_an_unknown_product_group_is_refused(tmp_path: Path) -> None:
    group = sample_json()["product_groups"][1]
    path = write_json(tmp_path / "answer.json", {"criteria": group["criteria"], "subjects": group["subjects"]})

    with pytest.raises(CommandError, match=r"answer.json, product group 99, field id: product group 99 is not known"):
        load_criteria(str(path), "--product-group", "99", *NEW_RELEASE)


def test_the_command_exits_with_a_failure_status(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")

    with pytest.raises(SystemExit) as stopped:
        ManagementUtility(["manage.py", "load_criteria", str(path), *NEW_RELEASE]).execute()

    assert stopped.value.code != 0


def test_path_or_url_is_required() -> None:
    with pytest.raises(CommandError, match="PATH or --url"):
        load_criteria()
