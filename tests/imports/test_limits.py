"""What one input may hold: a release's size and depth, a notice's lots, lists and texts, the temporary files an
archive may need, and notices in UTF-16/UTF-32. Big and deep inputs are made here, at run time."""

import codecs
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from mvimonitor.imports.notices import DEFAULT_LIMITS, Limits
from mvimonitor.imports.sources import read_paths, read_upload

OK_RELEASE = {"ocid": "ocds-213czf-ok", "id": "ok-1", "tag": ["tender"], "tender": {"title": "Na de grote"}}


def package(*releases: bytes) -> bytes:
    return b'{"uri": "x", "releases": [' + b",".join(releases) + b"]}"


def release_json(release_id: str, tender: str) -> bytes:
    return (
        b'{"ocid": "ocds-'
        + release_id.encode()
        + b'", "id": "'
        + release_id.encode()
        + b'", "tender": '
        + tender.encode()
        + b"}"
    )


def test_the_limits_are_named_defaults_in_one_place() -> None:
    assert Limits() == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.max_notice_bytes == 16 * 1024 * 1024
    assert DEFAULT_LIMITS.max_depth == 64
    assert DEFAULT_LIMITS.max_temp_bytes == 2 * 1024**3


def test_a_release_above_the_size_limit_is_refused_by_name_and_the_next_one_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    description = "a" * (DEFAULT_LIMITS.max_notice_bytes + 1024)
    path.write_bytes(
        package(
            release_json("huge-1", json.dumps({"title": "t", "description": description})),
            json.dumps(OK_RELEASE).encode(),
        )
    )

    huge, ok = read_paths([path])

    assert huge.error is not None
    assert (huge.error.file, huge.error.notice, huge.error.field) == (str(path), "huge-1", "size")
    assert "larger than 16777216 bytes" in huge.error.message
    assert huge.locator == "releases[0]"
    assert ok.notice is not None
    assert ok.notice.notice_id == "ok-1"


def test_the_size_limit_can_be_lowered_per_call() -> None:
    data = package(release_json("r-1", json.dumps({"title": "t" * 5000})), json.dumps(OK_RELEASE).encode())

    big, ok = read_upload("small.json", io.BytesIO(data), max_notice_bytes=4000)

    assert big.error is not None
    assert big.error.notice == "r-1"
    assert ok.notice is not None


@pytest.mark.parametrize("depth", [5_000, 300_000])
def test_a_deeply_nested_release_is_refused_by_name_and_the_next_one_read(depth: int) -> None:
    nested = "[" * depth + "]" * depth
    data = package(release_json("deep-1", '{"title": "t", "x": ' + nested + "}"), json.dumps(OK_RELEASE).encode())

    deep, ok = read_upload("deep.json", io.BytesIO(data))

    assert deep.error is not None
    assert (deep.error.file, deep.error.notice, deep.error.field) == ("deep.json", "deep-1", "depth")
    assert "nested more than 64 levels" in deep.error.message
    assert ok.notice is not None
    assert ok.notice.notice_id == "ok-1"


def test_a_release_with_too_many_lots_or_items_is_refused_naming_the_field() -> None:
    lots = [{"id": str(i), "title": f"Perceel {i}"} for i in range(20)]
    items = [{"id": str(i), "relatedLot": "1"} for i in range(30)]
    many_lots = {"ocid": "ocds-l", "id": "lots-1", "tender": {"title": "t", "lots": lots}}
    many_items = {"ocid": "ocds-i", "id": "items-1", "tender": {"title": "t", "items": items}}
    data = json.dumps({"releases": [many_lots, many_items, OK_RELEASE]}).encode()

    first, second, ok = read_upload("lots.json", io.BytesIO(data), max_lots=10, max_entries=25)

    assert first.error is not None
    assert (first.error.notice, first.error.field) == ("lots-1", "tender.lots")
    assert second.error is not None
    assert (second.error.notice, second.error.field) == ("items-1", "tender.items")
    assert first.raw  # the release itself is kept for the report
    assert ok.notice is not None


