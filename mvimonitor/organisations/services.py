"""Every write to organisations, memberships and invitations goes through these functions.

Each checks the caller's rights through `mvimonitor.organisations.access`, validates with `full_clean()` and runs in
one transaction, so a refused or invalid write changes nothing.
"""

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.changes import record_changed

from .access import Action, permitted
from .models import Invitation, Membership, Organisation, Role, User

INVITATION_VALID_FOR = dt.timedelta(days=14)

# The fields of an organisation that a beheerder may change in the UI.
EDITABLE_ORGANISATION_FIELDS = ("name", "kind", "oin", "kvk_number", "province", "parent", "four_eyes_verification")


def _require_manager(user: User, organisation: Organisation | int) -> None:
    if not permitted(user, Action.MANAGE_MEMBERS, organisation):
        raise PermissionDenied(_("You may not manage this organisation."))


def _other_beheerders(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.BEHEERDER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def organisation_update(*, user: User, organisation: Organisation, data: Mapping[str, Any]) -> Organisation:
    """Change the details of an organisation; only the fields in EDITABLE_ORGANISATION_FIELDS."""
    _require_manager(user, organisation)
    unknown = sorted(set(data) - set(EDITABLE_ORGANISATION_FIELDS))
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)})
    changed = []
    for field, value in data.items():
        if getattr(organisation, field) != value:
            setattr(organisation, field, value)
            changed.append(field)
    if organisation.oin and Organisation.objects.filter(oin=organisation.oin).exclude(pk=organisation.pk).exists():
        raise ValidationError({"oin": _("Another organisation already has this OIN.")})
    organisation.full_clean()
    if changed:
        organisation.save(update_fields=[*changed, "updated_at"])
        record_changed(organisation_ids=[organisation.pk])
    return organisation


@transaction.atomic
def invitation_create(*, user: User, organisation: Organisation, email: str, role: str, accept_url: str) -> Invitation:
    """Invite `email` to join `organisation` with `role`, and e-mail them the link.

    `accept_url` is a format string with a `{token}` placeholder, e.g. the absolute URL of the accept page.
    """
    _require_manager(user, organisation)
    email = email.strip()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": _("Someone with this e-mail address is already a member.")})
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by=user,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    invitation.full_clean()
    invitation.save()
    link = accept_url.format(token=invitation.token)
    send_mail(
        subject=_("Invitation to MVI Monitor for %(organisation)s") % {"organisation": organisation.name},
        message=_(
            "%(inviter)s invites you to work in MVI Monitor for %(organisation)s as %(role)s.\n\n"
            "Choose a username and password via this link (valid until %(expires)s):\n%(link)s\n"
        )
        % {
            "inviter": user.get_full_name() or user.get_username(),
            "organisation": organisation.name,
            "role": invitation.get_role_display(),
            "expires": timezone.localtime(invitation.expires_at).strftime("%d-%m-%Y %H:%M"),
            "link": link,
        },
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
    )
    return invitation


def invitation_usable(invitation: Invitation) -> bool:
    return invitation.accepted_at is None and invitation.expires_at > timezone.now()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, username: str, password: str) -> User:
    """Create the invited user with a membership; an invitation works once and only before it expires."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired. Ask your administrator for a new one."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken. Choose another.")})
    user = User(username=username, email=invitation.email)
    user.full_clean(exclude=["password"])
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, organisation=invitation.organisation, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def membership_change_role(*, user: User, membership: Membership, role: str) -> Membership:
    _require_manager(user, membership.organisation_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role == membership.role:
        return membership
    if membership.role == Role.BEHEERDER and not _other_beheerders(membership):
        raise ValidationError({"role": _("The last administrator of an organisation cannot get another role.")})
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, user: User, membership: Membership) -> None:
    _require_manager(user, membership.organisation_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.BEHEERDER and not _other_beheerders(membership):
        raise ValidationError(_("The last administrator of an organisation cannot be removed."))
    membership.delete()
