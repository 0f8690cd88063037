"""The buyer's side: pages and rights, reminders, the task list and the burden figures."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation

from mvimonitor.suppliers import burden
from mvimonitor.suppliers.models import ReminderSent, ReportingRequest, RequestStatus
from mvimonitor.worklist.selectors import tasks_for
from tests.factories import UserFactory

from .conftest import World, link_in, send


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_contract_manager_sends_a_request_from_the_page(world: World) -> None:
    client = _client(world.manager_a)
    url = f"/supplier/contracts/{world.contract_a.pk}/request/"
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {"period_start": "2026-01-01", "period_end": "2026-06-30",
         "due_date": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
         "recipient_email": "rapportage@schoon.example"},
    )  # fmt: skip

    request = ReportingRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/supplier/requests/{request.pk}/"
    assert len(mail.outbox) == 1
    assert "/supplier/r/" in mail.outbox[0].body
    listing = client.get("/supplier/requests/").content.decode()
    assert "Schoon BV" in listing


def test_a_refused_request_form_answers_400_with_the_reason(world: World) -> None:
    client = _client(world.manager_a)
    response = client.post(
        f"/supplier/contracts/{world.contract_a.pk}/request/",
        {"period_start": "2020-01-01", "period_end": "2020-06-30", "due_date": "2099-01-01",
         "recipient_email": "rapportage@schoon.example"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not ReportingRequest.objects.exists()


def test_readers_and_other_organisations_cannot_send_see_or_decide(world: World) -> None:
    request, _link = send(world.manager_a, world.contract_a)
    reader = _client(world.reader_a)
    outsider = _client(world.manager_b)

    assert reader.get(f"/supplier/contracts/{world.contract_a.pk}/request/").status_code == 403
    assert reader.get(f"/supplier/requests/{request.pk}/").status_code == 200
    assert reader.post(f"/supplier/requests/{request.pk}/revoke/").status_code == 403
    assert outsider.get(f"/supplier/contracts/{world.contract_a.pk}/request/").status_code == 404
    assert outsider.get(f"/supplier/requests/{request.pk}/").status_code == 404
    assert outsider.post(f"/supplier/requests/{request.pk}/revoke/").status_code == 404
    assert "Schoonmaak stadhuis" not in outsider.get("/supplier/requests/").content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert Client().get("/supplier/requests/").status_code == 302  # the buyer's pages need a login


def test_revoke_verify_and_return_through_the_pages(world: World) -> None:
    request, link = send(world.manager_b, world.contract_b)
    supplier = Client()
    answer = request.answers.get()
    supplier.post(link, {"action": "submit", f"answer-{answer.pk}-quantity": "12"})
    sender, colleague = _client(world.manager_b), _client(world.colleague_b)

    refused = sender.post(f"/en/supplier/requests/{request.pk}/verify/", follow=True)
    assert "asks for four eyes" in refused.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    colleague.post(f"/supplier/requests/{request.pk}/return/", {"reason": "Graag per maand"})
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED
    sender.post(f"/supplier/requests/{request.pk}/revoke/")
    request.refresh_from_db()
    assert request.status == RequestStatus.REVOKED
    assert supplier.get(link).status_code == 404


def test_reminders_go_once_before_and_once_after_the_due_date(world: World) -> None:
    today = timezone.localdate()
    early, _l1 = send(world.manager_a, world.contract_a, due_date=today + dt.timedelta(days=3))
    later, _l2 = send(world.manager_a, world.contract_a2, due_date=today + dt.timedelta(days=20))
    mail.outbox.clear()

    call_command("send_supplier_reminders", "--base-url=http://testserver", "--days-before=7", verbosity=0)
    assert [m.to for m in mail.outbox] == [["rapportage@schoon.example"]]
    assert "/supplier/r/" in link_in(mail.outbox[0].body)
    call_command("send_supplier_reminders", "--base-url=http://testserver", "--days-before=7", verbosity=0)
    assert len(mail.outbox) == 1  # run again: nothing new

    after = (today + dt.timedelta(days=10)).isoformat()
    call_command("send_supplier_reminders", "--base-url=http://testserver", f"--today={after}", verbosity=0)
    call_command("send_supplier_reminders", "--base-url=http://testserver", f"--today={after}", verbosity=0)
    assert len(mail.outbox) == 2
    assert set(ReminderSent.objects.values_list("request_id", "kind")) == {(early.pk, "before"), (early.pk, "after")}
    with translation.override("nl"):
        assert "Herinnering" in mail.outbox[0].subject or "Reminder" in mail.outbox[0].subject
    assert later.reminders.count() == 0


def test_reminders_need_the_address_of_the_links(world: World) -> None:
    with pytest.raises(CommandError):
        call_command("send_supplier_reminders", "--base-url=", verbosity=0)


def test_the_task_list_shows_answers_to_verify_and_overdue_requests(world: World) -> None:
    request, link = send(world.manager_a, world.contract_a)
    answers = {f"answer-{a.pk}-quantity": "1" for a in request.answers.all()}
    Client().post(link, {"action": "submit", **answers})
    overdue, _link = send(world.manager_a, world.contract_a2)
    ReportingRequest.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))

    keys = {task.key: task.count for task in tasks_for(world.manager_a, world.org_a)}

    assert keys["supplier-answers"] == 1
    assert keys["supplier-overdue"] == 1
    assert "supplier-answers" not in {task.key for task in tasks_for(world.reader_a, world.org_a)}


def test_burden_per_organisation_and_nationally_under_disclosure_control(world: World, settings: Any) -> None:
    request, link = send(world.manager_a, world.contract_a)
    answers = {f"answer-{a.pk}-quantity": "1" for a in request.answers.all()}
    Client().post(link, {"action": "submit", **answers})
    send(world.manager_a, world.contract_a2)
    send(world.manager_b, world.contract_b)

    own = burden.for_organisation(world.org_a)
    assert (own.requests, own.questions, own.suppliers, own.answered, own.due, own.on_time) == (2, 3, 1, 1, 1, 1)
    assert own.questions_per_request == pytest.approx(1.5)
    assert own.on_time_percent == 100

    settings.MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS = 5
    hidden = burden.national()
    assert hidden.requests is None  # two organisations: below the threshold
    assert hidden.questions_per_request is None
    settings.MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS = 1
    settings.MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT = 100
    shown = burden.national()
    assert shown.requests == 3
    assert shown.questions == 4

    for user, url in ((world.manager_a, "/supplier/burden/"), (world.reader_a, "/supplier/burden/national/")):
        assert _client(user).get(url).status_code == 200
    national_analyst = UserFactory(national_analyst=True)
    assert _client(national_analyst).get("/supplier/burden/national/").status_code == 200


def test_the_request_list_offers_the_organisations_contracts_to_ask(world: World) -> None:
    manager = _client(world.manager_a)
    page = manager.get("/supplier/requests/").content.decode()
    assert f'value="{world.contract_a.pk}"' in page
    assert f'value="{world.contract_b.pk}"' not in page
    assert f'value="{world.contract_a.pk}"' not in _client(world.reader_a).get("/supplier/requests/").content.decode()

    chosen = manager.get("/supplier/requests/new/", {"contract": world.contract_a.pk})
    assert chosen["Location"] == f"/supplier/contracts/{world.contract_a.pk}/request/"
    assert manager.get("/supplier/requests/new/", {"contract": "x"})["Location"] == "/supplier/requests/"
