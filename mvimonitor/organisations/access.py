"""The one place that decides what a user may see and change.

Every view, API endpoint, export and admin page asks `organisations_for(user, action)` (a queryset of the
organisations on which the user may perform `action`) or `permitted(user, action, organisation)`. Both read the
same role table below, so a rule changes here or nowhere. Records are reached through the table of lookup paths
(`ORGANISATION_PATHS`): `visible_to` narrows a queryset, `fetch` gets one row (404 when it is not visible, 403 when
the action is not allowed) and `require` guards a service.

Membership is explicit: a role in a parent organisation gives no rights on its children (ADR 0004).
National analysts have no record rights at all; they see anonymised national figures only.
"""

from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .models import Membership, Organisation, OrganisationKind, Province, Role, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class Action(StrEnum):
    VIEW = "view"  # read tenders, lots, MVI applications, contracts of the organisation
    EDIT_TENDERS = "edit_tenders"  # create and change tenders, lots and award criteria
    EDIT_MVI = "edit_mvi"  # register, confirm and change MVI applications
    EDIT_CONTRACTS = "edit_contracts"  # record contracts and what was delivered
    MANAGE_MEMBERS = "manage_members"  # invite colleagues, set roles, edit the organisation
    EDIT_SPEND_TOTALS = "edit_spend_totals"  # enter the yearly spend total behind the coverage KPI


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.BEHEERDER: frozenset(Action),
    Role.INKOPER: frozenset({Action.VIEW, Action.EDIT_TENDERS, Action.EDIT_MVI}),
    Role.CONTRACTMANAGER: frozenset({Action.VIEW, Action.EDIT_CONTRACTS}),
    Role.COORDINATOR: frozenset({Action.VIEW, Action.EDIT_MVI, Action.EDIT_SPEND_TOTALS}),
    Role.LEZER: frozenset({Action.VIEW}),
}


def roles_allowing(action: Action) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


def is_national_analyst(user: "User | AnonymousUser") -> bool:
    """An active user who may read the anonymised national figures (and, by that role, no records)."""
    return bool(user.is_authenticated and user.is_active and getattr(user, "national_analyst", False))


def _has_record_rights(user: "User | AnonymousUser") -> bool:
    # A national analyst sees anonymised national figures only, even if a membership was left behind.
    return bool(user.is_authenticated and user.is_active and not getattr(user, "national_analyst", False))


def organisations_for(user: "User | AnonymousUser", action: Action) -> models.QuerySet[Organisation]:
    """Organisations on whose records `user` may perform `action`."""
    if user.pk is None or not _has_record_rights(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user_id=user.pk, memberships__role__in=roles_allowing(action)
    ).distinct()


def permitted(user: "User | AnonymousUser", action: Action, organisation: Organisation | int | None) -> bool:
    if organisation is None or user.pk is None or not _has_record_rights(user):
        return False
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    return Membership.objects.filter(
        user_id=user.pk, organisation_id=organisation_id, role__in=roles_allowing(action)
    ).exists()


M = TypeVar("M", bound=models.Model)


def scope(queryset: models.QuerySet[M], user: "User | AnonymousUser", action: Action, path: str) -> models.QuerySet[M]:
    """Restrict `queryset` to rows whose organisation (reached by the lookup `path`) allows `action`."""
    allowed = organisations_for(user, action).values("pk")
    return queryset.filter(**{f"{path}__in": allowed})


def require(
    user: "User | AnonymousUser", action: Action, organisation: Organisation | int | None, message: str = ""
) -> None:
    """The guard every service runs first: PermissionDenied unless `user` may perform `action` there."""
    if not permitted(user, action, organisation):
        raise PermissionDenied(message or _("You may not do this for this organisation."))


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request that passed `login_required` (or the API's IsAuthenticated)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(_("Sign in first."))
    return user


# Model (app_label.model_name) -> lookup from a row to the Organisation that owns it. Keyed by label, so this module
# needs none of the record apps' models; a model missing here cannot be scoped (KeyError names it).
ORGANISATION_PATHS: dict[str, str] = {
    "organisations.organisation": "pk",
    "organisations.membership": "organisation",
    "tenders.tender": "organisation",
    "tenders.lot": "tender__organisation",
    "tenders.awardcriterion": "lot__tender__organisation",
    "tenders.mviapplication": "lot__tender__organisation",
    "tenders.contract": "lot__tender__organisation",
    "effects.commitment": "contract__lot__tender__organisation",
    "effects.realisation": "commitment__contract__lot__tender__organisation",
    "effects.evidencefile": "realisation__commitment__contract__lot__tender__organisation",
    "effects.emissionfactorset": "organisation",
    "imports.importrun": "organisation",
    "dashboards.spendtotal": "organisation",
    "award.awardmethod": "lot__tender__organisation",
    "award.bid": "method__lot__tender__organisation",
}


def organisation_path(model: type[models.Model]) -> str:
    return ORGANISATION_PATHS[model._meta.label_lower]


def organisation_id_of(obj: models.Model) -> int | None:
    """The id of the organisation that owns `obj`, by following its lookup path (no query for the last step)."""
    path = organisation_path(type(obj))
    if path == "pk":
        return int(obj.pk)
    value: Any = obj
    parts = path.split("__")
    for part in parts[:-1]:
        value = getattr(value, part)
        if value is None:
            return None
    key: int | None = getattr(value, f"{parts[-1]}_id")
    return key


def visible_to(
    user: "User | AnonymousUser", queryset: models.QuerySet[M], action: Action = Action.VIEW
) -> models.QuerySet[M]:
    """The rows of `queryset` on whose organisation `user` may perform `action` (VIEW: may see)."""
    return scope(queryset, user, action, organisation_path(queryset.model))


def fetch(
    user: "User | AnonymousUser",
    queryset: models.QuerySet[M],
    pk: Any,
    action: Action = Action.VIEW,
    message: str = "",
) -> M:
    """One row: 404 when the user may not see it (its existence is not given away), 403 when they may see it but not
    perform `action` on it."""
    obj = get_object_or_404(visible_to(user, queryset), pk=pk)
    if action != Action.VIEW:
        require(user, action, organisation_id_of(obj), message or _("You may not change this."))
    return obj


# The geographies of the anonymised national figures, as their keys: the country, per kind, per province.
GEO_LEVELS = ("nl", "kind", "province")


def geographies_for(
    user: "User | AnonymousUser", level: str = "nl", *, organisation: Organisation | None = None
) -> list[str]:
    """The geographies of the national figures `user` may see, as keys "nl", "kind:<kind>", "province:<code>".

    Level "nl": the country, for everyone; with `organisation` (one the user may VIEW, such as the active one) also
    the national figure of its kind, to compare with. Levels "kind" and "province": every kind of organisation or
    every province, for national analysts only (PermissionDenied for anyone else)."""
    if level not in GEO_LEVELS:
        raise ValueError(f"Unknown level of geography: {level}")
    if level != "nl":
        if not is_national_analyst(user):
            raise PermissionDenied(_("Figures per kind of organisation or province are for national analysts."))
        if level == "kind":
            return [f"kind:{kind}" for kind in OrganisationKind.values]
        return [f"province:{code}" for code in Province.values]
    geos = ["nl"]
    if organisation is not None and permitted(user, Action.VIEW, organisation):
        geos.append(f"kind:{organisation.kind}")
    return geos
