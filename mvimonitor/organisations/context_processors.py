from django.http import HttpRequest

from .selectors import active_organisation_for


def active_organisation(request: HttpRequest) -> dict[str, object]:
    if not request.user.is_authenticated:
        return {}
    active, choices = active_organisation_for(request)
    return {"active_organisation": active, "organisation_choices": choices}
