"""Which accounts a staff user who is not a superuser may manage in the admin.

The rule: such a staff user manages (changes, sets the password of, adds to an organisation) only people

- who are members of organisations the staff user administers (Action.MANAGE_MEMBERS in `access`), and of no other
  organisation: changing someone who also works elsewhere would reach into that other organisation;
- who are not superusers, not staff and not national analysts: those accounts carry rights beyond one organisation;
- who are not the staff user themselves: nobody widens their own rights here.

A person without any membership is managed by superusers only; a beheerder brings someone new in by an invitation.
Superusers manage everyone. Members outside this rule stay visible where their membership is (the membership list and
the organisation's page), but their account cannot be opened, changed or given a password here.
"""

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.forms import BaseForm, ModelChoiceField
from django.utils.translation import gettext_lazy as _

from .access import Action, organisations_for
from .models import Membership, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

NOT_MANAGEABLE = _(
    "You can only choose someone who is a member of organisations you manage and of no other organisation, and who "
    "is not a system administrator or national analyst. Invite anyone else from the organisation's members page."
)


def manageable_users(actor: "User | AnonymousUser") -> QuerySet[User]:
    """The accounts `actor` may change, give a password or add to an organisation in the admin (the rule above)."""
    if not actor.is_authenticated or not actor.is_active:
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    managed = organisations_for(actor, Action.MANAGE_MEMBERS).values("pk")
    members = Membership.objects.filter(organisation__in=managed).values("user_id")
    elsewhere = Membership.objects.exclude(organisation__in=managed).values("user_id")
    return (
        User.objects.filter(pk__in=members, is_superuser=False, is_staff=False, national_analyst=False)
        .exclude(pk__in=elsewhere)
        .exclude(pk=actor.pk)
    )


def may_manage_user(actor: "User | AnonymousUser", user: User | None) -> bool:
    return user is not None and manageable_users(actor).filter(pk=user.pk).exists()


def scope_user_choice(form: BaseForm, actor: "User | AnonymousUser", field_name: str) -> None:
    """Offer and accept in `form`'s `field_name` only the accounts `actor` manages, and keep the current one.

    The current value stays acceptable, so an unchanged row saves (a membership's role may change although its
    person also works elsewhere); a new or different account must be manageable, or the form says why not."""
    field = form.fields.get(field_name)
    if actor.is_superuser or not isinstance(field, ModelChoiceField):
        return
    allowed = Q(pk__in=manageable_users(actor).values("pk"))
    instance: Any = getattr(form, "instance", None)
    current = getattr(instance, f"{field_name}_id", None) if instance is not None and instance.pk else None
    if current is not None:
        allowed |= Q(pk=current)
    field.queryset = User.objects.filter(allowed)
    field.error_messages = {**field.error_messages, "invalid_choice": NOT_MANAGEABLE}
