"""Streaming JSON with limits: one value at a time out of ijson's events, never more than a notice's share in memory.

`utf8(stream)` gives the bytes ijson reads: UTF-8 as is (a byte-order mark skipped), and UTF-16 or UTF-32 with a
byte-order mark decoded and re-encoded as UTF-8 while it is read (RFC 8259 asks for UTF-8, but a BOM leaves no doubt
about what the publisher meant). `build(event, value, events, ...)` builds one value from its first event on and stops
building, while still reading to the value's end, once it passes a size or nesting depth; `skip` reads past a value.
Nothing is recursive, so no nesting depth can exhaust Python's stack.
"""

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import IO, Any

Event = tuple[str, Any]

OPEN = {"start_map", "start_array"}
CLOSE = {"end_map", "end_array"}
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def bom_encoding(head: bytes) -> tuple[str, int]:
    """The encoding a byte-order mark at the start of `head` announces and the mark's length; ("", 0) without one."""
    for mark, encoding in BOMS:
        if head.startswith(mark):
            return encoding, len(mark)
    return "", 0


class _Transcoded(io.RawIOBase):
    """Reads a UTF-16/32 stream as UTF-8 bytes, decoding as it goes."""

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = len(buffer)
        while len(self.pending) < wanted and not self.done:
            chunk = self.stream.read(256 * 1024)
            self.done = not chunk
            self.pending += self.decoder.decode(chunk, final=self.done).encode("utf-8")
        taken, self.pending = self.pending[:wanted], self.pending[wanted:]
        buffer[: len(taken)] = taken
        return len(taken)


def utf8(stream: IO[bytes]) -> IO[bytes]:
    """`stream` from its current position as UTF-8 bytes for ijson (see the module's docstring)."""
    peek = getattr(stream, "peek", None)
    if peek is not None:  # a stream read once (an archive member): look without taking
        encoding, skip = bom_encoding(peek(4)[:4])
        stream.read(skip)
    else:
        start = stream.tell()
        encoding, skip = bom_encoding(stream.read(4))
        stream.seek(start + skip)
    if encoding in ("", "utf-8"):
        return stream
    return io.BufferedReader(_Transcoded(stream, encoding), 256 * 1024)


@dataclass
class Built:
    """One value as built, or None with the limit it passed; `ids` holds its top-level `id` and `ocid` (when it is
    an object), kept even when the value itself was dropped, to name it in an error."""

    value: Any
    problem: str = ""
    field: str = ""
    ids: dict[str, str] = dataclass_field(default_factory=dict)


def _size(value: Any) -> int:
    return len(value) + 2 if isinstance(value, str) else 8


def build(event: str, value: Any, events: Iterator[Event], *, max_bytes: int, max_depth: int) -> Built:
    """Build the value that starts with (`event`, `value`); its size is counted about as its JSON text."""
    if event not in OPEN:
        return Built(value)
    root: Any = {} if event == "start_map" else []
    stack: list[Any] = [root]
    keys = [""]
    ids: dict[str, str] = {}
    size = 2
    for event, value in events:
        if event == "map_key":
            keys[-1] = value
            size += len(value) + 4
            continue
        if event in CLOSE:
            stack.pop()
            keys.pop()
            if not stack:
                return Built(root, ids=ids)
            continue
        if event in OPEN:
            child: Any = {} if event == "start_map" else []
            size += 2
        else:
            child = value
            size += _size(value)
            if len(stack) == 1 and keys[0] in ("id", "ocid") and isinstance(root, dict):
                ids[keys[0]] = str(value)
        parent = stack[-1]
        if isinstance(parent, dict):
            parent[keys[-1]] = child
        else:
            parent.append(child)
        if event in OPEN:
            stack.append(child)
            keys.append("")
            if len(stack) > max_depth:
                return _drop(events, len(stack), ids, f"nested more than {max_depth} levels deep", "depth")
        if size > max_bytes:
            return _drop(events, len(stack), ids, f"larger than {max_bytes} bytes", "size")
    return Built(root, ids=ids)  # the events ended inside the value: ijson raises before this is reached


def _drop(events: Iterator[Event], depth: int, ids: dict[str, str], problem: str, name: str) -> Built:
    """Read to the end of a value whose building stopped `depth` levels deep, noting its top-level ids."""
    key = ""
    for event, value in events:
        if event in OPEN:
            depth += 1
        elif event in CLOSE:
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and event == "map_key":
            key = value
        elif depth == 1 and key in ("id", "ocid") and key not in ids:
            ids[key] = str(value)
    return Built(None, problem=problem, field=name, ids=ids)


def skip(event: str, events: Iterator[Event]) -> None:
    """Read past the value that starts with `event`."""
    if event not in OPEN:
        return
    depth = 1
    for event, _value in events:
        if event in OPEN:
            depth += 1
        elif event in CLOSE:
            depth -= 1
            if depth == 0:
                return
