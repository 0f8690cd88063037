"""The one place that decides what a user may see and change.

Every view, API endpoint, export and admin page asks `organisations_for(user, action)` (a queryset of the
organisations on which the user may perform `action`) or `permitted(user, action, organisation)`. Both read the
same role table below, so a rule changes here or nowhere.

Membership is explicit: a role in a parent organisation gives no rights on its children (ADR 0004).
National analysts have no record rights at all; they see anonymised national figures only.
"""

from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from django.db import models

from .models import Membership, Organisation, Role, User

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
