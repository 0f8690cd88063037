"""The home page: the task list of the active organisation, or the national figures for a national analyst."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mvimonitor.organisations.access import Action, permitted, request_user
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import without_organisation

from .selectors import tasks_for


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "tenders/no_organisation.html")
    user = request_user(request)
    return render(
        request,
        "worklist/home.html",
        {
            "organisation": organisation,
            "tasks": tasks_for(user, organisation),
            "can_edit_tenders": permitted(user, Action.EDIT_TENDERS, organisation),
            "can_edit_contracts": permitted(user, Action.EDIT_CONTRACTS, organisation),
        },
    )
