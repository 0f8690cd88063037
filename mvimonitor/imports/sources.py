"""Where notices come from: files, folders, zip and tar(.gz) archives, uploads. One entry point per kind of input.

`read_paths(paths)` and `read_upload(name, fileobj)` yield one `RawNotice` per notice, in a stable order (folders
recursively and sorted, zip members sorted, tar members in archive order). The format is sniffed from the content,
never from the file name: XML root element (`TED_EXPORT` -> TED R2.0.9; `ContractNotice`, `ContractAwardNotice`,
`PriorInformationNotice` -> eForms), JSON (-> OCDS package, streamed), the XLSX zip layout, or a CSV whose header has
TenderNed columns. Anything that cannot be read becomes a `RawNotice` with a `ReadError` naming the file (and the
member inside an archive after `!/`), the notice and the field when known, and iteration goes on.

Limits (keyword arguments, safe defaults): one XML document above `max_xml_bytes` is refused unread (XML notices are
parsed whole; big JSON and CSV files are streamed instead). Archives are checked against zip bombs while they are
extracted, not only from the sizes their headers claim: at most `max_members` members, `max_member_bytes` per
member, `max_total_bytes` in all, and a compression ratio of at most `max_ratio` once a member passes 1 MB.
Archives inside archives are not opened.
"""

import io
import os
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .eforms import ROOT_NAMESPACES, read_eforms
from .notices import RawNotice, ReadError
from .ocds import iter_ocds
from .ted import read_ted
from .tenderned import ALIASES, _norm, iter_csv, iter_xlsx
from .xmlsafe import DEFAULT_MAX_XML_BYTES, local_name, parse_xml

CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    max_xml_bytes: int = DEFAULT_MAX_XML_BYTES
    max_members: int = 100_000
    max_member_bytes: int = 4 * 1024**3
    max_total_bytes: int = 16 * 1024**3
    max_ratio: int = 200


