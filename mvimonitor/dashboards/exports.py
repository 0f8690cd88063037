"""CSV and XLSX exports of dashboard tables: the same rows as the HTML table, raw numbers where there is one."""

import csv
import io
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook

from .tables import TableView

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _raw(value: Any, text: str) -> Any:
    if value is None:
        return text
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def table_rows(table: TableView) -> list[list[Any]]:
    rows: list[list[Any]] = [list(table.headers)]
    for row in table.rows:
        rows.append([_raw(cell.value, cell.text) if index else cell.text for index, cell in enumerate(row)])
    return rows


def csv_response(table: TableView, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in table_rows(table):
        writer.writerow(row)
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(table: TableView, filename: str) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.id[:31]
    sheet.append([table.caption])
    for row in table_rows(table):
        sheet.append(row)
    if table.note:
        sheet.append([])
        sheet.append([table.note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
