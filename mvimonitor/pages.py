"""What every app's form pages share: a service's refusal put on the form, and the status a refused form answers."""

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names if the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def form_status(form: BaseForm) -> int:
    """400 for a posted form with errors, so a refused write is not answered with 200."""
    return 400 if form.is_bound and form.errors else 200


def form_page(request: HttpRequest, template: str, form: BaseForm, **context: Any) -> HttpResponse:
    """Render a form page with the form in its context, answering 400 when the posted form was refused."""
    return render(request, template, {"form": form, **context}, status=form_status(form))
