"""Every cache of the monitoring app, in one place.

Cached values live in Django's cache (per process, or shared through `MVIMONITOR_CACHE_DIR`) under keys that hold
the facts version where they depend on the facts: `FactsVersion` gets a new token on every refresh, deletion and
spend-total save (`facts_version_bump`), so nothing stale is served and nothing needs to be deleted. Two small
in-process copies save unpickling on every request: the figure lists and the rendered HTML fragments most recently
used (same keys, so they cannot be stale either). `clear_local` forgets both (tests do, with `cache.clear()`).
"""

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache

from .models import FactsVersion
from .vocabulary import Figure

# How long computed figures and fragments stay in the cache; the facts version in the key already invalidates them
# on every change, so this only bounds memory use.
CACHE_SECONDS = 3600

T = TypeVar("T")
V = TypeVar("V")


def facts_version() -> str:
    """The token of the current facts; every cache key of figures contains it."""
    return FactsVersion.objects.filter(pk=1).values_list("token", flat=True).first() or "none"


def facts_version_bump() -> None:
    """A new token: every cached figure, year list and rendered table of the old facts is no longer read."""
    FactsVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


# Longer keys are replaced by their hash: memcached refuses keys over 250 characters (Django warns of them).
KEY_LIMIT = 200


def key(kind: str, *parts: object) -> str:
    """A cache key of this app: `mvim:<kind>:<part>:<part>...`, or `mvim:<kind>:<hash of that>` when long."""
    full = ":".join(["mvim", kind, *(str(part) for part in parts)])
    if len(full) <= KEY_LIMIT:
        return full
    return f"mvim:{kind}:{hashlib.sha256(full.encode()).hexdigest()}"


class _Recent(Generic[V]):
    """The values most recently used, kept in this process (least recently used ones are dropped)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: OrderedDict[str, V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, name: str) -> V | None:
        with self.lock:
            found = self.values.get(name)
            if found is not None:
                self.values.move_to_end(name)
            return found

    def put(self, name: str, value: V) -> None:
        with self.lock:
            self.values[name] = value
            self.values.move_to_end(name)
            while len(self.values) > self.size:
                self.values.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


_FIGURES: _Recent[list[Figure]] = _Recent(64)
_FRAGMENTS: _Recent[str] = _Recent(128)


def figures(name: str, compute: Callable[[], list[Figure]]) -> list[Figure]:
    """The figure list cached under `name` (its key must hold the facts version), computed on a miss."""
    found = cached_figures(name)
    if found is None:
        found = compute()
        cache.set(name, found, CACHE_SECONDS)
        _FIGURES.put(name, list(found))
    return found


def cached_figures(name: str) -> list[Figure] | None:
    """The figure list cached under `name`, or None (nothing is computed)."""
    kept = _FIGURES.get(name)
    if kept is not None:
        return list(kept)
    found: list[Figure] | None = cache.get(name)
    if found is not None:
        _FIGURES.put(name, list(found))
    return found


def fragment(name: str, render: Callable[[], str]) -> str:
    """The rendered HTML cached under `name` (its key holds everything the fragment depends on)."""
    html = _FRAGMENTS.get(name)
    if html is not None:
        return html
    html = cache.get(name)
    if html is None:
        html = render()
        cache.set(name, html, CACHE_SECONDS)
    _FRAGMENTS.put(name, html)
    return html


def value(name: str, compute: Callable[[], T]) -> T:
    """A small value (a list of years) cached under `name` in Django's cache only."""
    found: T | None = cache.get(name)
    if found is None:
        found = compute()
        cache.set(name, found, CACHE_SECONDS)
    return found


def clear_local() -> None:
    """Forget the figures and fragments kept in this process (tests do this together with `cache.clear()`)."""
    _FIGURES.clear()
    _FRAGMENTS.clear()
