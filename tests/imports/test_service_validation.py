"""Both write paths of the import check what they write the same way, each model's own `clean()` included.

`Tender.clean()` refuses a main CPV code whose division contradicts the tender's nature (45 is works); no field
validator checks that rule, so it shows whether `clean()` runs: on the shared write of new procedures (rows) and on the
update of an imported tender (model instances).
"""

from typing import Any

import pytest

from mvimonitor.imports import notices as n
from mvimonitor.imports.models import ImportFailure, SourceRecord
from mvimonitor.tenders.models import Tender
from tests.factories import CpvCodeFactory

from .conftest import make_notice, raw

WORKS_CPV = "45000000"


@pytest.fixture(autouse=True)
def _reference(reference_data: None) -> None:
    """The shipped themes and forms, and the CPV codes the notices name."""
    for code in ("90910000", WORKS_CPV):
        CpvCodeFactory(code=code)


def _notice(i: int, **changes: Any) -> n.Notice:
    values = {"notice_id": f"notice-{i}", "procedure_id": f"procedure-{i}", "title": f"Opdracht {i}", **changes}
    return make_notice(**values)


def _the_error() -> ImportFailure:
    failure = ImportFailure.objects.get(severity="error")
    assert failure.field == "notice.main_cpv"
    assert WORKS_CPV in failure.message
    return failure


@pytest.mark.parametrize("read_ahead", [False, True])
def test_a_new_notice_breaking_a_model_clean_rule_is_refused_and_the_others_import(run_import, read_ahead):
    bad = _notice(2, nature="services", main_cpv=WORKS_CPV)

    report = run_import([raw(_notice(1)), raw(bad, file="slecht.xml"), raw(_notice(3))], read_ahead=read_ahead)

    assert (report.run.seen, report.run.created, report.run.failed) == (3, 2, 1)
    failure = _the_error()
    assert (failure.file, failure.notice) == ("slecht.xml", "notice-2")
    assert set(Tender.objects.values_list("title", flat=True)) == {"Opdracht 1", "Opdracht 3"}
    assert not SourceRecord.objects.filter(notice_id="notice-2").exists()


def test_an_update_breaking_a_model_clean_rule_is_refused_and_the_others_import(run_import):
    run_import([raw(_notice(1))])
    update = _notice(1, version="02", main_cpv=WORKS_CPV, title="Opdracht 1, gewijzigd")

    report = run_import([raw(update, file="wijziging.xml"), raw(_notice(2))])

    assert (report.run.seen, report.run.created, report.run.updated, report.run.failed) == (2, 1, 0, 1)
    failure = _the_error()
    assert (failure.file, failure.notice) == ("wijziging.xml", "notice-1")
    tender = Tender.objects.get(import_link__procedure_id="procedure-1")
    assert (tender.title, tender.main_cpv_id) == ("Opdracht 1", "90910000")  # the whole notice was rolled back
    assert not SourceRecord.objects.filter(notice_id="notice-1", version="02").exists()
    assert Tender.objects.filter(title="Opdracht 2").exists()


def test_a_notice_whose_nature_follows_from_its_cpv_still_imports(run_import):
    report = run_import([raw(_notice(1, nature="", main_cpv=WORKS_CPV, lots=[]))])

    assert (report.run.created, report.run.failed) == (1, 0)
    assert Tender.objects.get().nature == "works"
