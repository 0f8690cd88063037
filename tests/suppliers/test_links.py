"""The supplier's links as a public form: isolation, no enumeration, expiry, revocation, rate limits, CSRF, CSP and
the access log."""

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from mvimonitor.suppliers import services
from mvimonitor.suppliers.models import AccessLog, AccessToken, Answer, ReportingRequest, TokenPurpose
from mvimonitor.suppliers.tokens import issue

from .conftest import World, link_in, send


def _body(response: Any) -> str:
    return str(response.content.decode())


def _page(response: Any, url: str) -> str:
    """The page without what differs per request anyway: its own address and the masked CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", _body(response).replace(url, ""))


def test_a_link_sees_only_its_own_request(world: World, client: Client) -> None:
    _request_a, link_a = send(world.manager_a, world.contract_a)
    request_b, _link_b = send(world.manager_b, world.contract_b)

    page = _body(client.get(link_a))
    assert "Schoonmaak stadhuis" in page
    assert "Schoonmaak gemalen" not in page
    assert "Groene stroom gemalen" not in page

    answer_b = request_b.answers.get()
    response = client.post(link_a, {"action": "save", f"answer-{answer_b.pk}-quantity": "5"})
    assert Answer.objects.get(pk=answer_b.pk).quantity is None  # fields of another request are ignored
    assert response.status_code == 302
    # the request link cannot reach another request through the overview's address either
    assert client.get(f"/supplier/o/{link_a.split('/')[3]}/r/{request_b.pk}/").status_code == 404


def test_unknown_revoked_and_wrong_purpose_links_answer_the_same_404(world: World, client: Client) -> None:
    revoked_request, revoked = send(world.manager_a, world.contract_a)
    services.request_revoke(user=world.manager_a, request=revoked_request)
    _request, good = send(world.manager_a, world.contract_a2)
    wrong_purpose = good.replace("/supplier/r/", "/supplier/o/")
    unknown = "/supplier/r/" + "A" * 43 + "/"

    answers = [client.get(url) for url in (unknown, revoked, wrong_purpose)]

    assert [a.status_code for a in answers] == [404, 404, 404]
    bodies = {_page(a, url) for a, url in zip(answers, (unknown, revoked, wrong_purpose), strict=True)}
    assert len(bodies) == 1
    assert client.post(unknown, {"action": "submit"}).status_code == 404


def test_an_expired_link_answers_410(world: World, client: Client) -> None:
    request, link = send(world.manager_a, world.contract_a)
    AccessToken.objects.filter(request=request).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = client.get(link)

    assert response.status_code == 410
    assert client.post(link, {"action": "submit"}).status_code == 410
    assert AccessLog.objects.filter(what="request:expired", status=410).count() == 2


def test_links_are_rate_limited_per_link_and_per_address(world: World, settings: Any) -> None:
    settings.MVIMONITOR_SUPPLIER_RATE_PER_LINK = 3
    settings.MVIMONITOR_SUPPLIER_RATE_PER_ADDRESS = 5
    _request, link = send(world.manager_a, world.contract_a)
    _request2, link2 = send(world.manager_a, world.contract_a2)
    one = Client(REMOTE_ADDR="192.0.2.1")
    other = Client(REMOTE_ADDR="192.0.2.2")

    assert [one.get(link).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert other.get(link).status_code == 429  # the link's allowance is spent, whatever the address
    assert other.get(link2).status_code == 200
    # guessing costs the address its allowance too
    statuses = [one.get(f"/supplier/r/guess{n}/").status_code for n in range(2)]
    assert statuses == [404, 429]
    assert one.get(link2).status_code == 429
    assert AccessLog.objects.filter(status=429).exists()


def test_the_forms_need_a_csrf_token(world: World) -> None:
    request, link = send(world.manager_a, world.contract_a)
    strict = Client(enforce_csrf_checks=True)
    answer = request.answers.first()
    assert answer is not None

    response = strict.post(link, {"action": "save", f"answer-{answer.pk}-quantity": "1"})

    assert response.status_code == 403
    assert Answer.objects.get(pk=answer.pk).quantity is None


def test_pages_carry_a_strict_csp_no_inline_code_and_are_not_cached(world: World, client: Client) -> None:
    _request, link = send(world.manager_a, world.contract_a)

    response = client.get(link)

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    body = _body(response)
    assert "<script>" not in body
    assert "style=" not in body
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_every_access_is_logged_without_personal_data(world: World, client: Client) -> None:
    request, link = send(world.manager_a, world.contract_a)
    client.get(link, REMOTE_ADDR="198.51.100.7")
    client.get("/supplier/r/nope/", REMOTE_ADDR="198.51.100.7")

    token = AccessToken.objects.get(request=request)
    logged = list(AccessLog.objects.order_by("pk").values("token_id_used", "what", "status", "ip_hash"))
    assert [(row["token_id_used"], row["what"], row["status"]) for row in logged] == [
        (token.pk, "request:GET", 200),
        (None, "request:unknown", 404),
    ]
    assert all("198.51.100.7" not in row["ip_hash"] for row in logged)
    assert len({row["ip_hash"] for row in logged}) == 1


def test_the_overview_shows_every_open_request_of_the_supplier_from_every_buyer(world: World, client: Client) -> None:
    send(world.manager_a, world.contract_a)
    send(world.manager_a, world.contract_a2)
    request_b, _link = send(world.manager_b, world.contract_b)
    send(world.manager_a, world.other_contract)  # another supplier

    services.overview_link_send(kvk_number="12345678", base_url="http://testserver/")
    overview = link_in(mail.outbox[-1].body)
    assert mail.outbox[-1].to == ["rapportage@schoon.example"]
    page = _body(client.get(overview))

    for title in ("Schoonmaak stadhuis", "Schoonmaak scholen", "Schoonmaak gemalen", "Gemeente A", "Waterschap B"):
        assert title in page
    assert "Groenonderhoud" not in page
    assert client.get(f"{overview}r/{request_b.pk}/").status_code == 200
    other = ReportingRequest.objects.get(contract=world.other_contract)
    assert client.get(f"{overview}r/{other.pk}/").status_code == 404


def test_asking_for_an_overview_link_says_the_same_whether_or_not_the_kvk_is_known(
    world: World, client: Client
) -> None:
    send(world.manager_a, world.contract_a)
    before = len(mail.outbox)

    known = client.post("/supplier/o/", {"kvk_number": "12345678"}, follow=True)
    unknown = client.post("/supplier/o/", {"kvk_number": "11111111"}, follow=True)

    assert len(mail.outbox) == before + 1
    assert _page(known, "12345678") == _page(unknown, "11111111")


def test_company_facts_are_answered_once_and_shown_with_every_request(world: World, client: Client) -> None:
    _r1, link_a = send(world.manager_a, world.contract_a)
    request_b, link_b = send(world.manager_b, world.contract_b)

    response = client.post(
        link_a + "company/",
        {"action": "certificate", "certificate-standard": "iso_14001", "certificate-valid_from": "2025-01-01",
         "certificate-valid_until": "2027-12-31"},
    )  # fmt: skip
    assert response.status_code == 302
    client.post(
        link_a + "company/",
        {"action": "facts", "facts-co2_ladder_level": "3", "facts-co2_ladder_valid_until": "2027-06-30",
         "facts-pso_level": ""},
    )  # fmt: skip

    assert "ISO 14001" in _body(client.get(link_b))
    buyer = Client()
    buyer.force_login(world.manager_b)
    page = _body(buyer.get(f"/supplier/requests/{request_b.pk}/"))
    assert "ISO 14001" in page
    assert "2027-12-31" in page or "31 december 2027" in page


@pytest.mark.parametrize("facts", [{"facts-co2_ladder_level": "3", "facts-co2_ladder_valid_until": ""}])
def test_a_certified_level_needs_its_validity(world: World, client: Client, facts: dict[str, str]) -> None:
    _r, link = send(world.manager_a, world.contract_a)
    response = client.post(link + "company/", {"action": "facts", **facts})
    assert response.status_code == 400
    assert ReportingRequest.objects.get().supplier.co2_ladder_level == ""


def test_a_token_for_the_overview_is_stored_as_a_hash_with_its_purpose(world: World) -> None:
    request, _link = send(world.manager_a, world.contract_a)
    raw = issue(
        purpose=TokenPurpose.OVERVIEW, expires_at=timezone.now() + dt.timedelta(days=1), supplier=request.supplier
    )
    assert not AccessToken.objects.filter(token_hash__contains=raw).exists()
