"""The demo logins: one user per role of the first synthetic organisation, plus a national analyst.

Development only. Their password is the same on every run (`MVIMONITOR_DEMO_PASSWORD`, else `DEFAULT_PASSWORD`), so
a user who read it once on the login page or in the README can always log in again; `create_demo_login` refuses to
run and the login page shows nothing of this when DJANGO_ENV=production.
"""

import os
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.organisations.models import Membership, Organisation, Role, User

# A published, development-only password: the demo users exist only outside production (see the module docstring).
DEFAULT_PASSWORD = "mvi-demo-2026"  # noqa: S105
DEMO_USERS: tuple[tuple[str, str | None], ...] = (
    ("demo", Role.BEHEERDER),
    ("demo-inkoper", Role.INKOPER),
    ("demo-contractmanager", Role.CONTRACTMANAGER),
    ("demo-coordinator", Role.COORDINATOR),
    ("demo-lezer", Role.LEZER),
    ("demo-analist", None),  # national analyst: anonymised national figures only, no membership
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # the role's label, or "national analyst"


def demo_password() -> str:
    return os.getenv("MVIMONITOR_DEMO_PASSWORD") or DEFAULT_PASSWORD


def _label(role: str | None) -> str:
    return str(_("national analyst")) if role is None else str(Role(role).label)


@transaction.atomic
def demo_logins_create(*, organisation: Organisation, password: str) -> list[DemoLogin]:
    """Create or reset the demo users with `password`, members of `organisation` in their role."""
    created = []
    for username, role in DEMO_USERS:
        user, _created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.invalid"}
        )
        user.set_password(password)
        user.national_analyst = role is None
        user.is_active = True
        user.save(update_fields=["password", "national_analyst", "is_active"])
        if role is None:
            Membership.objects.filter(user=user).delete()
        else:
            Membership.objects.filter(user=user).exclude(organisation=organisation).delete()
            Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
        created.append(DemoLogin(username, _label(role)))
    return created


def login_hint() -> tuple[list[DemoLogin], str] | None:
    """The demo logins and their password for the login page: only outside production and when they exist."""
    if settings.PRODUCTION:
        return None
    names = [username for username, _role in DEMO_USERS]
    present = set(User.objects.filter(username__in=names, is_active=True).values_list("username", flat=True))
    if not present:
        return None
    return [DemoLogin(u, _label(r)) for u, r in DEMO_USERS if u in present], demo_password()
