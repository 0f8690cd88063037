"""Make the demo action plan of the first synthetic organisation, adopted and published, with its report on the last
complete year (`mvimonitor.plans.demo`). Run after `generate_demo`, `generate_demo_effects` and `create_demo_login`:
the plan is written by the demo coordinator.

Idempotent: with `--if-missing` an existing demo plan is kept; without, it is replaced by the same plan.
"""

import datetime as dt
from argparse import SUPPRESS, ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, organisations_for
from mvimonitor.organisations.models import User
from mvimonitor.plans.demo import DEMO_TITLE, demo_organisation, demo_plan_create
from mvimonitor.plans.loaders import load_plans_reference
from mvimonitor.plans.models import ActionPlan

DEMO_USER = "demo-coordinator"


class Command(BaseCommand):
    help = "Make the demo action plan of the first synthetic organisation, with its report (not in production)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--year", type=int, default=None, help="year of the report (default: the last complete one)"
        )
        parser.add_argument("--if-missing", action="store_true", help="keep an existing demo plan")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help=SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DJANGO_ENV == "production":
            raise CommandError(_("The demo plan is not made when DJANGO_ENV=production."))
        organisation = demo_organisation()
        if organisation is None:
            raise CommandError(_("There is no synthetic organisation. Run `manage.py generate_demo` first."))
        if options["if_missing"] and ActionPlan.objects.filter(organisation=organisation, title=DEMO_TITLE).exists():
            if options["verbosity"]:
                self.stdout.write(_("The demo plan exists already; nothing changed."))
            return
        user = User.objects.filter(username=DEMO_USER).first()
        if user is None or not organisations_for(user, Action.EDIT_MVI).filter(pk=organisation.pk).exists():
            raise CommandError(_("The demo coordinator is missing. Run `manage.py create_demo_login` first."))
        today = options["today"] or timezone.localdate()
        year = options["year"] or today.year - 1
        load_plans_reference()
        plan = demo_plan_create(user=user, organisation=organisation, report_year=year, today=today)
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo plan “%(title)s” of %(organisation)s made, with its report on %(year)s.")
                    % {"title": plan.title, "organisation": organisation.name, "year": year}
                )
            )
