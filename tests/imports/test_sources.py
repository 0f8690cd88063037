"""Entry points: folders, archives, uploads, sniffing by content, and the limits against hostile input."""

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from mvimonitor.imports.sources import read_paths, read_upload


def errors(raws: list) -> list:  # type: ignore[type-arg]
    return [r.error for r in raws if r.error is not None]


def test_folder_is_read_recursively_and_sorted(fixtures: Path, tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.xml").write_bytes((fixtures / "eforms_all_codes.xml").read_bytes())
    (tmp_path / "a.xml").write_bytes((fixtures / "eforms_bt805.xml").read_bytes())
    (tmp_path / "c.xml").write_bytes((fixtures / "ted_r209_reserved.xml").read_bytes())
    raws = list(read_paths([tmp_path]))
    assert [Path(r.file).name for r in raws] == ["a.xml", "2.xml", "c.xml"]  # sorted by path: a.xml < b/2.xml < c.xml
    assert [r.notice.source_format.value for r in raws if r.notice] == ["eforms", "eforms", "ted-r2.0.9"]
    assert raws[0].raw == (fixtures / "eforms_bt805.xml").read_bytes()


def test_every_bad_input_is_reported_and_the_rest_still_read(fixtures: Path) -> None:
    raws = list(read_paths([fixtures / "bad", fixtures / "eforms_bt805.xml", fixtures / "nothing-here.xml"]))
    by_name = {Path(r.file).name: r for r in raws}
    assert by_name["eforms_bt805.xml"].notice is not None
    assert by_name["unknown_code.xml"].notice is not None  # a warning, not an error
    for name, words in {
        "billion_laughs.xml": "DOCTYPE",
        "empty.xml": "empty",
        "malformed.xml": "malformed XML",
        "missing_procedure_id.xml": "procedure identifier",
        "unknown_notice_type.xml": "unknown notice type",
        "wrong_root.xml": "root element 'Invoice'",
        "nothing-here.xml": "no such file",
    }.items():
        error = by_name[name].error
        assert error is not None, name
        assert words in error.message, (name, error.message)
        assert error.file.endswith(name)


def test_format_is_sniffed_from_content_not_name(fixtures: Path) -> None:
    raws = list(read_upload("notice.txt", io.BytesIO((fixtures / "eforms_bt805.xml").read_bytes())))
    assert raws[0].notice is not None
    raws = list(read_upload("data.bin", io.BytesIO((fixtures / "ocds_sustainability.json").read_bytes())))
    assert [r.locator for r in raws] == ["releases[0]", "releases[1]", "releases[2]"]
    raws = list(read_upload("export.dat", io.BytesIO((fixtures / "tenderned.csv").read_bytes())))
    assert len(raws) == 5
    (raw,) = read_upload("readme.md", io.BytesIO(b"# just text\n"))
    assert raw.error is not None
    assert "unknown format" in raw.error.message


def test_zip_archive_members_are_named(fixtures: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("z/ted.xml", (fixtures / "ted_r209_reserved.xml").read_bytes())
        archive.writestr("a/notice.xml", (fixtures / "eforms_bt805.xml").read_bytes())
        archive.writestr("a/broken.xml", b"<ContractNotice>")
        archive.writestr("inner.zip", b"PK\x05\x06" + b"\0" * 18)
    raws = list(read_upload("upload.zip", io.BytesIO(buffer.getvalue())))
    assert [r.file for r in raws] == [
        "upload.zip!/a/broken.xml",
        "upload.zip!/a/notice.xml",
        "upload.zip!/inner.zip",
        "upload.zip!/z/ted.xml",
    ]
    assert raws[0].error is not None
    assert raws[1].notice is not None
    assert raws[2].error is not None
    assert "inside an archive" in raws[2].error.message
    assert raws[3].notice is not None


def test_ted_daily_package_tar_gz(fixtures: Path, tmp_path: Path) -> None:
    path = tmp_path / "daily.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name in ("eforms_bt805.xml", "eforms_all_codes.xml", "ted_r209_reserved.xml"):
            archive.add(fixtures / name, arcname=f"20240503/{name}")
    raws = list(read_paths([path]))
    assert [r.file.split("!/")[1] for r in raws] == [
        "20240503/eforms_bt805.xml",
        "20240503/eforms_all_codes.xml",
        "20240503/ted_r209_reserved.xml",
    ]
    assert all(r.notice is not None for r in raws)


def test_zip_bomb_is_stopped_by_the_ratio_limit() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.xml", b"<a>" + b"\0" * (20 * 1024 * 1024) + b"</a>")
        archive.writestr("ok.xml", b"<a/>")
    assert len(buffer.getvalue()) < 100_000
    raws = list(read_upload("bomb.zip", io.BytesIO(buffer.getvalue())))
    bomb = raws[0]
    assert bomb.error is not None
    assert bomb.file == "bomb.zip!/bomb.xml"
    assert "zip bomb" in bomb.error.message
    assert raws[1].file == "bomb.zip!/ok.xml"  # the next member is still looked at


def test_zip_limits_on_size_members_and_total(fixtures: Path) -> None:
    notice = (fixtures / "eforms_bt805.xml").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index in range(5):
            archive.writestr(f"{index}.xml", notice)
    data = buffer.getvalue()
    (raw, *_) = read_upload("a.zip", io.BytesIO(data), max_member_bytes=1000)
    assert raw.error is not None
    assert "1000" in raw.error.message
    raws = list(read_upload("a.zip", io.BytesIO(data), max_members=3))
    assert sum(r.notice is not None for r in raws) == 3
    assert "more than 3 members" in raws[-1].error.message
    raws = list(read_upload("a.zip", io.BytesIO(data), max_total_bytes=2 * len(notice) + 10))
    assert sum(r.notice is not None for r in raws) == 2
    assert "zip bomb" in raws[-1].error.message


def test_tar_bomb_is_stopped() -> None:
    payload = b"<a>" + b"\0" * (30 * 1024 * 1024) + b"</a>"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("bomb.xml")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    raws = list(read_upload("bomb.tar.gz", io.BytesIO(buffer.getvalue())))
    assert raws[0].error is not None
    assert "zip bomb" in raws[0].error.message


def test_oversized_xml_file_is_refused_unread(fixtures: Path, tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes((fixtures / "eforms_bt805.xml").read_bytes())
    (raw,) = read_paths([path], max_xml_bytes=1024)
    assert raw.error is not None
    assert "above the limit of 1024 bytes" in raw.error.message
    assert raw.raw == b""


def test_non_seekable_upload_is_spooled(fixtures: Path) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            chunk = self.inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    (raw,) = read_upload("pipe.xml", io.BufferedReader(Pipe((fixtures / "eforms_bt805.xml").read_bytes())))
    assert raw.notice is not None


def test_plain_gzip_that_is_not_a_tar() -> None:
    (raw,) = read_upload("notice.xml.gz", io.BytesIO(gzip.compress(b"<a/>")))
    assert raw.error is not None
    assert raw.error.file == "notice.xml.gz"


@pytest.mark.shared
def test_all_real_files_are_read(shared_data: Path) -> None:
    folders = [shared_data / "eforms/examples", shared_data / "ted", shared_data / "ocds/sample"]
    raws = [r for r in read_paths(folders) if r.file.endswith((".xml", ".json"))]
    assert len(raws) == 10 + 5 + 3 + 6 + 1
    assert errors(raws) == []


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["ID publicatie", "Naam aanbestedende dienst", "Naam aanbesteding"])
    workbook.active.append([500001, "Gemeente Voorbeeldstad", "Inkoop van circulair meubilair"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_upload_is_recognised_by_its_zip_layout() -> None:
    (raw,) = read_upload("export", io.BytesIO(xlsx_bytes()))
    assert raw.notice is not None
    assert raw.notice.notice_id == "500001"
    assert raw.locator == "sheet 'Sheet' row 2"


def test_xlsx_that_would_expand_too_much_is_refused() -> None:
    (raw,) = read_upload("export.xlsx", io.BytesIO(xlsx_bytes()), max_total_bytes=1000)
    assert raw.error is not None
    assert "zip bomb" in raw.error.message


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("header-only.csv", b"ID publicatie;Naam aanbestedende dienst;Naam aanbesteding\r\n", "no rows"),
        ("no-releases.json", b'{"releases": []}', "no releases"),
        ("no-records.json", b'{"records": []}', "no records"),
    ],
)
def test_inputs_without_notices_say_so(name: str, data: bytes, words: str) -> None:
    (raw,) = read_upload(name, io.BytesIO(data))
    assert raw.error is not None
    assert words in raw.error.message
    assert raw.error.file == name


def test_empty_archives_say_so(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w"):
        pass
    (raw,) = read_upload("empty.zip", io.BytesIO(buffer.getvalue()))
    assert raw.error is not None
    assert "archive is empty" in raw.error.message
    path = tmp_path / "empty.tar.gz"
    with tarfile.open(path, "w:gz"):
        pass
    (raw,) = read_paths([path])
    assert raw.error is not None
    assert "archive is empty" in raw.error.message


def test_an_older_ted_namespace_variant_is_recognised_in_folders_and_uploads(fixtures: Path) -> None:
    data = (fixtures / "ted_r209_s02.xml").read_bytes()
    (from_folder,) = read_paths([fixtures / "ted_r209_s02.xml"])
    (uploaded,) = read_upload("oud.xml", io.BytesIO(data))
    for raw in (from_folder, uploaded):
        assert raw.error is None, raw.error
        assert raw.notice is not None
        assert raw.notice.notice_id == "123456-2017"


def test_a_folder_of_symbolic_links_is_read_through_them_and_each_bad_link_is_named(
    fixtures: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    (store / "2024").mkdir(parents=True)
    (store / "2024" / "a.xml").write_bytes((fixtures / "eforms_bt805.xml").read_bytes())
    (store / "b.xml").write_bytes((fixtures / "ted_r209_s02.xml").read_bytes())
    links = tmp_path / "links"
    links.mkdir()
    (links / "jaar").symlink_to(store / "2024", target_is_directory=True)  # a link to a folder
    (links / "b.xml").symlink_to(store / "b.xml")  # a link to a file
    (links / "weg.xml").symlink_to(tmp_path / "missing.xml")  # a broken link
    (store / "2024" / "terug").symlink_to(links, target_is_directory=True)  # a loop back to the folder given

    raws = list(read_paths([links]))

    read = sorted(Path(r.file).relative_to(links).as_posix() for r in raws if r.notice is not None)
    assert read == ["b.xml", "jaar/a.xml"]
    problems = {Path(r.file).relative_to(links).as_posix(): r.error.message for r in raws if r.error is not None}
    assert set(problems) == {"weg.xml", "jaar/terug"}
    assert "broken symbolic link" in problems["weg.xml"]
    assert "missing.xml" in problems["weg.xml"]
    assert "read already" in problems["jaar/terug"]
