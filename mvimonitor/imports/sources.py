"""Where notices come from: files, folders, zip and tar(.gz) archives, uploads. One entry point per kind of input.

`read_paths(paths)` and `read_upload(name, fileobj)` yield one `RawNotice` per notice, in a stable order (folders
recursively and sorted, zip members sorted, tar members in archive order). Symbolic links in a folder are followed, to
files and to folders, also outside the folder given (whoever runs the command could name their targets as well); a
broken link, a link to a folder read already (a loop) and anything that is not a regular file are each reported with
their path, never skipped silently. The format is sniffed from the content,
never from the file name: XML root element (`TED_EXPORT` -> TED R2.0.9; `ContractNotice`, `ContractAwardNotice`,
`PriorInformationNotice` -> eForms), JSON (-> OCDS package, streamed), the XLSX zip layout, or a CSV whose header has
TenderNed columns. Anything that cannot be read becomes a `RawNotice` with a `ReadError` naming the file (and the
member inside an archive after `!/`), the notice and the field when known, and iteration goes on.

Limits (`notices.Limits`, overridden by keyword arguments): one XML document above `max_xml_bytes` is refused unread
(XML notices are parsed whole; big JSON and CSV files are streamed instead); an OCDS release above `max_notice_bytes`
or nested deeper than `max_depth` is skipped with an error; a notice with more than `max_lots` lots, more than
`max_entries` entries in a list or a text longer than `max_text_chars` is refused. Archives are checked against zip
bombs while they are extracted, not only from the sizes their headers claim: at most `max_members` members,
`max_member_bytes` per member, `max_total_bytes` in all, and a compression ratio of at most `max_ratio` once a member
passes 1 MB. XML and JSON members are read straight from the archive; the others (CSV, workbooks) are extracted to
temporary files, and one call writes at most `max_temp_bytes` to them (the expanded size of a workbook inside an
archive counts too). Archives inside archives are not opened.

XML is read in UTF-8, UTF-16 or UTF-32 (as its byte-order mark or declaration says); JSON in UTF-8 (with or without a
byte-order mark), or UTF-16/UTF-32 with a byte-order mark.
"""

import io
import os
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .eforms import ROOT_NAMESPACES, read_eforms
from .notices import DEFAULT_LIMITS, InputStoppedError, Limits, RawNotice, ReadError, check_limits
from .ocds import iter_ocds
from .ted import read_ted
from .tenderned import ALIASES, _norm, iter_csv, iter_xlsx
from .xmlsafe import local_name, parse_xml, text_head

__all__ = ["DEFAULT_LIMITS", "Limits", "read_paths", "read_upload"]

CHUNK = 1024 * 1024
SPOOL = 16 * CHUNK  # a temporary file stays in memory up to this size


