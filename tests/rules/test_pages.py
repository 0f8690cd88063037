import re
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.organisations.models import Organisation, OrganisationKind, User
from mvimonitor.rules.models import PolicyRule
from mvimonitor.rules.selectors import rule_counts
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .conftest import Make

pytestmark = pytest.mark.django_db


def _ministries(count: int, make_tender: Make) -> list[Organisation]:
    organisations = [OrganisationFactory(kind=OrganisationKind.RIJK) for _ in range(count)]
    for organisation in organisations:
        make_tender(organisation)
    facts_refresh()
    call_command("evaluate_rules", verbosity=0)
    return organisations


def _not_met(rule: PolicyRule, organisation_id: int | None) -> tuple[int | None, int | None]:
    (counts,) = [item for item in rule_counts(year=2025, organisation_id=organisation_id) if item.rule == rule]
    row = next(row for row in counts.rows if row.outcome == "not_met")
    return row.figure.own, row.figure.national


def test_national_counts_are_hidden_under_five_organisations(rules: dict[str, PolicyRule], make_tender: Make) -> None:
    organisations = _ministries(4, make_tender)
    assert _not_met(rules["rijk-social-return"], organisations[0].pk) == (1, None)


def test_national_counts_are_shown_from_five_organisations(rules: dict[str, PolicyRule], make_tender: Make) -> None:
    organisations = _ministries(5, make_tender)
    assert _not_met(rules["rijk-social-return"], organisations[0].pk) == (1, 5)
    assert _not_met(rules["rijk-social-return"], None) == (None, 5)


def test_an_outcome_nobody_has_is_not_shown_as_a_national_zero(
    rules: dict[str, PolicyRule], make_tender: Make
) -> None:
    _ministries(5, make_tender)
    (counts,) = [
        item for item in rule_counts(year=2025, organisation_id=None) if item.rule.code == "rijk-social-return"
    ]
    met = next(row for row in counts.rows if row.outcome == "met")
    assert met.figure.national is None
    assert met.figure.hidden == "too_few_organisations"


@pytest.mark.parametrize(("prefix", "language", "name_field"), [("", "nl", "name_nl"), ("/en", "en", "name_en")])
def test_the_rules_page_renders_in_both_languages(
    rules: dict[str, PolicyRule],
    make_tender: Make,
    logged_in: Callable[[User], Client],
    prefix: str,
    language: str,
    name_field: str,
) -> None:
    organisations = _ministries(5, make_tender)
    user = MembershipFactory(organisation=organisations[0]).user
    response = logged_in(user).get(f"{prefix}/rules/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'lang="{language}"' in page
    assert getattr(rules["rijk-social-return"], name_field) in page
    assert organisations[0].name in page
    assert rules["rijk-isv"].source.split(";")[0] in page


def test_the_page_needs_a_login(client: Client) -> None:
    response = client.get("/rules/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_tender_panel_lists_the_findings(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make
) -> None:
    tender = make_tender(rijk, contract=None)
    facts_refresh()
    call_command("evaluate_rules", "--rule", "rijk-social-return", verbosity=0)
    html = Template("{% load policy_rules %}{% rule_findings tender %}").render(Context({"tender": tender}))
    assert rules["rijk-social-return"].name_nl in html
    assert "looptijd van het contract" in html  # what is missing, in Dutch (the default language)
    assert rules["rijk-isv"].name_nl not in html


def test_evaluate_rules_refuses_an_unknown_code(rules: dict[str, PolicyRule]) -> None:
    with pytest.raises(Exception, match="No rule with code nope"):
        call_command("evaluate_rules", "--rule", "nope")


def test_a_national_analyst_sees_the_national_counts_only(
    rules: dict[str, PolicyRule], make_tender: Make, logged_in: Callable[[User], Client]
) -> None:
    organisations = _ministries(5, make_tender)
    analyst = UserFactory(national_analyst=True)
    response = logged_in(analyst).get("/en/rules/")
    assert response.status_code == 200
    page = response.content.decode()
    assert organisations[0].name not in page
    assert rules["rijk-social-return"].name_en in page
    assert re.search(r">\s*5\s*</td>", page)  # the national counts of the outcomes every ministry has


def test_a_finding_that_is_not_met_names_the_requirement_in_words(
    rules: dict[str, PolicyRule], rijk: Organisation, make_tender: Make
) -> None:
    tender = make_tender(rijk)  # social return is required, nothing is applied
    facts_refresh()
    call_command("evaluate_rules", "--rule", "rijk-social-return", verbosity=0)
    template = Template("{% load policy_rules %}{% rule_findings tender %}")

    with translation.override("en"):
        html = template.render(Context({"tender": tender}))

    assert "required: the theme " in html
    assert "theme:sroi" not in html
