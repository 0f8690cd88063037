"""National figures: the selector output itself is attacked by differencing (national minus the shown kinds or
provinces, the total over the buckets minus the shown buckets, a year against the next)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

import pytest

from mvimonitor.dashboards.kpis import BY_ID, Breakdown
from mvimonitor.dashboards.national import national_figures
from mvimonitor.dashboards.vocabulary import NATIONAL, Figure
from mvimonitor.disclosure import Thresholds
from mvimonitor.organisations.models import Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
RULES = Thresholds(min_organisations=5, dominance_percent=50)


@pytest.fixture
def country(make_tender: Callable[..., object], refresh: Callable[[], int]) -> dict[str, list[Organisation]]:
    """Six municipalities in Utrecht (each 3 tenders, 2 with sroi), one province in Zeeland (one tender with sroi
    and milieu, works), one water board in Utrecht (two tenders, none with MVI). 2024 and 2025 alike, except that the
    province has no tender in 2025."""
    orgs: dict[str, list[Organisation]] = defaultdict(list)
    for number in range(6):
        orgs["gemeente"].append(
            OrganisationFactory(name=f"Gemeente Geheimstad {number}", kind="gemeente", province="UT")
        )
    orgs["provincie"].append(OrganisationFactory(name="Provincie Geheimland", kind="provincie", province="ZE"))
    orgs["waterschap"].append(OrganisationFactory(name="Waterschap Geheimwater", kind="waterschap", province="UT"))
    for year in (2024, 2025):
        published = dt.date(year, 6, 1)
        for org in orgs["gemeente"]:
            for value in ("100000", "200000"):
                make_tender(
                    org, published=published, value=value, lots=[(None, [("sroi", "contractbepaling", "basis", None)])]
                )
            make_tender(org, published=published, value="50000")
        if year == 2024:
            make_tender(
                orgs["provincie"][0],
                published=published,
                value="9000000",
                nature="works",
                lots=[(None, [("sroi", "minimumeis", None, None), ("milieu", "minimumeis", None, None)])],
            )
        for _ in range(2):
            make_tender(orgs["waterschap"][0], published=published, value="75000", nature="works")
    refresh()
    return orgs


def _figures(year: int, breakdown: Breakdown = Breakdown.ALL) -> list[Figure]:
    wanted = (Breakdown.ALL,) if breakdown == Breakdown.ALL else (Breakdown.ALL, breakdown)
    return national_figures(years=[year], breakdowns=wanted, thresholds=RULES)


def test_a_kind_with_one_organisation_is_suppressed(country: dict[str, list[Organisation]]) -> None:
    figures = _figures(2024)

    for geo in ("kind:provincie", "kind:waterschap", "province:ZE"):
        for figure in [f for f in figures if f.geo == geo]:
            assert figure.value is None
            assert figure.numerator is None


def _attack_margins(figures: list[Figure], members: dict[str, int], parts_prefix: str) -> list[str]:
    """For every (kpi, item, bucket): national numerator minus the shown numerators of one partition (kinds or
    provinces). If the hidden parts together have fewer than k organisations, the remainder is a small group's
    figure: a leak."""
    leaks: list[str] = []
    groups: dict[tuple[str, str, str], list[Figure]] = defaultdict(list)
    for figure in figures:
        groups[(figure.kpi, figure.item, figure.bucket)].append(figure)
    for key, group in groups.items():
        national = next(f for f in group if f.geo == NATIONAL)
        if national.numerator is None:
            continue
        hidden = [f.geo for f in group if f.geo.startswith(parts_prefix) and f.numerator is None]
        hidden_organisations = sum(members.get(geo, 0) for geo in hidden)
        if 0 < hidden_organisations < RULES.min_organisations:
            leaks.append(f"{key}: national minus shown {parts_prefix} reveals {hidden} ({hidden_organisations} orgs)")
    return leaks


def test_national_minus_the_shown_kinds_reveals_no_small_group(country: dict[str, list[Organisation]]) -> None:
    members = {"kind:gemeente": 6, "kind:provincie": 1, "kind:waterschap": 1}

    assert _attack_margins(_figures(2024), members, "kind:") == []


def test_national_minus_the_shown_provinces_reveals_no_small_group(country: dict[str, list[Organisation]]) -> None:
    members = {"province:UT": 7, "province:ZE": 1}

    assert _attack_margins(_figures(2024), members, "province:") == []


def test_the_gemeente_figure_is_hidden_when_it_would_give_away_the_others(
    country: dict[str, list[Organisation]],
) -> None:
    figures = _figures(2024)

    national = next(f for f in figures if f.kpi == "mvi-share-tenders" and f.geo == NATIONAL and f.bucket == "all")
    gemeente = next(
        f for f in figures if f.kpi == "mvi-share-tenders" and f.geo == "kind:gemeente" and f.bucket == "all"
    )
    # national 13 - gemeenten 12 = the province's one tender: never both (with every KPI of the year linked, eight
    # organisations are too few to show either; tests/dashboards/test_linked.py checks a larger set)
    assert national.numerator is None or gemeente.numerator is None
    assert gemeente.numerator is None


def test_bucket_total_minus_shown_buckets_reveals_nothing(country: dict[str, list[Organisation]]) -> None:
    figures = [f for f in _figures(2024, Breakdown.NATURE) if f.breakdown == "nature" and f.geo == NATIONAL]

    by_item: dict[tuple[str, str], dict[str, Figure]] = defaultdict(dict)
    for figure in figures:
        by_item[(figure.kpi, figure.item)][figure.bucket] = figure
    for key, cells in by_item.items():
        total = cells["all"].numerator
        hidden = [bucket for bucket in ("works", "supplies", "services") if cells[bucket].numerator is None]
        if total is not None:
            assert len(hidden) != 1, f"{key}: the total minus two shown natures gives the third"
    works = by_item[("mvi-share-tenders", "all")]["works"]
    assert works.numerator is None  # only the province applies MVI in works


def test_a_year_without_the_province_does_not_reveal_it_by_comparison(
    country: dict[str, list[Organisation]],
) -> None:
    # 2024 has the province's tender, 2025 not. National 2024 minus national 2025 would be the province's figure if
    # both were shown while the municipalities and the water board did the same in both years.
    share_2024 = next(
        f
        for f in _figures(2024)
        if f.kpi == "theme-share-tenders" and f.item == "milieu" and f.geo == NATIONAL and f.bucket == "all"
    )
    share_2025 = next(
        f
        for f in _figures(2025)
        if f.kpi == "theme-share-tenders" and f.item == "milieu" and f.geo == NATIONAL and f.bucket == "all"
    )

    assert share_2024.numerator is None  # one organisation applies milieu: never shown, in any year
    assert share_2025.numerator is None


def test_no_organisation_name_or_id_is_in_national_figures(country: dict[str, list[Organisation]]) -> None:
    text = repr(_figures(2024, Breakdown.VALUE_CLASS))

    assert "Geheim" not in text
    assert "organisation_id" not in text


def test_every_kpi_has_a_national_figure(country: dict[str, list[Organisation]]) -> None:
    kpis = {f.kpi for f in _figures(2024)}

    assert kpis == set(BY_ID)


def test_a_year_without_any_tender_shows_no_national_figure_in_any_breakdown(
    country: dict[str, list[Organisation]],
) -> None:
    # Before, the breakdowns asked for the country's undivided cell, which a year without organisations never made.
    figures = national_figures(
        years=[2016], breakdowns=(Breakdown.ALL, Breakdown.NATURE, Breakdown.VALUE_CLASS), thresholds=RULES
    )

    assert {f.breakdown for f in figures} == {"all", "nature", "value_class"}
    assert {f.suppressed for f in figures} == {"too_few_organisations"}
    assert {f.value for f in figures} == {None}
