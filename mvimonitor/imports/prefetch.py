"""Read ahead in a second thread while the import stores what was read before.

Reading a notice is partly work that does not hold Python's global interpreter lock: the file read, lxml's parse,
the SHA-256 of the bytes and their Zstandard compression. Storing is partly such work too: SQLite's engine runs with
the lock released, and PostgreSQL works in its own process. `prefetched` runs the reading (readers included) in one
background thread, a bounded number of notices ahead, so that these parts overlap on a machine with two or more
cores; the import itself stays in the calling thread, which alone talks to the database.

Order is kept. An exception raised while reading (an input that cannot be opened at all) is raised again in the
calling thread at the point where it happened, after the notices read before it, as it would be without the thread.
When the caller stops early (an error while storing), the reading thread is told to stop and is waited for.
"""

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
U = TypeVar("U")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(items: Iterable[T], prepare: Callable[[T], U], *, depth: int = 64) -> Iterator[U]:
    """`prepare(item)` for every item of `items`, computed in a background thread up to `depth` items ahead."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(value, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not put(prepare(item)):
                    return
            put(_DONE)
        except BaseException as error:
            put(_Failed(error))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # a generator's own clean-up (open files, archives) runs here, in the thread that used it

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            value = ready.get()
            if value is _DONE:
                return
            if isinstance(value, _Failed):
                raise value.error
            yield value
    finally:
        stop.set()
        thread.join()
