"""Writes to the MVI catalogue: loading the shipped reference data and official tables (CPV, product groups, ...).

Every loader is idempotent (a second run changes nothing and reports so) and transactional: a file with one bad
row is refused as a whole, with a message that names the file, the line and the field.
"""

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from lxml import etree

from mvimonitor.reference import ReferenceDataError as ReferenceDataError  # the load commands import both from here
from mvimonitor.reference import TableResult as TableResult
from mvimonitor.reference import read_json, row_error, unreadable, upsert

from .criteria import criteria_release_load
from .criteria_files import read_tool_json
from .models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    CriteriaRelease,
    EuThreshold,
    IsvRiskCategory,
    ProductGroup,
    ProductGroupCluster,
    Theme,
    ThresholdCategory,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_CPV_SOURCE = "MVI Monitor demo set"
DEFAULT_CPV_SOURCE = "CPV 2008, Regulation (EC) No 213/2008"
DEFAULT_CPV_YEAR = 2008
CPV_LIST_FILE = "cpv_2008.json"  # written by scripts/build_cpv_list.py
CPV_BATCH_SIZE = 2000
SAMPLE_RELEASE_FILE = "criteria_sample_release.json"  # the same criteria are in criteria_sample_release.csv


def _load_rows(
    result: TableResult,
    path: Path,
    model: type[models.Model],
    rows: Iterable[Mapping[str, Any]],
    key_fields: tuple[str, ...],
    resolve: Mapping[str, Any] | None = None,
) -> dict[tuple[Any, ...], Any]:
    loaded: dict[tuple[Any, ...], Any] = {}
    for number, row in enumerate(rows, start=1):
        values = {**row, **(resolve or {})}
        key = {name: values.pop(name) for name in key_fields}
        try:
            instance = upsert(model, key, values, result)
        except ValidationError as error:
            raise ReferenceDataError(
                _("%(file)s, row %(row)s: %(error)s") % {"file": path.name, "row": number, "error": error}
            ) from error
        loaded[tuple(key.values())] = instance
    return loaded


def _simple_table(name: str, path: Path, model: type[models.Model], key_fields: tuple[str, ...]) -> TableResult:
    result = TableResult(name)
    _load_rows(result, path, model, read_json(path)["rows"], key_fields)
    return result


def _product_groups(path: Path) -> list[TableResult]:
    data = read_json(path)
    sets_result, clusters_result, groups_result = (
        TableResult("product group sets"),
        TableResult("product group clusters"),
        TableResult("product groups"),
    )
    sets: dict[str, CriteriaRelease] = {}
    for row in data["sets"]:  # in order: a set names the one it supersedes before it
        values = dict(row)
        previous = values.pop("supersedes", None)
        resolve = {"supersedes": sets[previous]} if previous else None
        loaded = _load_rows(sets_result, path, CriteriaRelease, [values], ("version",), resolve)
        sets[row["version"]] = next(iter(loaded.values()))
    clusters: dict[tuple[str, str], ProductGroupCluster] = {}
    for row in data["clusters"]:
        values = dict(row)
        pg_set = sets[values.pop("set")]
        loaded = _load_rows(
            clusters_result,
            path,
            ProductGroupCluster,
            [values],
            ("product_group_set", "code"),
            {"product_group_set": pg_set},
        )
        clusters[(pg_set.version, row["code"])] = next(iter(loaded.values()))
    for row in data["groups"]:
        values = dict(row)
        pg_set = sets[values.pop("set")]
        cluster = clusters[(pg_set.version, values.pop("cluster"))]
        _load_rows(
            groups_result,
            path,
            ProductGroup,
            [values],
            ("product_group_set", "code"),
            {"product_group_set": pg_set, "cluster": cluster},
        )
    return [sets_result, clusters_result, groups_result]


