"""Python's cyclic garbage collector, paused around bounded bulk computations.

A recalculation of every effect makes millions of short-lived objects (rows, decimals, dataclasses) and no reference
cycles. Each time enough of them are allocated the collector walks the objects that are still alive, and those are
precisely the hundreds of thousands of rows being built: the walks cost a fifth of the work and free nothing.
Reference counting still frees every object as soon as it is unused; only cycles wait until the collector runs again.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with the cyclic collector off; it is switched back on afterwards if it was on before (a pause
    inside a pause leaves it to the outer one)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
