"""A run with many failures (a hundred thousand in a big import): its page shows them a hundred at a time per
severity, with the counts, and a CSV download gives all of them, streamed."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from mvimonitor.imports import selectors
from mvimonitor.imports.models import ImportFailure, ImportRun, RunStatus, Severity
from mvimonitor.organisations.models import Role
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def finished_run(errors: int, warnings: int) -> ImportRun:
    organisation = OrganisationFactory()
    run = ImportRun.objects.create(
        organisation=organisation,
        source_description="big.zip",
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        failed=0,  # so that the count on the page comes from the failures
    )
    ImportFailure.objects.bulk_create(
        [
            ImportFailure(run=run, file=f"big.zip!/{i}.xml", notice=f"error-{i:06d}", field="BT-701", message="bad")
            for i in range(errors)
        ]
        + [
            ImportFailure(
                run=run, severity=Severity.WARNING, file="big.zip!/w.xml", notice=f"warning-{i}", message="x"
            )
            for i in range(warnings)
        ],
        batch_size=5000,
    )
    return run


def test_a_run_with_many_failures_shows_them_a_page_at_a_time(make_member, logged_in) -> None:
    run = finished_run(20_001, 3)
    client = logged_in(make_member(Role.LEZER, run.organisation))
    url = reverse("imports:run-detail", args=[run.pk])

    page = client.get(url)

    html = page.content.decode()
    assert page.status_code == 200
    assert len(page.content) < 200_000
    assert html.count("error-0") == 100  # the first hundred errors
    assert "error-000099" in html
    assert "error-000100" not in html
    assert html.count("warning-") == 3
    assert "20001" in html.replace(".", "").replace("\u00a0", "")  # the count, in any language
    assert "?errors=201#errors" in html  # the last page is linked
    last = client.get(url, {"errors": 201, "warnings": 1}).content.decode()
    assert "error-020000" in last
    assert "error-019999" not in last
    assert last.count("warning-") == 3  # the other section keeps its page


def test_the_csv_download_streams_every_failure(make_member, logged_in) -> None:
    run = finished_run(250, 2)
    ImportFailure.objects.create(run=run, file="=HYPERLINK(1)", notice="n", message="m")
    client = logged_in(make_member(Role.LEZER, run.organisation))

    response = client.get(reverse("imports:run-detail", args=[run.pk]), {"download": "csv"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 1 + 253
    assert rows[1][1:5] == ["big.zip!/0.xml", "", "error-000000", "BT-701"]
    assert rows[-1][1] == "'=HYPERLINK(1)"  # never run as a formula by a spreadsheet


def test_the_csv_of_a_run_i_may_not_see_is_not_found(make_member, logged_in) -> None:
    run = finished_run(1, 0)
    client = logged_in(make_member(Role.INKOPER))  # a member of another organisation

    response = client.get(reverse("imports:run-detail", args=[run.pk]), {"download": "csv"})

    assert response.status_code == 404


def test_the_selectors_give_a_page_counts_and_every_row() -> None:
    run = finished_run(150, 4)

    page = selectors.failure_page(run, Severity.ERROR, 2)
    assert [f.notice for f in page.object_list][:2] == ["error-000100", "error-000101"]
    assert (page.paginator.count, page.paginator.num_pages) == (150, 2)
    assert selectors.failure_page(run, Severity.ERROR, "nonsense").number == 1
    assert selectors.failure_counts(run) == {Severity.ERROR: 150, Severity.WARNING: 4}
    assert sum(1 for _ in selectors.failure_rows(run)) == 154
