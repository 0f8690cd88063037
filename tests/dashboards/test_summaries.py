"""FactSummary: the per-organisation sums behind the national figures equal sums worked out in plain Python from
the record, follow every change of it, and give national figures whose shown numbers are those sums (ADR 0019)."""

import datetime as dt
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection, connections, transaction

from mvimonitor.dashboards.cache import facts_version
from mvimonitor.dashboards.kpis import BY_ID, CATALOGUE, Breakdown
from mvimonitor.dashboards.linked import known_zero
from mvimonitor.dashboards.models import FactSummary, FactsVersion, SpendTotal
from mvimonitor.dashboards.national import national_figures
from mvimonitor.dashboards.services import facts_refresh, summaries_refresh
from mvimonitor.dashboards.vocabulary import HIGH_AMBITION_CODE, Figure, Reference
from mvimonitor.disclosure import Thresholds
from mvimonitor.organisations.models import Organisation, Role
from mvimonitor.tenders import services as tender_services
from mvimonitor.tenders.models import INNOVATIVE_PROCEDURES, Contract, Lot, Tender
from mvimonitor.tenders.value_classes import UNKNOWN_VALUE_CLASS, value_classes
from mvimonitor.themes.models import AmbitionLevel
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
RULES = Thresholds(min_organisations=3, dominance_percent=70)  # low, so that many figures are shown
THEMES = ("sroi", "milieu", "klimaat", "circulair")

Sums = dict[tuple[int, int, str, str], dict[str, int]]


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _tender_measures(tender: Tender, reference: Reference, high_level: int) -> dict[str, int]:
    """What one tender adds to every measure, from its lots and MVI applications (docs/monitoring.md's rules)."""
    lots = list(tender.lots.all())
    applications = [application for lot in lots for application in lot.mvi_applications.all()]
    value = tender.estimated_value
    if value is None:
        lot_values = [lot.estimated_value for lot in lots if lot.estimated_value is not None]
        value = sum(lot_values, Decimal(0)) if lot_values else None
    cents = _cents(value) if value is not None else 0
    themes = {application.theme_id for application in applications}
    forms = {application.form_id for application in applications}
    levels = [application.ambition_level.level for application in applications if application.ambition_level]
    highest = max(levels, default=0)
    weights = [application.award_weight for application in applications if application.award_weight is not None]
    mvi = bool(themes)
    in_group = tender.product_group_id is not None
    out = {
        "n": 1,
        "v": cents,
        "mvi_n": int(mvi),
        "mvi_v": cents if mvi else 0,
        "pg_n": int(in_group),
        "pg_app_n": int(in_group and mvi),
        "pg_high_n": int(in_group and highest >= high_level),
        "aw_sum": _cents(sum(weights, Decimal(0))),
        "aw_n": len(weights),
        "conf_n": int(tender.mvi_confirmed_at is not None),
        "sme_n": int(bool(tender.is_sme_friendly or any(lot.is_sme_friendly for lot in lots))),
        "inno_n": int(
            bool(
                tender.is_innovative
                or tender.procedure_type in INNOVATIVE_PROCEDURES
                or any(lot.is_innovative for lot in lots)
            )
        ),
    }
    contracts = [c for lot in lots for c in lot.contracts.all() if c.supplier_is_sme is not None]
    out["ct_n"] = len(contracts)
    out["ct_sme_n"] = sum(1 for c in contracts if c.supplier_is_sme)
    out["ct_v"] = sum(_cents(c.value) for c in contracts if c.value is not None)
    out["ct_sme_v"] = sum(_cents(c.value) for c in contracts if c.value is not None and c.supplier_is_sme)
    for pk, *_names in reference.themes:
        out[f"theme_n_{pk}"] = int(pk in themes)
        out[f"theme_v_{pk}"] = cents if pk in themes else 0
    for pk, *_names in reference.forms:
        out[f"form_n_{pk}"] = int(pk in forms)
    for level in [0, *(level for level, *_names in reference.levels)]:
        out[f"amb_n_{level}"] = int(mvi and highest == level)
    for count in range(len(reference.themes) + 1):
        out[f"tc_n_{count}"] = int(len(themes) == count)
    return out


