"""The tender list's monitoring filters (the drill-down of every dashboard number) are computed from the record;
on a varied data set they select exactly the tenders the monitoring facts would."""

import datetime as dt
import random
from collections.abc import Callable

import pytest

from mvimonitor.dashboards.models import TenderFact
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import Tender
from mvimonitor.tenders.selectors import TenderFilters, tender_list
from mvimonitor.tenders.value_classes import UNKNOWN_VALUE_CLASS, value_classes
from mvimonitor.themes.models import AmbitionLevel
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
THEMES = ("sroi", "milieu", "klimaat", "circulair", "keten")
LEVELS = (None, "basis", "significant", "ambitieus")
VALUES = (None, "0", "1200.50", "249999.99", "250000", "5537999.99", "5538000", "90000000")


@pytest.fixture
def varied(make_tender: Callable[..., Tender], refresh: Callable[[], int]) -> Organisation:
    """Tenders with and without their own value, lots with and without values, zero to several themes over one or
    more lots (the same theme on two lots counts once), mixed ambition levels, also none recorded."""
    rng = random.Random(5)
    organisation = OrganisationFactory()
    for _ in range(60):
        lots = []
        for _lot in range(rng.randint(0, 3)):
            applications = [
                (theme, "minimumeis", rng.choice(LEVELS), None) for theme in rng.sample(THEMES, rng.randint(0, 3))
            ]
            lots.append((rng.choice(VALUES), applications))
        make_tender(organisation, value=rng.choice(VALUES), published=dt.date(2024, rng.randint(1, 12), 1), lots=lots)
    refresh()
    return organisation


def _listed(organisation: Organisation, filters: TenderFilters) -> set[int]:
    return set(tender_list(organisation=organisation, filters=filters).values_list("pk", flat=True))


def _facts(organisation: Organisation, **lookups: object) -> set[int]:
    return set(TenderFact.objects.filter(organisation=organisation, **lookups).values_list("tender_id", flat=True))


def test_list_filters_select_the_tenders_the_facts_would(varied: Organisation) -> None:
    checked = 0
    for code in [*(code for code, *_rest in value_classes()), UNKNOWN_VALUE_CLASS]:
        expected = _facts(varied, value_class=code)
        assert _listed(varied, {"value_class": code}) == expected, code
        checked += bool(expected)
    assert checked == len(value_classes()) + 1  # every class occurs in the data set

    assert _listed(varied, {"mvi": "yes"}) == _facts(varied, theme_count__gt=0)
    assert _listed(varied, {"mvi": "no"}) == _facts(varied, theme_count=0)
    assert _facts(varied, theme_count__gt=0)
    assert _facts(varied, theme_count=0)

    counts = set(TenderFact.objects.filter(organisation=varied).values_list("theme_count", flat=True))
    assert len(counts) >= 4
    for count in range(len(THEMES) + 1):
        assert _listed(varied, {"theme_count": count}) == _facts(varied, theme_count=count), count

    for level in AmbitionLevel.objects.all():
        expected = _facts(varied, theme_count__gt=0, max_ambition=level.level)
        assert expected
        assert _listed(varied, {"ambition": level.code}) == expected, level.code
        assert _listed(varied, {"ambition_min": level}) == _facts(varied, max_ambition__gte=level.level)
    not_recorded = _facts(varied, theme_count__gt=0, max_ambition=0)
    assert not_recorded
    assert _listed(varied, {"ambition": "not-recorded"}) == not_recorded


def test_combined_filters_and_the_theme_count_column_still_agree(varied: Organisation) -> None:
    filters: TenderFilters = {"mvi": "yes", "value_class": UNKNOWN_VALUE_CLASS, "theme_count": 2}
    expected = _facts(varied, theme_count=2, value_class=UNKNOWN_VALUE_CLASS)
    assert _listed(varied, filters) == expected
    counts = dict(TenderFact.objects.filter(organisation=varied).values_list("tender_id", "theme_count"))
    for tender in tender_list(organisation=varied, filters={"ambition_min": AmbitionLevel.objects.get(code="basis")}):
        assert tender.theme_count == counts[tender.pk]  # type: ignore[attr-defined]
