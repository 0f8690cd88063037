"""Dashboard pages: the organisation's own monitoring, the national view, the KPI catalogue and spend totals.

Who sees what is decided by `mvimonitor.organisations.access` (through the active organisation, which only offers
organisations the user has the VIEW right on, and `geographies_for`). Every figure comes from
`selectors.kpi_values`, the read path the API uses too; national figures there went through disclosure control.
Every table can be downloaded as CSV or XLSX with `?export=<table id>&format=csv|xlsx` on the same address, so an
export can never show more than the page.
"""

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mvimonitor import exports
from mvimonitor.organisations.access import Action, geographies_for, is_national_analyst, permitted
from mvimonitor.organisations.models import Organisation, User
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import without_organisation

from . import cache, definitions, selectors, services
from .forms import DashboardFilterForm, NationalFilterForm, SpendTotalForm
from .kpis import CATALOGUE, Breakdown
from .models import SpendTotal
from .selectors import NATIONAL_SCOPE, ORGANISATION_SCOPE
from .tables import TableView, definition_url, national_kpi_table, organisation_kpi_table, trend_table
from .vocabulary import NATIONAL, Reference, period_dates


def _filter_messages(request: HttpRequest, form: BaseForm) -> None:
    if form.is_bound:
        form.is_valid()
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else name
            messages.error(
                request,
                _("The filter “%(field)s” has a value that is not possible and was ignored: %(errors)s")
                % {"field": label, "errors": " ".join(str(e) for e in errors)},
            )


def _export(
    request: HttpRequest,
    tables: list[TableView],
    filename: str,
    *,
    about: list[tuple[str, str]],
    filters: dict[str, Any],
) -> HttpResponse:
    """One table of the page as a download: `?export=<table id>&format=<exports.FORMATS>`, described by the KPI and its
    version, `about` (whose figures) and the filters that chose them."""
    wanted = request.GET.get("export", "")
    table = next((t for t in tables if t.id == wanted), None)
    if table is None:
        raise Http404(_("There is no table “%(table)s” on this page.") % {"table": wanted})
    kpi = [(_("KPI"), f"{table.kpi.id} {_('version')} {table.kpi.version}")] if table.kpi is not None else []
    exported = [(_("exported at"), timezone.localtime().isoformat(timespec="seconds"))]
    description = exports.Description(
        [*about, *kpi, *exported], [(name, str(value)) for name, value in filters.items() if value is not None]
    )
    return exports.table_response(request.GET.get("format", "csv"), table, f"{filename}-{table.id}", meta=description)


def _definition_version(request: HttpRequest) -> int | None:
    """`?definitionVersion=`: the publication of the definitions register to compute under (None: the newest); an
    unknown one gets a message and is ignored."""
    text = request.GET.get("definitionVersion", "")
    if not text:
        return None
    if text.isdigit() and int(text) in definitions.versions():
        return int(text)
    messages.error(
        request,
        _("There is no definition version %(version)s; published: %(versions)s.")
        % {"version": text[:20], "versions": ", ".join(map(str, definitions.versions()))},
    )
    return None


def _filter_section() -> dict[str, str]:
    """The side navigation's first entry (the filter form), in the request's language."""
    return {"id": "mvim-filter", "title": str(_("Year and filters"))}


def _tables_html(
    key: str, query: dict[str, Any], build: Callable[[], list[TableView]], version: str
) -> tuple[str, list[dict[str, str]]]:
    """The rendered tables and charts of a page and the sections a side navigation lists (id and title per table),
    both cached per facts version and language (the figures only change when the facts do; the version is part of
    the key). The tables are built at most once per request."""
    built: list[TableView] = []

    def tables() -> list[TableView]:
        if not built:
            built.extend(build())
        return built

    def render() -> str:
        context = {"tables": tables(), "query_string": urlencode({k: v for k, v in query.items() if v is not None})}
        return render_to_string("dashboards/includes/tables.html", context)

    html = cache.fragment(cache.key("html", version, get_language(), key), render)
    sections = cache.value(
        cache.key("sections", version, get_language(), key),
        lambda: [{"id": table.id, "title": str(table.title)} for table in tables()],
    )
    return html, sections


