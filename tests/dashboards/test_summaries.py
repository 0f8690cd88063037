"""FactSummary: the per-organisation sums behind the national figures equal the figures computed from the facts,
and follow every change of the facts (ADR 0019)."""

import datetime as dt
import random
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from mvimonitor.dashboards import selectors
from mvimonitor.dashboards.disclosure import Thresholds
from mvimonitor.dashboards.kpis import CATALOGUE, Breakdown
from mvimonitor.dashboards.models import FactSummary, FactsVersion
from mvimonitor.dashboards.services import facts_refresh, facts_version, summaries_refresh
from mvimonitor.organisations.models import Role
from mvimonitor.tenders import services as tender_services
from mvimonitor.tenders.models import Tender
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
RULES = Thresholds(min_organisations=3, dominance_percent=70)  # low, so that many figures are shown
THEMES = ("sroi", "milieu", "klimaat", "circulair")


def _both(years: list[int]) -> tuple[list[selectors.Figure], list[selectors.Figure]]:
    headline = [kpi for kpi in CATALOGUE if kpi.headline]
    out = []
    for source in ("summary", "facts"):
        figures = [
            *selectors.national_figures(years=years[-1:], thresholds=RULES, source=source),
            *selectors.national_figures(
                years=years, kpis=headline, breakdowns=(Breakdown.ALL,), thresholds=RULES, source=source
            ),
        ]
        out.append(figures)
    return out[0], out[1]


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
    refresh()
    return tenders


def test_figures_from_the_summaries_equal_the_figures_from_the_facts(random_country: list[Tender]) -> None:
    from_summaries, from_facts = _both([2023, 2024])

    assert from_summaries == from_facts
    assert sum(1 for figure in from_summaries if figure.value is not None) > 20  # something was shown
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
    assert _both([2023, 2024])[0] == _both([2023, 2024])[1]

    tender_services.tender_update(user=user, tender=tender, estimated_value="4444444")
    assert _both([2023, 2024])[0] == _both([2023, 2024])[1]

    version = facts_version()
    tender_services.tender_delete(user=user, tender=random_country[1])
    assert facts_version() != version  # cached figures must not survive a deletion either
    assert _both([2023, 2024])[0] == _both([2023, 2024])[1]

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
    assert _both([2023, 2024])[0] == _both([2023, 2024])[1]
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
