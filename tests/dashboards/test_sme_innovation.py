"""The SME and innovation KPIs on a small hand-made set, against a count by hand (see `scenario`); they follow the
record through its seam (a flag or a winner's size changed by a service) and are national figures under disclosure
control like every other KPI."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from mvimonitor.changes import record_changed
from mvimonitor.dashboards.kpis import BY_ID, SME_INNOVATION
from mvimonitor.dashboards.national import national_figures
from mvimonitor.dashboards.organisation import organisation_figures
from mvimonitor.dashboards.vocabulary import NATIONAL, Figure
from mvimonitor.disclosure import Thresholds
from mvimonitor.effects import services as contract_services
from mvimonitor.organisations.models import Organisation, Role
from mvimonitor.tenders import services as tender_services
from mvimonitor.tenders.models import Contract, Lot, Tender
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
RULES = Thresholds(min_organisations=5, dominance_percent=50)


def _contract(lot: Lot, *, sme: bool | None, value: str | None) -> Contract:
    return Contract.objects.create(
        lot=lot, supplier_name="Leverancier", supplier_is_sme=sme, value=Decimal(value) if value else None
    )


@pytest.fixture
def scenario(make_tender: Callable[..., Tender], refresh: Callable[[], int]) -> Organisation:
    """
    2024, one municipality (five tenders count):
    T1 open, tender SME-friendly; lot 1 won by an SME (100,000) and by a large company (50,000)
    T2 open, no tender flags; lot 1 SME-friendly, won by an SME (no value); lot 2 innovation-oriented, won by a
       company of unknown size (70,000)
    T3 innovation partnership, no flags; won by a large company (200,000)
    T4 pre-commercial procurement, innovation flag set to "no" (the procedure type decides); no contract
    T5 open, SME-friendly "no", innovation-oriented "yes"; won by an SME (30,000)
    Not counted: T6 withdrawn (SME-friendly, won by an SME), T7 published in 2023 (SME-friendly, innovation-oriented).

    By hand: SME-suitable T1, T2 = 2 of 5; innovation-oriented T2, T3, T4, T5 = 4 of 5; contracts of known size 5
    (T1 two, T2 one, T3 one, T5 one), won by an SME 3; with a value 4 worth 380,000, of which SMEs 130,000.
    """
    org = OrganisationFactory(kind="gemeente", province="UT")
    t1 = make_tender(org, lots=[(None, [])])
    Tender.objects.filter(pk=t1.pk).update(is_sme_friendly=True)
    (lot,) = t1.lots.all()
    _contract(lot, sme=True, value="100000")
    _contract(lot, sme=False, value="50000")
    t2 = make_tender(org, lots=[(None, []), (None, [])])
    first, second = t2.lots.order_by("number")
    Lot.objects.filter(pk=first.pk).update(is_sme_friendly=True)
    Lot.objects.filter(pk=second.pk).update(is_innovative=True)
    _contract(first, sme=True, value=None)
    _contract(second, sme=None, value="70000")
    t3 = make_tender(org, lots=[(None, [])])
    Tender.objects.filter(pk=t3.pk).update(procedure_type="innovation")
    _contract(t3.lots.get(), sme=False, value="200000")
    t4 = make_tender(org, lots=[(None, [])])
    Tender.objects.filter(pk=t4.pk).update(procedure_type="pre-commercial", is_innovative=False)
    t5 = make_tender(org, lots=[(None, [])])
    Tender.objects.filter(pk=t5.pk).update(is_sme_friendly=False, is_innovative=True)
    _contract(t5.lots.get(), sme=True, value="30000")
    t6 = make_tender(org, lots=[(None, [])])
    Tender.objects.filter(pk=t6.pk).update(
        is_sme_friendly=True, withdrawn_at=timezone.now(), withdrawal_reason="dubbel"
    )
    _contract(t6.lots.get(), sme=True, value="10000")
    t7 = make_tender(org, published=dt.date(2023, 6, 1), lots=[(None, [])])
    Tender.objects.filter(pk=t7.pk).update(is_sme_friendly=True, is_innovative=True)
    refresh()
    return org


EXPECTED = [
    # kpi, numerator, denominator, value
    ("sme-suitable", 2, 5, "40.00"),
    ("innovation-oriented", 4, 5, "80.00"),
    ("sme-contracts", 3, 5, "60.00"),
    ("sme-contracts-value", Decimal(130_000), Decimal(380_000), "34.21"),
]


def _figure(figures: list[Figure], kpi: str, year: int = 2024) -> Figure:
    (figure,) = [f for f in figures if f.kpi == kpi and f.item == "all" and f.bucket == "all" and f.year == year]
    return figure


def test_every_sme_and_innovation_kpi_is_counted_by_hand() -> None:
    assert {kpi.id for kpi in SME_INNOVATION} == {row[0] for row in EXPECTED}


@pytest.mark.parametrize(("kpi", "numerator", "denominator", "value"), EXPECTED)
def test_kpi_agrees_with_the_hand_count(
    scenario: Organisation, kpi: str, numerator: object, denominator: object, value: str
) -> None:
    figure = _figure(organisation_figures(organisation=scenario, years=[2024]), kpi)

    assert (figure.numerator, figure.denominator, figure.value) == (numerator, denominator, Decimal(value))


def test_the_year_before_counts_its_own_tender_only(scenario: Organisation) -> None:
    figures = organisation_figures(organisation=scenario, years=[2023])

    assert _figure(figures, "sme-suitable", 2023).numerator == 1
    assert _figure(figures, "innovation-oriented", 2023).numerator == 1
    assert _figure(figures, "sme-contracts", 2023).denominator == 0


def test_flags_set_by_the_buyer_and_a_winner_size_change_follow_through_the_seam(scenario: Organisation) -> None:
    buyer = MembershipFactory(organisation=scenario, role=Role.BEHEERDER).user
    t3 = Tender.objects.get(procedure_type="innovation")
    lot = t3.lots.get()

    tender_services.tender_update(user=buyer, tender=t3, is_sme_friendly=True)
    tender_services.lot_update(user=buyer, lot=Lot.objects.get(pk=lot.pk), is_innovative=False)
    contract = Contract.objects.get(lot=lot)
    contract_services.contract_update(user=buyer, contract=contract, supplier_is_sme=True)

    figures = organisation_figures(organisation=scenario, years=[2024])
    assert _figure(figures, "sme-suitable").numerator == 3
    assert _figure(figures, "innovation-oriented").numerator == 4  # still an innovation partnership
    assert (_figure(figures, "sme-contracts").numerator, _figure(figures, "sme-contracts").denominator) == (4, 5)
    assert _figure(figures, "sme-contracts-value").numerator == Decimal(330_000)


def test_a_winner_size_no_longer_known_takes_the_contract_out_of_the_figures(scenario: Organisation) -> None:
    with transaction.atomic():  # as the admin writes it: the rows change, the organisation's contracts are announced
        Contract.objects.filter(supplier_is_sme=True, value=Decimal(30_000)).update(supplier_is_sme=None)
        record_changed(contract_organisation_ids=[scenario.pk])

    figure = _figure(organisation_figures(organisation=scenario, years=[2024]), "sme-contracts")
    assert (figure.numerator, figure.denominator) == (2, 4)


def test_nationally_one_organisation_is_never_shown(scenario: Organisation) -> None:
    figures = national_figures(years=[2024], kpis=[BY_ID[kpi] for kpi, *_rest in EXPECTED], thresholds=RULES)
    national = [f for f in figures if f.geo == NATIONAL and f.item == "all" and f.bucket == "all"]

    assert {f.kpi for f in national} == {kpi for kpi, *_rest in EXPECTED}
    assert all(f.value is None and f.numerator is None and f.suppressed for f in national)


def test_nationally_shown_when_enough_organisations_contribute(
    make_tender: Callable[..., Tender], refresh: Callable[[], int]
) -> None:
    for _number in range(6):
        org = OrganisationFactory(kind="gemeente", province="UT")
        for flagged in (True, False):
            tender = make_tender(org, lots=[(None, [])])
            Tender.objects.filter(pk=tender.pk).update(is_sme_friendly=flagged, is_innovative=flagged)
            _contract(tender.lots.get(), sme=flagged, value="1000")
    refresh()

    figures = national_figures(years=[2024], kpis=[BY_ID[kpi] for kpi, *_rest in EXPECTED], thresholds=RULES)
    shown = {
        f.kpi: (f.numerator, f.denominator, f.value)
        for f in figures
        if f.geo == NATIONAL and f.item == "all" and f.bucket == "all" and f.value is not None
    }

    assert shown.get("sme-suitable") == (6, 12, Decimal("50.00"))
    assert shown.get("sme-contracts-value") == (Decimal(6000), Decimal(12000), Decimal("50.00"))