def _filters_html(form: DashboardFilterForm, years: list[int]) -> str:
    """The rendered filter form; cached when it has no errors (then it depends only on the choices, the chosen
    values and the language)."""

    def render() -> str:
        return render_to_string("dashboards/includes/filters.html", {"filter_form": form})

    if form.is_bound and form.errors:
        return render()
    chosen = sorted((name, form.data.get(name, "")) for name in form.fields) if form.is_bound else []
    state = hashlib.sha256(repr((type(form).__name__, list(form.fields), years, chosen)).encode()).hexdigest()
    return cache.fragment(cache.key("filters", get_language(), state), render)


@login_required
def organisation_dashboard(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return without_organisation(request, "dashboards/no_organisation.html")
    version = cache.facts_version()  # read once per request: every cache key below contains it
    years = selectors.organisation_years(organisation, version=version)
    form = DashboardFilterForm(request.GET or None, years=years)
    _filter_messages(request, form)
    year, period, breakdown = form.values()
    definition_version = _definition_version(request)

    def build() -> list[TableView]:
        if year is None:
            return []
        return _organisation_tables(request, organisation, year, period, breakdown, years, definition_version)

    query = {"year": year, "period": period, "breakdown": breakdown.value, "definitionVersion": definition_version}
    if request.GET.get("export"):
        return _export(request, build(), "mvi-monitor", about=[(_("organisation"), organisation.name)], filters=query)
    context: dict[str, Any] = {
        "organisation": organisation,
        "filter_form": form,
        "year": year,
        "partial_period": period != "year",
        "filters_html": _filters_html(form, years),
    }
    context["tables_html"], sections = _tables_html(
        f"org:{organisation.pk}:{year}:{period}:{breakdown.value}:{definition_version}", query, build, version
    )
    context["sections"] = [_filter_section(), *sections]
    return render(request, "dashboards/organisation.html", context)


def _organisation_tables(
    request: HttpRequest,
    organisation: Organisation,
    year: int,
    period: str,
    breakdown: Breakdown,
    years: list[int],
    definition_version: int | None = None,
) -> list[TableView]:
    reference = Reference.load()
    dates = None if period == "year" else period_dates(year, period)
    user = request.user
    catalogue = definitions.kpis_of(definition_version)
    own = selectors.kpi_values(
        user, scope=ORGANISATION_SCOPE, organisation=organisation, years=[year], breakdown=breakdown, period=period,
        definition_version=definition_version,
    )  # fmt: skip
    # the national figures to compare with: the country and the organisation's own kind
    national = selectors.kpi_values(
        user, scope=NATIONAL_SCOPE, organisation=organisation, years=[year], breakdown=breakdown,
        definition_version=definition_version,
    )  # fmt: skip
    tables = []
    for kpi in catalogue:
        table_breakdown = breakdown if breakdown in kpi.breakdowns else Breakdown.ALL
        tables.append(
            organisation_kpi_table(
                kpi,
                own,
                national,
                kind=organisation.kind,
                year=year,
                breakdown=table_breakdown,
                dates=dates,
                reference=reference,
                organisation_id=organisation.pk,
            )
        )
    headline = [kpi for kpi in catalogue if kpi.headline]
    trend_years = sorted(years)
    own_trend = selectors.kpi_values(
        user, scope=ORGANISATION_SCOPE, organisation=organisation, years=trend_years, kpis=headline,
        definition_version=definition_version,
    )  # fmt: skip
    national_trend = selectors.kpi_values(
        user, scope=NATIONAL_SCOPE, organisation=organisation, years=trend_years, kpis=headline,
        definition_version=definition_version,
    )  # fmt: skip
    tables.insert(0, trend_table(headline, own_trend, national_trend, years=trend_years, kind=organisation.kind))
    return tables


def national_dashboard(request: HttpRequest) -> HttpResponse:
    """Public; national analysts may also split by kind of organisation and by province."""
    analyst = is_national_analyst(request.user)
    version = cache.facts_version()  # read once per request: every cache key below contains it
    years = selectors.data_years(version=version)
    form = NationalFilterForm(request.GET or None, years=years, analyst=analyst)
    _filter_messages(request, form)
    year, _period, breakdown = form.values()
    level = (form.cleaned_data.get("geo") if form.is_bound and analyst else None) or NATIONAL
    definition_version = _definition_version(request)

    def build() -> list[TableView]:
        return _national_tables(request, year, breakdown, level, years, definition_version) if year is not None else []

    query = {
        "year": year,
        "breakdown": breakdown.value,
        "geo": level if analyst else None,
        "definitionVersion": definition_version,
    }
    if request.GET.get("export"):
        about = [(_("figures"), _("national, under disclosure control"))]
        return _export(request, build(), "mvi-monitor-national", about=about, filters=query)
    context = {
        "filter_form": form,
        "year": year,
        "analyst": analyst,
        "split_without_breakdown": level != NATIONAL and breakdown != Breakdown.ALL,
        "filters_html": _filters_html(form, years),
    }
    context["tables_html"], sections = _tables_html(
        f"national:{year}:{breakdown.value}:{level}:{definition_version}", query, build, version
    )
    context["sections"] = [_filter_section(), *sections]
    return render(request, "dashboards/national.html", context)


def _national_tables(
    request: HttpRequest,
    year: int,
    breakdown: Breakdown,
    level: str,
    years: list[int],
    definition_version: int | None = None,
) -> list[TableView]:
    geos = geographies_for(request.user, level)
    reference = Reference.load()
    catalogue = definitions.kpis_of(definition_version)
    # Per kind and per province there are only undivided figures (see NationalComputation.geos_for).
    split = breakdown if level == NATIONAL else Breakdown.ALL
    figures = selectors.kpi_values(
        request.user, scope=NATIONAL_SCOPE, years=[year], breakdown=split, geo=level,
        definition_version=definition_version,
    )  # fmt: skip
    tables = []
    for kpi in catalogue:
        table_breakdown = split if split in kpi.breakdowns else Breakdown.ALL
        tables.append(
            national_kpi_table(kpi, figures, year=year, breakdown=table_breakdown, geos=geos, reference=reference)
        )
    headline = [kpi for kpi in catalogue if kpi.headline]
    trend_years = sorted(years)
    national_trend = selectors.kpi_values(
        request.user, scope=NATIONAL_SCOPE, years=trend_years, kpis=headline, definition_version=definition_version
    )
    tables.insert(0, trend_table(headline, [], national_trend, years=trend_years, kind=None))
    return tables


def kpi_catalogue(request: HttpRequest) -> HttpResponse:
    return render(
        request, "dashboards/catalogue.html", {"kpis": CATALOGUE, "urls": {k.id: definition_url(k) for k in CATALOGUE}}
    )


@login_required
@require_http_methods(["GET", "POST"])
def spend_totals(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None:
        return render(request, "dashboards/no_organisation.html")
    can_edit = permitted(request.user, Action.EDIT_SPEND_TOTALS, organisation)
    form = SpendTotalForm(request.POST or None, instance=SpendTotal(organisation=organisation)) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("You may not enter spend totals for this organisation."))
        if form.is_valid():
            assert isinstance(request.user, User)  # noqa: S101 - login_required ran
            try:
                services.spend_total_save(
                    user=request.user,
                    organisation=organisation,
                    year=form.cleaned_data["year"],
                    amount=form.cleaned_data["amount"],
                    source_note=form.cleaned_data["source_note"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, _("The spend total for %(year)s was saved.") % {"year": form.cleaned_data["year"]}
                )
                return redirect("dashboards:spend-totals")
    status = 400 if form is not None and form.is_bound and form.errors else 200
    context = {
        "organisation": organisation,
        "totals": services.spend_totals_for(organisation=organisation),
        "form": form,
        "can_edit": can_edit,
    }
    return render(request, "dashboards/spend_totals.html", context, status=status)
