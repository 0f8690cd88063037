"""A client of TenderNed's publication API: the list of publications since a date, and each one's public XML.

Two endpoints under one base URL (`MVIMONITOR_TENDERNED_URL`, by default
`https://www.tenderned.nl/papi/tenderned-rs-tns/v2`):

- `GET /publicaties/{publicatieId}/public-xml`: the notice as published (eForms UBL, or TED R2.0.9-style XML for
  older notices), with the confidential fields left out. Described by TenderNed's own OpenAPI file (v2.0.0); needs
  Basic authentication with an account TenderNed hands out (functioneelbeheer@tenderned.nl).
- `GET /publicaties?publicatieDatumVanaf=...&page=...&size=...`: the list of publications. TenderNed publishes no
  specification of it; its shape is as third parties observed it, and everything that depends on that shape is in
  the *Listing* section below and nowhere else, so a change on TenderNed's side is mended in one place.

HTTP: every request has a timeout. 401 and 403 stop at once with an error naming the credential settings; 429 waits as
its `Retry-After` asks (up to `max_wait` seconds) and tries again; 5xx answers, timeouts and connection errors are
tried again after a pause that doubles from `backoff` seconds, at most `attempts` tries in all, and then stop with
`TenderNedUnavailableError`. 404 is `TenderNedNotFoundError`, for the caller to record against that one publication.
Redirects are followed only on the same scheme, host and port, so the credentials never go elsewhere; they are never
part of a URL, a message or a log line.
"""

import base64
import email.utils
import http.client
import json
import logging
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any
from urllib.error import HTTPError, URLError

from django.utils.translation import gettext as _

from .notices import ReadError

logger = logging.getLogger(__name__)

DEFAULT_URL = "https://www.tenderned.nl/papi/tenderned-rs-tns/v2"
USER_SETTING = "MVIMONITOR_TENDERNED_USER"
PASSWORD_SETTING = "MVIMONITOR_TENDERNED_PASSWORD"  # noqa: S105 - the setting's name, not a password
URL_SETTING = "MVIMONITOR_TENDERNED_URL"
MAX_LISTING_BYTES = 16 * 1024 * 1024  # one page of the list, as JSON
MAX_PAGES = 100_000  # a listing that never says it ended is stopped here


@dataclass(frozen=True, slots=True)
class TenderNedConfig:
    """Where TenderNed is and how patiently it is asked. `attempts` counts every try of one request."""

    base_url: str = DEFAULT_URL
    user: str = ""
    password: str = ""
    timeout: float = 30.0
    attempts: int = 5
    backoff: float = 2.0
    max_wait: float = 300.0
    page_size: int = 100
    max_xml_bytes: int = 50 * 1024 * 1024

    @property
    def endpoint(self) -> str:
        """The listing's address without query: the key of the pull cursor."""
        return f"{self.base_url.rstrip('/')}/publicaties"


class TenderNedError(ReadError):
    """TenderNed could not be asked: the pull stops, recorded against `file` (the address asked, never credentials)."""


class TenderNedAuthError(TenderNedError):
    """401 or 403: the credentials are missing, wrong or lack the right; trying again does not help."""


class TenderNedUnavailableError(TenderNedError):
    """5xx, a timeout, a lost connection or 429 for longer than the client waits, after every attempt."""


class TenderNedNotFoundError(TenderNedError):
    """404: TenderNed has nothing at this address (a publication without public XML)."""


@dataclass(frozen=True, slots=True)
class Publication:
    """One entry of the list: enough to fetch its XML and to order the pull (by date, then id)."""

    publication_id: str
    publication_date: date
    publication_type: str = ""
    title: str = ""

    @property
    def order(self) -> tuple[date, str]:
        return order_key(self.publication_date, self.publication_id)


def order_key(publication_date: date, publication_id: str) -> tuple[date, str]:
    """The pull's order: by publication date, then by id (numeric ids in numeric order)."""
    return publication_date, publication_id.rjust(20, "0")


