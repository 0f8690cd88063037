"""Make a personal API token for a user from the command line (for scripts and first set-up); users make their own on
their account page. Each run makes a new token and prints its key once."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mvimonitor.api.tokens import DEFAULT_DAYS, LIFETIMES_DAYS, token_create


class Command(BaseCommand):
    help = "Make a new API token for a user and print its key (shown only now)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="what the token is for")
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help=f"days the token is valid (at most {max(LIFETIMES_DAYS)})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user with username {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is not active.")
        try:
            _token, key = token_create(user=user, name=options["name"], days=options["days"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(key)