class _Reading:
    """One call of `read_paths` or `read_upload`: its limits and the bytes it has written to temporary files."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.temp = 0

    def spend(self, size: int, file: str) -> None:
        self.temp += size
        if self.temp > self.limits.max_temp_bytes:
            raise InputStoppedError(
                f"reading it needs more than {self.limits.max_temp_bytes} bytes of temporary files (zip bomb?); "
                "stopped",
                file=file,
            )

    @property
    def spent(self) -> bool:
        return self.temp > self.limits.max_temp_bytes


class _Budget:
    """Counts what one archive has produced so far."""

    def __init__(self, reading: _Reading, archive: str) -> None:
        self.reading = reading
        self.limits = reading.limits
        self.archive = archive
        self.members = 0
        self.total = 0

    def member(self, name: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise ReadError(
                f"the archive has more than {self.limits.max_members} members (zip bomb?)", file=self.archive
            )

    @property
    def exhausted(self) -> bool:
        return self.total > self.limits.max_total_bytes or self.reading.spent


def _error(file: str, message: str, **where: str) -> RawNotice:
    return RawNotice(file=file, locator=where.get("notice", ""), raw=b"", error=ReadError(message, file=file, **where))


def read_paths(paths: Iterable[str | os.PathLike[str]], **limits: int) -> Iterator[RawNotice]:
    """Every notice in the given files and folders (recursively, sorted), archives included."""
    reading = _Reading(Limits(**limits))
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child, problem in folder_files(path):
                if problem:
                    yield _error(str(child), problem)
                else:
                    yield from _read_file(child, reading)
        elif path.is_file():
            yield from _read_file(path, reading)
        else:
            yield _error(str(path), "no such file or folder")


def folder_files(folder: Path) -> list[tuple[Path, str]]:
    """Every file under `folder`, through symbolic links, sorted by path, with "" or why it cannot be read."""
    found: list[tuple[Path, str]] = []
    seen = {os.path.realpath(folder)}
    for parent, folders, files in os.walk(folder, followlinks=True):
        kept = []
        for name in folders:
            path = Path(parent, name)
            real = os.path.realpath(path)
            if real in seen:
                found.append((path, f"a symbolic link to a folder that is read already ({real}); not read twice"))
                continue
            seen.add(real)
            kept.append(name)
        folders[:] = sorted(kept)
        for name in files:
            path = Path(parent, name)
            if path.is_file():
                found.append((path, ""))
            elif path.is_symlink():
                found.append((path, f"a broken symbolic link (to {os.readlink(path)}); not read"))
            else:
                found.append((path, "not a regular file (a device, pipe or socket); not read"))
    return sorted(found)


def read_upload(name: str, fileobj: IO[bytes], **limits: int) -> Iterator[RawNotice]:
    """Every notice in one uploaded file (any supported format or archive). `fileobj` should be seekable."""
    reading = _Reading(Limits(**limits))
    if fileobj.seekable():
        yield from _read_stream(name, fileobj, reading, in_archive=False)
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spooled:
        try:
            while chunk := fileobj.read(CHUNK):
                reading.spend(len(chunk), name)
                spooled.write(chunk)
        except InputStoppedError as error:
            yield RawNotice(file=name, locator="", raw=b"", error=error)
            return
        spooled.seek(0)
        yield from _read_stream(name, spooled, reading, in_archive=False)


def _read_file(path: Path, reading: _Reading) -> Iterator[RawNotice]:
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield _error(str(path), f"cannot open the file: {exc.strerror}")
        return
    with stream:
        yield from _read_stream(str(path), stream, reading, in_archive=False)


def _size(stream: IO[bytes]) -> int:
    position = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def _sniff(head: bytes) -> str:
    """What the first bytes of an input are: zip, tar, xml, json, csv (TenderNed) or "" (unknown)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b") or head[257:262] == b"ustar":
        return "tar"
    text = text_head(head, len(head)).lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return "xml"
    if text.startswith(("{", "[")):
        return "json"
    first_line = text.splitlines()[0] if text else ""
    cells = [_norm(c.strip().strip('"')) for part in (";", ",", "\t") for c in first_line.split(part)]
    if any(ALIASES.get(c) == "publication_id" for c in cells):
        return "csv"
    return ""


UNKNOWN = "unknown format: not XML (eForms / TED), JSON (OCDS), XLSX or CSV (TenderNed), zip or tar.gz"


def _read_stream(name: str, stream: IO[bytes], reading: _Reading, *, in_archive: bool) -> Iterator[RawNotice]:
    limits = reading.limits
    head = stream.read(8192)
    stream.seek(0)
    if not head.strip():
        yield _error(name, "the file is empty")
        return
    kind = _sniff(head)
    if kind == "zip":
        yield from _read_zip(name, stream, reading, in_archive=in_archive)
    elif kind == "tar":
        if in_archive:
            yield _error(name, "an archive inside an archive is not opened")
            return
        yield from _read_tar(name, stream, reading)
    elif kind == "xml":
        size = _size(stream)
        if size > limits.max_xml_bytes:
            yield _error(
                name, f"the XML file is {size} bytes, above the limit of {limits.max_xml_bytes} bytes (not read)"
            )
            return
        yield _read_xml(name, stream.read(), limits)
    elif kind == "json":
        yield from iter_ocds(stream, file=name, limits=limits)
    elif kind == "csv":
        yield from _checked(iter_csv(stream, file=name), limits)
    else:
        yield _error(name, UNKNOWN)


