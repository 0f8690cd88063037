"""Read-only pages of the MVI catalogue. Every table shows the source and year of each row.

Each catalogue table is described once in CATALOGUE (url name, title, how to fetch rows, which columns); one view and
one template render them all. Criteria releases (with their product groups) have their own page because they nest
clusters and groups.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    CriteriaRelease,
    Criterion,
    EuThreshold,
    IsvRiskCategory,
    ProductGroup,
    ProductGroupCluster,
    Theme,
)

PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    label: Promise
    value: Callable[[Any], object]
    numeric: bool = False


@dataclass(frozen=True)
class Link:
    """A cell shown as a link to a page."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Table:
    url_name: str
    title: Promise
    description: Promise
    queryset: Callable[[], QuerySet[Any]]
    columns: Sequence[Column]
    paginate: bool = False
    searchable: bool = False


SOURCE_COLUMNS = (
    Column(_("Source"), lambda row: row.source),
    Column(_("Year"), lambda row: row.source_year, numeric=True),
)


def _release_label(row: Criterion) -> str:
    release = row.product_group.product_group_set
    return f"{release.version} ({_('sample')})" if release.is_sample else release.version


def _cpv_label(row: CpvCode) -> str:
    return str(row).removeprefix(f"{row.code} ")


CATALOGUE: dict[str, Table] = {
    table.url_name: table
    for table in (
        Table(
            "themes",
            _("Themes"),
            _("The six MVI themes of the Nationaal plan MVI 2021-2025."),
            lambda: Theme.objects.all(),
            (
                Column(_("Code"), lambda row: row.code),
                Column(_("Name"), lambda row: row.name),
                Column(_("Description"), lambda row: row.description_text),
                *SOURCE_COLUMNS,
            ),
        ),
        Table(
            "application-forms",
            _("Forms of application"),
            _("How a theme is applied in a tender: selection, minimum requirement, award criterion, contract clause."),
            lambda: ApplicationForm.objects.all(),
            (
                Column(_("Code"), lambda row: row.code),
                Column(_("Name"), lambda row: row.name),
                Column(_("Legal basis"), lambda row: row.legal_basis),
                *SOURCE_COLUMNS,
            ),
        ),
        Table(
            "ambition-levels",
            _("Ambition levels"),
            _("The ambition levels of the MVI criteria."),
            lambda: AmbitionLevel.objects.all(),
            (
                Column(_("Level"), lambda row: row.level, numeric=True),
                Column(_("Code"), lambda row: row.code),
                Column(_("Name"), lambda row: row.name),
                Column(_("Description"), lambda row: row.description_text),
                *SOURCE_COLUMNS,
            ),
        ),
        Table(
            "criteria",
            _("Criteria"),
            _(
                "Criteria from the MVI criteria tool, per release and product group. A sample release holds example "
                "criteria written for MVI Monitor, not official ones."
            ),
            lambda: Criterion.objects.select_related(
                "product_group__product_group_set", "form", "ambition_level"
            ).prefetch_related("themes"),
            (
                Column(_("Release"), _release_label),
                Column(_("Code"), lambda row: Link(row.code, reverse("dashboards:criterion", args=[row.pk]))),
                Column(_("Title"), lambda row: row.title_en if get_language() == "en" and row.title_en else row.title),
                Column(_("Product group"), lambda row: row.product_group),
                Column(_("Themes"), lambda row: ", ".join(str(theme) for theme in row.themes.all()) or row.theme),
                Column(_("Kind"), lambda row: row.get_kind_display() or row.form),
                Column(_("Ambition level"), lambda row: row.ambition_level),
                *SOURCE_COLUMNS,
            ),
            paginate=True,
        ),
        Table(
            "isv-risk-categories",
            _("ISV risk categories"),
            _("Risk categories of international social conditions (ISV) in central government purchasing."),
            lambda: IsvRiskCategory.objects.all(),
            (
                Column(_("List version"), lambda row: row.list_version),
                Column(_("Number"), lambda row: row.number, numeric=True),
                Column(_("Name"), lambda row: row.name_nl),
                *SOURCE_COLUMNS,
            ),
        ),
        Table(
            "eu-thresholds",
            _("EU thresholds"),
            _("European procurement thresholds (excluding VAT) per category and period."),
            lambda: EuThreshold.objects.all(),
            (
                Column(_("Category"), lambda row: row.get_category_display()),
                Column(_("Valid from"), lambda row: row.valid_from),
                Column(_("Valid until"), lambda row: row.valid_until),
                Column(_("Amount"), lambda row: row.amount, numeric=True),
                Column(_("Currency"), lambda row: row.currency),
                *SOURCE_COLUMNS,
            ),
        ),
        Table(
            "cpv-codes",
            _("CPV codes"),
            _("The Common Procurement Vocabulary (Regulation (EC) 213/2008): 8 digits, without the check digit."),
            lambda: CpvCode.objects.all(),
            (
                Column(_("Code"), lambda row: row.code),
                Column(_("Description"), _cpv_label),
                Column(_("Version"), lambda row: row.version),
                *SOURCE_COLUMNS,
            ),
            paginate=True,
            searchable=True,
        ),
    )
}

PRODUCT_GROUPS_TITLE = _("Product groups")


def _search(queryset: QuerySet[Any], query: str) -> QuerySet[Any]:
    """CPV search: digits match the start of the code, words match the Dutch or English label."""
    terms = query.split()
    for term in terms:
        if term.isdigit():
            queryset = queryset.filter(code__startswith=term)
        else:
            queryset = queryset.filter(Q(label_nl__icontains=term) | Q(label_en__icontains=term))
    return queryset


@login_required
def index(request: HttpRequest) -> HttpResponse:
    entries: list[dict[str, object]] = [
        {"url": reverse(f"themes:{t.url_name}"), "title": t.title, "description": t.description, "count": None}
        for t in CATALOGUE.values()
    ]
    entries.insert(
        3,
        {
            "url": reverse("themes:product-groups"),
            "title": PRODUCT_GROUPS_TITLE,
            "description": _("Versioned sets of MVI criteria product groups, with clusters and CPV prefixes."),
        },
    )
    return render(request, "themes/index.html", {"entries": entries})


@login_required
def table(request: HttpRequest, name: str) -> HttpResponse:
    spec = CATALOGUE.get(name)
    if spec is None:
        raise Http404
    queryset = spec.queryset()
    query = request.GET.get("q", "").strip()[:100] if spec.searchable else ""
    if query:
        queryset = _search(queryset, query)
    context: dict[str, object] = {"table": spec, "query": query}
    rows: list[Model]
    if spec.paginate:
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        context["page"] = page
        rows = list(page.object_list)
    else:
        rows = list(queryset)
    context["rows"] = [[column.value(row) for column in spec.columns] for row in rows]
    context["total"] = page.paginator.count if spec.paginate else len(rows)
    return render(request, "themes/table.html", context)


@login_required
def product_groups(request: HttpRequest) -> HttpResponse:
    groups = ProductGroup.objects.order_by("name_nl")
    sets = CriteriaRelease.objects.select_related("supersedes").prefetch_related(
        Prefetch(
            "clusters",
            queryset=ProductGroupCluster.objects.order_by("name_nl").prefetch_related(
                Prefetch("product_groups", queryset=groups)
            ),
        )
    )
    return render(request, "themes/product_groups.html", {"sets": sets, "title": PRODUCT_GROUPS_TITLE})
