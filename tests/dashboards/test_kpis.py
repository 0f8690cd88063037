"""Every KPI of the catalogue on a small hand-made set, against values worked out by hand (see the table in
`scenario`). Runs on SQLite and on PostgreSQL (DATABASE_URL), like the whole suite."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from mvimonitor.dashboards.kpis import CATALOGUE, Breakdown
from mvimonitor.dashboards.models import SpendTotal, TenderFact
from mvimonitor.dashboards.organisation import organisation_figures
from mvimonitor.dashboards.vocabulary import Figure
from mvimonitor.organisations.models import Organisation
from tests.dashboards.test_sme_innovation import EXPECTED as SME_EXPECTED
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(make_tender: Callable[..., object], refresh: Callable[[], int]) -> Organisation:
    """
    2024, one organisation:
    T1 services, 100,000, one lot: sroi as contract clause (basis); unconfirmed; in a product group
    T2 services, no tender value; lot 1 300,000: milieu minimum requirement (significant); lot 2 200,000: milieu
       award criterion weight 10 (ambitious) and sroi award criterion weight 20 (no level)  -> value 500,000
    T3 services, no value anywhere, one lot without MVI; confirmed                         -> value missing
    T4 works, 400,000, no lots; confirmed; in a product group
    Outside 2024: T5 (2023, with MVI) and T6 (no publication date, with MVI).
    Spend total 2024: 2,000,000.
    """
    org = OrganisationFactory(kind="gemeente", province="UT")
    make_tender(org, value="100000", lots=[(None, [("sroi", "contractbepaling", "basis", None)])], product_group=True)
    make_tender(
        org,
        value=None,
        lots=[
            ("300000", [("milieu", "minimumeis", "significant", None)]),
            (
                "200000",
                [("milieu", "gunningscriterium", "ambitieus", 10), ("sroi", "gunningscriterium", None, 20)],
            ),
        ],
        european=True,
    )
    make_tender(org, value=None, lots=[(None, [])], confirmed=True)
    make_tender(org, value="400000", nature="works", confirmed=True, product_group=True)
    make_tender(
        org, value="999999", published=dt.date(2023, 12, 31), lots=[(None, [("klimaat", "minimumeis", None, None)])]
    )
    make_tender(org, value="888888", published=None, lots=[(None, [("klimaat", "minimumeis", None, None)])])
    SpendTotal.objects.create(organisation=org, year=2024, amount=Decimal(2_000_000), source_note="test")
    refresh()
    return org


def _by(figures: list[Figure], kpi: str, item: str = "all", bucket: str = "all") -> Figure:
    (figure,) = [f for f in figures if f.kpi == kpi and f.item == item and f.bucket == bucket]
    return figure


EXPECTED = [
    # kpi, item, numerator, denominator, value
    ("mvi-share-tenders", "all", 2, 4, "50.00"),
    ("mvi-share-value", "all", Decimal(600_000), Decimal(1_000_000), "60.00"),
    ("theme-share-tenders", "sroi", 2, 4, "50.00"),
    ("theme-share-tenders", "milieu", 1, 4, "25.00"),
    ("theme-share-tenders", "klimaat", 0, 4, "0.00"),
    ("theme-share-value", "sroi", Decimal(600_000), Decimal(1_000_000), "60.00"),
    ("theme-share-value", "milieu", Decimal(500_000), Decimal(1_000_000), "50.00"),
    ("form-share", "contractbepaling", 1, 2, "50.00"),
    ("form-share", "minimumeis", 1, 2, "50.00"),
    ("form-share", "gunningscriterium", 1, 2, "50.00"),
    ("form-share", "selectie", 0, 2, "0.00"),
    ("ambition-level", "basis", 1, 2, "50.00"),
    ("ambition-level", "significant", 0, 2, "0.00"),
    ("ambition-level", "ambitieus", 1, 2, "50.00"),
    ("ambition-level", "not-recorded", 0, 2, "0.00"),
    ("theme-count", "0", 2, 4, "50.00"),
    ("theme-count", "1", 1, 4, "25.00"),
    ("theme-count", "2", 1, 4, "25.00"),
    ("product-group-applied", "all", 1, 2, "50.00"),
    ("product-group-high", "all", 0, 2, "0.00"),
    ("product-group-high-of-applied", "all", 0, 1, "0.00"),
    ("award-weight", "all", Decimal(30), 2, "15.00"),
    ("registration-completeness", "all", 2, 4, "50.00"),
    ("coverage", "all", Decimal(1_000_000), Decimal(2_000_000), "50.00"),
]


@pytest.mark.parametrize(("kpi", "item", "numerator", "denominator", "value"), EXPECTED)
def test_kpi_on_hand_made_data(
    scenario: Organisation, kpi: str, item: str, numerator: object, denominator: object, value: str
) -> None:
    figures = organisation_figures(organisation=scenario, years=[2024])

    figure = _by(figures, kpi, item)

    assert figure.numerator == numerator
    assert figure.denominator == denominator
    assert figure.value == Decimal(value)


def test_every_catalogue_kpi_is_covered_by_the_hand_made_test() -> None:
    # the SME and innovation KPIs have their own hand-made set (test_sme_innovation.py)
    assert {kpi.id for kpi in CATALOGUE} == {row[0] for row in [*EXPECTED, *SME_EXPECTED]}


def test_multi_lot_value_is_the_sum_of_the_lots_when_the_tender_has_none(scenario: Organisation) -> None:
    values = sorted(str(v) for v in TenderFact.objects.filter(year=2024).values_list("value", flat=True))

    assert values == ["100000.00", "400000.00", "500000.00", "None"]


def test_breakdown_by_nature(scenario: Organisation) -> None:
    figures = organisation_figures(
        organisation=scenario, years=[2024], breakdowns=(Breakdown.NATURE,), kpis=[CATALOGUE[0]]
    )

    services = _by(figures, "mvi-share-tenders", bucket="services")
    works = _by(figures, "mvi-share-tenders", bucket="works")
    assert (services.numerator, services.denominator) == (2, 3)
    assert (works.numerator, works.denominator, works.value) == (0, 1, Decimal("0.00"))


def test_breakdown_by_value_class_keeps_missing_values_apart(scenario: Organisation) -> None:
    figures = organisation_figures(
        organisation=scenario, years=[2024], breakdowns=(Breakdown.VALUE_CLASS,), kpis=[CATALOGUE[0]]
    )

    assert _by(figures, "mvi-share-tenders", bucket="below-250k").denominator == 1
    assert _by(figures, "mvi-share-tenders", bucket="250k-to-works-threshold").denominator == 2
    assert _by(figures, "mvi-share-tenders", bucket="unknown").denominator == 1


def test_breakdown_european(scenario: Organisation) -> None:
    figures = organisation_figures(
        organisation=scenario, years=[2024], breakdowns=(Breakdown.EUROPEAN,), kpis=[CATALOGUE[0]]
    )

    assert _by(figures, "mvi-share-tenders", bucket="european").value == Decimal("100.00")
    assert _by(figures, "mvi-share-tenders", bucket="national").value == Decimal("33.33")


def test_a_period_narrows_the_organisation_figures(scenario: Organisation) -> None:
    figures = organisation_figures(
        organisation=scenario,
        years=[2024],
        kpis=[CATALOGUE[0]],
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2024, 3, 31),
    )

    assert _by(figures, "mvi-share-tenders").denominator == 0
    assert _by(figures, "mvi-share-tenders").value is None


def test_unconfirmed_registrations_count_in_the_mvi_figures(scenario: Organisation) -> None:
    figures = organisation_figures(organisation=scenario, years=[2024])

    # T1 and T2 carry the MVI and are not confirmed; they still count.
    assert _by(figures, "mvi-share-tenders").numerator == 2
    assert _by(figures, "registration-completeness").numerator == 2


def test_facts_follow_the_services(
    scenario: Organisation, make_member: Callable[..., object], reference_data: None
) -> None:
    from mvimonitor.organisations.models import Role
    from mvimonitor.tenders import services

    user = make_member(Role.INKOPER, scenario)
    tender = scenario.tenders.filter(estimated_value=Decimal("400000")).get()

    services.tender_update(user=user, tender=tender, nature="services")  # type: ignore[arg-type]

    assert TenderFact.objects.get(tender=tender).nature == "services"
