import datetime as dt

import pytest

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.organisations.models import Organisation
from mvimonitor.rules.evaluation import evaluate
from mvimonitor.rules.models import Finding, PolicyRule
from mvimonitor.tenders.models import MVIApplication, Nature
from mvimonitor.themes.models import ApplicationForm, Criterion, Theme
from tests.factories import Catalogue, ContractFactory, LotFactory, OrganisationFactory

from .conftest import Make, findings

pytestmark = pytest.mark.django_db


def test_social_return_above_and_just_below_the_amount(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make, catalogue: Catalogue
) -> None:
    applied = make_tender(rijk, value="250000.01", themes=((catalogue.sroi, catalogue.award),))
    missing = make_tender(rijk, value="250000.01")
    at_amount = make_tender(rijk, value="250000")
    below = make_tender(rijk, value="249999.99")
    result = findings(rules["rijk-social-return"])
    assert result[applied.pk] == ("met", "")
    assert result[missing.pk] == ("not_met", "theme:sroi")
    assert result[at_amount.pk] == ("not_applicable", "")  # the rule says "above"
    assert result[below.pk] == ("not_applicable", "")


def test_social_return_needs_six_months(rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make) -> None:
    six = make_tender(rijk, contract=(dt.date(2025, 1, 1), dt.date(2025, 6, 30)))
    short = make_tender(rijk, contract=(dt.date(2025, 1, 1), dt.date(2025, 6, 29)))
    mid_month = make_tender(rijk, contract=(dt.date(2025, 1, 15), dt.date(2025, 7, 14)))
    result = findings(rules["rijk-social-return"])
    assert result[six.pk][0] == "not_met"
    assert result[mid_month.pk][0] == "not_met"
    assert result[short.pk] == ("not_applicable", "")


def test_the_longest_span_of_the_contracts_counts(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make
) -> None:
    tender = make_tender(rijk, contract=(dt.date(2025, 1, 1), dt.date(2025, 3, 31)))
    ContractFactory(lot=LotFactory(tender=tender), start_date=dt.date(2025, 4, 1), end_date=dt.date(2025, 9, 30))
    assert findings(rules["rijk-social-return"])[tender.pk][0] == "not_met"


def test_a_municipality_is_not_addressed_by_the_rijk_rule(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make
) -> None:
    municipal = make_tender(OrganisationFactory(), value="1000000")
    ministry = make_tender(rijk, value="1000000")
    result = findings(rules["rijk-social-return"])
    assert municipal.pk not in result
    assert result[ministry.pk][0] == "not_met"


def test_works_and_services_but_not_supplies(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make
) -> None:
    works = make_tender(rijk, nature=Nature.WORKS, value="1000000")
    supplies = make_tender(rijk, nature=Nature.SUPPLIES, value="1000000")
    result = findings(rules["rijk-social-return"])
    assert result[works.pk][0] == "not_met"
    assert result[supplies.pk] == ("not_applicable", "")


def test_without_a_contract_duration_the_finding_is_unknown(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make
) -> None:
    no_contract = make_tender(rijk, contract=None)
    no_end = make_tender(rijk, contract=(dt.date(2025, 1, 1), None))
    no_value = make_tender(rijk, value=None, contract=None)
    cheap = make_tender(rijk, value="1000", contract=None)  # out of scope whatever its duration
    result = findings(rules["rijk-social-return"])
    assert result[no_contract.pk] == ("unknown", "duration")
    assert result[no_end.pk] == ("unknown", "duration")
    assert result[no_value.pk] == ("unknown", "value,duration")
    assert result[cheap.pk] == ("not_applicable", "")


def test_outside_the_validity_no_finding(rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make) -> None:
    old = make_tender(rijk, published=dt.date(2010, 5, 1))
    undated = make_tender(rijk, published=None)
    result = findings(rules["rijk-social-return"])
    assert old.pk not in result
    assert result[undated.pk] == ("unknown", "publication_date")


