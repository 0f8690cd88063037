"""CSV and XLSX downloads of the tables on the pages (monitoring dashboards, effects): the same rows as the HTML
table, raw numbers where there is one, and what the figures are: the KPI and its version, the filters, the data date.

Three formats (`FORMATS`, the `format` query key):

- `csv`: as Dutch spreadsheet software opens it: semicolons, a decimal comma, UTF-8 with a byte-order mark; the
  description (`meta`) in label;value lines above the table, then an empty line.
- `csv-rfc4180`: for programs: RFC 4180 (commas, CRLF, UTF-8 without a byte-order mark, decimal point), the table
  only, with the description in two extra columns on every row (`about`: the KPI and version; `filters`), so every
  row keeps the same columns.
- `xlsx`: the description above the table, numbers as numbers with a number format (whole numbers with thousands
  separators, others with two decimals).
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "csv-rfc4180", "xlsx")
WHOLE_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Description:
    """What an export holds: (label, value) lines about it (the table, its KPI and version, the data date) and the
    filters that chose its rows."""

    about: Sequence[tuple[str, str]] = ()
    filters: Sequence[tuple[str, str]] = ()

    def lines(self) -> list[tuple[str, str]]:
        return [*self.about, *((_("filter “%(name)s”") % {"name": name}, value) for name, value in self.filters)]

    def with_about(self, before: Sequence[tuple[str, str]], after: Sequence[tuple[str, str]] = ()) -> "Description":
        return Description([*before, *self.about, *after], self.filters)


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


def _csv_cell(value: Any, *, decimal_comma: bool) -> Any:
    """As `_cell`; a text that a spreadsheet would read as a formula gets a leading apostrophe, which keeps it text.
    With `decimal_comma` a number with a fraction is written 12,5 (whole numbers have no separator either way)."""
    value = _cell(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if decimal_comma and isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


def table_rows(table: Table) -> list[list[Any]]:
    """The HTML table's rows: the row label as text, then each cell's raw number, or its text where it has none."""
    rows: list[list[Any]] = [list(table.headers)]
    for row in table.rows:
        rows.append([cell.text if index == 0 or cell.value is None else cell.value for index, cell in enumerate(row)])
    return rows


def _attachment(response: HttpResponse, filename: str, extension: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    return response


def rows_csv_response(
    rows: Sequence[Sequence[Any]], filename: str, *, meta: Description = Description()
) -> HttpResponse:
    """Rows as CSV the way Dutch spreadsheet software opens it, the description above the table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    lines = meta.lines()
    if lines:
        writer.writerows(
            [_csv_cell(label, decimal_comma=True), _csv_cell(value, decimal_comma=True)] for label, value in lines
        )
        writer.writerow([])
    writer.writerows([_csv_cell(value, decimal_comma=True) for value in row] for row in rows)
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename, "csv")


def rows_rfc4180_response(
    rows: Sequence[Sequence[Any]], filename: str, *, meta: Description = Description()
) -> HttpResponse:
    """Rows as plain RFC 4180 CSV, each row with the description in the columns `about` and `filters`."""
    about = "; ".join(f"{label}: {value}" for label, value in meta.about)
    filters = "; ".join(f"{name}={value}" for name, value in meta.filters)
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # commas, CRLF, quoting where needed: RFC 4180
    for index, row in enumerate(rows):
        extra = ["about", "filters"] if index == 0 else ([about, filters] if row else [])
        writer.writerow([_csv_cell(value, decimal_comma=False) for value in [*row, *extra]])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8; header=present")
    return _attachment(response, filename, "csv")


def rows_xlsx_response(
    rows: Sequence[Sequence[Any]],
    filename: str,
    *,
    sheet_title: str,
    before: Sequence[Sequence[Any]] = (),
    meta: Description = Description(),
) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    lines = meta.lines()
    for row in [*before, *([label, value] for label, value in lines), *([[]] if lines else []), *rows]:
        sheet.append([_cell(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # text that openpyxl took for a formula: keep it text
                cell.data_type = "s"
            elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                cell.number_format = WHOLE_FORMAT
            elif isinstance(cell.value, float):
                cell.number_format = DECIMAL_FORMAT
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), filename, "xlsx")


def rows_response(
    fmt: str, rows: Sequence[Sequence[Any]], filename: str, *, sheet_title: str, meta: Description = Description()
) -> HttpResponse:
    """Rows in one of `FORMATS`; an unknown format is answered 400 naming the formats there are."""
    if fmt == "csv":
        return rows_csv_response(rows, filename, meta=meta)
    if fmt == "csv-rfc4180":
        return rows_rfc4180_response(rows, filename, meta=meta)
    if fmt == "xlsx":
        return rows_xlsx_response(rows, filename, sheet_title=sheet_title, meta=meta)
    return HttpResponse(
        _("Exports are available as %(formats)s.") % {"formats": ", ".join(FORMATS)},
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def table_response(fmt: str, table: Table, filename: str, *, meta: Description = Description()) -> HttpResponse:
    """A page's table in one of `FORMATS`, its caption (and note) in the description."""
    described = meta.with_about([(_("table"), table.caption)], [(_("note"), table.note)] if table.note else [])
    return rows_response(fmt, table_rows(table), filename, sheet_title=table.id, meta=described)
