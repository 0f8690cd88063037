"""Sliding session expiry without a database write on every request.

Sessions expire after `SESSION_COOKIE_AGE` of inactivity. Django's `SESSION_SAVE_EVERY_REQUEST` does that by saving
the session (an UPDATE and a commit) on every request, which under concurrent load costs more than the page itself
and makes every request of a user wait for the previous one's commit. This middleware saves a non-empty session only
when it was last saved `MVIMONITOR_SESSION_REFRESH_SECONDS` or more ago (and whenever it was changed anyway), so the
session expires between `SESSION_COOKIE_AGE - MVIMONITOR_SESSION_REFRESH_SECONDS` and `SESSION_COOKIE_AGE` after the
last request. It must come after `SessionMiddleware` (its response phase runs first).
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Session key of the time (Unix seconds) the session was last saved by this middleware.
REFRESHED_KEY = "_mvim_refreshed"


class SessionRefreshMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():  # no session (anonymous visitor): nothing to keep alive
            return response
        now = int(time.time())
        refreshed = session.get(REFRESHED_KEY)
        if not isinstance(refreshed, int) or now - refreshed >= settings.MVIMONITOR_SESSION_REFRESH_SECONDS:
            session[REFRESHED_KEY] = now  # marks the session modified: SessionMiddleware saves it and renews expiry
        return response
