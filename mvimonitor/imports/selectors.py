"""Reads of an import run that need care: its failures, which can number a hundred thousand, a page at a time, counted
per severity, or streamed whole, for the run page, its CSV download and the API.

None of these checks access: the caller has fetched the run through `organisations.access` first.
"""

from collections.abc import Iterator

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from .models import ImportFailure, ImportRun, Severity

FAILURES_PER_PAGE = 100
FAILURE_COLUMNS = ("severity", "file", "locator", "notice", "field", "message")


def run_failures(run: ImportRun, severity: str | None = None) -> QuerySet[ImportFailure]:
    """The failures of `run` (of one severity, when given) in the order they were found."""
    failures = ImportFailure.objects.filter(run=run).order_by("pk")
    return failures.filter(severity=severity) if severity else failures


def failure_counts(run: ImportRun) -> dict[str, int]:
    """How many failures `run` has of each severity (`Severity` value -> count), in one query."""
    counts = dict.fromkeys(Severity.values, 0)
    rows = ImportFailure.objects.filter(run=run).values_list("severity").annotate(count=Count("pk")).order_by()
    counts.update(dict(rows))
    return counts


def failure_page(
    run: ImportRun, severity: str | None, number: str | int | None, *, per_page: int = FAILURES_PER_PAGE
) -> Page[ImportFailure]:
    """One page of the failures of `run` (of one severity, when given); a page number that is not one gives the
    first page, one past the end the last."""
    return Paginator(run_failures(run, severity), per_page).get_page(number)


def failure_rows(run: ImportRun) -> Iterator[tuple[str, ...]]:
    """Every failure of `run` as (severity, file, locator, notice, field, message), read in chunks, never all at
    once."""
    rows = run_failures(run).values_list(*FAILURE_COLUMNS)
    for row in rows.iterator(chunk_size=2000):
        yield tuple(str(value) for value in row)