def test_lists_that_reading_would_multiply_are_refused_before_they_are_read() -> None:
    lots = [{"id": str(i)} for i in range(500)]
    goals = [{"goal": "economic.sme", "strategies": ["awardCriteria"] * 4} for _ in range(50)]
    copied = {"ocid": "ocds-s", "id": "sust-1", "tender": {"title": "t", "lots": lots, "sustainability": goals}}
    award = {
        "id": "a",
        "relatedLots": [str(i) for i in range(300)],
        "suppliers": [{"name": f"s{i}"} for i in range(100)],
    }
    crossed = {"ocid": "ocds-a", "id": "award-1", "tender": {"title": "t"}, "awards": [award]}
    data = json.dumps({"releases": [copied, crossed, OK_RELEASE]}).encode()

    first, second, ok = read_upload("many.json", io.BytesIO(data))

    assert first.error is not None
    assert (first.error.notice, first.error.field) == ("sust-1", "tender.sustainability")
    assert second.error is not None
    assert (second.error.notice, second.error.field) == ("award-1", "awards.relatedLots")
    assert ok.notice is not None


def test_a_text_above_the_limit_refuses_the_notice_in_every_format(fixtures: Path) -> None:
    long_text = {"ocid": "ocds-t", "id": "text-1", "tender": {"title": "t", "description": "x" * 200}}
    (raw,) = read_upload("t.json", io.BytesIO(json.dumps({"releases": [long_text]}).encode()), max_text_chars=100)
    assert raw.error is not None
    assert (raw.error.notice, raw.error.field) == ("text-1", "description")

    xml = (fixtures / "eforms_bt805.xml").read_bytes()
    (raw,) = read_upload("n.xml", io.BytesIO(xml), max_text_chars=20)
    assert raw.error is not None
    assert raw.error.file == "n.xml"
    assert raw.error.field
    assert "above the limit of 20" in raw.error.message
    assert raw.raw == xml  # kept

    rows = list(read_upload("t.csv", io.BytesIO((fixtures / "tenderned.csv").read_bytes()), max_text_chars=10))
    assert sum("above the limit of 10" in r.error.message for r in rows if r.error is not None) == 4
    assert not any(r.notice for r in rows)


