"""Golden files: every reader fixture of the project, read and compared with the JSON stored beside the fixtures.

Each case names a reader and a fixture in tests/fixtures/imports; the expected reader output is in
tests/fixtures/imports/expected/<reader>/<case>.json. The output is serialised in one fixed way
(`dataclasses.asdict`, Decimal as its string so 60 and 60.00 differ, dates ISO, sets sorted, keys sorted), so any
change to what a reader produces shows as a diff of the JSON.

After an intended change of output, regenerate and review the diff of the expected files:

    MVIM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/imports/test_golden.py
"""

import dataclasses
import difflib
import enum
import io
import json
import os
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

import pytest

from mvimonitor.imports.eforms import read_eforms
from mvimonitor.imports.notices import Notice, RawNotice, ReadError
from mvimonitor.imports.ocds import iter_ocds
from mvimonitor.imports.ted import read_ted
from mvimonitor.imports.tenderned import iter_csv, iter_xlsx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
EXPECTED = FIXTURES / "expected"
UPDATE = os.environ.get("MVIM_UPDATE_GOLDEN", "") not in ("", "0")

Json = None | bool | int | str | list["Json"] | dict[str, "Json"]


def jsonable(value: object) -> Json:
    """`value` as plain JSON data: dataclasses as dicts, Decimal as its string, dates ISO, sets sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, ReadError):
        return {"message": value.message, "file": value.file, "notice": value.notice, "field": value.field}
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        raise TypeError(f"a reader produced a float ({value!r}); readers give Decimal")
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    raise TypeError(f"cannot serialise {type(value).__name__}")


def serialise(value: object) -> str:
    return json.dumps(jsonable(value), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def one_notice(read: Callable[..., Notice]) -> Callable[[bytes, str], object]:
    """An XML reader's result: the notice, or the `ReadError` it raised."""

    def run(data: bytes, file: str) -> object:
        try:
            return {"notice": dataclasses.asdict(read(data, file=file))}
        except ReadError as error:
            return {"error": error}

    return run


def raw_notices(iterate: Callable[..., Iterator[RawNotice]]) -> Callable[[bytes, str], object]:
    """A streaming reader's result: every `RawNotice` it yields, with the notice or the error."""

    def run(data: bytes, file: str) -> object:
        stream: IO[bytes] = io.BytesIO(data)
        return [
            {
                "file": raw.file,
                "locator": raw.locator,
                "raw": raw.raw,
                "notice": dataclasses.asdict(raw.notice) if raw.notice is not None else None,
                "error": raw.error,
                "warnings": raw.warnings,
            }
            for raw in iterate(stream, file=file)
        ]

    return run


# (reader, case, fixture relative to tests/fixtures/imports, how to read it)
CASES: list[tuple[str, str, str, Callable[[bytes, str], object]]] = [
    ("eforms", "cn_bt805", "eforms_bt805.xml", one_notice(read_eforms)),
    ("eforms", "cn_all_codes", "eforms_all_codes.xml", one_notice(read_eforms)),
    ("eforms", "can_results_maximal", "eforms_can_results.xml", one_notice(read_eforms)),
    ("eforms", "pin", "eforms_pin.xml", one_notice(read_eforms)),
    ("eforms", "cn_change", "eforms_change.xml", one_notice(read_eforms)),
    ("eforms", "can_modification", "eforms_modification.xml", one_notice(read_eforms)),
    ("eforms", "unknown_code", "bad/unknown_code.xml", one_notice(read_eforms)),
    ("eforms", "missing_procedure_id", "bad/missing_procedure_id.xml", one_notice(read_eforms)),
    ("eforms", "unknown_notice_type", "bad/unknown_notice_type.xml", one_notice(read_eforms)),
    ("eforms", "wrong_root", "bad/wrong_root.xml", one_notice(read_eforms)),
    ("ted", "f02_reserved", "ted_r209_reserved.xml", one_notice(read_ted)),
    ("ted", "f03_award", "ted_r209_award.xml", one_notice(read_ted)),
    ("ocds", "release_package", "ocds_sustainability.json", raw_notices(iter_ocds)),
    ("ocds", "record_package", "ocds_record_package.json", raw_notices(iter_ocds)),
    ("tenderned", "csv", "tenderned.csv", raw_notices(iter_csv)),
    ("tenderned", "xlsx", "tenderned.xlsx", raw_notices(iter_xlsx)),
]


def expected_path(reader: str, case: str) -> Path:
    return EXPECTED / reader / f"{case}.json"


@pytest.mark.parametrize(
    ("reader", "case", "fixture", "read"), CASES, ids=[f"{reader}/{case}" for reader, case, _, _ in CASES]
)
def test_reader_output_matches_golden_file(
    reader: str, case: str, fixture: str, read: Callable[[bytes, str], object]
) -> None:
    actual = serialise(read((FIXTURES / fixture).read_bytes(), fixture))
    path = expected_path(reader, case)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(
            f"{path} is missing; write it with MVIM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/imports/test_golden.py"
        )
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=str(path.relative_to(FIXTURES.parents[2])),
            tofile=f"{reader} reading {fixture}",
        )
        pytest.fail("reader output differs from the golden file:\n" + "".join(diff), pytrace=False)


def test_every_golden_file_belongs_to_a_case() -> None:
    """A golden file whose case was renamed or removed would otherwise linger, compared with nothing."""
    cases = {expected_path(reader, case) for reader, case, _, _ in CASES}
    assert sorted(set(EXPECTED.glob("*/*.json")) - cases) == []


def test_the_comparison_sees_a_changed_value() -> None:
    """The serialisation keeps what a reader could get wrong: the scale of a Decimal, an empty string against None."""
    assert serialise({"weight": Decimal("60")}) != serialise({"weight": Decimal("60.00")})
    assert serialise({"currency": ""}) != serialise({"currency": None})
    assert serialise({"codes": {"b", "a"}}) == serialise({"codes": {"a", "b"}})