class _Budget:
    """Counts what one archive has produced so far."""

    def __init__(self, limits: Limits, archive: str) -> None:
        self.limits = limits
        self.archive = archive
        self.members = 0
        self.total = 0

    def member(self, name: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise ReadError(
                f"the archive has more than {self.limits.max_members} members (zip bomb?)", file=self.archive
            )


def _error(file: str, message: str, **where: str) -> RawNotice:
    return RawNotice(file=file, locator=where.get("notice", ""), raw=b"", error=ReadError(message, file=file, **where))


def read_paths(paths: Iterable[str | os.PathLike[str]], **limits: int) -> Iterator[RawNotice]:
    """Every notice in the given files and folders (recursively, sorted), archives included."""
    settings = Limits(**limits)
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                yield from _read_file(child, settings)
        elif path.is_file():
            yield from _read_file(path, settings)
        else:
            yield _error(str(path), "no such file or folder")


def read_upload(name: str, fileobj: IO[bytes], **limits: int) -> Iterator[RawNotice]:
    """Every notice in one uploaded file (any supported format or archive). `fileobj` should be seekable."""
    settings = Limits(**limits)
    if fileobj.seekable():
        yield from _read_stream(name, fileobj, settings, in_archive=False)
        return
    with tempfile.SpooledTemporaryFile(max_size=64 * CHUNK) as spooled:
        shutil.copyfileobj(fileobj, spooled, CHUNK)
        spooled.seek(0)
        yield from _read_stream(name, spooled, settings, in_archive=False)


def _read_file(path: Path, limits: Limits) -> Iterator[RawNotice]:
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield _error(str(path), f"cannot open the file: {exc.strerror}")
        return
    with stream:
        yield from _read_stream(str(path), stream, limits, in_archive=False)


def _size(stream: IO[bytes]) -> int:
    position = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def _read_stream(name: str, stream: IO[bytes], limits: Limits, *, in_archive: bool) -> Iterator[RawNotice]:
    head = stream.read(8192)
    stream.seek(0)
    if not head.strip():
        yield _error(name, "the file is empty")
        return
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        yield from _read_zip(name, stream, limits, in_archive=in_archive)
        return
    if head.startswith(b"\x1f\x8b") or head[257:262] == b"ustar":
        if in_archive:
            yield _error(name, "an archive inside an archive is not opened")
            return
        yield from _read_tar(name, stream, limits)
        return
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        size = _size(stream)
        if size > limits.max_xml_bytes:
            yield _error(
                name, f"the XML file is {size} bytes, above the limit of {limits.max_xml_bytes} bytes (not read)"
            )
            return
        yield _read_xml(name, stream.read())
        return
    if stripped.startswith((b"{", b"[")):
        yield from iter_ocds(stream, file=name)
        return
    first_line = head.decode("utf-8", errors="replace").splitlines()[0] if head else ""
    cells = [_norm(c.strip().strip('"')) for part in (";", ",", "\t") for c in first_line.split(part)]
    if any(ALIASES.get(c) == "publication_id" for c in cells):
        yield from iter_csv(stream, file=name)
        return
    yield _error(name, "unknown format: not XML (eForms / TED), JSON (OCDS), XLSX or CSV (TenderNed), zip or tar.gz")


def _read_xml(name: str, data: bytes) -> RawNotice:
    try:
        root = parse_xml(data, file=name)
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
    except ReadError as error:
        return RawNotice(file=name, locator="", raw=data, error=error)
    return RawNotice(file=name, locator="", raw=data, notice=notice)


def _copy_limited(source: IO[bytes], member: str, compressed: int, budget: _Budget) -> IO[bytes]:
    """Extract one member into a (spooled) temporary file, enforcing the limits on what is actually produced."""
    limits = budget.limits
    target = tempfile.SpooledTemporaryFile(max_size=16 * CHUNK)  # noqa: SIM115 - returned to the caller
    written = 0
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            break
        written += len(chunk)
        budget.total += len(chunk)
        problem = ""
        if written > limits.max_member_bytes:
            problem = f"the member is larger than {limits.max_member_bytes} bytes uncompressed"
        elif budget.total > limits.max_total_bytes:
            problem = f"the archive holds more than {limits.max_total_bytes} bytes uncompressed"
        elif written > CHUNK and written > limits.max_ratio * max(compressed, 1):
            problem = f"the member expands more than {limits.max_ratio} times its compressed size"
        if problem:
            target.close()
            raise ReadError(f"{problem} (zip bomb?); not read", file=f"{budget.archive}!/{member}")
        target.write(chunk)
    target.seek(0)
    return target


def _read_member(budget: _Budget, member: str, source: IO[bytes], compressed: int) -> Iterator[RawNotice]:
    name = f"{budget.archive}!/{member}"
    try:
        extracted = _copy_limited(source, member, compressed, budget)
    except ReadError as error:
        yield RawNotice(file=name, locator="", raw=b"", error=error)
        return
    with extracted:
        yield from _read_stream(name, extracted, budget.limits, in_archive=True)


def _read_zip(name: str, stream: IO[bytes], limits: Limits, *, in_archive: bool) -> Iterator[RawNotice]:
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
            stream.seek(0)
            yield from iter_xlsx(stream, file=name)
            return
        if in_archive:
            yield _error(name, "an archive inside an archive is not opened")
            return
        budget = _Budget(limits, name)
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
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                yield _error(f"{name}!/{info.filename}", f"cannot extract the member: {exc}")
            if budget.total > limits.max_total_bytes:
                return


def _read_tar(name: str, stream: IO[bytes], limits: Limits) -> Iterator[RawNotice]:
    budget = _Budget(limits, name)
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
            if budget.total > limits.max_total_bytes:
                yield _error(
                    name,
                    f"the archive holds more than {limits.max_total_bytes} bytes uncompressed (zip bomb?); stopped",
                )
                return
        if members == 0:
            yield _error(name, "the archive is empty")
    except (tarfile.TarError, OSError, EOFError, zipfile.BadZipFile) as exc:
        yield _error(name, f"the archive is damaged: {exc}")
    finally:
        archive.close()