def _value_class(tender: Tender) -> str:
    value = tender.estimated_value
    if value is None:
        lot_values = [lot.estimated_value for lot in tender.lots.all() if lot.estimated_value is not None]
        value = sum(lot_values, Decimal(0)) if lot_values else None
    if value is None:
        return UNKNOWN_VALUE_CLASS
    return next(code for code, upper, _nl, _en in value_classes() if upper is None or value < upper)


def _expected_sums() -> Sums:
    """Per organisation, year and breakdown bucket the sum of every measure, in plain Python over the record."""
    reference = Reference.load()
    high = AmbitionLevel.objects.get(code=HIGH_AMBITION_CODE).level
    sums: Sums = defaultdict(lambda: defaultdict(int))
    tenders = Tender.objects.filter(publication_date__isnull=False).prefetch_related(
        "lots__mvi_applications__ambition_level", "lots__contracts"
    )
    for tender in tenders:
        assert tender.publication_date is not None
        measures = _tender_measures(tender, reference, high)
        buckets = {
            "all": "all",
            "nature": tender.nature,
            "european": "european" if tender.is_european else "national",
            "value_class": _value_class(tender),
        }
        for breakdown, bucket in buckets.items():
            target = sums[(tender.organisation_id, tender.publication_date.year, breakdown, bucket)]
            for name, amount in measures.items():
                target[name] += amount
    return {key: dict(value) for key, value in sums.items()}


def _stored_sums() -> Sums:
    return {
        (org, year, breakdown, bucket): dict(
            zip(names.split(","), np.frombuffer(bytes(blob), "<i8").tolist(), strict=True)
        )
        for org, year, breakdown, bucket, names, blob in FactSummary.objects.values_list(
            "organisation_id", "year", "breakdown", "bucket", "names", "amounts"
        )
    }


def _national(years: list[int]) -> list[Figure]:
    headline = [kpi for kpi in CATALOGUE if kpi.headline]
    return [
        *national_figures(years=years[-1:], thresholds=RULES),
        *national_figures(years=years, kpis=headline, breakdowns=(Breakdown.ALL,), thresholds=RULES),
    ]


def _check_against_the_record(years: list[int]) -> None:
    """The stored summaries equal the plain-Python sums; every national number that is shown is the sum of its
    organisations' amounts, and passes the primary rule of the disclosure control on those amounts."""
    expected = _expected_sums()
    assert _stored_sums() == expected
    assert not SpendTotal.objects.exists()  # coverage is checked in test_kpis/test_national; here it stays 0
    reference = Reference.load()
    members: dict[str, list[int]] = defaultdict(list)
    for org, kind, province in Organisation.objects.values_list("pk", "kind", "province"):
        members["nl"].append(org)
        members[f"kind:{kind}"].append(org)
        members[f"province:{province}"].append(org)

    def contributions(measure: str, figure: Figure) -> list[int]:
        if measure in {"spend", "cov_v"}:  # no organisation entered a spend total
            return [0 for _org in members[figure.geo]]
        breakdown = "all" if figure.bucket == "all" else figure.breakdown  # a breakdown's total: all tenders
        return [
            expected.get((org, figure.year, breakdown, figure.bucket), {}).get(measure, 0)
            for org in members[figure.geo]
        ]

    shown = 0
    for figure in _national(years):
        kpi = BY_ID[figure.kpi]
        item = next(item for item in reference.items(kpi) if item.code == figure.item)
        money = kpi.value_based or kpi.id == "award-weight"
        for amount, measure, is_money in (
            (figure.numerator, item.measure, money),
            (figure.denominator, kpi.base, kpi.value_based),
        ):
            if amount is None:
                continue
            parts = contributions(measure, figure)
            total = sum(parts)
            assert amount == (Decimal(total) / 100 if is_money else total), (figure, measure)
            if known_zero(measure, Breakdown(figure.breakdown), figure.bucket) or (
                total == 0 and len(members[figure.geo]) >= RULES.min_organisations
            ):
                continue  # zero by definition, or none of a large group: about no one organisation
            positive = [part for part in parts if part > 0]
            assert len(positive) >= RULES.min_organisations, (figure, measure)
            assert max(positive) * 100 <= total * RULES.dominance_percent, (figure, measure)
        shown += figure.value is not None
    assert shown > 20  # something was shown


