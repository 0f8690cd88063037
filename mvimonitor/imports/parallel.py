"""Reading notices in worker processes while the run's own process stores them (ADR 0027).

An import spends about two thirds of its CPU time before the database is involved: reading the file, parsing it,
running the reader, detecting the themes, hashing and compressing the raw notice. That work needs nothing from the
database and nothing from the notices before it, so `Fanout` hands it to worker processes: the input is cut into
groups of whole inputs (a group of files, one uploaded file), each group is read by one worker, and the results come
back in the order of the input. The process that owns the run stores them exactly as it stores notices it reads
itself (`runs.import_run_execute`): one chunk, one transaction, one writer.

So the record, the counts, the failures and the heartbeats are those of a run in one process: notices of one
procedure are stored in the order they were read (ADR 0018's newest notice wins), a buyer is matched or created by
the one storing process (never twice), a resumed run skips the notices its committed chunks counted, and SQLite keeps
a single writer. Workers open no database connection.

Workers are started with the 'spawn' method: a fresh interpreter that runs `django.setup()` (for the settings the
readers' helpers import), never a copy of a process that holds database connections or threads. They ignore SIGINT
and SIGTERM: the storing process decides when to stop (after the chunk it writes) and then shuts them down.

A group is a whole input (a file, an upload), so a single archive or OCDS package is read by one worker; a folder of
files or several uploads spread over all of them.
"""

import dataclasses
import gc
import hashlib
import io
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import notices as n

GROUP_FILES = 32  # files per group handed to a worker: enough work to outweigh the hand-over
GROUP_BYTES = 8 * 1024 * 1024  # ... or fewer files when they are large
# Input handed out ahead of the storing process: more than a chunk of typical notices (1,000 of 32 kB), so that the
# workers read the next chunk while a chunk is stored, instead of waiting for it.
AHEAD_BYTES = 64 * 1024 * 1024
AHEAD_GROUPS = 256
GC_THRESHOLD = 50_000
PARENT_CHECK_SECONDS = 0.5

Detection = tuple[list[n.Proposal], list[n.AttributeSignal]]


@dataclass(frozen=True, slots=True)
class Unit:
    """One input a worker reads whole: a file given by path (`content` None), or an uploaded file's bytes; or a
    path of a folder that cannot be read (`problem`: a broken symbolic link, ...), reported as `read_paths` does."""

    name: str
    content: bytes | None = None
    problem: str = ""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A notice as a worker read it: the read notice, the SHA-256 and compressed form of its bytes, and what the
    detectors found (None when detection was left to the storing process).

    A read notice's bytes travel compressed only (`raw.raw` is empty): the store keeps the compressed form, and
    unpickling a third of the bytes is a good part of what the storing process saves."""

    raw: n.RawNotice
    sha: str
    compressed: bytes | None
    detected: Detection | None


def path_units(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Unit]:
    """The files `sources.read_paths` reads for `paths`, in its order: a folder becomes its files (recursively,
    sorted, through symbolic links), each with the problem `read_paths` reports for it; any other path is handed on
    as it is, so the reader reports it."""
    from .sources import folder_files  # the one walk of a folder, so both read the same files in the same order

    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child, problem in folder_files(path):
                yield Unit(str(child), problem=problem)
        else:
            yield Unit(str(path))


def groups_of(units: Iterable[Unit], *, files: int = GROUP_FILES, size: int = GROUP_BYTES) -> Iterator[list[Unit]]:
    """Consecutive units in groups of at most `files` units or about `size` bytes."""
    group: list[Unit] = []
    total = 0
    for unit in units:
        group.append(unit)
        total += _size(unit)
        if len(group) >= files or total >= size:
            yield group
            group, total = [], 0
    if group:
        yield group


def _size(unit: Unit) -> int:
    if unit.content is not None:
        return len(unit.content)
    try:
        return os.stat(unit.name).st_size
    except OSError:
        return 0


class Fanout:
    """An import's input read by `workers` processes: `groups` (lists of `Unit`, in input order), of which the first
    `skip` notices are dropped (a resumed run has counted them). `on_notice` is called in the storing process for
    every notice handed on, for a progress display."""

    def __init__(
        self,
        groups: Iterable[list[Unit]],
        *,
        workers: int,
        skip: int = 0,
        on_notice: Callable[[], None] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.groups = groups
        self.workers = workers
        self.skip = skip
        self.on_notice = on_notice

    def prepared(self, *, detect: bool) -> Iterator[Prepared]:
        """Every notice of the input, read (and detected, with `detect`) by the workers, in input order.

        At most a few groups per worker are in flight, so memory stays bounded. An error that stops an input is
        raised here after the notices read before it, as `read_paths` would raise it. When the caller stops early,
        groups not started are cancelled and the workers shut down.
        """
        skip = self.skip
        for prepared in self._in_order(detect=detect):
            if skip:
                skip -= 1
                continue
            if self.on_notice is not None:
                self.on_notice()
            yield prepared

    def _in_order(self, *, detect: bool) -> Iterator[Prepared]:
        """The groups' notices in input order. Groups are handed out ahead of the storing process by about
        `AHEAD_BYTES` of input (at least two groups per worker), so the workers go on reading while it stores a
        chunk, and memory stays bounded."""
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_start_worker)
        pending: deque[tuple[Future[tuple[list[Prepared], BaseException | None]], int]] = deque()
        ahead = 0  # bytes of input handed out and not yet handed on
        try:
            for group in self.groups:
                size = sum(_size(unit) for unit in group)
                pending.append((pool.submit(read_group, group, detect), size))
                ahead += size
                while len(pending) >= 2 * self.workers and (ahead >= AHEAD_BYTES or len(pending) >= AHEAD_GROUPS):
                    future, size = pending.popleft()
                    ahead -= size
                    yield from _unpack(future)
            while pending:
                yield from _unpack(pending.popleft()[0])
        finally:
            for item in pending:
                item[0].cancel()
            pool.shutdown(wait=True, cancel_futures=True)


def _unpack(future: "Future[tuple[list[Prepared], BaseException | None]]") -> Iterator[Prepared]:
    items, error = future.result()
    yield from items
    if error is not None:
        raise error


# -- in the worker processes ------------------------------------------------------------------------------------


def _start_worker() -> None:
    """A worker: the storing process decides when to stop, so the signals that stop an import are its alone; and
    when that process is gone (killed), the worker ends too, instead of waiting for work for ever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()
    threading.Thread(target=_end_with, args=(parent,), name="import-parent-watch", daemon=True).start()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mvimonitor.settings")
    import django

    django.setup()
    fewer_collections()