# -- Listing: the shape of `GET /publicaties` as observed by third parties (no official specification) ------------
#
# Query: publicatieDatumVanaf / publicatieDatumTot (YYYY-MM-DD, inclusive), page (0-based), size (at most 100).
# Answer: a page object {"content": [...], "number", "size", "totalElements", "totalPages", "first", "last"}, each
# item with "publicatieId" (digits, as a string), "publicatieDatum" (ISO date, possibly with a time),
# "typePublicatie" {"code", "omschrijving"} and "aanbestedingNaam", among others not used here.
# Observed by: github.com/jeroensmink98/tenderned-mcp (src/lib/tenderned-types.ts) and
# github.com/mvanhorn/printing-press-library (library/sales-and-crm/tenderned/.../tenderned-internal-spec.yaml).


def listing_query(*, since: date, until: date | None, page: int, size: int) -> dict[str, str]:
    query = {"publicatieDatumVanaf": since.isoformat(), "page": str(page), "size": str(size)}
    if until is not None:
        query["publicatieDatumTot"] = until.isoformat()
    return query


@dataclass(frozen=True, slots=True)
class ListingPage:
    publications: list[Publication]
    problems: list[str]  # entries that could not be read, each said in a sentence
    last: bool


def read_listing_page(data: Any, *, page: int) -> ListingPage:
    """One page of the list; raises `ValueError` when it is not a page object at all."""
    if not isinstance(data, dict) or not isinstance(data.get("content"), list):
        raise ValueError(_("the answer is not a page of publications (no list 'content')"))
    publications, problems = [], []
    for position, item in enumerate(data["content"]):
        try:
            publications.append(_publication(item))
        except (TypeError, ValueError, KeyError):
            problems.append(
                _("entry %(position)s of page %(page)s has no usable publicatieId and publicatieDatum")
                % {"position": position, "page": page}
            )
    total_pages = data.get("totalPages")
    last = bool(data.get("last")) or not data["content"]
    if isinstance(total_pages, int) and page + 1 >= total_pages:
        last = True
    return ListingPage(publications=publications, problems=problems, last=last)


def _publication(item: Any) -> Publication:
    identifier = str(item["publicatieId"]).strip()
    if not identifier or not identifier.isalnum():
        raise ValueError(identifier)
    kind = item.get("typePublicatie")
    return Publication(
        publication_id=identifier,
        publication_date=date.fromisoformat(str(item["publicatieDatum"])[:10]),
        publication_type=str(kind.get("code", "")) if isinstance(kind, dict) else "",
        title=str(item.get("aanbestedingNaam") or "")[:500],
    )