@pytest.fixture
def random_country(make_tender: Callable[..., Tender], refresh: Callable[[], int]) -> list[Tender]:
    rng = random.Random(7)
    kinds = ("gemeente", "provincie", "waterschap", "rijk")
    organisations = [
        OrganisationFactory(kind=rng.choice(kinds), province=rng.choice(("UT", "ZE", "GR", ""))) for _ in range(14)
    ]
    tenders = []
    for organisation in organisations:
        for _ in range(rng.randint(1, 6)):
            themes = rng.sample(THEMES, rng.randint(0, 2))
            tenders.append(
                make_tender(
                    organisation,
                    published=dt.date(rng.choice((2023, 2024)), rng.randint(1, 12), 1),
                    value=rng.choice((None, "1200.50", "90000", "300000", "7000000")),
                    nature=rng.choice(("works", "supplies", "services")),
                    european=rng.random() < 0.3,
                    confirmed=rng.random() < 0.5,
                    product_group=rng.random() < 0.3,
                    lots=[(None, [(theme, "minimumeis", "basis", None) for theme in themes])] if themes else [],
                )
            )
    _sme_and_innovation(tenders)
    refresh()
    return tenders


def _sme_and_innovation(tenders: list[Tender]) -> None:
    """Flags, innovation procedures and contracts of every kind of winner size, from a generator of their own (no
    contracts on the first two tenders, which the tests delete)."""
    rng = random.Random(11)
    for index, tender in enumerate(tenders):
        Tender.objects.filter(pk=tender.pk).update(
            is_sme_friendly=rng.choice((None, True, False)),
            is_innovative=rng.choice((None, True, False)),
            procedure_type=rng.choice(("open", "innovation", "pre-commercial", "open")),
        )
        for lot in tender.lots.all():
            Lot.objects.filter(pk=lot.pk).update(is_sme_friendly=rng.choice((None, True)))
            for _number in range(rng.randint(0, 2) if index > 1 else 0):
                Contract.objects.create(
                    lot=lot,
                    supplier_name="Leverancier",
                    supplier_is_sme=rng.choice((None, True, False)),
                    value=rng.choice((None, Decimal("15000.25"), Decimal(400000))),
                )


def test_summaries_and_national_figures_equal_sums_over_the_record(random_country: list[Tender]) -> None:
    _check_against_the_record([2023, 2024])
    assert FactSummary.objects.filter(breakdown="all").count() == len(
        set(random_country[0].__class__.objects.values_list("organisation_id", "publication_date__year"))
    )


def test_summaries_follow_edits_moves_between_years_and_deletions(random_country: list[Tender]) -> None:
    tender = random_country[0]
    user = MembershipFactory(organisation=tender.organisation, role=Role.BEHEERDER).user
    version = facts_version()

    other_year = 2023 if tender.publication_date and tender.publication_date.year == 2024 else 2024
    tender_services.tender_update(user=user, tender=tender, publication_date=dt.date(other_year, 2, 2))
    assert facts_version() != version
    _check_against_the_record([2023, 2024])

    tender_services.tender_update(user=user, tender=tender, estimated_value="4444444")
    _check_against_the_record([2023, 2024])

    version = facts_version()
    tender_services.tender_delete(user=user, tender=random_country[1])
    assert facts_version() != version  # cached figures must not survive a deletion either
    _check_against_the_record([2023, 2024])

    lonely = OrganisationFactory(kind="gemeente", province="UT")
    new = tender_services.tender_create(
        user=MembershipFactory(organisation=lonely, role=Role.BEHEERDER).user,
        organisation=lonely,
        title="Nieuw",
        publication_date=dt.date(2024, 3, 3),
        nature="works",
        procedure_type="open",
        is_european=True,
        estimated_value="10",
    )
    assert FactSummary.objects.filter(organisation=lonely, year=2024).count() == 4  # all, nature, EU, value class
    _check_against_the_record([2023, 2024])
    tender_services.tender_delete(user=MembershipFactory(organisation=lonely, role=Role.BEHEERDER).user, tender=new)
    assert not FactSummary.objects.filter(organisation=lonely).exists()
    assert FactsVersion.objects.count() == 1


