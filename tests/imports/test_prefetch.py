"""Reading ahead in a second thread keeps the order, hands errors over and stops when the caller stops."""

import threading
from collections.abc import Iterator

import pytest

from mvimonitor.imports.prefetch import prefetched


def test_every_item_comes_back_prepared_and_in_order() -> None:
    threads: set[str] = set()

    def prepare(value: int) -> int:
        threads.add(threading.current_thread().name)
        return value * 2

    assert list(prefetched(range(1000), prepare, depth=3)) == [v * 2 for v in range(1000)]
    assert threads == {"import-reader"}  # prepared in the reading thread, not the caller's


def test_an_error_while_reading_comes_after_the_items_read_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("archive damaged")

    seen: list[int] = []
    items = prefetched(source(), lambda v: v)
    seen.append(next(items))
    seen.append(next(items))
    with pytest.raises(ValueError, match="archive damaged"):
        next(items)
    assert seen == [1, 2]


def test_stopping_early_stops_the_reader_and_closes_the_source() -> None:
    closed = threading.Event()
    produced = []

    def source() -> Iterator[int]:
        try:
            for value in range(10_000):
                produced.append(value)
                yield value
        finally:
            closed.set()

    items = prefetched(source(), lambda v: v, depth=4)
    assert next(items) == 0
    items.close()  # the caller stops (an error while storing)
    assert closed.is_set()
    assert len(produced) < 100  # it did not read the whole input ahead
    assert not any(t.name == "import-reader" for t in threading.enumerate())
