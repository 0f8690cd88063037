"""Both write paths of the import check what they write the same way, each model's own `clean()` included.

`Tender.clean()` refuses a main CPV code whose division contradicts the tender's nature (45 is works); no field
validator checks that rule, so it shows whether `clean()` runs: on the shared write of new procedures (rows) and on the
update of an imported tender (model instances). The import keeps such a notice and leaves the refused value out with a
warning, so what it stores is what the buyer's forms accept; a rule that is not droppable still fails the notice.
"""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from mvimonitor.imports import notices as n
from mvimonitor.imports.models import ImportFailure, SourceRecord
from mvimonitor.imports.validation import Validator
from mvimonitor.tenders.models import Contract, MVIApplication, Tender
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


def _the_warning() -> ImportFailure:
    warning = ImportFailure.objects.get(severity="warning", field="main_cpv")
    assert WORKS_CPV in warning.message
    return warning


@pytest.mark.parametrize("read_ahead", [False, True])
def test_a_new_notice_breaking_a_model_clean_rule_is_kept_without_the_refused_value(run_import, read_ahead):
    bad = _notice(2, nature="services", main_cpv=WORKS_CPV)  # a services tender with a works CPV division

    report = run_import([raw(_notice(1)), raw(bad, file="slecht.xml"), raw(_notice(3))], read_ahead=read_ahead)

    assert (report.run.seen, report.run.created, report.run.failed) == (3, 3, 0), report.failures
    warning = _the_warning()
    assert (warning.file, warning.notice) == ("slecht.xml", "notice-2")
    tender = Tender.objects.get(title="Opdracht 2")
    assert (tender.nature, tender.main_cpv_id) == ("services", None)
    tender.full_clean()  # what the import stored, the buyer's own forms accept
    assert "main_cpv_id" not in tender.import_link.imported_values
    assert SourceRecord.objects.filter(notice_id="notice-2").exists()


def test_an_update_breaking_a_model_clean_rule_keeps_the_records_value(run_import):
    run_import([raw(_notice(1))])
    update = _notice(1, version="02", main_cpv=WORKS_CPV, title="Opdracht 1, gewijzigd")

    report = run_import([raw(update, file="wijziging.xml"), raw(_notice(2))])

    assert (report.run.seen, report.run.created, report.run.updated, report.run.failed) == (2, 1, 1, 0)
    warning = _the_warning()
    assert (warning.file, warning.notice) == ("wijziging.xml", "notice-1")
    tender = Tender.objects.get(import_link__procedure_id="procedure-1")
    assert (tender.title, tender.main_cpv_id) == ("Opdracht 1, gewijzigd", "90910000")  # the rest was applied
    tender.full_clean()
    assert tender.import_link.imported_values["main_cpv_id"] == "90910000"
    assert not [d for d in tender.import_link.differences if d["field"] == "main_cpv_id"]
    assert SourceRecord.objects.filter(notice_id="notice-1", version="02").exists()


def test_a_notice_whose_nature_follows_from_its_cpv_still_imports(run_import):
    report = run_import([raw(_notice(1, nature="", main_cpv=WORKS_CPV, lots=[]))])

    assert (report.run.created, report.run.failed) == (1, 0)
    assert Tender.objects.get().nature == "works"


def test_a_contract_ending_before_it_starts_is_kept_without_its_end_date():
    dropped: list[tuple[str, str]] = []
    row = {"supplier_name": "Leverancier", "start_date": date(2025, 6, 1), "end_date": date(2025, 1, 1)}

    Validator().row(Contract, row, dropped=dropped)

    assert row["end_date"] is None
    assert row["start_date"] == date(2025, 6, 1)
    ((field, message),) = dropped
    assert field == "end_date"
    assert str(gettext("The end date lies before the start date.")) in message


def test_a_rule_that_is_not_droppable_still_fails_the_notice():
    application = MVIApplication(award_weight=Decimal(10))  # a weight without the form award criterion
    with pytest.raises(ValidationError):
        Validator().instance(application, dropped=[])