def test_isv_reads_the_threshold_of_the_publication_date(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make
) -> None:
    # EUR 141,000 is above the 2022-2023 central threshold (140,000) and below that of 2024-2025 (143,000).
    in_2023 = make_tender(rijk, nature=Nature.SUPPLIES, value="141000", published=dt.date(2023, 6, 1))
    in_2024 = make_tender(rijk, nature=Nature.SUPPLIES, value="141000", published=dt.date(2024, 6, 1))
    at_threshold = make_tender(rijk, nature=Nature.SERVICES, value="143000", published=dt.date(2024, 6, 1))
    works = make_tender(rijk, nature=Nature.WORKS, value="9000000")  # no works threshold loaded in this test
    result = findings(rules["rijk-isv"])
    assert result[in_2023.pk] == ("unknown", "isv_risk_category")
    assert result[in_2024.pk] == ("not_applicable", "")
    assert result[at_threshold.pk] == ("unknown", "isv_risk_category")  # "at or above"
    assert result[works.pk] == ("unknown", "threshold,isv_risk_category")


def test_criteria_at_significant_or_higher(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make, catalogue: Catalogue
) -> None:
    strict = Criterion.objects.create(
        product_group=catalogue.group,
        code="MVI-2",
        title="Strenge eis",
        theme=catalogue.klimaat,
        form=catalogue.minimum,
        ambition_level=catalogue.ambition,
        source="t",
        source_year=2025,
    )
    met = make_tender(rijk, product_group=catalogue.group)
    basic = make_tender(rijk, product_group=catalogue.group)
    outside = make_tender(rijk)
    for tender, criterion in [(met, strict), (basic, catalogue.criterion)]:
        MVIApplication.objects.create(
            lot=tender.lots.get(),
            theme=catalogue.klimaat,
            form=catalogue.minimum,
            criterion=criterion,
            ambition_level=criterion.ambition_level,
        )
    result = findings(rules["rijk-criteria-significant"])
    assert result[met.pk] == ("met", "")
    assert result[basic.pk] == ("not_met", "criteria:significant")
    assert result[outside.pk] == ("not_applicable", "")


def test_isv_as_a_contract_clause_only(rules: dict[str, PolicyRule]) -> None:
    rule = rules["rijk-isv"]
    assert rule.form_codes == ["contractbepaling"]
    assert rule.missing_when_not_met == "theme:keten:contractbepaling"


def test_reevaluation_replaces_the_findings(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make, catalogue: Catalogue
) -> None:
    tender = make_tender(rijk)
    rule = rules["rijk-social-return"]
    assert findings(rule)[tender.pk][0] == "not_met"
    first_ids = set(Finding.objects.filter(rule=rule).values_list("pk", flat=True))
    MVIApplication.objects.create(lot=tender.lots.get(), theme=catalogue.sroi, form=catalogue.award)
    facts_refresh()
    (run,) = evaluate([rule])
    assert run.findings == 1
    rows = list(Finding.objects.filter(rule=rule))
    assert [(row.tender_id, row.outcome) for row in rows] == [(tender.pk, "met")]
    assert not first_ids & {row.pk for row in rows}


def test_an_unloaded_theme_is_reported_and_nothing_meets_the_rule(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make
) -> None:
    Theme.objects.filter(code="keten").delete()
    ApplicationForm.objects.filter(code="contractbepaling").delete()
    make_tender(rijk, nature=Nature.SUPPLIES, value="200000", published=dt.date(2024, 6, 1))
    facts_refresh()
    (run,) = evaluate([rules["rijk-isv"]])
    assert run.findings == 1
    assert run.notes == ["theme keten is not loaded: nothing can meet the rule"]


def test_each_version_judges_the_tenders_of_its_own_period(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make, catalogue: Catalogue
) -> None:
    first = rules["rijk-social-return"]
    first.valid_until = dt.date(2024, 12, 31)
    first.save()
    second = PolicyRule.objects.get(pk=first.pk)
    second.pk, second.version, second.valid_from, second.valid_until = None, 2, dt.date(2025, 1, 1), None
    second.form_codes = ["gunningscriterium"]
    second.save()
    old = make_tender(rijk, published=dt.date(2024, 6, 1), themes=((catalogue.sroi, catalogue.minimum),))
    new = make_tender(rijk, published=dt.date(2025, 6, 1), themes=((catalogue.sroi, catalogue.minimum),))
    facts_refresh()
    evaluate()
    rows = Finding.objects.filter(rule__code="rijk-social-return").select_related("rule")
    found = {(row.rule.version, row.tender_id): row.outcome for row in rows}
    assert found[(1, old.pk)] == "met"
    assert found[(2, new.pk)] == "not_met"  # version 2 asks for social return as an award criterion
    assert (2, old.pk) not in found
    assert (1, new.pk) not in found
