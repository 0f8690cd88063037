"""Readers of criteria releases: the MVI criteria tool's JSON, and the project's own CSV and XLSX layout.

Pure: no database. Each reader turns a file into a `ReleaseFile` (the release's own data when the file has it, its
clusters, product groups and criteria as plain values) or refuses it with a `ReferenceDataError` that lists every
problem found, each naming the file, the line (CSV, XLSX) or criterion id (JSON) and the field. Names of themes,
ambition levels and kinds are resolved against the database later, by `mvimonitor.themes.criteria`.

The JSON shape of the tool is not published; what is read here is described in docs/criteria.md, marked as assumed.
Unknown keys are ignored; a missing required key is an error. `fetch_tool_json` asks the live tool for product
groups by id (`criteria_fetch.py`) and gives the shape `read_tool_data` takes.
"""

import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError, read_text

FORMATS = ("tool-json", "csv", "xlsx")
LIST_SEPARATOR = "|"
MAX_PROBLEMS = 50  # listed in one error; the rest are counted

# CSV and XLSX: one row per criterion. Required columns must be in the header and filled on every row.
REQUIRED_COLUMNS = (
    "cluster_code",
    "cluster_name_nl",
    "product_group_code",
    "product_group_name_nl",
    "code",
    "kind",
    "level",
    "themes",
    "title_nl",
    "text_nl",
)
OPTIONAL_COLUMNS = (
    "cluster_name_en",
    "product_group_id",
    "product_group_name_en",
    "cpv_prefixes",
    "criterion_id",
    "title_en",
    "text_en",
    "explanation_nl",
    "explanation_en",
    "verification_nl",
    "verification_en",
    "subjects",
    "tags",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# The keys of a criterion object of the tool's JSON, first the name the tool is assumed to use, then others that are
# accepted for the same value (docs/criteria.md). The English texts come from the answer in English (`fetch_tool_json`
# merges them as the *_en keys) or from the same object.
TOOL_KEYS: dict[str, tuple[str, ...]] = {
    "code": ("code", "number", "nummer"),
    "kind": ("type", "kind", "criterion_type", "soort"),
    "level": ("ambition_level", "level", "ambition", "ambitieniveau"),
    "title": ("title", "title_nl", "name", "titel"),
    "title_en": ("title_en",),
    "text_nl": ("text", "text_nl", "description", "content", "tekst"),
    "text_en": ("text_en",),
    "explanation_nl": ("explanation", "explanation_nl", "toelichting"),
    "explanation_en": ("explanation_en",),
    "verification_nl": ("verification", "verification_nl", "verificatie"),
    "verification_en": ("verification_en",),
    "themes": ("themes",),
    "subjects": ("subjects", "subject_ids"),
    "tags": ("tags", "tag_ids"),
}
REQUIRED_TOOL_KEYS = ("kind", "level", "title", "text_nl")


@dataclass(frozen=True)
class ReleaseInfo:
    """What is known about a release: from the file (the JSON envelope) or from the command's options."""

    version: str = ""
    name: str = ""
    published: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    source: str = ""
    source_url: str = ""
    licence: str = ""
    is_sample: bool | None = None
    supersedes: str = ""  # a version, "none" for none, "" to supersede the newest current release of the same kind
    declared_group_count: int | None = None

    def merged(self, given: "ReleaseInfo", origin: str) -> "ReleaseInfo":
        """These values, completed with `given`; a value both name differently is refused."""
        values: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(given, name)
            if mine not in ("", None) and theirs not in ("", None) and mine != theirs:
                raise ReferenceDataError(
                    _("%(file)s says %(field)s is %(mine)s, the command says %(theirs)s.")
                    % {"file": origin, "field": name, "mine": mine, "theirs": theirs}
                )
            values[name] = mine if mine not in ("", None) else theirs
        return ReleaseInfo(**values)


@dataclass(frozen=True)
class ClusterRow:
    code: str
    name_nl: str
    name_en: str = ""


@dataclass(frozen=True)
class GroupRow:
    """A product group; `code` and the names are empty when the file only gives the tool's id (a bare answer)."""

    external_id: str
    code: str
    name_nl: str
    name_en: str
    cluster: ClusterRow | None
    cpv_prefixes: tuple[str, ...]
    where: str


@dataclass(frozen=True)
class CriterionRow:
    where: str  # "file, line 8" or "file, criterion 1234": the start of every message about this row
    group_key: str  # the product group's code, or "#<id>" when only the tool's id is known
    external_id: str
    code: str
    kind: str
    level: str
    themes: tuple[str, ...]  # theme codes or names; empty when they come from the subjects
    title: str
    title_en: str = ""
    text_nl: str = ""
    text_en: str = ""
    explanation_nl: str = ""
    explanation_en: str = ""
    verification_nl: str = ""
    verification_en: str = ""
    subjects: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    theme_field: str = "themes"  # the field to name when a theme is unknown ("subjects" in the tool's JSON)
    level_field: str = "level"
    kind_field: str = "kind"


class Problems:
    """Problems found in one file, reported together: each names where, the field and what is wrong."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, field_name: str, message: str) -> None:
        self.lines.append(
            _("%(where)s, field %(field)s: %(message)s") % {"where": where, "field": field_name, "message": message}
        )

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        shown = self.lines[:MAX_PROBLEMS]
        if len(self.lines) > MAX_PROBLEMS:
            shown.append(_("… and %(count)s more problems") % {"count": len(self.lines) - MAX_PROBLEMS})
        raise ReferenceDataError("\n".join(shown))


@dataclass
class ReleaseFile:
    """What a reader found. `problems` holds what is wrong with single rows; the loader adds what it finds when it
    resolves names against the database and reports them all together."""

    origin: str
    release: ReleaseInfo = field(default_factory=ReleaseInfo)
    groups: dict[str, GroupRow] = field(default_factory=dict)  # by group key
    criteria: list[CriterionRow] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)


def split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(LIST_SEPARATOR) if part.strip())


def _check_prefixes(problems: Problems, where: str, field_name: str, prefixes: Iterable[str]) -> tuple[str, ...]:
    found = tuple(prefixes)
    for prefix in found:
        if not (prefix.isdigit() and 2 <= len(prefix) <= 8):
            problems.add(where, field_name, _("%(value)s is not a CPV prefix of 2 to 8 digits") % {"value": prefix})
    return found


# --- CSV and XLSX: one row per criterion ---------------------------------------------------------------------------


def _read_rows(origin: str, header: list[str], rows: Iterable[tuple[int, list[str]]]) -> ReleaseFile:
    found = ReleaseFile(origin)
    problems = found.problems
    names = [name.strip() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        problems.add(
            _("%(file)s, line %(line)s") % {"file": origin, "line": 1},
            ", ".join(missing),
            _("column is missing from the header"),
        )
        problems.raise_if_any()
    clusters: dict[str, ClusterRow] = {}
    codes: dict[tuple[str, str], str] = {}
    for line, values in rows:
        row = {name: (values[i] if i < len(values) else "").strip() for i, name in enumerate(names) if name}
        if not any(row.values()):
            continue
        where = _("%(file)s, line %(line)s") % {"file": origin, "line": line}
        for name in REQUIRED_COLUMNS:
            if not row.get(name):
                problems.add(where, name, _("a value is required"))
        if any(not row.get(name) for name in REQUIRED_COLUMNS):
            continue
        cluster = ClusterRow(row["cluster_code"], row["cluster_name_nl"], row.get("cluster_name_en", ""))
        if clusters.setdefault(cluster.code, cluster) != cluster:
            message = _("differs from an earlier row of cluster %(code)s") % {"code": cluster.code}
            problems.add(where, "cluster_name_nl", message)
        group = GroupRow(
            external_id=row.get("product_group_id", ""),
            code=row["product_group_code"],
            name_nl=row["product_group_name_nl"],
            name_en=row.get("product_group_name_en", ""),
            cluster=cluster,
            cpv_prefixes=_check_prefixes(problems, where, "cpv_prefixes", split_list(row.get("cpv_prefixes", ""))),
            where=where,
        )
        earlier = found.groups.setdefault(group.code, group)
        if replace(earlier, where=where) != group:
            message = _("the product group %(code)s is described differently at %(where)s")
            problems.add(where, "product_group_code", message % {"code": group.code, "where": earlier.where})
        first = codes.setdefault((group.code, row["code"]), where)
        if first != where:
            message = _("%(code)s already appears at %(where)s")
            problems.add(where, "code", message % {"code": row["code"], "where": first})
        found.criteria.append(
            CriterionRow(
                where=where,
                group_key=group.code,
                external_id=row.get("criterion_id", ""),
                code=row["code"],
                kind=row["kind"],
                level=row["level"],
                themes=split_list(row["themes"]),
                title=row["title_nl"],
                title_en=row.get("title_en", ""),
                text_nl=row["text_nl"],
                text_en=row.get("text_en", ""),
                explanation_nl=row.get("explanation_nl", ""),
                explanation_en=row.get("explanation_en", ""),
                verification_nl=row.get("verification_nl", ""),
                verification_en=row.get("verification_en", ""),
                subjects=split_list(row.get("subjects", "")),
                tags=split_list(row.get("tags", "")),
            )
        )
    if not found.criteria and not problems.lines:
        problems.add(origin, "code", _("the file has no criteria"))
        problems.raise_if_any()
    return found


def read_criteria_csv(path: Path) -> ReleaseFile:
    """A CSV file in the project's layout (docs/criteria.md): UTF-8, comma-separated, a header row."""
    text = read_text(path)
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader)
    except StopIteration:
        raise ReferenceDataError(_("%(file)s is empty.") % {"file": path.name}) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        for values in reader:
            yield reader.line_num, values

    try:
        return _read_rows(path.name, header, rows())
    except csv.Error as error:
        raise ReferenceDataError(
            _("%(file)s, line %(line)s: %(error)s") % {"file": path.name, "line": reader.line_num, "error": error}
        ) from error


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_criteria_xlsx(path: Path) -> ReleaseFile:
    """An XLSX workbook with the CSV's columns on the sheet "criteria" (or the first sheet), a header in row 1."""
    from openpyxl import load_workbook  # imported here: only this reader needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError) as error:
        raise ReferenceDataError(
            _("%(file)s cannot be read as XLSX: %(error)s") % {"file": path.name, "error": error}
        ) from error
    try:
        sheet = workbook["criteria"] if "criteria" in workbook.sheetnames else workbook.worksheets[0]
        all_rows = sheet.iter_rows(values_only=True)
        header = [_cell(value) for value in next(all_rows, ())]
        rows = [(number, [_cell(value) for value in values]) for number, values in enumerate(all_rows, start=2)]
    finally:
        workbook.close()
    if not header:
        raise ReferenceDataError(_("%(file)s is empty.") % {"file": path.name})
    return _read_rows(path.name, header, rows)


