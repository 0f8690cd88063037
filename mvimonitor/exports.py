"""CSV and XLSX downloads of the tables on the pages (monitoring dashboards, effects): the same rows as the HTML
table, raw numbers where there is one. Dutch spreadsheet conventions: semicolons and a byte-order mark in CSV."""

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from django.http import HttpResponse
from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Cell(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def value(self) -> Any: ...


class Table(Protocol):
    """A table as a page shows it (for example `dashboards.tables.TableView`)."""

    @property
    def id(self) -> str: ...

    @property
    def caption(self) -> str: ...

    @property
    def headers(self) -> Sequence[str]: ...

    @property
    def rows(self) -> Sequence[Sequence[Cell]]: ...

    @property
    def note(self) -> str: ...


# A text cell that starts with one of these is taken for a formula by spreadsheet software (formula injection: a
# name typed by one organisation would run as =HYPERLINK(...) or worse in another's spreadsheet).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A number as a number (whole Decimals as int), anything else as it is."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _csv_cell(value: Any) -> Any:
    """As `_cell`; a text that a spreadsheet would read as a formula gets a leading apostrophe, which keeps it text."""
    value = _cell(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_rows(table: Table) -> list[list[Any]]:
    """The HTML table's rows: the row label as text, then each cell's raw number, or its text where it has none."""
    rows: list[list[Any]] = [list(table.headers)]
    for row in table.rows:
        rows.append([cell.text if index == 0 or cell.value is None else cell.value for index, cell in enumerate(row)])
    return rows


def rows_csv_response(rows: Sequence[Sequence[Any]], filename: str) -> HttpResponse:
    """Rows as CSV the way Dutch spreadsheet software opens it: semicolons, UTF-8 with a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def rows_xlsx_response(
    rows: Sequence[Sequence[Any]], filename: str, *, sheet_title: str, before: Sequence[Sequence[Any]] = ()
) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    for row in [*before, *rows]:
        sheet.append([_cell(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # text that openpyxl took for a formula: keep it text
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def csv_response(table: Table, filename: str) -> HttpResponse:
    return rows_csv_response(table_rows(table), filename)


def xlsx_response(table: Table, filename: str) -> HttpResponse:
    rows = table_rows(table) + ([[], [table.note]] if table.note else [])
    return rows_xlsx_response(rows, filename, sheet_title=table.id, before=[[table.caption]])
