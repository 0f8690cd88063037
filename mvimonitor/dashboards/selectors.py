"""The ONE read path of the monitoring figures: the dashboard pages and the API both ask `kpi_values`, so they
cannot show different numbers or let different people see them.

`kpi_values` asks `mvimonitor.organisations.access` who may see what (the VIEW right for an organisation's own
figures, `geographies_for` for the national ones), reads the figures through the caches (`cache`, keyed by the
facts version) and computes them on a miss: an organisation's own from its facts (`organisation`), national ones
from the summaries with disclosure control (`national`).
"""

import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from mvimonitor.disclosure import Thresholds
from mvimonitor.organisations.access import Action, geographies_for, require
from mvimonitor.organisations.models import Organisation, User

from . import cache, definitions
from .kpis import CATALOGUE, Breakdown, Kpi
from .models import TenderFact
from .national import national_figures
from .organisation import organisation_figures
from .vocabulary import Figure, period_dates

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

NATIONAL_SCOPE = "national"
ORGANISATION_SCOPE = "organisation"
SCOPES = (NATIONAL_SCOPE, ORGANISATION_SCOPE)


def kpi_values(
    user: "User | AnonymousUser",
    *,
    years: Sequence[int],
    kpis: Sequence[Kpi] = CATALOGUE,
    breakdown: Breakdown = Breakdown.ALL,
    scope: str = NATIONAL_SCOPE,
    organisation: Organisation | None = None,
    period: str = "year",
    geo: str = "nl",
    definition_version: int | None = None,
) -> list[Figure]:
    """The figures of `kpis` in `years` that `user` may see, split by `breakdown` where a KPI allows it (the
    undivided figure where it does not).

    - scope "organisation": the organisation's own figures, for a user with the VIEW right on it (PermissionDenied
      otherwise); `period` ("year", "h1", "q3", ...) narrows a single year.
    - `definition_version`: the publication of the definitions register to compute under (the newest when None;
      `definitions.UnknownDefinitionVersionError` for one never published); the KPIs asked for are taken from it by id.
    - scope "national": disclosure-controlled figures of the geographies `access.geographies_for(user, geo,
      organisation=organisation)` allows (PermissionDenied for a level the user may not see). National figures
      exist per calendar year only.
    """
    geos: set[str] | None = None  # None: the organisation's own figures
    published = definitions.publication(definition_version)
    kpis = definitions.kpis_of(published.version, kpis)
    if scope == ORGANISATION_SCOPE:
        require(user, Action.VIEW, organisation, _("You may not see the figures of this organisation."))
        assert organisation is not None  # noqa: S101 - require refused None
        figures = _organisation(organisation, years, kpis, breakdown, period) if years else []
    elif scope == NATIONAL_SCOPE:
        if period != "year":
            raise ValueError("National figures exist per calendar year only.")
        geos = set(geographies_for(user, geo, organisation=organisation))
        figures = _national(years, published) if years else []
    else:
        raise ValueError(f"Unknown scope: {scope}")
    wanted = {kpi.id for kpi in kpis}
    by_id = {kpi.id: kpi for kpi in published.kpis}
    return [
        figure
        for figure in figures
        if figure.kpi in wanted
        and (geos is None or figure.geo in geos)
        and (figure.breakdown == breakdown.value or breakdown not in by_id[figure.kpi].breakdowns)
    ]


def _breakdowns(breakdown: Breakdown) -> tuple[Breakdown, ...]:
    return (Breakdown.ALL,) if breakdown == Breakdown.ALL else (Breakdown.ALL, breakdown)


def _organisation(
    organisation: Organisation, years: Sequence[int], kpis: Sequence[Kpi], breakdown: Breakdown, period: str
) -> list[Figure]:
    """The organisation's own figures, cached per facts version (the caller has checked access)."""
    dates: tuple[dt.date | None, dt.date | None] = (None, None)
    if period != "year":
        if len(years) != 1:
            raise ValueError("A period narrows a single year.")
        dates = period_dates(years[0], period)
    wanted = _breakdowns(breakdown)
    name = cache.key(
        "org",
        cache.facts_version(),
        organisation.pk,
        ",".join(map(str, years)),
        dates[0],
        dates[1],
        ",".join(f"{kpi.id}@{kpi.version}" for kpi in kpis),
        ",".join(b.value for b in wanted),
    )
    return cache.figures(
        name,
        lambda: organisation_figures(
            organisation=organisation,
            years=years,
            kpis=kpis,
            breakdowns=wanted,
            date_from=dates[0],
            date_to=dates[1],
        ),
    )


def _national(years: Sequence[int], published: definitions.Publication | None = None) -> list[Figure]:
    """National figures, cached per facts version, thresholds and YEAR: a year's figures are decided together
    (every KPI, breakdown and geography, ADR 0026), so the pages, the trend and the API read the same decisions.
    Years not cached yet are computed in one pass; the caller picks the KPIs and the breakdown."""
    thresholds = Thresholds.from_settings()
    rules = (thresholds.min_organisations, thresholds.dominance_percent, thresholds.protection)
    version = cache.facts_version()
    published = published or definitions.publication()
    names = {year: cache.key("national-year", version, year, *rules, published.version) for year in years}
    found: dict[int, list[Figure]] = {}
    for year, name in names.items():
        kept = cache.cached_figures(name)
        if kept is not None:
            found[year] = kept
    missing = [year for year in years if year not in found]
    if missing:
        computed = national_figures(
            years=missing, kpis=published.kpis, thresholds=thresholds, catalogue=published.kpis
        )
        by_year: dict[int, list[Figure]] = {year: [] for year in missing}
        for figure in computed:
            by_year[figure.year].append(figure)
        for year in missing:
            found[year] = cache.figures(names[year], partial(list, by_year[year]))
    return [figure for year in years for figure in found[year]]


def data_years(*, version: str | None = None) -> list[int]:
    """Years that have tenders, newest first (a DISTINCT over all facts: cached per facts version, which the caller
    may pass when it has read it already)."""

    def compute() -> list[int]:
        years = TenderFact.objects.filter(year__isnull=False).values_list("year", flat=True).distinct()
        return sorted((year for year in years if year is not None), reverse=True)

    return cache.value(cache.key("years", version or cache.facts_version()), compute)


def organisation_years(organisation: Organisation, *, version: str | None = None) -> list[int]:
    """The years the organisation has tenders in, newest first (cached per facts version, like the figures)."""

    def compute() -> list[int]:
        years = (
            TenderFact.objects.filter(organisation=organisation, year__isnull=False)
            .values_list("year", flat=True)
            .distinct()
            .order_by("-year")
        )
        return [year for year in years if year is not None]

    return cache.value(cache.key("org-years", version or cache.facts_version(), organisation.pk), compute)
