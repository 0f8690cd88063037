"""The demo set against the figures it is calibrated to (mvimonitor/demo/data/profile.json): national shares of
tenders with MVI and per theme, a yearly rise, tenders without value or date, and social return delivered near
its obligation."""

import itertools
import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, QuerySet
from django.utils import translation

from mvimonitor.dashboards.kpis import BY_ID, Breakdown
from mvimonitor.dashboards.models import TenderFact
from mvimonitor.dashboards.selectors import kpi_values
from mvimonitor.dashboards.vocabulary import Figure
from mvimonitor.demo.profile import PROFILE_FILE, load_profile
from mvimonitor.organisations.models import Organisation, Role
from mvimonitor.tenders.models import Lot, Tender
from mvimonitor.tenders.value_classes import UNKNOWN_VALUE_CLASS
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
YEARS = (2023, 2024, 2025)
# about 2,200 tenders: enough for the shares to lie within a few points of the profile
NATIONAL = ("--organisations", "30", "--years", "3", "--tenders-per-year", "25", "--seed", "7", "--end-year", "2025")


@pytest.fixture(scope="module")
def national(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("load_reference", "--without-cpv-list", verbosity=0)
        with translation.override("en"):
            call_command("generate_demo", *NATIONAL, stdout=StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


def _share(tenders: QuerySet[Tender], theme: str | None = None) -> float:
    applying = tenders.filter(lots__mvi_applications__isnull=False)
    if theme:
        applying = tenders.filter(lots__mvi_applications__theme__code=theme)
    return applying.distinct().count() / tenders.count()


def test_every_profile_row_names_its_source_and_year() -> None:
    rows = json.loads(PROFILE_FILE.read_text(encoding="utf-8"))["rows"]

    assert rows
    for row in rows:
        assert row["source"].strip(), row
        assert 1990 <= row["year"] <= 2100, row
        assert row["kind"] in {"published", "modelling choice"}, row
        float(row["value"])
    assert {row["parameter"] for row in rows} == set(load_profile())


def test_national_shares_lie_near_the_profile(national: None) -> None:
    profile = load_profile()
    tenders = Tender.objects.all()
    works = tenders.filter(nature="works")
    in_groups = tenders.filter(product_group__isnull=False)

    assert _share(tenders) == pytest.approx(profile["mvi_share_tenders"], abs=0.04)
    assert _share(tenders, "sroi") == pytest.approx(profile["sroi_share_tenders"], abs=0.04)
    assert _share(works, "sroi") == pytest.approx(profile["sroi_share_works"], abs=0.07)
    assert _share(in_groups) == pytest.approx(profile["mvi_share_product_group_tenders"], abs=0.07)
    assert _share(in_groups, "circulair") == pytest.approx(profile["circulair_share_product_group_tenders"], abs=0.07)
    assert _share(in_groups, "keten") == pytest.approx(profile["keten_share_product_group_tenders"], abs=0.05)
    for theme in ("milieu", "klimaat", "circulair", "keten", "d_i"):
        assert _share(tenders, theme) == pytest.approx(profile[f"{theme}_share_tenders"], abs=0.04), theme


def test_the_national_share_of_tenders_with_mvi_rises_every_year(national: None) -> None:
    record = [_share(Tender.objects.filter(publication_date__year=year)) for year in YEARS]
    facts = [
        TenderFact.objects.filter(year=year, theme_count__gt=0).count() / TenderFact.objects.filter(year=year).count()
        for year in YEARS
    ]

    assert record == pytest.approx(facts)
    assert all(later > earlier for earlier, later in itertools.pairwise(record)), record
    rise = load_profile()["yearly_trend"] * (len(YEARS) - 1)
    assert record[-1] - record[0] == pytest.approx(rise, abs=0.04), record


def test_some_tenders_have_no_value_and_some_no_date(national: None) -> None:
    total = Tender.objects.count()
    unknown = Tender.objects.filter(estimated_value__isnull=True)
    undated = Tender.objects.filter(publication_date__isnull=True)

    assert 0.04 <= unknown.count() / total <= 0.09
    assert 0.005 <= undated.count() / total <= 0.035
    # no value anywhere: neither the tender nor any of its lots
    assert not Lot.objects.filter(tender__in=unknown, estimated_value__isnull=False).exists()
    assert not Lot.objects.filter(tender__estimated_value__isnull=False, estimated_value__isnull=True).exists()


def test_the_monitoring_facts_and_kpis_handle_tenders_without_value_or_date(national: None) -> None:
    unknown = TenderFact.objects.filter(value_class=UNKNOWN_VALUE_CLASS)
    assert unknown.count() == Tender.objects.filter(estimated_value__isnull=True).count()
    undated = Tender.objects.filter(publication_date__isnull=True)
    assert TenderFact.objects.filter(year__isnull=True).count() == undated.count()
    organisation = Organisation.objects.get(
        pk=unknown.filter(year=2024).values("organisation").annotate(n=Count("pk")).order_by("-n")[0]["organisation"]
    )
    user = MembershipFactory(organisation=organisation, role=Role.LEZER).user

    def figures(kpi: str, breakdown: Breakdown = Breakdown.ALL) -> list[Figure]:
        return kpi_values(
            user, years=[2024], kpis=[BY_ID[kpi]], breakdown=breakdown, scope="organisation", organisation=organisation
        )

    own = Tender.objects.filter(organisation=organisation, publication_date__year=2024)
    unknown_bucket = [f for f in figures("mvi-share-tenders", Breakdown.VALUE_CLASS) if f.bucket == "unknown"]
    assert [f.denominator for f in unknown_bucket] == [own.filter(estimated_value__isnull=True).count()]
    # count KPIs include the tenders without value, value KPIs leave them out
    assert [f.denominator for f in figures("mvi-share-tenders")] == [own.count()]
    (value_figure,) = figures("mvi-share-value")
    known = sum(own.exclude(estimated_value__isnull=True).values_list("estimated_value", flat=True))
    assert value_figure.value is not None
    assert float(value_figure.denominator or 0) == pytest.approx(float(known), rel=1e-6)
