"""Which procurement records an API caller may see: the VIEW scope of `mvimonitor.organisations.access`.

One short name for the call every API queryset makes; the rules (roles, national analysts) live in the access module.
"""

from typing import TYPE_CHECKING, TypeVar

from django.db import models

from mvimonitor.organisations.access import Action, scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from mvimonitor.organisations.models import User

M = TypeVar("M", bound=models.Model)


def visible(queryset: models.QuerySet[M], user: "User | AnonymousUser", path: str) -> models.QuerySet[M]:
    """Rows of `queryset` whose organisation (reached by the lookup `path`) the user may view."""
    return scope(queryset, user, Action.VIEW, path)
