"""Ask the live MVI criteria tool for the criteria of product groups, by the tool's product-group id.

`GET <url>?product_groups[]=<id>&language=nl|en` (by default https://www.mvicriteria.nl/api/criteria) answers, as far
as third parties observed, an object with maps `criteria`, `subjects` and `tags`. Each group is asked for in Dutch
and in English; the English texts are added to each criterion as title_en, text_en, explanation_en and
verification_en, so the result is what `criteria_files.read_tool_data` reads. Every request has a timeout and a
size limit; a failure stops the load with a `ReferenceDataError` that names the URL. Not used by the tests against
the real tool: they use a stand-in server.
"""

import json
import urllib.parse
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.error import HTTPError, URLError

from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError

from .criteria_files import TOOL_KEYS, first_value, text_value

DEFAULT_TOOL_URL = "https://www.mvicriteria.nl/api/criteria"
MAX_TOOL_BYTES = 32 * 1024 * 1024  # one answer of the tool for one product group and language
ENGLISH_TEXTS = ("title", "text_nl", "explanation_nl", "verification_nl")  # read again from the answer in English


def _tool_url(base: str, product_group: str, language: str) -> str:
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https"):
        raise ReferenceDataError(_("%(url)s is not an http(s) URL.") % {"url": base})
    query = [*urllib.parse.parse_qsl(parts.query), ("product_groups[]", product_group), ("language", language)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _get_json(url: str, timeout: float) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - http(s) checked
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked
            body = response.read(MAX_TOOL_BYTES + 1)
    except HTTPError as error:
        raise ReferenceDataError(_("%(url)s answered %(status)s.") % {"url": url, "status": error.code}) from error
    except (URLError, TimeoutError, OSError) as error:
        raise ReferenceDataError(_("%(url)s cannot be reached: %(error)s") % {"url": url, "error": error}) from error
    if len(body) > MAX_TOOL_BYTES:
        raise ReferenceDataError(
            _("%(url)s answered more than %(size)s bytes.") % {"url": url, "size": MAX_TOOL_BYTES}
        )
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReferenceDataError(_("%(url)s did not answer JSON: %(error)s") % {"url": url, "error": error}) from error


def fetch_tool_json(base_url: str, product_groups: Iterable[str], *, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Ask the tool for each product group's criteria in Dutch and in English; one product-group object per group,
    with the English texts added to each criterion as title_en, text_en, explanation_en and verification_en."""
    found = []
    for group in product_groups:
        dutch = _get_json(_tool_url(base_url, group, "nl"), timeout)
        english = _get_json(_tool_url(base_url, group, "en"), timeout)
        if not isinstance(dutch, dict) or not isinstance(dutch.get("criteria"), dict):
            raise ReferenceDataError(
                _("The tool's answer for product group %(group)s has no map of criteria.") % {"group": group}
            )
        english_criteria = english.get("criteria") if isinstance(english, dict) else None
        english_criteria = english_criteria if isinstance(english_criteria, dict) else {}
        criteria: dict[str, Any] = {}
        for key, entry in dutch["criteria"].items():
            merged = dict(entry) if isinstance(entry, dict) else entry
            other = english_criteria.get(key)
            if isinstance(merged, dict) and isinstance(other, dict):
                for name in ENGLISH_TEXTS:
                    text = text_value(first_value(other, TOOL_KEYS[name]))
                    if text:
                        merged[name.removesuffix("_nl") + "_en"] = text
            criteria[key] = merged
        found.append({**dutch, "id": group, "criteria": criteria})
    return found
