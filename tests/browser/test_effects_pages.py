"""The contract and effect pages in a real browser: WCAG 2.1 AA with axe-core, no CSP violations, in Dutch and
English. Reuses the fixtures of conftest.py and the helpers of test_accessibility.py."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from mvimonitor.effects import recalculation, services
from mvimonitor.effects.models import BuildingBlockTable, SocialReturnPolicy
from mvimonitor.organisations.models import Role, User
from mvimonitor.themes.models import Theme
from tests import snapshots
from tests.factories import ContractFactory, LotFactory, MembershipFactory, OrganisationFactory, TenderFactory

from .test_accessibility import _axe_violations, _csp_messages, _log_in, _readable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Data:
    user: User
    ids: dict[str, int]


@pytest.fixture
def data(settings: Any, tmp_path: Path) -> Data:
    settings.MVIMONITOR_PRIVATE_MEDIA_ROOT = str(tmp_path)
    snapshots.effects_reference()
    organisation = OrganisationFactory(name="Gemeente Voorbeeld")
    user = MembershipFactory(user__username="contractbeheer", organisation=organisation, role=Role.BEHEERDER).user
    contract = ContractFactory(
        lot=LotFactory(tender=TenderFactory(organisation=organisation)),
        value=Decimal(500000),
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2025, 12, 31),
    )
    electricity = services.commitment_create(
        user=user, contract=contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
        description="Groene stroom", quantity=Decimal(100000), unit="kWh",
        factor_code="green-power-government-average", reference_description="Netstroom",
        reference_factor_code="electricity-nl-mix-2021",
    )  # fmt: skip
    services.realisation_submit(
        user=user, commitment=electricity, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
        quantity=Decimal(90000), evidence=[SimpleUploadedFile("facturen.pdf", b"%PDF-1.4")],
    )  # fmt: skip
    social = services.commitment_create(
        user=user, contract=contract, theme=Theme.objects.get(code="sroi"), kind="social_return",
        description="Social return", unit="EUR",
        social_return_policy=SocialReturnPolicy.objects.get(code="sudwest-fryslan-2023"),
        block_table=BuildingBlockTable.objects.get(code="haaglanden-zhc"),
    )  # fmt: skip
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))
    return Data(user, {"contract": contract.pk, "electricity": electricity.pk, "social": social.pk})


PAGES: list[tuple[str, Callable[[Data], str]]] = [
    ("contract-list", lambda d: reverse("effects:contract-list")),
    ("contract-create", lambda d: reverse("effects:contract-create")),
    ("contract-detail", lambda d: reverse("effects:contract-detail", args=[d.ids["contract"]])),
    ("contract-edit", lambda d: reverse("effects:contract-edit", args=[d.ids["contract"]])),
    ("commitment-create", lambda d: reverse("effects:commitment-create", args=[d.ids["contract"]])),
    ("commitment-edit", lambda d: reverse("effects:commitment-edit", args=[d.ids["electricity"]])),
    ("realisation-create", lambda d: reverse("effects:realisation-create", args=[d.ids["electricity"]])),
    ("realisation-create-social", lambda d: reverse("effects:realisation-create", args=[d.ids["social"]])),
    ("dashboard", lambda d: reverse("effects:dashboard")),
    ("national", lambda d: reverse("effects:national")),
    ("national-rivm", lambda d: reverse("effects:national-rivm")),
    ("factor-sets", lambda d: reverse("effects:factor-sets")),
]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(("name", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_effects_page_is_accessible_and_csp_clean(
    page: Any, live_server: Any, data: Data, name: str, url: Callable[[Data], str], language: str
) -> None:
    _log_in(page, live_server, data.user)
    with translation.override(language):
        path = url(data)
    if language == "en" and not path.startswith("/en/"):
        path = f"/en{path}"

    response = page.goto(live_server.url + path)

    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    assert page.evaluate("document.documentElement.lang") == language
    violations = _axe_violations(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {path}:\n{_readable(violations)}"
    assert _csp_messages(page) == [], f"CSP violations on {path}: {_csp_messages(page)}"


def test_form_errors_are_announced(page: Any, live_server: Any, data: Data) -> None:
    _log_in(page, live_server, data.user)
    page.goto(live_server.url + reverse("effects:realisation-create", args=[data.ids["electricity"]]))

    page.fill("#id_period_start", "2030-01-01")
    page.fill("#id_period_end", "2030-02-01")
    page.fill("#id_quantity", "5")
    page.click("main button[type=submit]")
    page.wait_for_load_state()

    assert "2030-01-01" in page.inner_text("main")
    assert _axe_violations(page) == []
