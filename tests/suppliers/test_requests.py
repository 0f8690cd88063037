"""Sending, answering, verifying and returning a reporting request, through the services and the supplier's pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from mvimonitor.effects.models import EffectCalculation, EvidenceFile, Realisation, RealisationStatus
from mvimonitor.suppliers import services
from mvimonitor.suppliers.models import AccessToken, Answer, ReportingRequest, RequestStatus
from mvimonitor.suppliers.tokens import token_hash

from .conftest import World, link_in, send


def _answer_all(client: Client, link: str, request: ReportingRequest, action: str, **extra: object) -> object:
    data: dict[str, object] = {"action": action}
    for n, answer in enumerate(request.answers.order_by("pk")):
        data[f"answer-{answer.pk}-quantity"] = str(900 + n)
    data.update(extra)
    return client.post(link, data)


def test_a_request_asks_exactly_the_contracts_commitments_and_mails_a_hashed_link(world: World) -> None:
    request, link = send(world.manager_a, world.contract_a)

    assert sorted(request.answers.values_list("commitment__description", flat=True)) == [
        "Elektrische bussen",
        "Groene stroom",
    ]
    message = mail.outbox[-1]
    assert message.to == ["rapportage@schoon.example"]
    raw = link.rstrip("/").rsplit("/", 1)[1]
    token = AccessToken.objects.get(request=request)
    assert token.token_hash == token_hash(raw)
    assert raw not in token.token_hash
    assert not AccessToken.objects.filter(token_hash=raw).exists()
    assert request.supplier.kvk_number == "12345678"


def test_only_a_contract_manager_of_the_contracts_organisation_may_send(world: World) -> None:
    with pytest.raises(PermissionDenied):
        send(world.reader_a, world.contract_a)
    with pytest.raises(PermissionDenied):
        send(world.manager_b, world.contract_a)
    assert not ReportingRequest.objects.exists()
    assert mail.outbox == []


def test_a_bad_request_is_refused_with_the_field_named_and_nothing_written(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        send(world.manager_a, world.contract_a, period_start=dt.date(2020, 1, 1))
    assert "period_start" in refused.value.error_dict
    world.contract_a.supplier_kvk_number = ""
    world.contract_a.save()
    with pytest.raises(ValidationError) as refused:
        send(world.manager_a, world.contract_a)
    assert "contract" in refused.value.error_dict
    assert not ReportingRequest.objects.exists()
    assert not AccessToken.objects.exists()


def test_the_supplier_form_works_logged_out_shows_the_promise_and_saves_a_draft(world: World, client: Client) -> None:
    request, link = send(world.manager_a, world.contract_a)

    page = client.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Groene stroom" in body
    assert "1000" in body
    assert "Groenonderhoud" not in body
    assert page["Cache-Control"].startswith("private") or "no-store" in page["Cache-Control"]

    saved = _answer_all(client, link, request, "save")
    assert saved.status_code == 302
    assert sorted(Answer.objects.filter(request=request).values_list("quantity", flat=True)) == [900, 901]
    assert not Realisation.objects.exists()  # a draft is not in the record
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert request.saved_at is not None


def test_submitted_values_change_no_figure_until_a_buyer_verifies(world: World, client: Client) -> None:
    request, link = send(world.manager_a, world.contract_a)
    evidence = SimpleUploadedFile("meterstanden.pdf", b"%PDF-1.4 test")
    first = request.answers.order_by("pk").first()
    assert first is not None

    response = _answer_all(client, link, request, "submit", **{f"answer-{first.pk}-evidence": evidence})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    realisations = Realisation.objects.filter(commitment__contract=world.contract_a)
    assert {r.status for r in realisations} == {RealisationStatus.SUBMITTED}
    assert EvidenceFile.objects.filter(realisation__in=realisations, original_name="meterstanden.pdf").exists()
    current = EffectCalculation.objects.current().filter(commitment__contract=world.contract_a)
    assert {c.delivered_verified for c in current} == {None}
    receipt = client.get(link)
    assert receipt.status_code == 200
    with translation.override("en"):
        assert "Receipt" in client.get("/en" + link).content.decode()

    services.request_verify(user=world.manager_a, request=request)

    assert {r.status for r in realisations.all()} == {RealisationStatus.VERIFIED}
    current = EffectCalculation.objects.current().filter(commitment__contract=world.contract_a)
    assert sorted(c.delivered_verified for c in current) == [Decimal(900), Decimal(901)]


def test_a_submitted_request_can_no_longer_be_changed_by_the_link(world: World, client: Client) -> None:
    request, link = send(world.manager_a, world.contract_a)
    _answer_all(client, link, request, "submit")
    _answer_all(client, link, request, "save")
    assert sorted(Answer.objects.filter(request=request).values_list("quantity", flat=True)) == [900, 901]


def test_submit_refuses_unanswered_questions_but_keeps_the_draft(world: World, client: Client) -> None:
    request, link = send(world.manager_a, world.contract_a)
    first = request.answers.order_by("pk").first()
    assert first is not None

    response = client.post(link, {"action": "submit", f"answer-{first.pk}-quantity": "5"})

    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert Answer.objects.get(pk=first.pk).quantity == 5
    assert not Realisation.objects.exists()


def test_four_eyes_the_sender_may_not_verify_a_colleague_may(world: World, client: Client) -> None:
    request, link = send(world.manager_b, world.contract_b)
    _answer_all(client, link, request, "submit")

    with pytest.raises(ValidationError):
        services.request_verify(user=world.manager_b, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED

    services.request_verify(user=world.colleague_b, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.VERIFIED


def test_a_returned_answer_goes_back_to_the_supplier_with_the_reason(world: World, client: Client) -> None:
    request, link = send(world.manager_a, world.contract_a)
    _answer_all(client, link, request, "submit")

    with pytest.raises(ValidationError):
        services.request_return(user=world.manager_a, request=request, reason=" ", base_url="http://testserver/")
    services.request_return(
        user=world.manager_a, request=request, reason="Meterstanden ontbreken", base_url="http://testserver/"
    )

    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED
    assert "Meterstanden ontbreken" in mail.outbox[-1].body
    assert set(Realisation.objects.values_list("status", flat=True)) == {RealisationStatus.REJECTED}
    new_link = link_in(mail.outbox[-1].body)
    assert "Meterstanden ontbreken" in client.get(new_link).content.decode()
    assert client.get(link).status_code == 200  # the first link still works until it expires
    _answer_all(client, new_link, request, "submit")
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert Realisation.objects.filter(status=RealisationStatus.SUBMITTED).count() == 2
    assert request.history.count() >= 4  # type: ignore[attr-defined]
    buyer = Client()
    buyer.force_login(world.manager_a)
    detail = buyer.get(f"/supplier/requests/{request.pk}/").content.decode()
    assert "Meterstanden ontbreken" in detail
    assert "Elektrische bussen = 901" in detail


def test_revoking_stops_every_link_of_the_request(world: World, client: Client) -> None:
    request, link = send(world.manager_a, world.contract_a)
    services.request_revoke(user=world.manager_a, request=request)

    assert client.get(link).status_code == 404
    with pytest.raises(ValidationError):
        services.request_revoke(user=world.manager_a, request=request)


def test_a_submission_is_refused_clearly_when_the_sender_may_no_longer_record_deliveries(
    world: World, client: Client
) -> None:
    request, link = send(world.manager_a, world.contract_a)
    world.manager_a.memberships.all().delete()

    response = _answer_all(client, f"/en{link}", request, "submit")

    assert response.status_code == 400
    assert "ask the buyer to send a new one" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert not Realisation.objects.exists()
    assert sorted(Answer.objects.filter(request=request).values_list("quantity", flat=True)) == [900, 901]
