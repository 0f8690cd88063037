"""The definitions register (public, like the KPI catalogue): every KPI, method and policy rule with its version,
the date it holds from and its change note, as a page and as JSON and CSV downloads for other monitors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import definitions


@require_GET
def definitions_page(request: HttpRequest) -> HttpResponse:
    rows = definitions.entries()
    wanted = request.GET.get("format", "")
    if wanted == "json":
        response = HttpResponse(definitions.as_json(rows), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="mvi-monitor-definitions.json"'
        return response
    if wanted == "csv":
        response = HttpResponse(definitions.as_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="mvi-monitor-definitions.csv"'
        return response
    context = {"rows": rows, "publications": definitions.PUBLICATIONS}
    return render(request, "dashboards/definitions.html", context)
