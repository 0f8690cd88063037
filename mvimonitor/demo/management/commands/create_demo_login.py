"""Create demo logins for the first synthetic organisation: one user per role plus a national analyst.

Idempotent: existing demo users get their role and password reset. Refused when DJANGO_ENV=production.
"""

import os
import secrets
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.organisations.models import Membership, Organisation, Role, User

DEMO_URL = "http://127.0.0.1:8000/"
DEMO_USERS: tuple[tuple[str, str | None], ...] = (
    ("demo", Role.BEHEERDER),
    ("demo-inkoper", Role.INKOPER),
    ("demo-contractmanager", Role.CONTRACTMANAGER),
    ("demo-coordinator", Role.COORDINATOR),
    ("demo-lezer", Role.LEZER),
    ("demo-analist", None),  # national analyst: anonymised national figures only, no membership
)


@transaction.atomic
def demo_logins_create(*, organisation: Organisation, password: str | None) -> list[tuple[str, str, str]]:
    """Create or reset the demo users; returns (username, role label, password) per user."""
    created = []
    for username, role in DEMO_USERS:
        user, _created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.invalid"}
        )
        user_password = password or secrets.token_urlsafe(12)
        user.set_password(user_password)
        user.national_analyst = role is None
        user.is_active = True
        user.save(update_fields=["password", "national_analyst", "is_active"])
        if role is None:
            Membership.objects.filter(user=user).delete()
            label = str(_("national analyst"))
        else:
            Membership.objects.filter(user=user).exclude(organisation=organisation).delete()
            Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
            label = str(Role(role).label)
        created.append((username, label, user_password))
    return created


class Command(BaseCommand):
    help = "Create demo logins for the first synthetic organisation (not in production)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--url", default=DEMO_URL, help="address printed with the logins")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DJANGO_ENV == "production":
            raise CommandError(_("Demo logins are not created when DJANGO_ENV=production."))
        organisation = Organisation.objects.filter(is_synthetic=True).order_by("pk").first()
        if organisation is None:
            raise CommandError(_("There is no synthetic organisation. Run `manage.py generate_demo` first."))
        password = os.getenv("MVIMONITOR_DEMO_PASSWORD") or None
        logins = demo_logins_create(organisation=organisation, password=password)
        self.stdout.write(
            _("Demo logins for %(organisation)s at %(url)s")
            % {"organisation": organisation.name, "url": options["url"]}
        )
        for username, label, user_password in logins:
            self.stdout.write(f"  {username:<22} {user_password:<20} {label}")
