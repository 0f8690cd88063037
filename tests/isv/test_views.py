"""The ISV pages: who sees and changes what (other organisations 404), and the forms through the pages."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mvimonitor.isv.models import DueDiligenceCase, LotRiskCategory
from mvimonitor.organisations.models import User

from .conftest import IsvWorld

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def _pages(world: IsvWorld) -> list[str]:
    return [reverse("isv:lot", args=[world.lot.pk]), reverse("isv:case", args=[world.contract.pk])]


def test_a_reader_sees_the_pages_without_forms(world: IsvWorld, logged_in: Login) -> None:
    client = logged_in(world.lezer)
    lot, case = (client.get(url) for url in _pages(world))
    assert lot.status_code == 200
    assert case.status_code == 200
    assert "Bedrijfskleding" in lot.content.decode()  # the suggestion from the lot's CPV code
    assert reverse("isv:lot-category", args=[world.lot.pk]) not in lot.content.decode()
    assert 'lang="nl"' in lot.content.decode()


def test_another_organisation_gets_404(world: IsvWorld, logged_in: Login) -> None:
    client = logged_in(world.outsider)
    for url in [
        *_pages(world),
        reverse("isv:lot-category", args=[world.lot.pk]),
        reverse("isv:case-open", args=[world.contract.pk]),
    ]:
        response = client.get(url) if not url.endswith(("/category/", "/open/")) else client.post(url, {})
        assert response.status_code == 404, url


def test_a_reader_may_not_change(world: IsvWorld, logged_in: Login) -> None:
    client = logged_in(world.lezer)
    assert client.post(reverse("isv:lot-category", args=[world.lot.pk]), {"category": "none"}).status_code == 403
    assert client.post(reverse("isv:case-open", args=[world.contract.pk])).status_code == 403


def test_the_buyer_confirms_the_category_and_records_the_form(world: IsvWorld, logged_in: Login) -> None:
    client = logged_in(world.inkoper)
    url = reverse("isv:lot-category", args=[world.lot.pk])
    refused = client.post(url, {"category": str(world.lists.clothing_new.pk)})
    assert refused.status_code == 400
    response = client.post(url, {"category": str(world.lists.clothing.pk), "note": ""})
    assert response.status_code == 302
    assert LotRiskCategory.objects.get(lot=world.lot).category == world.lists.clothing
    assert client.post(reverse("isv:lot-form", args=[world.lot.pk]), {"form": "contractbepaling"}).status_code == 302
    with translation.override("en"):
        page = client.get(reverse("isv:lot", args=[world.lot.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="mvim-rule-findings"' in page


def test_the_contract_manager_keeps_the_case(world: IsvWorld, logged_in: Login) -> None:
    client = logged_in(world.contractmanager)
    assert client.post(reverse("isv:case-open", args=[world.contract.pk])).status_code == 302
    case = DueDiligenceCase.objects.get(contract=world.contract)
    base = reverse("isv:case-deliverable", args=[world.contract.pk])
    bad = client.post(base, {"deliverable-kind": "risk_analysis", "deliverable-due_date": "morgen"})
    assert bad.status_code == 400
    ok = client.post(base, {"deliverable-kind": "risk_analysis", "deliverable-due_date": "2020-01-31"})
    assert ok.status_code == 302
    risk = client.post(
        reverse("isv:case-risk", args=[world.contract.pk]),
        {
            "risk-country": "CN",
            "risk-ilo_issue": str(world.issue.pk),
            "risk-description": "Dwangarbeid in de katoenteelt",
            "risk-status": "open",
            "risk-found_on": "2020-02-01",
        },
    )
    assert risk.status_code == 302
    page = client.get(reverse("isv:case", args=[world.contract.pk])).content.decode()
    assert "CN" in page
    assert "mvim-overdue" in page
    overview = client.get(reverse("isv:overview")).content.decode()
    assert reverse("isv:case", args=[world.contract.pk]) in overview
    assert case.deliverables.count() == 1
