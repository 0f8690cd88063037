"""The ISV KPIs against a hand count, and the national figures under disclosure control."""

import datetime as dt

import pytest
from freezegun import freeze_time

from mvimonitor.isv import services
from mvimonitor.isv.kpis import counts_of_year, isv_kpis
from mvimonitor.isv.models import DeliverableKind, RiskStatus
from mvimonitor.organisations.models import Organisation, OrganisationKind
from mvimonitor.rules.models import Finding, PolicyRule
from tests.factories import OrganisationFactory, TenderFactory

from .conftest import IsvWorld

pytestmark = pytest.mark.django_db
TODAY = "2026-06-15"


def _findings(organisation: Organisation, met: int, not_met: int, rule: PolicyRule) -> None:
    for outcome, n in (("met", met), ("not_met", not_met), ("unknown", 2)):
        for _i in range(n):
            tender = TenderFactory(organisation=organisation)
            Finding.objects.create(rule=rule, tender=tender, organisation=organisation, year=2026, outcome=outcome)


@pytest.fixture
def counted(world: IsvWorld) -> IsvWorld:
    rule = PolicyRule.objects.create(
        code="isv-test", version=1, name_nl="ISV", name_en="ISV", source="t", source_year=2023,
        valid_from=dt.date(2013, 1, 1), requires_isv_risk_category=True, requirement="theme", theme_code="keten",
    )  # fmt: skip
    _findings(world.organisation, 2, 1, rule)
    others = [OrganisationFactory(kind=OrganisationKind.RIJK) for _i in range(5)]
    _findings(others[0], 1, 1, rule)
    for other in others[1:]:
        _findings(other, 1, 0, rule)
    user = world.contractmanager
    case = services.open_case(user=user, contract=world.contract)
    rows = [
        (dt.date(2026, 3, 1), dt.date(2026, 2, 20)),  # on time
        (dt.date(2026, 4, 1), dt.date(2026, 4, 10)),  # late
        (dt.date(2026, 5, 1), None),  # overdue
        (dt.date(2026, 9, 1), None),  # not due yet: not counted
        (dt.date(2025, 12, 1), dt.date(2025, 11, 1)),  # another year
    ]
    with freeze_time(TODAY):
        for due, received in rows:
            deliverable = services.add_deliverable(user=user, case=case, kind=DeliverableKind.PLAN, due_date=due)
            if received:
                services.receive_deliverable(user=user, deliverable=deliverable, received_on=received)
        for status, found in [
            (RiskStatus.OPEN, dt.date(2026, 1, 5)),
            (RiskStatus.MITIGATED, dt.date(2026, 2, 5)),
            (RiskStatus.MITIGATED, dt.date(2026, 3, 5)),
            (RiskStatus.CLOSED, dt.date(2026, 4, 5)),
            (RiskStatus.OPEN, dt.date(2025, 4, 5)),  # another year
        ]:
            risk = services.add_risk(
                user=user, case=case, country="IN", ilo_issue=world.issue, description="r", found_on=found
            )
            services.update_risk(user=user, risk=risk, status=status, measure="m")
    return world


def test_the_organisations_figures_agree_with_a_hand_count(counted: IsvWorld) -> None:
    with freeze_time(TODAY):
        kpis = isv_kpis(year=2026, organisation_id=counted.organisation.pk)
    own = {key: row.own for key, row in kpis.rows.items()}
    assert own == {
        "mandatory": 3, "applied": 2, "not_applied": 1,
        "due": 3, "on_time": 1, "late": 1, "overdue": 1,
        "found": 4, "open": 1, "mitigated": 2, "closed": 1,
    }  # fmt: skip
    assert kpis.share("applied", "mandatory") == pytest.approx(66.7)
    assert kpis.share("on_time", "due") == pytest.approx(33.3)
    assert kpis.share("mitigated", "found") == pytest.approx(50.0)


def test_national_figures_never_show_one_organisation(counted: IsvWorld) -> None:
    with freeze_time(TODAY):
        counts = counts_of_year(2026)
        kpis = isv_kpis(year=2026, organisation_id=None)
    assert sum(counts["mandatory"].values()) == 9
    # Only one organisation has deliverables and risks: none of those figures is shown nationally.
    for key in ("due", "on_time", "late", "overdue", "found", "open", "mitigated", "closed"):
        assert kpis.rows[key].national is None
        assert kpis.rows[key].own is None
    # Two organisations miss the requirement: suppressed, and the sum cannot give it away.
    assert kpis.rows["not_applied"].national is None
    shown = [kpis.rows[key].national for key in ("mandatory", "applied")]
    assert None in shown
    assert set(shown) <= {None, 9, 7}