def _checked(raws: Iterable[RawNotice], limits: Limits) -> Iterator[RawNotice]:
    """The notices, each refused (its bytes kept) when it holds more than a notice may."""
    for raw in raws:
        if raw.notice is not None:
            try:
                check_limits(raw.notice, limits, file=raw.file, locator=raw.locator)
            except ReadError as error:
                raw = RawNotice(file=raw.file, locator=raw.locator, raw=raw.raw, error=error, warnings=raw.warnings)
        yield raw


def _read_xml(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> RawNotice:
    try:
        root = parse_xml(data, file=name, max_bytes=limits.max_xml_bytes)
        kind = local_name(root)
        if kind == "TED_EXPORT":
            notice = read_ted(data, file=name, root=root)
        elif kind in ROOT_NAMESPACES:
            notice = read_eforms(data, file=name, root=root)
        else:
            raise ReadError(
                f"root element {kind!r} is not a notice (expected ContractNotice, ContractAwardNotice, "
                "PriorInformationNotice or TED_EXPORT)",
                file=name,
                field="root",
            )
        check_limits(notice, limits, file=name)
    except ReadError as error:
        return RawNotice(file=name, locator="", raw=data, error=error)
    return RawNotice(file=name, locator="", raw=data, notice=notice)


class _Member(io.RawIOBase):
    """An archive member's bytes as they are extracted, checked against the archive's limits at every read: the
    sizes actually produced count, not those the archive's headers claim."""

    def __init__(self, source: IO[bytes], member: str, compressed: int, budget: _Budget) -> None:
        self.source = source
        self.member = member
        self.compressed = compressed
        self.budget = budget
        self.written = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.source.read(len(buffer))
        size = len(chunk)
        self.written += size
        self.budget.total += size
        limits = self.budget.limits
        problem = ""
        if self.written > limits.max_member_bytes:
            problem = f"the member is larger than {limits.max_member_bytes} bytes uncompressed"
        elif self.budget.total > limits.max_total_bytes:
            problem = f"the archive holds more than {limits.max_total_bytes} bytes uncompressed"
        elif self.written > CHUNK and self.written > limits.max_ratio * max(self.compressed, 1):
            problem = f"the member expands more than {limits.max_ratio} times its compressed size"
        if problem:
            raise InputStoppedError(f"{problem} (zip bomb?); not read", file=f"{self.budget.archive}!/{self.member}")
        buffer[:size] = chunk
        return size


def _extract(source: IO[bytes], name: str, reading: _Reading) -> IO[bytes]:
    """Copy a member into a (spooled) temporary file, within the call's budget of temporary files."""
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 - returned to the caller
    try:
        while chunk := source.read(CHUNK):
            reading.spend(len(chunk), name)
            target.write(chunk)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


def _read_member(budget: _Budget, member: str, source: IO[bytes], compressed: int) -> Iterator[RawNotice]:
    """One member: XML read into memory and JSON streamed straight from the archive; CSV and zip (a workbook, or an
    archive that is then refused) through a temporary file, since those readers go back to the start; anything else
    is refused unextracted."""
    name = f"{budget.archive}!/{member}"
    reading = budget.reading
    limits = reading.limits
    stream = io.BufferedReader(_Member(source, member, compressed, budget), CHUNK)
    try:
        head = stream.peek(8192)[:8192]
        if not head.strip():
            yield _error(name, "the file is empty")
            return
        kind = _sniff(head)
        if kind == "xml":
            data = stream.read(limits.max_xml_bytes + 1)
            if len(data) > limits.max_xml_bytes:
                yield _error(name, f"the XML file is above the limit of {limits.max_xml_bytes} bytes (not read)")
                return
            yield _read_xml(name, data, limits)
        elif kind == "json":
            yield from iter_ocds(stream, file=name, limits=limits)
        elif kind in ("zip", "csv"):  # a workbook is a zip archive; both readers go back to the start
            with _extract(stream, name, reading) as extracted:
                yield from _read_stream(name, extracted, reading, in_archive=True)
        elif kind == "tar":
            yield _error(name, "an archive inside an archive is not opened")
        else:
            yield _error(name, UNKNOWN)
    except InputStoppedError as error:
        yield RawNotice(file=error.file or name, locator="", raw=b"", error=error)


def _read_zip(name: str, stream: IO[bytes], reading: _Reading, *, in_archive: bool) -> Iterator[RawNotice]:
    limits = reading.limits
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        yield _error(name, f"not a readable zip archive: {exc}")
        return
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        names = {info.filename for info in infos}
        if "xl/workbook.xml" in names or ("[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)):
            declared = sum(info.file_size for info in infos)
            compressed = sum(info.compress_size for info in infos)
            if declared > limits.max_total_bytes or (
                declared > CHUNK and declared > limits.max_ratio * max(compressed, 1)
            ):
                yield _error(name, f"the workbook expands to {declared} bytes from {compressed} (zip bomb?); not read")
                return
            if in_archive:  # a workbook inside an archive expands within the same budget
                try:
                    reading.spend(declared, name)
                except InputStoppedError as error:
                    yield RawNotice(file=name, locator="", raw=b"", error=error)
                    return
            stream.seek(0)
            yield from _checked(iter_xlsx(stream, file=name), limits)
            return
        if in_archive:
            yield _error(name, "an archive inside an archive is not opened")
            return
        budget = _Budget(reading, name)
        if not infos:
            yield _error(name, "the archive is empty")
            return
        for info in sorted(infos, key=lambda i: i.filename):
            try:
                budget.member(info.filename)
            except ReadError as error:
                yield RawNotice(file=name, locator="", raw=b"", error=error)
                return
            if info.file_size > limits.max_member_bytes:
                yield _error(
                    f"{name}!/{info.filename}",
                    f"the member declares {info.file_size} bytes, above {limits.max_member_bytes} (not read)",
                )
                continue
            try:
                with archive.open(info) as source:
                    yield from _read_member(budget, info.filename, source, info.compress_size)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
                yield _error(f"{name}!/{info.filename}", f"cannot extract the member: {exc}")
            if budget.exhausted:
                return


def _read_tar(name: str, stream: IO[bytes], reading: _Reading) -> Iterator[RawNotice]:
    limits = reading.limits
    budget = _Budget(reading, name)
    compressed_total = _size(stream)
    try:
        # streamed: members in archive order, never all in memory; closed in the finally below
        archive = tarfile.open(fileobj=stream, mode="r|*")  # noqa: SIM115
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield _error(name, f"not a readable tar or gzip archive: {exc}")
        return
    members = 0
    try:
        for member in archive:
            if member.isdir():
                continue
            members += 1
            try:
                budget.member(member.name)
            except ReadError as error:
                yield RawNotice(file=name, locator="", raw=b"", error=error)
                return
            if not member.isfile():
                yield _error(f"{name}!/{member.name}", "not a regular file (link or device); not read")
                continue
            if member.size > limits.max_member_bytes:
                yield _error(
                    f"{name}!/{member.name}",
                    f"the member is {member.size} bytes, above {limits.max_member_bytes} (not read)",
                )
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            # a tar.gz compresses the whole stream: judge the ratio against the archive's share of the compressed size
            yield from _read_member(budget, member.name, source, max(compressed_total, 1))
            if budget.exhausted:
                yield _error(
                    name,
                    f"the archive holds more than {limits.max_total_bytes} bytes uncompressed (zip bomb?); stopped"
                    if not reading.spent
                    else f"reading it needs more than {limits.max_temp_bytes} bytes of temporary files (zip bomb?); "
                    "stopped",
                )
                return
        if members == 0:
            yield _error(name, "the archive is empty")
    except (tarfile.TarError, OSError, EOFError, zipfile.BadZipFile) as exc:
        yield _error(name, f"the archive is damaged: {exc}")
    finally:
        archive.close()
