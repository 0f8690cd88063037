"""The due-diligence case of a contract: deliverables going overdue, risks, the judgement, and the task list's
selector."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from freezegun import freeze_time

from mvimonitor.isv import services
from mvimonitor.isv.models import DeliverableKind, Judgement, RiskStatus
from mvimonitor.isv.selectors import open_deliverables
from mvimonitor.worklist.selectors import tasks_for
from tests.factories import ContractFactory, LotFactory

from .conftest import IsvWorld

pytestmark = pytest.mark.django_db


def test_a_deliverable_goes_overdue_the_day_after_its_due_date(world: IsvWorld) -> None:
    case = services.open_case(user=world.contractmanager, contract=world.contract)
    report = services.add_deliverable(
        user=world.contractmanager, case=case, kind=DeliverableKind.RISK_ANALYSIS, due_date=dt.date(2026, 3, 31)
    )
    with freeze_time("2026-03-30"):
        assert not report.is_overdue(timezone.localdate())
        assert open_deliverables(world.contractmanager) == []
    with freeze_time("2026-03-31"):
        assert open_deliverables(world.contractmanager) == [report]  # due today
        assert not report.is_overdue(timezone.localdate())
    with freeze_time("2026-04-01"):
        (due,) = open_deliverables(world.contractmanager)
        assert due.is_overdue(timezone.localdate())
        services.receive_deliverable(user=world.contractmanager, deliverable=report, received_on=dt.date(2026, 4, 1))
        assert open_deliverables(world.contractmanager) == []
    report.refresh_from_db()
    assert report.on_time is False


def test_the_task_list_selector_keeps_to_the_users_organisations(world: IsvWorld) -> None:
    other = services.open_case(
        user=world.outsider,
        contract=ContractFactory(lot=LotFactory(tender__organisation=world.outsider.memberships.get().organisation)),
    )
    mine = services.open_case(user=world.contractmanager, contract=world.contract)
    services.add_deliverable(user=world.outsider, case=other, kind=DeliverableKind.PLAN, due_date=dt.date(2020, 1, 1))
    own = services.add_deliverable(
        user=world.contractmanager, case=mine, kind=DeliverableKind.PLAN, due_date=dt.date(2020, 1, 1)
    )
    assert open_deliverables(world.contractmanager) == [own]
    assert open_deliverables(world.contractmanager, world.organisation) == [own]
    assert open_deliverables(world.lezer) == []  # reading rights only: no tasks


def test_a_receipt_in_the_future_is_refused(world: IsvWorld) -> None:
    case = services.open_case(user=world.contractmanager, contract=world.contract)
    deliverable = services.add_deliverable(
        user=world.contractmanager, case=case, kind=DeliverableKind.YEARLY_REPORT, due_date=dt.date(2026, 1, 1)
    )
    with pytest.raises(ValidationError):
        services.receive_deliverable(
            user=world.contractmanager,
            deliverable=deliverable,
            received_on=timezone.localdate() + dt.timedelta(days=1),
        )


def test_risks_by_country_and_ilo_issue(world: IsvWorld) -> None:
    case = services.open_case(user=world.contractmanager, contract=world.contract)
    risk = services.add_risk(
        user=world.contractmanager,
        case=case,
        country="bd ",
        ilo_issue=world.issue,
        description="Kinderarbeid bij een toeleverancier van katoen",
        found_on=dt.date(2026, 2, 1),
    )
    assert risk.country == "BD"
    services.update_risk(
        user=world.contractmanager, risk=risk, status=RiskStatus.MITIGATED, measure="Audit en herstelplan"
    )
    risk.refresh_from_db()
    assert risk.status == RiskStatus.MITIGATED
    with pytest.raises(ValidationError) as error:
        services.add_risk(
            user=world.contractmanager,
            case=case,
            country="B1",
            ilo_issue=world.issue,
            description="x",
            found_on=dt.date(2026, 2, 1),
        )
    assert "country" in error.value.message_dict


def test_the_judgement_needs_reasons(world: IsvWorld) -> None:
    case = services.open_case(user=world.contractmanager, contract=world.contract)
    with pytest.raises(ValidationError):
        services.judge(user=world.contractmanager, case=case, judgement=Judgement.SUFFICIENT, note=" ")
    services.judge(
        user=world.contractmanager, case=case, judgement=Judgement.SUFFICIENT, note="Plan volgt de OESO-stappen"
    )
    case.refresh_from_db()
    assert case.judged_at is not None


@pytest.mark.parametrize("who", ["inkoper", "lezer", "outsider"])
def test_only_contract_editors_keep_the_case(world: IsvWorld, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.open_case(user=getattr(world, who), contract=world.contract)


def test_an_overdue_deliverable_is_a_task_on_the_home_page(world: IsvWorld) -> None:
    case = services.open_case(user=world.contractmanager, contract=world.contract)
    services.add_deliverable(
        user=world.contractmanager, case=case, kind=DeliverableKind.RISK_ANALYSIS, due_date=dt.date(2026, 3, 31)
    )

    with freeze_time("2026-03-30"):
        before = {task.key for task in tasks_for(world.contractmanager, world.organisation)}
    with freeze_time("2026-04-02"):
        tasks = {task.key: task for task in tasks_for(world.contractmanager, world.organisation)}
        reader = {task.key for task in tasks_for(world.lezer, world.organisation)}

    assert "isv-deliverables" not in before
    task = tasks["isv-deliverables"]
    assert task.count == 1
    assert "(1 over tijd)" in task.summary  # Dutch, the default language
    assert "isv-deliverables" not in reader