# --- the criteria tool's JSON ----------------------------------------------------------------------------------------


def text_value(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return _cell(value)
    return ""


def first_value(item: Mapping[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        if key in item and item[key] not in (None, ""):
            return item[key]
    return None


def _names(values: object, lookup: Mapping[str, Any]) -> tuple[str, ...]:
    """A list of subject or tag ids (keys of the answer's map) or names, as names."""
    if isinstance(values, Mapping):
        values = list(values.values())
    if not isinstance(values, list):
        return ()
    names = []
    for value in values:
        if isinstance(value, Mapping):
            name = text_value(first_value(value, ("name", "title", "label")))
        else:
            entry = lookup.get(text_value(value))
            name = (
                text_value(first_value(entry, ("name", "title", "label")))
                if isinstance(entry, Mapping)
                else text_value(value)
            )
        if name:
            names.append(name)
    return tuple(names)


def _release_info(data: Mapping[str, Any], origin: str) -> ReleaseInfo:
    problems = Problems()
    where = _("%(file)s, release") % {"file": origin}

    def day(name: str) -> date | None:
        value = text_value(data.get(name))
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems.add(where, name, _("%(value)s is not a date (YYYY-MM-DD)") % {"value": value})
            return None

    count = data.get("declared_group_count")
    sample = data.get("is_sample")
    info = ReleaseInfo(
        version=text_value(data.get("version")),
        name=text_value(data.get("name")),
        published=day("published"),
        valid_from=day("valid_from"),
        valid_until=day("valid_until"),
        source=text_value(data.get("source")),
        source_url=text_value(data.get("source_url")),
        licence=text_value(data.get("licence")),
        is_sample=sample if isinstance(sample, bool) else None,
        supersedes=text_value(data.get("supersedes")),
        declared_group_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
    )
    problems.raise_if_any()
    return info


def _tool_group(item: Mapping[str, Any], origin: str, index: int, found: ReleaseFile, problems: Problems) -> None:
    external_id = text_value(item.get("id"))
    label = external_id or str(index + 1)
    where = _("%(file)s, product group %(group)s") % {"file": origin, "group": label}
    name_nl = text_value(first_value(item, ("name_nl", "name", "title")))
    cluster_data = item.get("cluster")
    cluster: ClusterRow | None = None
    if isinstance(cluster_data, Mapping):
        cluster_name = text_value(first_value(cluster_data, ("name_nl", "name")))
        cluster_code = text_value(cluster_data.get("code")) or slugify(cluster_name)
        if not cluster_name:
            problems.add(where, "cluster.name_nl", _("a value is required"))
        cluster = ClusterRow(cluster_code, cluster_name, text_value(cluster_data.get("name_en")))
    elif cluster_data is not None:
        problems.add(where, "cluster", _("a cluster is an object with code, name_nl and name_en"))
    if name_nl and cluster is None:
        problems.add(where, "cluster", _("a value is required"))
    if not name_nl and not external_id:
        problems.add(where, "id", _("a product group needs its id at the source, or its name and cluster"))
        return
    code = text_value(item.get("code")) or slugify(name_nl)
    key = code if name_nl else f"#{external_id}"
    prefixes = item.get("cpv_prefixes", [])
    if not isinstance(prefixes, list):
        problems.add(where, "cpv_prefixes", _("a list of CPV prefixes is expected"))
        prefixes = []
    group = GroupRow(
        external_id=external_id,
        code=code if name_nl else "",
        name_nl=name_nl,
        name_en=text_value(item.get("name_en")),
        cluster=cluster,
        cpv_prefixes=_check_prefixes(problems, where, "cpv_prefixes", (text_value(p) for p in prefixes)),
        where=where,
    )
    if key in found.groups:
        problems.add(where, "id", _("the product group appears twice"))
        return
    found.groups[key] = group
    criteria = item.get("criteria")
    if not isinstance(criteria, Mapping | list):
        problems.add(where, "criteria", _("a map of criteria by id is required"))
        return
    entries = criteria.items() if isinstance(criteria, Mapping) else ((None, entry) for entry in criteria)
    subjects = item.get("subjects") if isinstance(item.get("subjects"), Mapping) else {}
    tags = item.get("tags") if isinstance(item.get("tags"), Mapping) else {}
    for map_key, entry in entries:
        _tool_criterion(entry, map_key, key, where, (subjects or {}, tags or {}), found, problems)


def _tool_criterion(
    entry: object,
    map_key: object,
    group_key: str,
    group_where: str,
    lookups: tuple[Mapping[str, Any], Mapping[str, Any]],
    found: ReleaseFile,
    problems: Problems,
) -> None:
    if not isinstance(entry, Mapping):
        problems.add(group_where, "criteria", _("every criterion is an object"))
        return
    external_id = text_value(entry.get("id")) or text_value(map_key)
    where = _("%(group)s, criterion %(criterion)s") % {"group": group_where, "criterion": external_id or "?"}
    if not external_id:
        problems.add(where, "id", _("a value is required"))
        return
    values = {name: first_value(entry, keys) for name, keys in TOOL_KEYS.items()}
    for name in REQUIRED_TOOL_KEYS:
        if not text_value(values[name]):
            problems.add(where, TOOL_KEYS[name][0], _("a value is required"))
    if any(not text_value(values[name]) for name in REQUIRED_TOOL_KEYS):
        return
    themes = values["themes"]
    subjects, tags = _names(values["subjects"], lookups[0]), _names(values["tags"], lookups[1])
    explicit = tuple(text_value(theme) for theme in themes) if isinstance(themes, list) else ()
    if not explicit and not subjects:
        problems.add(where, "subjects", _("a criterion needs the themes it relates to (subjects or themes)"))
        return
    found.criteria.append(
        CriterionRow(
            where=where,
            group_key=group_key,
            external_id=external_id,
            code=text_value(values["code"]) or external_id,
            kind=text_value(values["kind"]),
            level=text_value(values["level"]),
            themes=explicit or subjects,
            title=text_value(values["title"]),
            title_en=text_value(values["title_en"]),
            text_nl=text_value(values["text_nl"]),
            text_en=text_value(values["text_en"]),
            explanation_nl=text_value(values["explanation_nl"]),
            explanation_en=text_value(values["explanation_en"]),
            verification_nl=text_value(values["verification_nl"]),
            verification_en=text_value(values["verification_en"]),
            subjects=subjects,
            tags=tags,
            theme_field="themes" if explicit else "subjects",
            level_field=TOOL_KEYS["level"][0],
            kind_field=TOOL_KEYS["kind"][0],
        )
    )


def read_tool_data(data: object, origin: str) -> ReleaseFile:
    """The tool's JSON, already parsed. Three shapes are taken (docs/criteria.md): the project's envelope
    `{"release": {...}, "product_groups": [...]}`, a list of product-group objects, or one product-group object (the
    tool's answer for one group: maps `criteria`, `subjects` and `tags`, with the group's `id` and, if known, its
    names and cluster)."""
    found = ReleaseFile(origin)
    problems = found.problems
    if isinstance(data, Mapping) and "product_groups" in data:
        release = data.get("release")
        if release is not None and not isinstance(release, Mapping):
            problems.add(origin, "release", _("the release is an object"))
        elif isinstance(release, Mapping):
            found.release = _release_info(release, origin)
        groups = data["product_groups"]
    elif isinstance(data, Mapping) and "criteria" in data:
        groups = [data]
    else:
        groups = data
    if not isinstance(groups, list) or not groups:
        problems.add(origin, "product_groups", _("a list of product groups with their criteria is required"))
        problems.raise_if_any()
    for index, item in enumerate(groups):
        if isinstance(item, Mapping):
            _tool_group(item, origin, index, found, problems)
        else:
            problems.add(origin, f"product_groups[{index}]", _("a product group is an object"))
    if not found.criteria and not problems.lines:
        problems.add(origin, "criteria", _("the file has no criteria"))
        problems.raise_if_any()
    ids: dict[str, str] = {}
    for row in found.criteria:
        first = ids.setdefault(row.external_id, row.where)
        if first != row.where:
            problems.add(row.where, "id", _("the criterion also appears at %(where)s") % {"where": first})
    return found


def read_tool_json(path: Path, product_group: str = "") -> ReleaseFile:
    """A file of the tool's JSON. `product_group`: the tool's id of the group a file with one bare answer is for."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise ReferenceDataError(
            _("%(file)s is not valid JSON: %(error)s") % {"file": path.name, "error": error}
        ) from error
    if product_group and isinstance(data, dict) and "product_groups" not in data:
        data = {**data, "id": product_group}
    return read_tool_data(data, path.name)


def read_release_file(path: Path, file_format: str | None = None, product_group: str = "") -> ReleaseFile:
    """Read a release in the given format, or the one its suffix names (.json, .csv, .xlsx)."""
    chosen = file_format or {".json": "tool-json", ".csv": "csv", ".xlsx": "xlsx"}.get(path.suffix.lower())
    if chosen == "tool-json":
        return read_tool_json(path, product_group)
    if chosen == "csv":
        return read_criteria_csv(path)
    if chosen == "xlsx":
        return read_criteria_xlsx(path)
    raise ReferenceDataError(
        _("%(file)s: give --format (one of %(formats)s) or use a .json, .csv or .xlsx file.")
        % {"file": path.name, "formats": ", ".join(FORMATS)}
    )


def check_version(version: str) -> str:
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,30}", version):
        raise ReferenceDataError(
            _("%(version)s is not a release version (letters, digits, - and _, at most 30).") % {"version": version}
        )
    return version
