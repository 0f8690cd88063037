"""Supplier links: random tokens of which only the SHA-256 hash is stored, each for one purpose, with an expiry and
revocable; resolving one, rate limiting its use and logging every access.

A link that is unknown, revoked, of another purpose, or whose request was revoked answers exactly as an unknown one
(`TokenNotFoundError`, a 404 page), so nobody learns which tokens exist. Only a link that was valid and has expired
says so (`TokenExpiredError`, 410), since its holder needs to know to ask the buyer for a new one.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from mvimonitor.web import client_ip

from .models import AccessLog, AccessToken, ReportingRequest, RequestStatus, Supplier, TokenPurpose

TOKEN_BYTES = 32


class TokenNotFoundError(Exception):
    pass


class TokenExpiredError(Exception):
    pass


class RateLimitedError(Exception):
    pass


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", errors="replace")).hexdigest()


def issue(
    *,
    purpose: TokenPurpose,
    expires_at: dt.datetime,
    request: ReportingRequest | None = None,
    supplier: Supplier | None = None,
) -> str:
    """A new link token; the caller puts the raw value in an e-mail, the database keeps its hash only."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    AccessToken.objects.create(
        token_hash=token_hash(raw), purpose=purpose, request=request, supplier=supplier, expires_at=expires_at
    )
    return raw


def revoke_for_request(request: ReportingRequest) -> int:
    return AccessToken.objects.filter(request=request, revoked_at__isnull=True).update(revoked_at=timezone.now())


@dataclass(frozen=True)
class Access:
    """What a valid link gives: one request, or a supplier's overview (with any open request of that supplier)."""

    token: AccessToken
    supplier: Supplier
    request: ReportingRequest | None


def resolve(raw: str, purpose: TokenPurpose) -> Access:
    if not raw or len(raw) > 200:
        raise TokenNotFoundError
    token = (
        AccessToken.objects.select_related("request__supplier", "request__contract", "supplier")
        .filter(token_hash=token_hash(raw), purpose=purpose, revoked_at__isnull=True)
        .first()
    )
    if token is None:
        raise TokenNotFoundError
    if purpose == TokenPurpose.REQUEST:
        request = token.request
        if request is None or request.status == RequestStatus.REVOKED:
            raise TokenNotFoundError
        supplier = request.supplier
    else:
        request = None
        if token.supplier is None:
            raise TokenNotFoundError
        supplier = token.supplier
    if token.expires_at <= timezone.now():
        raise TokenExpiredError(token.pk)
    return Access(token=token, supplier=supplier, request=request)


# --- rate limits and the access log ----------------------------------------------------------------------------------


def ip_hash(request: HttpRequest) -> str:
    """The client's address, hashed with the secret key: accesses from one address can be told apart, the address
    itself is not kept."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{client_ip(request)}".encode()).hexdigest()


def _limits() -> tuple[int, int, int]:
    """(uses per link, uses per address, window in seconds)."""
    return (
        int(getattr(settings, "MVIMONITOR_SUPPLIER_RATE_PER_LINK", 60)),
        int(getattr(settings, "MVIMONITOR_SUPPLIER_RATE_PER_ADDRESS", 120)),
        int(getattr(settings, "MVIMONITOR_SUPPLIER_RATE_WINDOW_SECONDS", 600)),
    )


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one use of `key` in the current window; False once the window's allowance is spent."""
    cache.add(key, 0, timeout=window)
    try:
        used = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window)
        used = 1
    return used <= limit


def check_rate(request: HttpRequest, raw: str) -> None:
    """Both allowances are counted before the link is looked up, so guessing links costs the guesser's allowance."""
    per_link, per_address, window = _limits()
    address_ok = _hit(f"suppliers:ip:{ip_hash(request)}", per_address, window)
    link_ok = _hit(f"suppliers:link:{token_hash(raw)}", per_link, window) if raw else True
    if not (address_ok and link_ok):
        raise RateLimitedError


def log_access(request: HttpRequest, *, token_id: int | None, what: str, status: int) -> None:
    AccessLog.objects.create(token_id_used=token_id, what=what[:40], status=status, ip_hash=ip_hash(request))