def fewer_collections() -> None:
    """Let Python's cyclic garbage collector run less often in an importing process (the storing one or a worker):
    what was loaded before (Django, the mappings) is frozen out of its scans, and a young collection waits for
    `GC_THRESHOLD` new objects instead of 700. An import makes many short-lived objects and little cyclic garbage,
    and each full collection scanned everything loaded; measured in docs/performance.md."""
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, middle, old)


def _end_with(parent: int) -> None:
    """End this process as soon as `parent` is no longer its parent. A worker holds both ends of the pipe its work
    comes through, so it would never see the storing process go."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def read_group(group: list[Unit], detect: bool) -> tuple[list[Prepared], BaseException | None]:
    """Read every notice of the group's inputs; with `detect`, run the detectors too. Returns the notices read and
    the error that stopped an input (None when all were read to the end)."""
    from .models import compress_raw
    from .sources import read_paths, read_upload

    detector: Callable[[n.Notice], Detection] | None = None
    if detect:
        from .detect import detect as detector
    items: list[Prepared] = []
    try:
        for unit in group:
            if unit.problem:
                error = n.ReadError(unit.problem, file=unit.name)
                items.append(
                    _prepare(n.RawNotice(file=unit.name, locator="", raw=b"", error=error), compress_raw, None)
                )
                continue
            raws = (
                read_paths([unit.name]) if unit.content is None else read_upload(unit.name, io.BytesIO(unit.content))
            )
            for raw in raws:
                items.append(_prepare(raw, compress_raw, detector))
    except Exception as error:  # handed to the storing process, which raises it where reading stopped
        return items, _transferable(error)
    return items, None


def _prepare(
    raw: n.RawNotice, compress: Callable[[bytes], bytes], detector: Callable[[n.Notice], Detection] | None
) -> Prepared:
    if raw.notice is None:
        return Prepared(raw=raw, sha="", compressed=None, detected=None)
    detected = None
    if detector is not None:
        try:
            detected = detector(raw.notice)
        except Exception:  # the storing process detects again and reports what goes wrong there
            detected = None
    return Prepared(
        raw=dataclasses.replace(raw, raw=b""),
        sha=hashlib.sha256(raw.raw).hexdigest(),
        compressed=compress(raw.raw),
        detected=detected,
    )


def _transferable(error: Exception) -> BaseException:
    """The error itself when it survives the way back to the storing process, else a RuntimeError saying it."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, made just now
    except Exception:  # any error that cannot travel is described instead
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def worker_count(value: Any) -> int:
    """A worker count from a setting or an option: at least 1."""
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1
