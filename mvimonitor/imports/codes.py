"""The project's versioned code mapping (mvimonitor/imports/data/code_mapping.json), loaded once.

Readers use it to tell a known code from an unknown one; the detector uses its rows to turn codes into proposals.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
MAPPING_FILE = DATA / "code_mapping.json"


@cache
def code_mapping() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(MAPPING_FILE.read_text(encoding="utf-8"))
    return document


@cache
def _known() -> dict[str, frozenset[str]]:
    document = code_mapping()
    lists: dict[str, set[str]] = {}
    for row in document["rows"]:
        lists.setdefault(row["list"], set()).add(row["code"])
    for list_name, codes in document["known_codes"]["lists"].items():
        lists.setdefault(list_name, set()).update(codes)
    return {name: frozenset(codes) for name, codes in lists.items()}


def known_codes(list_name: str) -> frozenset[str] | None:
    """The codes of a codelist the project knows, or None when it does not check that list."""
    return _known().get(list_name)


@cache
def mapping_rows() -> dict[tuple[str, str], dict[str, Any]]:
    """(list name, code) -> mapping row."""
    return {(row["list"], row["code"]): row for row in code_mapping()["rows"]}


def mapping_version() -> str:
    version: str = code_mapping()["version"]
    return version