def csv_zip(fixtures: Path, members: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(members):
            archive.writestr(f"{index}.csv", (fixtures / "tenderned.csv").read_bytes())
    return buffer.getvalue()


def test_temporary_files_of_an_archive_are_bounded_and_the_archive_stops(fixtures: Path) -> None:
    size = len((fixtures / "tenderned.csv").read_bytes())

    raws = list(read_upload("many.zip", io.BytesIO(csv_zip(fixtures, 5)), max_temp_bytes=2 * size + 10))

    read = {r.file for r in raws if r.notice is not None}
    assert read == {"many.zip!/0.csv", "many.zip!/1.csv"}
    stopped = raws[-1]
    assert stopped.file == "many.zip!/2.csv"
    assert stopped.error is not None
    assert "temporary files" in stopped.error.message
    assert not any(r.file.endswith(("3.csv", "4.csv")) for r in raws)


def test_the_temporary_file_budget_spans_every_archive_of_one_call(fixtures: Path, tmp_path: Path) -> None:
    size = len((fixtures / "tenderned.csv").read_bytes())
    for name in ("a.zip", "b.zip"):
        (tmp_path / name).write_bytes(csv_zip(fixtures, 2))

    raws = list(read_paths([tmp_path], max_temp_bytes=3 * size + 10))

    read = {r.file.removeprefix(str(tmp_path) + "/") for r in raws if r.notice is not None}
    assert read == {"a.zip!/0.csv", "a.zip!/1.csv", "b.zip!/0.csv"}
    assert raws[-1].file.endswith("b.zip!/1.csv")
    assert raws[-1].error is not None
    assert "temporary files" in raws[-1].error.message


def test_xml_and_json_members_are_read_without_temporary_files(fixtures: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", (fixtures / "eforms_bt805.xml").read_bytes())
        archive.writestr("b.json", (fixtures / "ocds_sustainability.json").read_bytes())

    raws = list(read_upload("plain.zip", io.BytesIO(buffer.getvalue()), max_temp_bytes=0))

    assert [r.locator for r in raws] == ["", "releases[0]", "releases[1]", "releases[2]"]
    assert [r.notice is not None for r in raws] == [True, True, True, False]  # the third has no ocid
    assert not any("temporary" in r.error.message for r in raws if r.error)


def test_members_that_are_refused_anyway_are_not_extracted(fixtures: Path) -> None:
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as archive:
        info = tarfile.TarInfo("a.xml")
        data = (fixtures / "eforms_bt805.xml").read_bytes()
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner.tar.gz", inner.getvalue())
        archive.writestr("picture.png", b"\x89PNG\r\n" + b"\0" * 100_000)

    nested, picture = read_upload("outer.zip", io.BytesIO(buffer.getvalue()), max_temp_bytes=0)

    assert nested.error is not None
    assert "inside an archive" in nested.error.message
    assert picture.error is not None
    assert "unknown format" in picture.error.message


def test_a_workbook_inside_an_archive_counts_in_the_same_budget(fixtures: Path) -> None:
    workbook = (fixtures / "tenderned.xlsx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("export.xlsx", workbook)
    data = buffer.getvalue()
    assert sum(r.notice is not None for r in read_upload("wb.zip", io.BytesIO(data))) == 3

    raws = list(read_upload("wb.zip", io.BytesIO(data), max_temp_bytes=len(workbook) + 10))

    assert [r.file for r in raws] == ["wb.zip!/export.xlsx"]
    assert raws[0].error is not None
    assert "temporary files" in raws[0].error.message


class _Unseekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self.inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_spooled_upload_counts_in_the_budget(fixtures: Path) -> None:
    data = (fixtures / "eforms_bt805.xml").read_bytes()
    (raw,) = read_upload("stream.xml", io.BufferedReader(_Unseekable(data)))
    assert raw.notice is not None

    (raw,) = read_upload("stream.xml", io.BufferedReader(_Unseekable(data)), max_temp_bytes=100)
    assert raw.error is not None
    assert "temporary files" in raw.error.message


# -- encodings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "bom", "declared"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16"),
        ("utf-16-le", b"", "UTF-16LE"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32"),
    ],
)
@pytest.mark.parametrize("name", ["eforms_bt805.xml", "ted_r209_reserved.xml"])
def test_xml_notices_in_utf16_and_utf32_are_read(
    fixtures: Path, name: str, codec: str, bom: bytes, declared: str
) -> None:
    original = (fixtures / name).read_bytes()
    (expected,) = read_upload(name, io.BytesIO(original))
    text = original.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{declared}"', 1)
    data = bom + text.encode(codec)

    (raw,) = read_upload(name, io.BytesIO(data))

    assert raw.error is None, raw.error
    assert raw.notice == expected.notice
    assert raw.raw == data  # kept as received


def test_a_doctype_in_utf16_is_still_refused() -> None:
    data = codecs.BOM_UTF16_LE + (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ContractNotice>&a;</ContractNotice>'
    ).encode("utf-16-le")

    (raw,) = read_upload("laughs.xml", io.BytesIO(data))

    assert raw.error is not None
    assert "DOCTYPE" in raw.error.message


@pytest.mark.parametrize(
    ("codec", "bom"),
    [
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
    ],
)
def test_json_with_a_byte_order_mark_is_read(fixtures: Path, codec: str, bom: bytes) -> None:
    original = (fixtures / "ocds_sustainability.json").read_bytes()
    expected = [r.notice for r in read_upload("p.json", io.BytesIO(original))]
    data = bom + original.decode("utf-8").encode(codec)

    raws = list(read_upload("p.json", io.BytesIO(data)))

    assert [r.notice for r in raws] == expected
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("p.json", data)
    assert [r.notice for r in read_upload("p.zip", io.BytesIO(buffer.getvalue()))] == expected


@pytest.mark.django_db
def test_a_deep_or_huge_release_fails_alone_and_the_run_goes_on(run_import) -> None:  # type: ignore[no-untyped-def]
    from mvimonitor.imports.models import RunStatus
    from mvimonitor.tenders.models import Tender

    ok = dict(
        OK_RELEASE,
        buyer={"name": "Gemeente Voorbeeld"},
        tender={"title": "Na de grote", "mainProcurementCategory": "services"},
    )
    nested = "[" * 20_000 + "]" * 20_000
    data = package(
        release_json("deep-1", '{"title": "t", "x": ' + nested + "}"),
        release_json("huge-1", json.dumps({"title": "t", "description": "d" * 5000})),
        json.dumps(ok).encode(),
    )

    report = run_import(read_upload("mixed.json", io.BytesIO(data), max_notice_bytes=4000))

    assert report.run.status == RunStatus.DONE
    assert (report.run.seen, report.run.created, report.run.failed) == (3, 1, 2)
    assert [(f.file, f.notice, f.field) for f in report.failures] == [
        ("mixed.json", "deep-1", "depth"),
        ("mixed.json", "huge-1", "size"),
    ]
    assert Tender.objects.get().title == "Na de grote"
