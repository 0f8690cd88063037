"""Reading in worker processes (`parallel.Fanout`): the record, the counts and the failures are exactly those of an
import in one process, on SQLite and (in the PostgreSQL pass) on PostgreSQL."""

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models, transaction

from mvimonitor.imports.models import ImportedTender, ImportRun, RunStatus
from mvimonitor.imports.parallel import Fanout, Unit, groups_of, path_units, read_group
from mvimonitor.imports.runs import RunReport, clear_stop, request_stop
from mvimonitor.imports.services import import_run_create, import_run_execute, import_upload_create
from mvimonitor.imports.sources import read_paths
from mvimonitor.organisations.models import Organisation, OrganisationStatus, Role
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.usefixtures("reference_data")

NOTICE_ID = re.compile(rb'(<cbc:ID schemeName="notice-id">)[^<]*')
PROCEDURE_ID = re.compile(rb"(<cbc:ContractFolderID>)[^<]*")
VERSION = re.compile(rb"(<cbc:VersionID>)[^<]*")
RECORD = ["organisations", "tenders", "imports"]  # the apps whose tables an import writes


def _variants(shared_data: Path, folder: Path) -> Path:
    """Three notices per procedure, spread over files read by different workers: the same notice in versions 01,
    02 and again 01 (an older version after a newer one), for every eForms example of ../shared/data."""
    examples = sorted((shared_data / "eforms" / "examples").glob("*.xml"))
    folder.mkdir(exist_ok=True)
    for index, example in enumerate(examples):
        data = example.read_bytes()
        notice_id = str(uuid.UUID(int=index + 1)).encode()
        procedure_id = f"parallel-{index}".encode()
        for step, version in enumerate((b"01", b"02", b"01")):
            variant = NOTICE_ID.sub(lambda m, new=notice_id: m.group(1) + new, data, count=1)
            variant = PROCEDURE_ID.sub(lambda m, new=procedure_id: m.group(1) + new, variant, count=1)
            variant = VERSION.sub(lambda m, new=version: m.group(1) + new, variant, count=1)
            if step == 2:
                variant += b"<!-- sent again -->"  # other bytes under a version imported before
            (folder / f"{step}-{index:03d}-{example.name}").write_bytes(variant)
    return folder


def _inputs(fixtures: Path, shared_data: Path, tmp_path: Path) -> list[str]:
    variants = _variants(shared_data, tmp_path / "variants")
    return [str(fixtures), str(shared_data / "eforms" / "examples"), str(variants)]


def _import(paths: list[str], *, workers: int, files: int = 1) -> tuple[ImportRun, RunReport]:
    run = import_run_create(source_description="parallel test")
    source: Any = (
        Fanout(groups_of(path_units(paths), files=files), workers=workers) if workers > 1 else read_paths(paths)
    )
    report = import_run_execute(run=run, raw_notices=source, batch_size=7)
    return run, report


