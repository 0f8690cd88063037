"""The criteria-use page: how the catalogue's criteria are used, the organisation's own counts beside the national
ones (after disclosure control), and the saturation signal for the catalogue's editors."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import chosen_year
from mvimonitor.tenders.models import MVIApplication

from .criteria_use import criteria_use


def _years() -> list[int]:
    dates = (
        MVIApplication.objects.filter(criterion__isnull=False, lot__tender__publication_date__isnull=False)
        .dates("lot__tender__publication_date", "year", order="DESC")
        .distinct()
    )
    return [day.year for day in dates]


@login_required
@require_GET
def criteria_use_page(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    years = _years()
    year = chosen_year(request, years)
    use = criteria_use(year=year, organisation_id=organisation.pk if organisation else None)
    context: dict[str, Any] = {"organisation": organisation, "years": years, "year": year, "use": use}
    return render(request, "dashboards/criteria_use.html", context)
