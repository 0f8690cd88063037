from django.http import HttpRequest

from .access import Action, organisations_for
from .models import Organisation

SESSION_KEY = "active_organisation_id"


def active_organisation_for(request: HttpRequest) -> tuple[Organisation | None, list[Organisation]]:
    """The organisation the user works in now (kept in the session) and the ones they may switch to."""
    cached = getattr(request, "_mvim_active_organisation", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    choices = list(organisations_for(request.user, Action.VIEW).order_by("name"))
    wanted = request.session.get(SESSION_KEY)
    active = next((o for o in choices if o.pk == wanted), choices[0] if choices else None)
    result = (active, choices)
    request._mvim_active_organisation = result  # type: ignore[attr-defined]
    return result
