from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mvimonitor.themes.models import CpvCode

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cpv"


def _load(path: Path, *args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_cpv", str(path), *args, stdout=out)
    return out.getvalue()


def test_csv_fixture_is_loaded_with_source_and_year() -> None:
    output = _load(FIXTURES / "good.csv", "--source", "https://example.org/cpv", "--year", "2008")

    assert "3 created, 0 updated, 0 unchanged" in output
    code = CpvCode.objects.get(code="45233140")
    assert (code.label_nl, code.label_en, code.source, code.source_year) == (
        "Wegwerkzaamheden",
        "Roadworks",
        "https://example.org/cpv",
        2008,
    )


def test_second_load_changes_nothing() -> None:
    _load(FIXTURES / "good.csv")

    output = _load(FIXTURES / "good.csv")

    assert "0 created, 0 updated, 3 unchanged" in output


def test_new_source_updates_rows() -> None:
    _load(FIXTURES / "good.csv")

    output = _load(FIXTURES / "good.csv", "--source", "newer list")

    assert "0 created, 3 updated, 0 unchanged" in output
    assert set(CpvCode.objects.values_list("source", flat=True)) == {"newer list"}


def test_genericode_fixture_is_loaded() -> None:
    output = _load(FIXTURES / "good.gc")

    assert "2 created" in output
    assert CpvCode.objects.get(code="85312000").label_en == "Social work services without accommodation"
    assert CpvCode.objects.get(code="80500000").label_nl == "Opleidingsdiensten"


def test_bad_code_is_refused_with_file_line_and_field_and_nothing_written() -> None:
    with pytest.raises(CommandError) as error:
        _load(FIXTURES / "bad_code.csv")

    assert "bad_code.csv, line 3, field code: 4523314 is not a CPV code of 8 digits" in str(error.value)
    assert CpvCode.objects.count() == 0


def test_missing_label_is_refused_and_nothing_written() -> None:
    with pytest.raises(CommandError) as error:
        _load(FIXTURES / "missing_label.csv")

    assert "missing_label.csv, line 3, field label_nl" in str(error.value)
    assert CpvCode.objects.count() == 0


def test_external_entities_are_not_resolved() -> None:
    with pytest.raises(CommandError) as error:
        _load(FIXTURES / "entity.gc")

    assert "field label_en" in str(error.value)
    assert "root" not in str(error.value)
    assert CpvCode.objects.count() == 0


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cpv.csv"
    path.write_text("code,label_en\n90910000,Cleaning services\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"line 1, field label_nl: column is missing"):
        _load(path)


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cpv.txt"
    path.write_text("code\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"\.csv file, a Genericode \.gc file or the project.s \.json list"):
        _load(path)


@pytest.mark.shared
def test_the_real_eforms_csv_loads_all_codes(shared_data: Path) -> None:
    path = shared_data / "eforms" / "cpv" / "cpv-2008-labels-nl-en.csv"

    output = _load(path)

    assert "9454 created" in output
    assert CpvCode.objects.get(code="45000000").label_nl == "Bouwwerkzaamheden"


@pytest.mark.shared
def test_the_real_social_service_genericode_loads(shared_data: Path) -> None:
    path = shared_data / "eforms" / "codelists" / "cpv_social-service-cpv.gc"

    output = _load(path)

    assert "115 created" in output
    assert CpvCode.objects.get(code="75121000").label_en == "Administrative educational services"
