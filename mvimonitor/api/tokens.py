"""Personal API tokens: made and revoked by their owner (the account page, `create_api_token`), checked on every
API request by `ApiTokenAuthentication` (header `Authorization: Token <key>`).

A token acts as its owner in every organisation of that account, so nobody makes or reads a token for someone else:
not staff, not a superuser in the admin (which only lists and revokes). A key is shown once; only its hash is kept.
An expired or revoked token, or one of an inactive account, answers 401 like an unknown one.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from mvimonitor.organisations.models import User

from .models import ApiToken

LIFETIMES_DAYS = (30, 90, 180, 365)  # what the form offers; the longest is the most a token may live
DEFAULT_DAYS = 90
LAST_USED_PRECISION = timedelta(minutes=5)  # last_used_at is written at most this often per token


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token of `user`, valid for `days` days, and its key (which is neither stored nor shown again)."""
    if not user.is_active:
        raise ValidationError(_("An inactive account gets no API token."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, so you know later what it is for.")})
    if not 1 <= days <= max(LIFETIMES_DAYS):
        raise ValidationError({"days": _("A token lives 1 to %(most)s days.") % {"most": max(LIFETIMES_DAYS)}})
    key = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name[:100],
        prefix=key[:8],
        key_hash=key_hash(key),
        expires_at=timezone.now() + timedelta(days=days),
    )
    token.full_clean(exclude=["created_at"])
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    """Revoke one of `user`'s own tokens (a superuser may revoke anyone's, as in the admin)."""
    if token.user_id != user.pk and not user.is_superuser:
        raise ValidationError(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` against the active personal tokens."""

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = ApiToken.objects.active().select_related("user").filter(key_hash=key_hash(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
