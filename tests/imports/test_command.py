"""`import_notices` end to end: the real readers and detectors, the project's fixtures and ../shared/data."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from mvimonitor.imports.models import ImportFailure, ImportRun, MVIProposal, SourceRecord
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import Lot, Tender
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.usefixtures("reference_data")


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_notices", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _history_rows() -> int:
    return Tender.history.count() + Lot.history.count()  # type: ignore[attr-defined]


def test_imports_the_fixtures_and_reports_each_bad_file(fixtures: Path):
    out, err = _run(str(fixtures / "eforms_bt805.xml"), str(fixtures / "eforms_all_codes.xml"), str(fixtures / "bad"))

    run = ImportRun.objects.get()
    assert (run.created, run.updated) == (1, 1)  # the two fixtures are notices of one procedure
    assert run.failed == len(list((fixtures / "bad").iterdir()))
    assert f"Import run {run.pk}: 9 notices seen, 1 created, 1 updated, 0 unchanged, 7 failed." in out
    assert "FAILED file" in err
    assert "malformed.xml" in err
    failure = ImportFailure.objects.get(file__endswith="billion_laughs.xml")
    assert "DOCTYPE" in failure.message
    themes = set(MVIProposal.objects.values_list("theme__code", flat=True))
    assert {"milieu", "sroi"} <= themes
    assert SourceRecord.objects.count() == 2


def test_a_second_run_finds_everything_unchanged_and_writes_no_history(fixtures: Path):
    _run(str(fixtures / "eforms_bt805.xml"), str(fixtures / "eforms_all_codes.xml"))
    history = _history_rows()

    out, _err = _run(str(fixtures / "eforms_bt805.xml"), str(fixtures / "eforms_all_codes.xml"))

    assert "0 created, 0 updated, 2 unchanged, 0 failed" in out
    assert _history_rows() == history


def test_dry_run_writes_nothing(fixtures: Path):
    out, _err = _run("--dry-run", "--no-progress", str(fixtures / "eforms_bt805.xml"))

    assert out.startswith("Dry run (nothing written): 1 notices seen, 1 created")
    assert Tender.objects.count() == 0
    assert Organisation.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_reads_a_zip_archive(fixtures: Path, tmp_path: Path):
    archive = tmp_path / "daily.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(fixtures / "eforms_bt805.xml", "a/eforms_bt805.xml")
        bundle.write(fixtures / "bad" / "empty.xml", "a/empty.xml")

    _run(str(archive))

    run = ImportRun.objects.get()
    assert (run.created, run.failed) == (1, 1)
    assert SourceRecord.objects.get().file_name.endswith("daily.zip!/a/eforms_bt805.xml")


def test_for_one_organisation_its_own_notices_go_under_it(fixtures: Path):
    own = OrganisationFactory(name="Gemeente Voorbeeldstad")  # the buyer the notice names

    _run("--organisation", str(own.pk), str(fixtures / "eforms_bt805.xml"))

    assert Tender.objects.get().organisation == own
    assert ImportRun.objects.get().organisation == own


def test_unknown_path_and_unknown_organisation_are_refused(fixtures: Path):
    with pytest.raises(CommandError, match="Not found"):
        _run("/nonexistent/notices")
    with pytest.raises(CommandError, match="no organisation with id 999999"):
        _run("--organisation", "999999", str(fixtures / "eforms_bt805.xml"))


def test_the_real_eforms_examples_import_and_reimport_unchanged(shared_data: Path):
    call_command("load_cpv", str(shared_data / "eforms" / "cpv" / "cpv-2008-labels-nl-en.csv"), verbosity=0)
    examples = sorted(str(path) for path in (shared_data / "eforms" / "examples").glob("*.xml"))

    _run(*examples)
    first = ImportRun.objects.get()
    out, _err = _run(*examples)

    assert first.seen == len(examples)
    assert first.created >= 1
    assert first.created + first.updated + first.unchanged == first.seen
    assert list(ImportFailure.objects.filter(severity="error")) == []
    assert MVIProposal.objects.exists()
    assert Organisation.objects.filter(status="pending").exists()  # the example buyers are unknown here
    second = ImportRun.objects.exclude(pk=first.pk).get()
    assert second.unchanged == first.seen - first.failed
    assert f"{second.unchanged} unchanged" in out


def test_with_reading_workers_the_command_reports_what_one_process_reports(fixtures: Path):
    paths = [str(fixtures / "eforms_bt805.xml"), str(fixtures / "eforms_all_codes.xml"), str(fixtures / "bad")]
    dry_out, dry_err = _run("--dry-run", "--no-progress", *paths)

    out, err = _run("--workers", "2", "--no-progress", *paths)

    run = ImportRun.objects.get()
    assert out.removeprefix(f"Import run {run.pk}: ") == dry_out.removeprefix("Dry run (nothing written): ")
    assert err.splitlines() == dry_err.splitlines()
    assert (run.created, run.updated) == (1, 1)
    with pytest.raises(CommandError, match="at least 1"):
        _run("--workers", "0", *paths)


def test_warnings_are_printed_as_warnings_not_as_failures(fixtures: Path):
    """An award criterion without a type, kept as text, is a warning: the notice was imported."""
    out, err = _run(str(fixtures / "eforms_odd_criteria.xml"))

    assert "1 created" in out
    assert "0 failed" in out
    assert err.startswith("WARNING file ")
    assert "field BT-539-Lot" in err
    assert "FAILED" not in err
