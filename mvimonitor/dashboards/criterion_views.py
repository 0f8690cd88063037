"""The page of one criterion of the MVI catalogue: what it says, in the reader's language (Dutch when there is no
English text), the same criterion in every release that has it, and how often it is used in tenders.

It lives here and not in `themes` because the use in tenders is a monitoring figure: the organisation's own count
beside the national one, read from `criteria_use` so the national count passes the same disclosure control (the
cells of a year are decided together) as on the criteria-use page.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.tenders.criteria_selectors import criteria_queryset, criterion_view
from mvimonitor.tenders.models import MVIApplication
from mvimonitor.themes.models import CriteriaRelease, Criterion, in_language

from .criteria_use import Figure, criteria_use


@dataclass(frozen=True, slots=True)
class Version:
    """The criterion in one release, for the history table."""

    pk: int
    code: str
    title: str
    release: CriteriaRelease
    status: str
    is_shown: bool  # the version this page is about


@dataclass(frozen=True, slots=True)
class YearUse:
    year: int
    figure: Figure


def history(criterion: Criterion) -> list[Version]:
    """The same criterion in every release that has it, oldest release first (`Criterion.history`)."""
    return [
        Version(
            row.pk,
            row.code,
            in_language(row.title, row.title_en),
            row.release,
            row.get_status_display(),
            row.pk == criterion.pk,
        )
        for row in criterion.history()
    ]


def _years_used(criterion: Criterion) -> list[int]:
    """The publication years of the tenders (not withdrawn) that apply the criterion, newest first."""
    dates = (
        MVIApplication.objects.filter(
            criterion=criterion,
            lot__tender__publication_date__isnull=False,
            lot__tender__withdrawn_at__isnull=True,
        )
        .dates("lot__tender__publication_date", "year", order="DESC")
        .distinct()
    )
    return [day.year for day in dates]


def criterion_use(criterion: Criterion, *, organisation_id: int | None) -> list[YearUse]:
    """Per year in which tenders apply the criterion: the organisation's own count and the national one (None when
    disclosure control hides it), as on the criteria-use page of that year."""
    found = []
    for year in _years_used(criterion):
        use = criteria_use(year=year, organisation_id=organisation_id)
        row = next((row for row in use.criteria if row.criterion.pk == criterion.pk), None)
        if row is not None:
            found.append(YearUse(year, row.figure))
    return found


@login_required
@require_GET
def criterion_page(request: HttpRequest, criterion_id: int) -> HttpResponse:
    criterion = get_object_or_404(
        criteria_queryset().select_related("product_group__cluster", "form"), pk=criterion_id
    )
    organisation, _choices = active_organisation_for(request)
    context: dict[str, Any] = {
        "criterion": criterion,
        "view": criterion_view(criterion),  # texts in the reader's language, the main theme first
        "history": history(criterion),
        "organisation": organisation,
        "use": criterion_use(criterion, organisation_id=organisation.pk if organisation else None),
    }
    return render(request, "themes/criterion/detail.html", context)
