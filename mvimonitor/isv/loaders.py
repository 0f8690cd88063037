"""Loading the ISV reference data (`data/isv_reference.json`) idempotently: the list versions, the categories of
lists the catalogue does not ship, the mapping between lists, the suggestions and the ILO issues.

A file with one bad entry is refused as a whole, naming the file, the section and position (as the line) and the
field; nothing is written then. Loading the same file again changes nothing.
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError, TableResult, read_json, row_error, upsert
from mvimonitor.themes.models import IsvRiskCategory

from .models import CategoryMapping, CategorySuggestion, IloIssue, RiskList

DATA_FILE = Path(__file__).resolve().parent / "data" / "isv_reference.json"
SOURCED = ("source", "source_year", "note")


def _entries(data: Mapping[str, Any], section: str, path: Path) -> list[tuple[int, Mapping[str, Any]]]:
    rows = data.get(section, [])
    if not isinstance(rows, list):
        raise row_error(f"{path} [{section}]", None, section, _("must be a list"))
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise row_error(f"{path} [{section}]", number, "-", _("must be a JSON object"))
    return list(enumerate(rows, start=1))


def _pick(row: Mapping[str, Any], names: tuple[str, ...], where: str, line: int) -> dict[str, Any]:
    values = {}
    for name in names:
        if name not in row:
            if name == "note":
                values[name] = ""
                continue
            raise row_error(where, line, name, _("missing"))
        values[name] = row[name]
    return values


def _category(row: Mapping[str, Any], list_key: str, number_key: str, where: str, line: int) -> IsvRiskCategory:
    number = row.get(number_key)
    if not isinstance(number, int):
        raise row_error(where, line, number_key, _("must be a whole number"))
    found = IsvRiskCategory.objects.filter(list_version=str(row.get(list_key)), number=number).first()
    if found is None:
        raise row_error(
            where,
            line,
            number_key,
            _("no ISV risk category %(number)s in list %(list)s (load_reference loads the catalogue's list)")
            % {"number": row.get(number_key), "list": row.get(list_key)},
        )
    return found


def _section(
    data: Mapping[str, Any],
    section: str,
    path: Path,
    table: str,
    write: Callable[[Mapping[str, Any], str, int, TableResult], None],
) -> TableResult:
    result = TableResult(table)
    where = f"{path} [{section}]"
    for line, row in _entries(data, section, path):
        try:
            write(row, where, line, result)
        except ValidationError as error:
            field, messages = (
                next(iter(error.message_dict.items())) if hasattr(error, "error_dict") else ("-", error.messages)
            )
            raise row_error(where, line, field, " ".join(messages)) from error
    return result


def load_isv_reference(path: Path = DATA_FILE) -> list[TableResult]:
    data = read_json(path)

    def list_row(row: Mapping[str, Any], where: str, line: int, result: TableResult) -> None:
        values = _pick(row, ("name_nl", "name_en", "valid_from", *SOURCED), where, line)
        upsert(RiskList, {"list_version": _pick(row, ("list_version",), where, line)["list_version"]}, values, result)

    def category_row(row: Mapping[str, Any], where: str, line: int, result: TableResult) -> None:
        key = _pick(row, ("list_version", "number"), where, line)
        if not RiskList.objects.filter(list_version=key["list_version"]).exists():
            raise row_error(where, line, "list_version", _("not a list of this file"))
        upsert(IsvRiskCategory, key, _pick(row, ("name_nl", "source", "source_year"), where, line), result)

    def mapping_row(row: Mapping[str, Any], where: str, line: int, result: TableResult) -> None:
        old = _category(row, "old_list", "old_number", where, line)
        new = _category(row, "new_list", "new_number", where, line)
        values = _pick(row, ("sub_item_nl", "inferred", "confidence", *SOURCED), where, line)
        upsert(CategoryMapping, {"old": old, "new": new}, values, result)

    def suggestion_row(row: Mapping[str, Any], where: str, line: int, result: TableResult) -> None:
        category = _category(row, "list_version", "number", where, line)
        key = _pick(row, ("product_group_code", "cpv_prefix"), where, line)
        values = _pick(row, ("inferred", *SOURCED), where, line)
        upsert(CategorySuggestion, {"category": category, **key}, values, result)

    def issue_row(row: Mapping[str, Any], where: str, line: int, result: TableResult) -> None:
        key = _pick(row, ("code",), where, line)
        upsert(
            IloIssue, key, _pick(row, ("order", "name_nl", "name_en", "conventions", *SOURCED), where, line), result
        )

    with transaction.atomic():
        return [
            _section(data, "lists", path, _("ISV risk category lists"), list_row),
            _section(data, "categories", path, _("ISV risk categories"), category_row),
            _section(data, "mappings", path, _("ISV category mappings"), mapping_row),
            _section(data, "suggestions", path, _("ISV category suggestions"), suggestion_row),
            _section(data, "ilo_issues", path, _("ILO issues"), issue_row),
        ]


__all__ = ["DATA_FILE", "ReferenceDataError", "load_isv_reference"]
