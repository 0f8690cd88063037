from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print the API token of a user, creating it when the user has none (running it again prints the same one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user with username {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is not active.")
        token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
