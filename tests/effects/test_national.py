"""National figures: a reporter is defined per figure, with diagnostics and figures per year and RIVM period."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mvimonitor.effects import recalculation, selectors, services
from mvimonitor.effects.models import BuildingBlockTable, SocialReturnPolicy
from mvimonitor.themes.models import Theme
from tests.effects.conftest import make_side


@pytest.mark.django_db
def test_an_organisation_with_only_social_return_is_no_co2_reporter(effects_reference: None) -> None:
    """Ten municipalities with equal contract values (€1,000,000, one stratum). Six promise electricity, 24.7 t
    avoided each; two record only social return; two record nothing. CO2 reporters are the six: ratio 6 × 24.7 /
    6,000,000 × 10,000,000 = 247.0 t. Counting the two social-return organisations as CO2 reporters with 0 gave
    6 × 24.7 / 8,000,000 × 10,000,000 = 185.25 t."""
    sides = [make_side(f"Gemeente {i}") for i in range(10)]
    for side in sides[:6]:
        services.commitment_create(
            user=side.manager, contract=side.contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
            description="stroom", quantity=Decimal(100000), unit="kWh", factor_code="green-power-government-average",
            reference_factor_code="electricity-nl-mix-2021",
        )  # fmt: skip
    for side in sides[6:8]:
        services.commitment_create(
            user=side.manager, contract=side.contract, theme=Theme.objects.get(code="sroi"), kind="social_return",
            description="Social return 2%", unit="EUR",
            social_return_policy=SocialReturnPolicy.objects.get(code="sudwest-fryslan-2023"),
            block_table=BuildingBlockTable.objects.get(code="haaglanden-zhc"),
        )  # fmt: skip
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))

    with translation.override("en"):
        summary = selectors.national_summary(draws=200)

    co2 = next(f for f in summary.figures if f.key == "co2ExAnteTonnes")
    assert co2.value == pytest.approx(247.0)
    assert co2.diagnostics.coverage.startswith("6 of 10 organisations report a calculable figure (60%)")
    assert [(s.organisations, s.reporters) for s in co2.diagnostics.strata] == [(10, 6)]
    assert summary.reporting == 8  # organisations with any stored effect
    # per year: the contract runs 2024-01-01 – 2025-12-31 (731 days; 2024 is a leap year)
    column = summary.period_keys.index("co2ExAnteTonnes")
    by_label = {row.label: row.cells[column] for row in summary.periods}
    assert by_label["2024"].value == pytest.approx(247.0 * 366 / 731)
    assert by_label["2025"].value == pytest.approx(247.0 * 365 / 731)
    assert by_label["2023–2024"].value == pytest.approx(by_label["2023"].value + by_label["2024"].value)
    assert by_label["2024"].value + by_label["2025"].value == pytest.approx(co2.value)
    assert by_label["2024"].low <= by_label["2024"].value <= by_label["2024"].high

    with translation.override("en"):
        page = Client()
        page.force_login(sides[0].reader)
        html = page.get(reverse("effects:national")).content.decode()
        csv = page.get(reverse("effects:national") + "?format=csv").content.decode()
    assert "How each national figure was estimated" in html
    assert "RIVM period 2023–2024" in html
    assert "Gemeente 1" not in html
    assert "6 of 10 organisations report a calculable figure" in csv
    assert "RIVM period 2025–2026" in csv


@pytest.mark.django_db
def test_national_figures_without_any_organisation_or_effect(effects_reference: None) -> None:
    summary = selectors.national_summary(draws=20)

    assert summary.population == 0
    assert summary.periods == []
    assert all(figure.value is None for figure in summary.figures)  # nothing to show: suppressed


@pytest.mark.django_db
def test_a_kept_promise_reports_a_real_zero_sanction(effects_reference: None) -> None:
    """Ten municipalities (€1,000,000 each). Five missed their promise: 1.5 × €1,000 = €1,500 due each. Three kept
    it (verified delivery ≥ promise): sanction 0, a real 0, so they report the figure. Two have no sanction rule.
    Ratio 5 × 1,500 / 8,000,000 × 10,000,000 = €9,375; counting only those with a sanction due would give €15,000."""
    sides = [make_side(f"Gemeente {i}") for i in range(10)]
    for index, side in enumerate(sides[:8]):
        commitment = services.commitment_create(
            user=side.manager, contract=side.contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
            description="stroom", quantity=Decimal(100000), unit="kWh", factor_code="green-power-government-average",
            reference_factor_code="electricity-nl-mix-2021", award_advantage=Decimal(1000),
            sanction_multiple=Decimal("1.5"),
        )  # fmt: skip
        if index >= 5:
            realisation = services.realisation_submit(
                user=side.manager, commitment=commitment, period_start=dt.date(2024, 1, 1),
                period_end=dt.date(2025, 12, 31), quantity=Decimal(100000),
            )  # fmt: skip
            services.realisation_review(user=side.manager, realisation=realisation, status="verified")
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))

    summary = selectors.national_summary(draws=100)

    sanctions = next(f for f in summary.figures if f.key == "sanctionsDue")
    assert sanctions.value == pytest.approx(9375.0)
    assert sanctions.calculable == 5  # the due ones, as the organisation dashboard counts them
    assert "sanctionsDue" not in summary.period_keys
