"""The RIVM-style national effects page (`/effects/national/rivm/`) and its CSV/XLSX downloads (`?format=`): who may
see the national effects page may see this one (every signed-in user; national figures only, under disclosure
control)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor import exports

from . import rivm_output, selectors


@login_required
def national_rivm(request: HttpRequest) -> HttpResponse:
    table = selectors.rivm_table()
    fmt = request.GET.get("format")
    if fmt:
        meta = exports.Description(
            [
                (_("table"), _("National effects per RIVM period and product group")),
                (_("method"), _("National estimate per product group (ratio estimator, 95% bootstrap interval); "
                                "figures spread over the commitment period per calendar year pro rata by days, "
                                "social-return FTE-years per year of the reported placements.")),
                (_("exported at"), timezone.localtime().isoformat(timespec="seconds")),
            ]
        )  # fmt: skip
        rows = rivm_output.export_rows(table)
        return exports.rows_response(fmt, rows, "effects-national-rivm", sheet_title="rivm", meta=meta)
    periods = [
        {
            "period": period,
            "rows": [
                {"row": row, "cells": [rivm_output.cell_text(cell) for cell in row.cells]} for row in period.rows
            ],
        }
        for period in table.periods
    ]
    context = {"table": table, "periods": periods, "charts": rivm_output.charts(table)}
    return render(request, "effects/national_rivm.html", context)