def _record() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the import writes, in the order written, keys replaced by their place in that order (so two
    imports into the same database compare), timestamps left out; history tables by their row count."""
    place: dict[tuple[str, Any], int] = {}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    history: dict[str, int] = {}
    for label in RECORD:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                history[model.__name__] = model.objects.count()
                continue
            for index, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True)):
                place[(model._meta.label, pk)] = index
    for label in RECORD:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            fields = [
                f
                for f in model._meta.concrete_fields
                if not f.primary_key and not isinstance(f, models.DateTimeField) and f.name != "password"
            ]
            table = []
            for values in model.objects.order_by("pk").values_list(*(f.attname for f in fields)):
                row = []
                for field, value in zip(fields, values, strict=True):
                    if field.is_relation and value is not None and field.related_model is not None:
                        value = place.get((field.related_model._meta.label, value), ("outside", value))
                    row.append(value)
                table.append(tuple(row))
            rows[model._meta.label] = table
    rows["history"] = sorted(history.items())
    return rows


def _counts(run: ImportRun) -> tuple[int, ...]:
    return (run.seen, run.created, run.updated, run.unchanged, run.failed)


def test_two_workers_store_exactly_what_one_process_stores(fixtures: Path, shared_data: Path, tmp_path: Path):
    paths = _inputs(fixtures, shared_data, tmp_path)
    with transaction.atomic():
        alone, alone_report = _import(paths, workers=1)
        expected = _record()
        transaction.set_rollback(True)

    run, report = _import(paths, workers=2)

    assert run.status == RunStatus.DONE
    assert _counts(run) == _counts(alone)
    assert min(run.created - 20, run.updated, run.unchanged, run.failed) > 0
    assert report.failures == alone_report.failures
    assert _record() == expected


def test_notices_of_one_procedure_read_by_different_workers_are_stored_in_order(
    fixtures: Path, shared_data: Path, tmp_path: Path
):
    variants = _variants(shared_data, tmp_path)
    count = len(list(variants.iterdir())) // 3

    run, report = _import([str(variants)], workers=2)

    # per procedure, in the order of the files: version 01 creates, 02 is applied (in the other order 02 would
    # create and 01 be kept as an older version, with a warning), 01 again has other bytes for a version imported
    # before and is refused
    assert run.seen == 3 * count
    assert run.created == count
    assert run.updated + run.unchanged == count
    assert [f.field for f in report.failures if f.severity == "error"] == ["version"] * count
    assert not [f for f in report.failures if f.severity == "warning" and f.field in {"version", "publication_date"}]
    assert set(ImportedTender.objects.values_list("latest_version", flat=True)) == {"02"}


def test_a_second_run_with_workers_changes_nothing(fixtures: Path, shared_data: Path, tmp_path: Path):
    paths = _inputs(fixtures, shared_data, tmp_path)
    first, _report = _import(paths, workers=2, files=3)
    record = _record()

    again, _report = _import(paths, workers=2, files=3)

    assert (again.created, again.updated, again.failed) == (0, 0, first.failed)
    assert again.unchanged == first.created + first.updated + first.unchanged
    after = _record()
    for table in ("imports.ImportRun", "imports.ImportFailure"):  # the second run's own rows
        del record[table], after[table]
    assert after == record


def test_buyers_are_created_once_whichever_worker_reads_their_notices(shared_data: Path, tmp_path: Path):
    variants = _variants(shared_data, tmp_path)

    _import([str(variants)], workers=2)

    pending = list(Organisation.objects.filter(status=OrganisationStatus.PENDING).values_list("name", flat=True))
    assert pending
    assert len(pending) == len(set(pending))


def test_a_notice_that_fails_in_a_worker_is_reported_and_the_others_go_on(fixtures: Path):
    paths = [*sorted(str(p) for p in (fixtures / "bad").iterdir()), str(fixtures / "eforms_can_results.xml")]
    with transaction.atomic():
        alone, alone_report = _import(paths, workers=1)
        transaction.set_rollback(True)

    run, report = _import(paths, workers=2)

    assert run.status == RunStatus.DONE
    assert _counts(run) == _counts(alone)
    assert report.failures == alone_report.failures
    assert run.created >= 1
    failed = {Path(f.file).name for f in report.failures if f.severity == "error"}
    assert {"malformed.xml", "billion_laughs.xml", "empty.xml", "wrong_root.xml"} <= failed
    assert "eforms_can_results.xml" not in failed


def test_a_worker_reports_an_unreadable_input_without_stopping_the_group(fixtures: Path, tmp_path: Path):
    items, error = read_group([Unit(str(tmp_path / "missing.xml")), Unit(str(fixtures / "eforms_bt805.xml"))], True)

    assert error is None
    assert [item.raw.error is not None for item in items] == [True, False]
    assert items[1].detected is not None
    assert items[1].compressed
    assert items[1].raw.raw == b""  # the bytes travel compressed only
    assert len(items[1].sha) == 64


def test_workers_read_the_files_read_paths_reads_in_its_order(fixtures: Path, tmp_path: Path):
    folder = tmp_path / "notices"
    (folder / "b").mkdir(parents=True)
    (folder / "b" / "one.xml").write_bytes((fixtures / "eforms_bt805.xml").read_bytes())
    (folder / "a-link.xml").symlink_to(fixtures / "eforms_can_results.xml")  # a link to a file is read
    (folder / "broken.xml").symlink_to(tmp_path / "gone.xml")  # reported, not skipped
    (folder / "c").symlink_to(folder / "b")  # a folder read already
    (folder / "d").symlink_to(fixtures / "bad")  # a linked folder

    def seen(raws: Any) -> list[tuple[str, str, str]]:
        return [(r.file, r.locator, r.error.message if r.error else "") for r in raws]

    expected = seen(read_paths([folder]))
    fanout = Fanout(groups_of(path_units([folder]), files=2), workers=2)

    assert seen(p.raw for p in fanout.prepared(detect=False)) == expected
    assert any("broken symbolic link" in message for _file, _at, message in expected)
    assert len(expected) > 8


def test_an_upload_stopped_after_every_chunk_ends_as_an_uninterrupted_run(settings, make_member, fixtures: Path):
    organisation = OrganisationFactory(name="Gemeente Voorbeeldstad")  # the buyer of two of the notices
    user = make_member(Role.INKOPER, organisation)
    names = ["eforms_bt805.xml", "eforms_all_codes.xml", "eforms_can_results.xml", "ted_r209_award.xml"]
    files = [(name, (fixtures / name).read_bytes()) for name in names]
    files += [(p.name, p.read_bytes()) for p in sorted((fixtures / "bad").iterdir())]
    settings.MVIMONITOR_IMPORT_BATCH_SIZE = 2
    from mvimonitor.imports.tasks import import_run_task

    with transaction.atomic():
        alone = import_upload_create(user=user, organisation=organisation, files=files)
        import_run_task.call(alone.pk)
        alone.refresh_from_db()
        expected = _counts(alone)
        transaction.set_rollback(True)

    settings.MVIMONITOR_IMPORT_WORKERS = 2
    run = import_upload_create(user=user, organisation=organisation, files=files)
    request_stop()  # every start stops after its first chunk and is queued again (the test backend runs it at once)
    try:
        import_run_task.enqueue(run.pk)
    finally:
        clear_stop()

    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert _counts(run) == expected
    assert run.seen == 11
    assert run.created > 0
    assert run.failures.filter(severity="error").count() == run.failed