def _demo_cpv(path: Path) -> TableResult:
    """Demo CPV codes: created when missing, but an official row (other source) is never overwritten."""
    result = TableResult("CPV codes (demo set)")
    rows = read_json(path)["rows"]
    official = set(
        CpvCode.objects.filter(code__in=[row["code"] for row in rows])
        .exclude(source=DEMO_CPV_SOURCE)
        .values_list("code", flat=True)
    )
    if official:
        result.notes.append(
            _("%(count)s code(s) already hold an official row and were left alone.") % {"count": len(official)}
        )
    _load_rows(result, path, CpvCode, [row for row in rows if row["code"] not in official], ("code",))
    result.unchanged += len(official)
    return result


@transaction.atomic
def reference_load(
    *, data_dir: Path = DATA_DIR, cpv_list: bool = True, sample_criteria: bool = True
) -> list[TableResult]:
    """Load the project's shipped reference data (mvimonitor/themes/data/*.json).

    `cpv_list`: also the whole CPV 2008 vocabulary (cpv_2008.json, 9,454 codes), so imported notices keep their CPV
    codes; test set-ups that do not need it leave it out. `sample_criteria`: also the sample release of criteria
    (criteria_sample_release.json, written for MVI Monitor and marked as a sample), for the demo and the tests.
    """
    official = [cpv_load(path=data_dir / CPV_LIST_FILE)] if cpv_list else []
    tables = [
        *official,
        _simple_table("themes", data_dir / "themes.json", Theme, ("code",)),
        _simple_table("forms of application", data_dir / "application_forms.json", ApplicationForm, ("code",)),
        _simple_table("ambition levels", data_dir / "ambition_levels.json", AmbitionLevel, ("code",)),
        *_product_groups(data_dir / "product_groups.json"),
        _simple_table(
            "ISV risk categories", data_dir / "isv_risk_categories.json", IsvRiskCategory, ("list_version", "number")
        ),
        _simple_table("EU thresholds", data_dir / "eu_thresholds.json", EuThreshold, ("category", "valid_from")),
        _demo_cpv(data_dir / "demo_cpv.json"),
    ]
    if sample_criteria:  # after the themes, forms, levels and product groups it names
        tables.extend(criteria_release_load(read_tool_json(data_dir / SAMPLE_RELEASE_FILE)))
    return tables


# --- official tables supplied by the user (CSV) --------------------------------------------------------------------

THRESHOLD_COLUMNS = ("category", "valid_from", "valid_until", "amount", "source", "source_year")


def _csv_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise unreadable(path, error) from error
    with handle:
        reader = csv.DictReader(handle)
        missing = [name for name in required if name not in (reader.fieldnames or [])]
        if missing:
            raise row_error(path, 1, ", ".join(missing), _("column is missing from the header"))
        for row in reader:
            yield reader.line_num, {key: (value or "").strip() for key, value in row.items() if key}


def _required(path: Path, line: int, row: Mapping[str, str], name: str) -> str:
    value = row.get(name, "")
    if not value:
        raise row_error(path, line, name, _("a value is required"))
    return value


def _year(path: Path, line: int, row: Mapping[str, str], name: str) -> int:
    value = _required(path, line, row, name)
    if not value.isdigit() or not 1990 <= int(value) <= 2100:
        raise row_error(path, line, name, _("%(value)s is not a year") % {"value": value})
    return int(value)


