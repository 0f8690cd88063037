"""The TenderNed pull against a stand-in server on 127.0.0.1: paging, the cursor, resuming, and every HTTP answer the
pull must handle (401, 404, 429, 5xx). Real notices from ../shared/data play the publications."""

import io
import logging
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from mvimonitor.imports.models import ImportFailure, ImportRun, PullCursor, RunStatus, Severity, SourceRecord
from mvimonitor.imports.runs import clear_stop, request_stop
from mvimonitor.imports.tenderned_api import (
    TenderNedClient,
    TenderNedConfig,
    TenderNedError,
    read_listing_page,
    retry_after,
)
from mvimonitor.imports.tenderned_pull import HEARTBEAT_SECONDS, _Feed, plan_pull, pull_tenderned, pull_tenderned_task
from tests.imports.tenderned_server import LISTING, MockTenderNed

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages are asserted in English (the default language is Dutch)."""
    with translation.override("en"):
        yield


NOTICES = [  # (publication id, date, file under ../shared/data), in the order the pull imports them
    ("300001", "2025-03-03", "eforms/examples/cn_24_minimal.xml"),
    ("300002", "2025-03-03", "ted/r2.0.9/20-377805-001-EXP.xml"),
    ("300010", "2025-03-03", "eforms/examples/cn_24_open.xml"),
    ("299999", "2025-03-04", "eforms/examples/cn-social_25.xml"),
    ("300003", "2025-03-04", "ted/r2.0.9/21-064844-001-EXP.xml"),
    ("300004", "2025-03-05", "eforms/examples/can_24_minimal.xml"),
    ("300005", "2025-03-05", "eforms/examples/subco_81.xml"),
]
IDS = [identifier for identifier, _day, _file in NOTICES]


@pytest.fixture
def tenderned(shared_data: Path) -> Iterator[MockTenderNed]:
    mock = MockTenderNed()
    for identifier, day, file in NOTICES:
        mock.publish(identifier, f"{day}T00:00:00", (shared_data / file).read_bytes())
    mock.start()
    yield mock
    mock.stop()


@pytest.fixture
def config(tenderned: MockTenderNed) -> TenderNedConfig:
    return TenderNedConfig(
        base_url=tenderned.base_url,
        user=tenderned.user,
        password=tenderned.password,
        timeout=5,
        attempts=3,
        backoff=0.01,
        max_wait=2,
        page_size=2,
    )


def _pull(config: TenderNedConfig, since: date | None = date(2025, 3, 1), **options: object) -> ImportRun:
    pulled = pull_tenderned(since=since, config=config, batch_size=2, **options)  # type: ignore[arg-type]
    return pulled.run


def _cursor() -> tuple[date, str] | None:
    cursor = PullCursor.objects.first()
    return None if cursor is None else (cursor.last_publication_date, cursor.last_publication_id)


def test_pulls_every_page_and_imports_each_publication_once_in_date_order(tenderned, config):
    run = _pull(config)

    assert (run.status, run.seen, run.failed) == (RunStatus.DONE, 7, 0)
    assert run.created + run.updated == 7
    assert run.source_description.startswith(f"tenderned pull {tenderned.base_url}/publicaties 2025-03-01")
    assert [s.query["page"] for s in tenderned.listing_requests()] == ["0", "1", "2", "3"]  # 7 entries, 2 a page
    assert {s.query["publicatieDatumVanaf"] for s in tenderned.listing_requests()} == {"2025-03-01"}
    # the list comes newest first; the pull imports by (date, id), numeric ids in numeric order
    fetched = [s.path.split("/")[-2] for s in tenderned.xml_requests()]
    assert fetched == IDS
    records = SourceRecord.objects.filter(run=run)
    assert records.count() == 7
    assert set(records.values_list("source_format", flat=True)) == {"eforms", "ted-r2.0.9"}  # told apart by content
    assert set(records.values_list("locator", flat=True)) == {f"publicatieId {i}" for i in IDS}
    assert (
        records.get(locator="publicatieId 300002").file_name == f"{tenderned.base_url}/publicaties/300002/public-xml"
    )
    assert _cursor() == (date(2025, 3, 5), "300005")
    cursor = PullCursor.objects.get()
    assert (cursor.endpoint, cursor.since, cursor.run) == (f"{tenderned.base_url}/publicaties", date(2025, 3, 1), run)


def test_a_later_pull_goes_on_from_the_cursor_and_fetches_only_what_is_new(tenderned, config, shared_data):
    _pull(config)
    tenderned.publish("300006", "2025-03-05", (shared_data / "eforms/examples/can-social_24.xml").read_bytes())
    tenderned.publish("300007", "2025-03-06", (shared_data / "eforms/examples/pin-cfc_25.xml").read_bytes())
    tenderned.seen.clear()

    run = _pull(config, since=None)

    assert {s.query["publicatieDatumVanaf"] for s in tenderned.listing_requests()} == {"2025-03-05"}
    assert [s.path.split("/")[-2] for s in tenderned.xml_requests()] == ["300006", "300007"]
    assert (run.status, run.seen) == (RunStatus.DONE, 2)
    assert _cursor() == (date(2025, 3, 6), "300007")
    assert PullCursor.objects.get().since == date(2025, 3, 1)  # the range goes on


def test_an_interrupted_pull_resumes_after_the_last_committed_publication_without_duplicates(tenderned, config):
    tenderned.fail_always("300003", (503, {}, b"Service Unavailable"))

    first = _pull(config)

    assert first.status == RunStatus.FAILED
    assert "did not answer after 3 attempts (last: HTTP 503)" in first.message
    assert len(tenderned.xml_requests("300003")) == 3  # bounded attempts
    # chunks of two: 300001+300002 committed, then 300010+299999, then the pull stopped at 300003
    assert _cursor() == (date(2025, 3, 4), "299999")
    assert SourceRecord.objects.count() == 4
    imported = set(SourceRecord.objects.values_list("notice_id", flat=True))

    tenderned.heal()
    tenderned.seen.clear()
    second = _pull(config)

    assert [s.path.split("/")[-2] for s in tenderned.xml_requests()] == ["300003", "300004", "300005"]
    assert (second.status, second.seen, second.unchanged, second.failed) == (RunStatus.DONE, 3, 0, 0)
    assert SourceRecord.objects.count() == 7
    assert imported < set(SourceRecord.objects.values_list("notice_id", flat=True))
    assert _cursor() == (date(2025, 3, 5), "300005")


def test_pulling_again_from_the_start_finds_everything_unchanged(tenderned, config):
    _pull(config)
    records = SourceRecord.objects.count()

    again = _pull(config, ignore_cursor=True)

    assert (again.status, again.seen, again.unchanged, again.created, again.updated) == (RunStatus.DONE, 7, 7, 0, 0)
    assert SourceRecord.objects.count() == records


def test_a_list_that_stays_unavailable_fails_clearly_and_keeps_the_cursor(tenderned, config, shared_data):
    _pull(config)
    before = PullCursor.objects.get()
    tenderned.publish("300008", "2025-03-07", (shared_data / "eforms/examples/cn_24_maximal.xml").read_bytes())
    tenderned.fail_always(LISTING, (500, {}, b"Internal Server Error"))

    run = _pull(config, since=None)

    assert run.status == RunStatus.FAILED
    assert "TenderNed did not answer after 3 attempts (last: HTTP 500)" in run.message
    assert "cursor stays" in run.message
    assert len(tenderned.listing_requests()) == 4 + 3  # the first pull's four pages, then three tries
    after = PullCursor.objects.get()
    assert (after.last_publication_date, after.last_publication_id, after.run_id, after.since) == (
        before.last_publication_date,
        before.last_publication_id,
        before.run_id,
        before.since,
    )
    assert not SourceRecord.objects.filter(run=run).exists()


def test_server_errors_are_tried_again_and_the_pull_succeeds(tenderned, config):
    tenderned.fail(LISTING, (500, {}, b"oops"))
    tenderned.fail("300004", (502, {}, b"Bad Gateway"), (503, {}, b"Service Unavailable"))

    run = _pull(config)

    assert (run.status, run.seen, run.failed) == (RunStatus.DONE, 7, 0)
    assert len(tenderned.xml_requests("300004")) == 3
    assert len(tenderned.listing_requests()) == 5  # page 0 twice
    assert _cursor() == (date(2025, 3, 5), "300005")


def test_refused_credentials_stop_at_once_and_name_the_settings(tenderned, config, caplog):
    tenderned.password = "another-password"
    caplog.set_level(logging.DEBUG)

    run = _pull(config)

    assert run.status == RunStatus.FAILED
    assert "TenderNed refused the credentials (HTTP 401)" in run.message
    assert "MVIMONITOR_TENDERNED_USER" in run.message
    assert "MVIMONITOR_TENDERNED_PASSWORD" in run.message
    assert len(tenderned.seen) == 1  # not tried again
    assert _cursor() is None
    assert config.password not in run.message
    assert config.password not in caplog.text
    assert all(config.password not in f.message for f in ImportFailure.objects.all())


def test_too_many_requests_waits_as_retry_after_asks(tenderned, config):
    tenderned.fail("300002", (429, {"Retry-After": "1"}, b"Too Many Requests"))

    run = _pull(config)

    assert (run.status, run.seen, run.failed) == (RunStatus.DONE, 7, 0)
    refused, retried = tenderned.xml_requests("300002")
    assert retried.at - refused.at >= 1.0


def test_too_many_requests_for_longer_than_the_pull_waits_stops_without_waiting(tenderned, config):
    tenderned.fail("300001", (429, {"Retry-After": "3600"}, b"Too Many Requests"))

    run = _pull(config)

    assert run.status == RunStatus.FAILED
    assert "asks to wait 3600 seconds" in run.message
    assert len(tenderned.xml_requests()) == 1
    assert _cursor() is None


def test_a_publication_without_xml_is_a_failure_of_that_notice_and_the_pull_goes_on(tenderned, config):
    del tenderned.xml["300010"]
    tenderned.xml["300003"] = b""

    run = _pull(config)

    assert (run.status, run.seen, run.failed) == (RunStatus.DONE, 7, 2)
    failures = ImportFailure.objects.filter(run=run, severity=Severity.ERROR).order_by("notice")
    assert [(f.notice, f.locator) for f in failures] == [
        ("300003", "publicatieId 300003"),
        ("300010", "publicatieId 300010"),
    ]
    assert "no public XML for publication 300003 (an empty answer)" in failures[0].message
    assert "no public XML for publication 300010 (HTTP 404)" in failures[1].message
    assert SourceRecord.objects.count() == 5
    assert _cursor() == (date(2025, 3, 5), "300005")


def test_the_command_reads_the_credentials_from_the_settings_and_reports_the_run(tenderned, settings):
    settings.MVIMONITOR_TENDERNED_URL = tenderned.base_url
    settings.MVIMONITOR_TENDERNED_USER = tenderned.user
    settings.MVIMONITOR_TENDERNED_PASSWORD = tenderned.password
    settings.MVIMONITOR_TENDERNED_PAGE_SIZE = 3
    out, err = io.StringIO(), io.StringIO()

    call_command("pull_tenderned", "--since", "2025-03-04", "--until", "2025-03-04", stdout=out, stderr=err)

    run = ImportRun.objects.get()
    assert f"TenderNed pull, import run {run.pk}: 2 publications to import, 2 notices seen" in out.getvalue()
    assert "cursor 2025-03-04 300003." in out.getvalue()
    assert {s.query.get("publicatieDatumTot") for s in tenderned.listing_requests()} == {"2025-03-04"}
    assert tenderned.password not in out.getvalue() + err.getvalue()


def test_the_command_queues_the_pull_as_a_task(tenderned, settings):
    # the tests' task backend runs a task as soon as it is queued
    settings.MVIMONITOR_TENDERNED_URL = tenderned.base_url
    settings.MVIMONITOR_TENDERNED_USER = tenderned.user
    settings.MVIMONITOR_TENDERNED_PASSWORD = tenderned.password
    out = io.StringIO()

    call_command("pull_tenderned", "--enqueue", "--since", "2025-03-05", stdout=out)

    assert "queued for the import worker" in out.getvalue()
    run = ImportRun.objects.get()
    assert (run.status, run.seen) == (RunStatus.DONE, 2)


def test_the_command_refuses_to_run_without_credentials(settings):
    settings.MVIMONITOR_TENDERNED_USER = ""
    settings.MVIMONITOR_TENDERNED_PASSWORD = ""

    with pytest.raises(CommandError, match="MVIMONITOR_TENDERNED_USER and MVIMONITOR_TENDERNED_PASSWORD"):
        call_command("pull_tenderned", "--since", "2025-03-01")
    with pytest.raises(ImproperlyConfigured):
        pull_tenderned(since=date(2025, 3, 1))
    assert not ImportRun.objects.exists()


def test_the_first_pull_needs_a_date(settings, config):
    with pytest.raises(ValidationError, match="first publication date"):
        pull_tenderned(since=None, config=config)


# -- the cursor's range, the list's shape and the HTTP details, without a server --------------------------------------


def _cursor_at(since: date, last: date, identifier: str = "5") -> PullCursor:
    return PullCursor(endpoint="e", since=since, last_publication_date=last, last_publication_id=identifier)


@pytest.mark.parametrize(
    ("since", "start", "after"),
    [
        (None, date(2025, 3, 10), True),  # goes on
        (date(2025, 3, 1), date(2025, 3, 10), True),  # inside the range: goes on
        (date(2025, 3, 10), date(2025, 3, 10), True),
        (date(2025, 2, 1), date(2025, 2, 1), False),  # before the range: a new range
        (date(2025, 4, 1), date(2025, 4, 1), False),  # after its end: a new range (nothing in between is assumed)
    ],
)
def test_a_pull_goes_on_from_the_cursor_only_inside_its_range(since, start, after):
    plan = plan_pull(_cursor_at(date(2025, 3, 1), date(2025, 3, 10)), since=since)

    assert plan.start == start
    assert (plan.after is not None) is after
    assert plan.range_since == (date(2025, 3, 1) if after else since)


def test_ignoring_the_cursor_starts_a_new_range():
    plan = plan_pull(_cursor_at(date(2025, 3, 1), date(2025, 3, 10)), since=date(2025, 3, 2), ignore_cursor=True)

    assert (plan.start, plan.after, plan.range_since) == (date(2025, 3, 2), None, date(2025, 3, 2))


def test_a_listing_page_is_read_as_observed_and_bad_entries_are_named():
    page = read_listing_page(
        {
            "content": [
                {"publicatieId": "12", "publicatieDatum": "2025-03-03T10:15:00", "typePublicatie": {"code": "AGO"}},
                {"publicatieId": 13, "publicatieDatum": "2025-03-04"},
                {"publicatieId": "", "publicatieDatum": "2025-03-04"},
                {"publicatieId": "14", "publicatieDatum": "03-04-2025"},
            ],
            "totalPages": 3,
            "last": False,
        },
        page=1,
    )

    assert [(p.publication_id, p.publication_date, p.publication_type) for p in page.publications] == [
        ("12", date(2025, 3, 3), "AGO"),
        ("13", date(2025, 3, 4), ""),
    ]
    assert len(page.problems) == 2
    assert "entry 2 of page 1" in page.problems[0]
    assert page.last is False
    assert read_listing_page({"content": [], "last": False}, page=4).last is True
    assert (
        read_listing_page({"content": [{"publicatieId": "1", "publicatieDatum": "2025-01-01"}]}, page=2).last is False
    )
    assert read_listing_page({"content": [], "totalPages": 3}, page=2).last is True
    with pytest.raises(ValueError, match="not a page of publications"):
        read_listing_page([{"publicatieId": "1"}], page=0)


def test_retry_after_is_read_as_seconds_or_as_a_date():
    now = retry_after("Wed, 21 Oct 2015 07:28:00 GMT")

    assert retry_after("7") == 7.0
    assert now == 0.0  # a moment past
    assert retry_after("soon") is None
    assert retry_after(None) is None


def test_an_address_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="MVIMONITOR_TENDERNED_URL"):
        TenderNedClient(TenderNedConfig(base_url="file:///etc/passwd"))


def test_a_redirect_to_another_host_is_not_followed_with_the_credentials(tenderned, config):
    tenderned.fail(LISTING, (302, {"Location": "http://localhost:9/steal"}, b""))

    with pytest.raises(TenderNedError, match="HTTP 302"):
        list(TenderNedClient(config).publications(since=date(2025, 3, 1)))


def test_a_stopping_worker_hands_the_pull_over_to_a_new_run_that_goes_on_from_the_cursor(tenderned, settings):
    settings.MVIMONITOR_TENDERNED_URL = tenderned.base_url
    settings.MVIMONITOR_TENDERNED_USER = tenderned.user
    settings.MVIMONITOR_TENDERNED_PASSWORD = tenderned.password
    settings.MVIMONITOR_IMPORT_BATCH_SIZE = 4
    # as the worker does on SIGTERM: each run stops after its chunk (the tests' backend runs a queued task at once)
    request_stop()
    try:
        pull_tenderned_task.enqueue(since="2025-03-01")
    finally:
        clear_stop()

    runs = list(ImportRun.objects.order_by("pk"))
    assert [(r.status, r.seen) for r in runs] == [(RunStatus.DONE, 4), (RunStatus.DONE, 3), (RunStatus.DONE, 0)]
    assert "The worker stopped after 4 notices; the pull goes on from there in a new run." in runs[0].message
    assert SourceRecord.objects.count() == 7
    assert [s.path.split("/")[-2] for s in tenderned.xml_requests()] == IDS  # each fetched once
    assert _cursor() == (date(2025, 3, 5), "300005")


def test_a_second_pull_is_refused_while_one_is_running(config):
    ImportRun.objects.create(
        source_description=f"tenderned pull {config.endpoint} 2025-03-01..",
        status=RunStatus.RUNNING,
        heartbeat_at=timezone.now(),
        worker="elsewhere:1",
    )

    with pytest.raises(ValidationError, match="is pulling from TenderNed already"):
        pull_tenderned(since=date(2025, 3, 1), config=config)
    assert ImportRun.objects.count() == 1


def test_a_pull_shows_signs_of_life_while_it_asks_tenderned_between_commits(config):
    old = timezone.now() - timedelta(hours=1)
    run = ImportRun.objects.create(
        source_description="tenderned pull x", status=RunStatus.RUNNING, heartbeat_at=old, worker="here:1"
    )
    plan = plan_pull(None, since=date(2025, 3, 1))
    feed = _Feed(TenderNedClient(config), plan, run)

    feed.alive()  # just made: not yet
    run.refresh_from_db()
    assert run.heartbeat_at == old

    feed.stamped -= HEARTBEAT_SECONDS
    feed.alive()
    run.refresh_from_db()
    assert run.heartbeat_at > old
