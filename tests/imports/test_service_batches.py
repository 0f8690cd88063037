"""The import service's chunked path: new notices of a chunk are written together, the rest one at a time.

These tests run notices through one chunk (the default chunk is larger than each test's input) and check that the
shared write keeps the guarantees of the per-notice path: a bad notice fails alone, a re-run writes nothing, new
notices and updates mix, and an older notice never takes a tender back.
"""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from mvimonitor.bulk import RowWriter
from mvimonitor.dashboards.models import TenderFact
from mvimonitor.imports import notices as n
from mvimonitor.imports.models import ImportedTender, ImportFailure, MVIProposal, SourceRecord
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import AwardCriterion, Contract, Lot, Tender
from tests.factories import OrganisationFactory

from .conftest import make_notice, raw

pytestmark = pytest.mark.usefixtures("shipped_reference")


def _history_rows() -> int:
    return sum(
        model.history.count()  # type: ignore[attr-defined]
        for model in (Tender, Lot, AwardCriterion, Contract, Organisation)
    )


def _notice(i: int, **changes: Any) -> n.Notice:
    values = {"notice_id": f"notice-{i}", "procedure_id": f"procedure-{i}", "title": f"Opdracht {i}", **changes}
    return make_notice(**values)


def test_a_chunk_of_new_notices_is_written_with_a_fixed_number_of_queries(run_import):
    OrganisationFactory(name="Gemeente Voorbeeld", national_id="00000001234567890000")  # the notices' buyer
    run_import([raw(_notice(200))])  # the first run also creates the facts' version row
    with CaptureQueriesContext(connection) as few:
        run_import([raw(_notice(i)) for i in range(3)])
    with CaptureQueriesContext(connection) as many:
        run_import([raw(_notice(i)) for i in range(100, 130)])

    assert Tender.objects.count() == 34
    assert len(many.captured_queries) == len(few.captured_queries)


def test_every_row_of_a_chunk_is_stored_with_its_history(run_import):
    report = run_import([raw(_notice(i, buyer=n.Party(name=f"Nieuwe dienst {i % 2}"))) for i in range(4)])

    assert (report.run.created, report.run.failed) == (4, 0)
    assert Organisation.objects.filter(name__startswith="Nieuwe dienst").count() == 2
    assert Lot.objects.count() == 4
    assert AwardCriterion.objects.count() == 8
    assert MVIProposal.objects.count() == 4
    assert SourceRecord.objects.filter(tender__isnull=False).count() == 4
    assert Tender.history.count() == 4  # type: ignore[attr-defined]
    assert AwardCriterion.history.count() == 8  # type: ignore[attr-defined]
    for tender in Tender.objects.all():
        link = ImportedTender.objects.get(tender=tender)
        assert link.latest_notice_id == f"notice-{tender.title.split()[-1]}"
        assert link.imported_values["title"] == tender.title
        assert TenderFact.objects.filter(tender=tender).exists()


def test_a_bad_notice_in_a_chunk_fails_alone_naming_file_notice_and_field(run_import):
    bad = _notice(2, buyer=n.Party(name="Dienst van de slechte aankondiging"))
    bad.lots[0].award_criteria = [n.AwardCriterion("quality", "Kwaliteit", weight=Decimal("120"))]  # above 100%

    report = run_import([raw(_notice(1)), raw(bad, file="slecht.xml"), raw(_notice(3))])

    assert (report.run.created, report.run.failed) == (2, 1)
    failure = ImportFailure.objects.get(severity="error")
    assert (failure.file, failure.notice) == ("slecht.xml", "notice-2")
    assert failure.field == "notice.weight"
    assert set(Tender.objects.values_list("title", flat=True)) == {"Opdracht 1", "Opdracht 3"}
    assert not SourceRecord.objects.filter(notice_id="notice-2").exists()
    assert not Organisation.objects.filter(name="Dienst van de slechte aankondiging").exists()


def test_when_the_shared_write_fails_the_chunk_is_imported_one_by_one(run_import, monkeypatch):
    real_insert = RowWriter.insert

    def insert(self: RowWriter, model: Any, rows: list[dict[str, Any]], **kwargs: Any) -> None:
        if model is SourceRecord and any(row["notice_id"] == "notice-2" for row in rows):
            raise IntegrityError("simulated: the database refused notice-2")
        real_insert(self, model, rows, **kwargs)

    monkeypatch.setattr(RowWriter, "insert", insert)

    report = run_import([raw(_notice(i), file=f"{i}.xml") for i in range(1, 4)])

    assert (report.run.created, report.run.failed) == (2, 1)
    failure = ImportFailure.objects.get(severity="error")
    assert (failure.file, failure.notice) == ("2.xml", "notice-2")
    assert "notice-2" in failure.message
    assert set(Tender.objects.values_list("title", flat=True)) == {"Opdracht 1", "Opdracht 3"}
    assert Lot.objects.count() == 2  # nothing of notice-2 was left behind by the rolled-back shared write
    assert Tender.history.count() == 2  # type: ignore[attr-defined]
    assert SourceRecord.objects.count() == 2


def test_re_running_a_chunk_writes_nothing(run_import):
    chunk = [raw(_notice(i)) for i in range(5)]
    run_import(chunk)
    history = _history_rows()

    report = run_import(chunk)

    assert (report.run.seen, report.run.created, report.run.updated, report.run.unchanged) == (5, 0, 0, 5)
    assert _history_rows() == history
    assert SourceRecord.objects.count() == 5
    assert Tender.objects.count() == 5