def _stored() -> dict[tuple[int, int, str, str], tuple[str, bytes]]:
    return {
        (org, year, breakdown, bucket): (names, bytes(amounts))
        for org, year, breakdown, bucket, names, amounts in FactSummary.objects.values_list(
            "organisation_id", "year", "breakdown", "bucket", "names", "amounts"
        )
    }


def test_summaries_kept_up_by_differences_equal_a_rebuild(random_country: list[Tender]) -> None:
    """Single-tender refreshes add the tenders' differences to the stored rows; the result must be exactly what a
    full rebuild from the facts writes, row for row, byte for byte."""
    rng = random.Random(11)
    tender = random_country[0]
    user = MembershipFactory(organisation=tender.organisation, role=Role.BEHEERDER).user
    for step in range(12):
        target = rng.choice(random_country[2:])
        editor = MembershipFactory(organisation=target.organisation, role=Role.BEHEERDER).user
        if step % 3 == 0:
            tender_services.tender_update(
                user=editor, tender=target, publication_date=dt.date(rng.choice((2023, 2024)), 5, 5)
            )
        elif step % 3 == 1:
            tender_services.tender_update(user=editor, tender=target, estimated_value=str(rng.randint(1, 9_000_000)))
        else:
            tender_services.tender_update(user=editor, tender=target, nature=rng.choice(("works", "services")))
    tender_services.tender_delete(user=user, tender=tender)
    incremental = _stored()
    summaries_refresh()
    assert _stored() == incremental
    assert len(incremental) > 30


def test_a_stored_summary_that_does_not_match_is_recomputed(random_country: list[Tender]) -> None:
    """A damaged or stale summary row (here: emptied) is not made worse by adding differences: the pair is rebuilt."""
    tender = next(t for t in random_country if t.publication_date)
    row = FactSummary.objects.filter(
        organisation=tender.organisation, year=tender.publication_date.year, breakdown="all"
    ).get()
    row.amounts = bytes(len(bytes(row.amounts)))  # all zero: it no longer holds the tender's sums
    row.save()
    user = MembershipFactory(organisation=tender.organisation, role=Role.BEHEERDER).user
    tender_services.tender_update(user=user, tender=tender, estimated_value="123")
    after_edit = _stored()
    summaries_refresh()
    assert _stored() == after_edit


@pytest.mark.django_db(transaction=True)
def test_two_transactions_creating_the_same_summary_row_both_count(make_tender: Callable[..., Tender]) -> None:
    """An organisation's first two tenders of a year, stored by two transactions at once (PostgreSQL): the second
    waits for the first instead of failing on the summary row's unique constraint, and both tenders are counted."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time; the race needs PostgreSQL (the CI's second pass)")
    organisation = OrganisationFactory()
    first_refreshed = threading.Event()
    errors: list[BaseException] = []

    def store(wait_for: threading.Event | None) -> None:
        try:
            if wait_for is not None:
                assert wait_for.wait(10)
            with transaction.atomic():
                tender = make_tender(organisation, published=dt.date(2031, 3, 1), value="1000")
                facts_refresh(tender_ids=[tender.pk])
                if wait_for is None:
                    first_refreshed.set()
                    time.sleep(1)  # the other transaction reaches its summaries while this one has not committed
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=store, args=(None,)), threading.Thread(target=store, args=(first_refreshed,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    rows = FactSummary.objects.filter(organisation=organisation, year=2031, breakdown="all")
    assert rows.count() == 1
    kept_up = _stored()
    summaries_refresh()
    assert _stored() == kept_up
    assert Tender.objects.filter(organisation=organisation).count() == 2
