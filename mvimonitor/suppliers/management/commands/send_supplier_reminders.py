"""Remind suppliers of requests still waiting for their answer: once N days before the due date, once N days after.

Safe to run every day (from cron or a scheduler): a reminder that was sent is recorded and never sent again.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mvimonitor.suppliers import services


class Command(BaseCommand):
    help = "E-mail reminders for supplier reporting requests N days before and after their due date (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days-before", type=int, default=7, help="Remind this many days before the due date.")
        parser.add_argument("--days-after", type=int, default=7, help="Remind this many days after the due date.")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "MVIMONITOR_BASE_URL", ""),
            help="The address of MVI Monitor the links in the e-mails start with (default: MVIMONITOR_BASE_URL).",
        )
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="As if today were (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        base_url = str(options["base_url"] or "").strip()
        if not base_url.startswith(("http://", "https://")):
            raise CommandError("Give --base-url (or set MVIMONITOR_BASE_URL), e.g. https://mvimonitor.example.org")
        for name in ("days_before", "days_after"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} must not be negative.")
        sent = services.reminders_send(
            today=options["today"] or timezone.localdate(),
            days_before=options["days_before"],
            days_after=options["days_after"],
            base_url=base_url,
        )
        if options["verbosity"]:
            self.stdout.write(f"{sent} reminder(s) sent.")