def _date(path: Path, line: int, row: Mapping[str, str], name: str) -> date:
    value = _required(path, line, row, name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise row_error(path, line, name, _("%(value)s is not a date (YYYY-MM-DD)") % {"value": value}) from None


@transaction.atomic
def thresholds_load(*, path: Path) -> TableResult:
    """Load EU thresholds from a CSV file with the columns of THRESHOLD_COLUMNS (for example the 2026-2027 values)."""
    result = TableResult("EU thresholds")
    categories = set(ThresholdCategory.values)
    for line, row in _csv_rows(path, THRESHOLD_COLUMNS):
        category = _required(path, line, row, "category")
        if category not in categories:
            raise row_error(
                path, line, "category", _("use one of %(choices)s") % {"choices": ", ".join(sorted(categories))}
            )
        try:
            amount = Decimal(_required(path, line, row, "amount"))
        except InvalidOperation:
            raise row_error(path, line, "amount", _("not a number")) from None
        values = {
            "valid_until": _date(path, line, row, "valid_until"),
            "amount": amount,
            "source": _required(path, line, row, "source"),
            "source_year": _year(path, line, row, "source_year"),
        }
        try:
            upsert(
                EuThreshold, {"category": category, "valid_from": _date(path, line, row, "valid_from")}, values, result
            )
        except ValidationError as error:
            raise row_error(path, line, ", ".join(error.message_dict), "; ".join(error.messages)) from error
    return result


PRODUCT_GROUP_COLUMNS = (
    "set_version",
    "cluster_code",
    "cluster_name_nl",
    "code",
    "name_nl",
    "name_en",
    "cpv_prefixes",
    "source",
    "source_year",
)


@transaction.atomic
def product_groups_load(*, path: Path) -> TableResult:
    """Load product groups of an existing set from a CSV (PRODUCT_GROUP_COLUMNS; cpv_prefixes split by `;`)."""
    result = TableResult("product groups")
    sets = {pg_set.version: pg_set for pg_set in CriteriaRelease.objects.all()}
    for line, row in _csv_rows(path, PRODUCT_GROUP_COLUMNS):
        version = _required(path, line, row, "set_version")
        if version not in sets:
            raise row_error(
                path, line, "set_version", _("unknown set; known: %(sets)s") % {"sets": ", ".join(sorted(sets))}
            )
        source, year = _required(path, line, row, "source"), _year(path, line, row, "source_year")
        prefixes = [prefix.strip() for prefix in row.get("cpv_prefixes", "").split(";") if prefix.strip()]
        bad = [prefix for prefix in prefixes if not prefix.isdigit() or len(prefix) > 8]
        if bad:
            raise row_error(path, line, "cpv_prefixes", _("%(value)s is not a CPV prefix") % {"value": bad[0]})
        try:
            cluster = upsert(
                ProductGroupCluster,
                {"product_group_set": sets[version], "code": _required(path, line, row, "cluster_code")},
                {"name_nl": _required(path, line, row, "cluster_name_nl"), "source": source, "source_year": year},
            )
            upsert(
                ProductGroup,
                {"product_group_set": sets[version], "code": _required(path, line, row, "code")},
                {
                    "cluster": cluster,
                    "name_nl": _required(path, line, row, "name_nl"),
                    "name_en": row.get("name_en", ""),
                    "cpv_prefixes": prefixes,
                    "source": source,
                    "source_year": year,
                },
                result,
            )
        except ValidationError as error:
            raise row_error(path, line, ", ".join(error.message_dict), "; ".join(error.messages)) from error
    return result


# --- CPV codes from the official formats -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CpvRow:
    code: str
    label_en: str
    label_nl: str
    line: int | None


def _check_cpv_row(path: Path, row: CpvRow) -> CpvRow:
    if not (len(row.code) == 8 and row.code.isdigit()):
        raise row_error(
            path, row.line, "code", _("%(code)s is not a CPV code of 8 digits") % {"code": row.code or "(empty)"}
        )
    for name in ("label_en", "label_nl"):
        if not getattr(row, name):
            raise row_error(path, row.line, name, _("the label is missing"))
    return row


def read_cpv_csv(path: Path) -> list[CpvRow]:
    """Rows of a CSV with at least the columns code, label_en and label_nl (the layout of the eForms CPV table)."""
    return [
        _check_cpv_row(path, CpvRow(row["code"], row["label_en"], row["label_nl"], line))
        for line, row in _csv_rows(path, ("code", "label_en", "label_nl"))
    ]


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _line(element: Any) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def read_cpv_genericode(path: Path) -> list[CpvRow]:
    """Rows of an OASIS Genericode code list (.gc, as in the eForms SDK): columns code, eng_label/Name, nld_label."""
    try:
        root = etree.parse(str(path), _hardened_parser()).getroot()
    except (OSError, etree.XMLSyntaxError) as error:
        raise ReferenceDataError(
            _("%(file)s is not readable XML: %(error)s") % {"file": path, "error": error}
        ) from error
    if _local(root) != "CodeList":
        raise row_error(path, _line(root), "CodeList", _("this is not a Genericode code list"))
    rows = []
    for element in root.iter():
        if _local(element) != "Row":
            continue
        values: dict[str, str] = {}
        for value in element:
            if _local(value) != "Value":
                continue
            simple = next((child for child in value if _local(child) == "SimpleValue"), None)
            values[value.get("ColumnRef", "")] = (simple.text or "").strip() if simple is not None else ""
        label_en = values.get("eng_label") or values.get("Name", "")
        rows.append(
            _check_cpv_row(path, CpvRow(values.get("code", ""), label_en, values.get("nld_label", ""), _line(element)))
        )
    if not rows:
        raise row_error(path, _line(root), "Row", _("the code list has no rows"))
    return rows


def read_cpv_json(path: Path) -> list[CpvRow]:
    """Rows of the project's own CPV list: `{"columns": ["code", "label_nl", "label_en"], "rows": [[...], ...]}`."""
    data = read_json(path)
    if data.get("columns") != ["code", "label_nl", "label_en"] or not isinstance(data.get("rows"), list):
        raise row_error(
            path, None, "columns", _("expected the columns code, label_nl and label_en and a list of rows")
        )
    found = []
    for index, row in enumerate(data["rows"]):
        where = f"rows[{index}]"  # JSON has no line numbers to name
        if not (isinstance(row, list) and len(row) == 3 and all(isinstance(value, str) for value in row)):
            raise row_error(path, None, where, _("a row is a list of three texts"))
        code, label_nl, label_en = row
        if not (len(code) == 8 and code.isdigit()):
            raise row_error(
                path, None, where, _("%(code)s is not a CPV code of 8 digits") % {"code": code or "(empty)"}
            )
        if not (label_nl and label_en):
            raise row_error(path, None, where, _("the label is missing"))
        found.append(CpvRow(code, label_en, label_nl, None))
    return found


def read_cpv_file(path: Path) -> list[CpvRow]:
    if path.suffix.lower() == ".json":
        return read_cpv_json(path)
    if path.suffix.lower() in {".gc", ".xml"}:
        return read_cpv_genericode(path)
    if path.suffix.lower() == ".csv":
        return read_cpv_csv(path)
    raise ReferenceDataError(
        _("%(file)s: use a .csv file, a Genericode .gc file or the project's .json list.") % {"file": path}
    )


@transaction.atomic
def cpv_load(*, path: Path, source: str = DEFAULT_CPV_SOURCE, year: int = DEFAULT_CPV_YEAR) -> TableResult:
    """Load CPV codes; the whole file is checked before anything is written. Codes not in the file are kept."""
    rows = read_cpv_file(path)
    seen: dict[str, int | None] = {}
    for row in rows:
        if row.code in seen:
            raise row_error(
                path,
                row.line,
                "code",
                _("%(code)s already appears on line %(first)s") % {"code": row.code, "first": seen[row.code]},
            )
        seen[row.code] = row.line
    if not source:
        raise ReferenceDataError(_("A source is required."))
    if not 1990 <= year <= 2100:
        raise ReferenceDataError(_("%(year)s is not a year between 1990 and 2100.") % {"year": year})
    result = TableResult("CPV codes")
    existing = CpvCode.objects.in_bulk([row.code for row in rows])
    new: list[CpvCode] = []
    changed: list[CpvCode] = []
    fields = ("label_en", "label_nl", "source", "source_year")
    for row in rows:
        wanted = {
            "label_en": row.label_en[:500],
            "label_nl": row.label_nl[:500],
            "source": source,
            "source_year": year,
        }
        current = existing.get(row.code)
        if current is None:
            new.append(CpvCode(code=row.code, **wanted))
        elif any(getattr(current, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(current, name, value)
            changed.append(current)
        else:
            result.unchanged += 1
    CpvCode.objects.bulk_create(new, batch_size=CPV_BATCH_SIZE)
    CpvCode.objects.bulk_update(changed, fields, batch_size=CPV_BATCH_SIZE)
    result.created, result.updated = len(new), len(changed)
    return result