# -- HTTP ----------------------------------------------------------------------------------------------------------


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the same scheme, host and port: the Authorization header goes along with it."""

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if (old.scheme, old.netloc) != (new.scheme, new.netloc):
            return None  # urllib then raises the redirect as an HTTPError
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks to wait (a number or an HTTP date), or None when it says nothing usable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)


class TenderNedClient:
    def __init__(self, config: TenderNedConfig, *, sleep: Callable[[float], None] = time.sleep) -> None:
        if urllib.parse.urlsplit(config.base_url).scheme not in ("http", "https"):
            raise ValueError(_("%(setting)s must be an http or https address.") % {"setting": URL_SETTING})
        if config.attempts < 1:
            raise ValueError(_("MVIMONITOR_TENDERNED_ATTEMPTS must be at least 1."))
        self.config = config
        self.sleep = sleep
        self.opener = urllib.request.build_opener(_SameOriginRedirects())
        self.requests = 0

    def url(self, path: str, query: dict[str, str] | None = None) -> str:
        address = f"{self.config.base_url.rstrip('/')}/{path.lstrip('/')}"
        return f"{address}?{urllib.parse.urlencode(query)}" if query else address

    def publications(self, *, since: date, until: date | None = None) -> Iterator[Publication | str]:
        """Every publication of the list from `since` (to `until`), page by page, in the list's order; an entry that
        cannot be read comes as a sentence saying so."""
        for page in range(MAX_PAGES):
            url = self.url(
                "publicaties", listing_query(since=since, until=until, page=page, size=self.config.page_size)
            )
            body = self.get(url, accept="application/json", limit=MAX_LISTING_BYTES)
            try:
                listing = read_listing_page(json.loads(body), page=page)
            except ValueError as error:  # json.JSONDecodeError is a ValueError
                raise TenderNedError(
                    _("TenderNed's list of publications could not be read: %(error)s") % {"error": error}, file=url
                ) from error
            yield from listing.problems
            yield from listing.publications
            if listing.last:
                return
        raise TenderNedError(
            _("TenderNed's list of publications did not end after %(pages)s pages.") % {"pages": MAX_PAGES}
        )

    def public_xml_url(self, publication_id: str) -> str:
        return self.url(f"publicaties/{urllib.parse.quote(publication_id, safe='')}/public-xml")

    def public_xml(self, publication_id: str) -> bytes:
        """The publication's XML; up to `max_xml_bytes` + 1 bytes are read (the reader refuses a larger one)."""
        return self.get(
            self.public_xml_url(publication_id),
            accept="application/xml, text/xml",
            limit=self.config.max_xml_bytes + 1,
        )

    def get(self, url: str, *, accept: str, limit: int) -> bytes:
        """The body of a GET, tried again on 429, 5xx, timeouts and connection errors; see the module's text."""
        config = self.config
        headers = {"Accept": accept, "User-Agent": "MVI-Monitor"}
        if config.user or config.password:
            token = base64.b64encode(f"{config.user}:{config.password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        last = ""
        for attempt in range(1, config.attempts + 1):
            self.requests += 1
            backoff = config.backoff * 2 ** (attempt - 1)
            try:
                # the scheme is http or https (checked in __init__)
                request = urllib.request.Request(url, headers=headers)  # noqa: S310
                with self.opener.open(request, timeout=config.timeout) as answer:
                    return bytes(answer.read(limit))
            except HTTPError as error:
                error.close()
                pause, last = self._retry_after_error(error.code, error.headers.get("Retry-After"), url, backoff)
            except (URLError, TimeoutError, ConnectionError, http.client.HTTPException) as error:
                reason = error.reason if isinstance(error, URLError) else error
                pause, last = backoff, str(reason) or type(reason).__name__
            if attempt < config.attempts:
                pause = min(pause, config.max_wait)
                logger.warning(
                    "TenderNed: %(url)s gave %(last)s; trying again in %(pause).1f s (attempt %(attempt)s of %(of)s)",
                    {"url": url, "last": last, "pause": pause, "attempt": attempt, "of": config.attempts},
                )
                self.sleep(pause)
        raise TenderNedUnavailableError(
            _(
                "TenderNed did not answer after %(attempts)s attempts (last: %(last)s). The pull stopped; its cursor "
                "stays after the last publication imported, and the next pull goes on from there."
            )
            % {"attempts": config.attempts, "last": last},
            file=url,
        )

    def _retry_after_error(self, status: int, asked: str | None, url: str, backoff: float) -> tuple[float, str]:
        """How long to wait before trying again after HTTP `status` (and what to call it), or the error to stop on."""
        if status in (401, 403):
            raise TenderNedAuthError(
                _(
                    "TenderNed refused the credentials (HTTP %(status)s). Check the settings %(user)s and "
                    "%(password)s (an account with the OpenDataUser role) and %(url)s."
                )
                % {"status": status, "user": USER_SETTING, "password": PASSWORD_SETTING, "url": URL_SETTING},
                file=url,
            )
        if status == 404:
            raise TenderNedNotFoundError(_("TenderNed has nothing at this address (HTTP 404)."), file=url)
        if status == 429:
            wait = retry_after(asked)
            if wait is not None and wait > self.config.max_wait:
                raise TenderNedUnavailableError(
                    _(
                        "TenderNed asks to wait %(seconds)s seconds before the next request (HTTP 429), longer than "
                        "MVIMONITOR_TENDERNED_MAX_WAIT allows; the next pull goes on from the cursor."
                    )
                    % {"seconds": round(wait)},
                    file=url,
                )
            return (backoff if wait is None else wait), "HTTP 429"
        if status >= 500:
            return backoff, f"HTTP {status}"
        raise TenderNedError(
            _("TenderNed answered HTTP %(status)s, which the pull does not expect.") % {"status": status}, file=url
        )
