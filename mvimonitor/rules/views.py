"""The rules page: per policy rule, how many of the active organisation's tenders of a year meet it, miss it, cannot
be judged or are outside its scope, beside the national counts (after disclosure control)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import chosen_year

from .models import PolicyRule
from .selectors import finding_years, rule_counts


@login_required
@require_GET
def rules_page(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    years = finding_years()
    year = chosen_year(request, years)
    context: dict[str, Any] = {
        "organisation": organisation,
        "years": years,
        "year": year,
        "counts": rule_counts(year=year, organisation_id=organisation.pk if organisation else None),
        "rules": PolicyRule.objects.order_by("code", "version"),
    }
    return render(request, "rules/rules.html", context)