def test_new_notices_and_updates_mix_in_one_chunk(run_import):
    run_import([raw(_notice(1))])
    update = _notice(1, version="02", title="Opdracht 1, gewijzigd")
    new = _notice(2)
    same_procedure_later = make_notice(
        notice_id="notice-2-result",
        procedure_id="procedure-2",
        family=n.NoticeFamily.RESULT,
        notice_type="can-standard",
        publication_date=date(2025, 9, 1),
        results=[n.LotResult(lot_id="LOT-0001", winners=[n.Party(name="Schoon BV", kvk_number="12345678")])],
    )

    report = run_import([raw(update), raw(new), raw(same_procedure_later)])

    assert (report.run.created, report.run.updated, report.run.failed) == (1, 2, 0)
    assert Tender.objects.count() == 2
    assert Tender.objects.filter(title="Opdracht 1, gewijzigd").exists()
    contract = Contract.objects.get()
    assert contract.lot.tender.import_link.procedure_id == "procedure-2"
    assert ImportedTender.objects.get(procedure_id="procedure-2").latest_notice_id == "notice-2-result"


def test_an_older_version_after_a_newer_one_is_kept_but_not_applied(run_import):
    run_import([raw(_notice(1, version="02", title="Versie 2"))])

    report = run_import([raw(_notice(1, version="01", title="Versie 1"), file="oud.xml")])

    tender = Tender.objects.get()
    assert tender.title == "Versie 2"
    assert set(SourceRecord.objects.filter(tender=tender).values_list("version", flat=True)) == {"01", "02"}
    assert (report.run.unchanged, report.run.updated, report.run.failed) == (1, 0, 0)
    warning = ImportFailure.objects.get(run=report.run, severity="warning")
    assert (warning.file, warning.notice, warning.field) == ("oud.xml", "notice-1", "version")
    assert "notice-1" in warning.message  # names the newer notice already applied and its version
    assert "02" in warning.message
    assert ImportedTender.objects.get().latest_version == "02"


def test_an_older_notice_of_the_procedure_is_not_applied_after_a_newer_one(run_import):
    corrigendum = make_notice(
        notice_id="corrigendum",
        procedure_id="procedure-1",
        family=n.NoticeFamily.CHANGE,
        publication_date=date(2025, 4, 1),
        title="Titel na rectificatie",
    )
    original = _notice(1, publication_date=date(2025, 3, 1))

    report = run_import([raw(corrigendum), raw(original, file="origineel.xml")])  # one chunk, out of order

    tender = Tender.objects.get()
    assert tender.title == "Titel na rectificatie"
    assert SourceRecord.objects.filter(tender=tender, notice_id="notice-1").exists()
    warning = ImportFailure.objects.get(severity="warning")
    assert (warning.file, warning.field) == ("origineel.xml", "publication_date")
    assert (report.run.created, report.run.unchanged) == (1, 1)


def test_a_newer_notice_after_an_older_one_still_applies(run_import):
    run_import([raw(_notice(1, publication_date=date(2025, 3, 1)))])

    report = run_import(
        [
            raw(
                make_notice(
                    notice_id="later", procedure_id="procedure-1", publication_date=date(2025, 5, 1), title="Later"
                )
            )
        ]
    )

    assert report.run.updated == 1
    assert Tender.objects.get().title == "Later"
    assert ImportedTender.objects.get().latest_publication_date == date(2025, 5, 1)


def _outcome() -> tuple[Any, ...]:
    return (
        sorted(Tender.objects.values_list("title", "estimated_value")),
        sorted(SourceRecord.objects.values_list("notice_id", "sha256")),
        Lot.objects.count(),
        MVIProposal.objects.count(),
        sorted(ImportFailure.objects.values_list("notice", "field", "message")),
    )


def _mixed_input() -> list[n.RawNotice]:
    items = [raw(_notice(i)) for i in range(6)]
    items.insert(2, n.RawNotice(file="broken.xml", locator="", raw=b"<x", error=n.ReadError("malformed XML")))
    items.append(raw(_notice(3, version="2", estimated_value=Decimal("999"))))  # an update of notice-3's tender
    items.append(raw(_notice(7, title="")))  # fails: a new tender needs a title
    return items


def test_reading_ahead_in_a_second_thread_stores_exactly_what_one_thread_stores(run_import):
    """The read-ahead thread only reads (the database stays in the calling thread): same records, same report."""
    OrganisationFactory(name="Gemeente Voorbeeld", national_id="00000001234567890000")
    inline = run_import(_mixed_input())
    stored = _outcome()
    assert (inline.run.created, inline.run.updated, inline.run.failed) == (6, 1, 2)
    Tender.objects.all().delete()
    SourceRecord.objects.all().delete()
    ImportFailure.objects.all().delete()
    ImportedTender.objects.all().delete()

    ahead = run_import(_mixed_input(), read_ahead=True)

    assert (ahead.run.created, ahead.run.updated, ahead.run.failed) == (6, 1, 2)
    assert [f.file for f in ahead.failures] == [f.file for f in inline.failures]
    assert _outcome() == stored


@pytest.mark.parametrize("read_ahead", [False, True])
def test_an_input_that_breaks_off_keeps_what_was_read_before(run_import, read_ahead: bool):
    def broken() -> Any:
        yield raw(_notice(1))
        yield raw(_notice(2))
        raise n.ReadError("the archive is damaged", file="daily.tar.gz")

    report = run_import(broken(), read_ahead=read_ahead)

    assert report.run.status == "failed"
    assert report.run.created == 2
    assert Tender.objects.count() == 2
    assert [f.file for f in report.failures] == ["daily.tar.gz"]
