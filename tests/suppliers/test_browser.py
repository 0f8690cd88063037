"""A supplier with three contracts at two organisations answers every request in a real browser, without an account,
and enters its certificate once: WCAG 2.1 AA with axe-core and no CSP violation on every supplier page, in Dutch and
English; then the buyers see the answers and the certificate."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from mvimonitor.suppliers.models import AccessToken, Certificate, ReportingRequest, RequestStatus, TokenPurpose
from tests.browser.test_accessibility import _axe_violations, _csp_messages, _log_in, _readable

from .conftest import World, link_in, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page: Any, what: str) -> None:
    violations = _axe_violations(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {what}:\n{_readable(violations)}"
    assert _csp_messages(page) == [], f"CSP violations on {what}: {_csp_messages(page)}"


def _go(page: Any, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == status, f"{url} answered {response.status}"
    _check(page, url)


def test_a_supplier_answers_three_requests_of_two_buyers_and_shares_a_certificate_once(
    page: Any,
    live_server: Any,
    world: World,
) -> None:
    requests = [send(world.manager_a, world.contract_a)[0], send(world.manager_a, world.contract_a2)[0]]
    request_b, request_link = send(world.manager_b, world.contract_b)
    requests.append(request_b)
    base = live_server.url

    # the overview link, asked for by KvK number, arrives at the registered address
    _go(page, base + "/supplier/o/")
    page.fill("#id_kvk_number", "12345678")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    _check(page, "the overview-link page after sending")
    overview = base + link_in(mail.outbox[-1].body.replace(live_server.url, "http://testserver"))
    _go(page, overview)
    main = page.inner_text("main")
    for title in ("Schoonmaak stadhuis", "Schoonmaak scholen", "Schoonmaak gemalen", "Gemeente A", "Waterschap B"):
        assert title in main
    assert "Groenonderhoud" not in main

    # the certificate, once
    page.click("main a[href$='company/']")
    page.wait_for_load_state()
    _check(page, "the company facts page")
    page.select_option("#id_certificate-standard", "iso_14001")
    page.fill("#id_certificate-valid_from", "2025-01-01")
    page.fill("#id_certificate-valid_until", "2027-12-31")
    page.click("form:has(input[name=action][value=certificate]) button[type=submit]")
    page.wait_for_load_state()
    _check(page, "the company facts page with a certificate")
    assert "ISO 14001" in page.inner_text("main")

    # every request, from the overview
    for number, request in enumerate(requests):
        _go(page, f"{overview}r/{request.pk}/")
        for answer in request.answers.all():
            page.fill(f"#id_answer-{answer.pk}-quantity", str(800 + number))
        assert "ISO 14001" in page.inner_text("main")
        page.click("button[value=submit]")
        page.wait_for_load_state()
        _check(page, f"the receipt of request {request.pk}")
        assert page.locator("#mvim-receipt").count() == 1

    _go(page, overview)
    assert page.locator("#mvim-open-requests").count() == 0
    assert set(ReportingRequest.objects.values_list("status", flat=True)) == {RequestStatus.SUBMITTED}
    assert Certificate.objects.count() == 1

    # the pages in English, the request link itself, and an unknown link
    _go(page, base + "/en" + request_link)
    assert page.evaluate("document.documentElement.lang") == "en"
    _go(page, base + "/en" + request_link + "company/")
    _go(page, base + "/supplier/r/unknown-link/", status=404)
    AccessToken.objects.filter(purpose=TokenPurpose.OVERVIEW).update(expires_at=timezone.now())
    _go(page, overview, status=410)

    # the buyer of B sees the answer and the certificate entered at the overview
    _log_in(page, live_server, world.colleague_b)
    _go(page, f"{base}/supplier/requests/{request_b.pk}/")
    assert "ISO 14001" in page.inner_text("main")
    _go(page, f"{base}/supplier/requests/")
    _go(page, f"{base}/supplier/contracts/{world.contract_b.pk}/request/")
    _go(page, f"{base}/supplier/burden/")
    _go(page, f"{base}/supplier/burden/national/")
    assert Client().get(request_link).status_code == 200
