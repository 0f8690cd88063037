"""What every app's pages share: a service's refusal put on the form, the status a refused form answers, and the
answer of an organisation's page to a user without an organisation, and the year a figures page shows."""

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from mvimonitor.organisations.access import is_national_analyst


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names if the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def chosen_year(request: HttpRequest, years: list[int]) -> int:
    """The `?year=` asked for when it is one of `years` (newest first), else the newest, else the current year."""
    asked = request.GET.get("year", "")
    if asked.isdigit() and int(asked) in years:
        return int(asked)
    return years[0] if years else timezone.now().year


def form_status(form: BaseForm) -> int:
    """400 for a posted form with errors, so a refused write is not answered with 200."""
    return 400 if form.is_bound and form.errors else 200


def form_page(request: HttpRequest, template: str, form: BaseForm, **context: Any) -> HttpResponse:
    """Render a form page with the form in its context, answering 400 when the posted form was refused."""
    return render(request, template, {"form": form, **context}, status=form_status(form))


def without_organisation(
    request: HttpRequest, template: str, *, national: str = "dashboards:national"
) -> HttpResponse:
    """An organisation's page asked by a user with no organisation: a national analyst goes to the national page that
    is their counterpart (their work is the national figures); anyone else reads `template`, which says how to become
    a member."""
    if is_national_analyst(request.user):
        return redirect(national)
    return render(request, template)
