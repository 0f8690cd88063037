"""Helpers of the criteria tests: running `load_criteria` in English, and the shipped sample release as data."""

import copy
import csv
import json
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.utils import translation

from mvimonitor.themes.services import DATA_DIR

SAMPLE_JSON = DATA_DIR / "criteria_sample_release.json"
SAMPLE_CSV = DATA_DIR / "criteria_sample_release.csv"
SAMPLE_VERSION = "sample-2026"


def load_criteria(*args: str) -> str:
    """Run `load_criteria` with English messages; its output."""
    out = StringIO()
    with translation.override("en"):
        call_command("load_criteria", *args, stdout=out)
    return out.getvalue()


def sample_json() -> dict[str, Any]:
    return copy.deepcopy(json.loads(SAMPLE_JSON.read_text(encoding="utf-8")))


def sample_rows() -> tuple[list[str], list[dict[str, str]]]:
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def counts(output: str, table: str) -> str:
    """The counts line of one table in a loader's output."""
    return next(line for line in output.splitlines() if line.startswith(f"{table}:"))
