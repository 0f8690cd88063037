"""Create demo logins for the first synthetic organisation: one user per role plus a national analyst.

Idempotent: existing demo users get their role and the demo password again (`mvimonitor.demo.logins`). Refused when
DJANGO_ENV=production.
"""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mvimonitor.demo.logins import demo_logins_create, demo_password
from mvimonitor.organisations.models import Organisation

DEMO_URL = "http://127.0.0.1:8000/"


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
        password = demo_password()
        logins = demo_logins_create(organisation=organisation, password=password)
        self.stdout.write(
            _("Demo logins for %(organisation)s at %(url)s (password: %(password)s, also shown on the login page)")
            % {"organisation": organisation.name, "url": options["url"], "password": password}
        )
        for login in logins:
            self.stdout.write(f"  {login.username:<22} {password:<20} {login.role}")
