"""The data-quality page: for the active organisation and nationally, how complete the record of a year is, how
long registration takes after publication, what is still to review, and how much of it imports filled."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import chosen_year
from mvimonitor.tenders.models import Tender

from .definitions import DEFINITION_VERSION
from .figures import compute, national_figures, organisation_figures
from .rows import rows


def _years() -> list[int]:
    published = Tender.objects.exclude(publication_date=None).dates("publication_date", "year", order="DESC")
    return [day.year for day in published] or [timezone.now().year]


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    years = _years()
    year = chosen_year(request, years)
    computed = compute(year)
    own = organisation_figures(computed, organisation.pk) if organisation is not None else None
    national = national_figures(computed)
    context: dict[str, Any] = {
        "organisation": organisation,
        "years": years,
        "year": year,
        "own": own,
        "national": national,
        "rows": rows(own, national),
        "definition_version": DEFINITION_VERSION,
    }
    return render(request, "dataquality/overview.html", context)
