"""The Rijk ISV rule reads the lot's confirmed ISV risk category, under the list that applies at the tender's
publication date."""

import datetime as dt

import pytest

from mvimonitor.isv.models import LotRiskCategory, RiskList
from mvimonitor.organisations.models import Organisation, OrganisationKind
from mvimonitor.rules.models import PolicyRule
from mvimonitor.tenders.models import Lot, Tender
from mvimonitor.themes.models import ApplicationForm, IsvRiskCategory, Theme
from tests.factories import LotFactory, OrganisationFactory
from tests.isv.factories import CHANGE, Lists, make_lists

from .conftest import Make, findings

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(db: None) -> Lists:
    return make_lists()


def confirm(tender: Tender, category: IsvRiskCategory | None, risk_list: RiskList, lot: Lot | None = None) -> None:
    LotRiskCategory.objects.create(
        lot=lot or tender.lots.get(), risk_list=risk_list, category=category, confirmed_at=dt.datetime.now(dt.UTC)
    )


def clause() -> tuple[tuple[Theme, ApplicationForm], ...]:
    return ((Theme.objects.get(code="keten"), ApplicationForm.objects.get(code="contractbepaling")),)


def test_at_the_eu_threshold_in_a_risk_category_isv_is_mandatory(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make, lists: Lists
) -> None:
    applied = make_tender(rijk, value="143000", themes=clause())
    missing = make_tender(rijk, value="500000")
    below = make_tender(rijk, value="142999.99")
    confirm(applied, lists.clothing, lists.old)
    confirm(missing, lists.catering, lists.old)
    confirm(below, lists.clothing, lists.old)
    result = findings(rules["rijk-isv"])
    assert result[applied.pk] == ("met", "")
    assert result[missing.pk] == ("not_met", "theme:keten:contractbepaling")
    assert result[below.pk] == ("not_applicable", "")


def test_confirmed_as_within_no_category_is_out_of_scope(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make, lists: Lists
) -> None:
    none = make_tender(rijk)
    unconfirmed = make_tender(rijk)
    confirm(none, None, lists.old)
    assert findings(rules["rijk-isv"]) == {
        none.pk: ("not_applicable", ""),
        unconfirmed.pk: ("unknown", "isv_risk_category"),
    }


def test_one_lot_within_a_category_brings_the_tender_in(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make, lists: Lists
) -> None:
    tender = make_tender(rijk)
    second = LotFactory(tender=tender, number="2")
    confirm(tender, None, lists.old, lot=tender.lots.exclude(pk=second.pk).get())
    assert findings(rules["rijk-isv"])[tender.pk] == ("unknown", "isv_risk_category")
    confirm(tender, lists.catering, lists.old, lot=second)
    assert findings(rules["rijk-isv"])[tender.pk] == ("not_met", "theme:keten:contractbepaling")


def test_a_municipality_is_not_addressed(rules: dict[str, PolicyRule], make_tender: Make, lists: Lists) -> None:
    town = OrganisationFactory(kind=OrganisationKind.GEMEENTE)
    tender = make_tender(town, value="5000000")
    confirm(tender, lists.clothing, lists.old)
    assert tender.pk not in findings(rules["rijk-isv"])


def test_a_list_change_takes_effect_on_its_start_date(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make, lists: Lists
) -> None:
    """The day before the change the old list applies, on the day itself the new one: a category confirmed under
    a list that does not apply at the publication date cannot be judged until it is confirmed again."""
    eve = make_tender(rijk, published=CHANGE - dt.timedelta(days=1), themes=clause())
    day = make_tender(rijk, published=CHANGE, themes=clause())
    day_old_list = make_tender(rijk, published=CHANGE, themes=clause())
    eve_new_list = make_tender(rijk, published=CHANGE - dt.timedelta(days=1), themes=clause())
    confirm(eve, lists.clothing, lists.old)
    confirm(day, lists.clothing_new, lists.new)
    confirm(day_old_list, lists.clothing, lists.old)
    confirm(eve_new_list, lists.clothing_new, lists.new)
    result = findings(rules["rijk-isv"])
    assert result[eve.pk] == ("met", "")
    assert result[day.pk] == ("met", "")
    assert result[day_old_list.pk] == ("unknown", "isv_risk_category")
    assert result[eve_new_list.pk] == ("unknown", "isv_risk_category")
