"""Indicators beyond CO2: values per unit loaded per factor set, a figure per commitment and indicator, and the
figures on the organisation page, per year and nationally (not calculable, never 0, where nothing is known).

The values below are TEST values (no source): MVI Monitor ships none. 1,000 litres of E85 are promised against the
reference benzine-e95-nl (set "Test values" 1); 600 litres are delivered and verified. Per litre:

    indicator      benzine-e95-nl   bio-ethanol-e85   ex ante = 1,000 × (ref − E85)     ex post = 600 × (ref − E85)
    nox (kg)       0.010            0.004             6                                 3.6
    pm10 (kg)      0.0005           0.0002            0.3                               0.18
    pm25 (kg)      0.0004           0.00015           0.25                              0.15
    rawMaterials   0.00075 t        0.0009 t          −0.15 t (more raw material)       −0.09 t
    water (m3)     0.002            0.05              −48                               −28.8
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from mvimonitor.effects import selectors, services
from mvimonitor.effects.figures import FIGURES, INDICATOR_FIGURES
from mvimonitor.effects.indicators import EXTRA_INDICATORS
from mvimonitor.effects.models import (
    Commitment,
    EffectCalculation,
    EmissionFactorSet,
    IndicatorFactor,
    IndicatorFigure,
)
from mvimonitor.effects.option_loaders import indicator_factors_load
from mvimonitor.reference import ReferenceDataError
from mvimonitor.themes.models import Theme
from tests.factories import api_key

from .conftest import Side

VALUES = {
    "nox": ("0.010", "0.004"),
    "pm10": ("0.0005", "0.0002"),
    "pm25": ("0.0004", "0.00015"),
    "rawMaterials": ("0.00075", "0.0009"),
    "water": ("0.002", "0.05"),
}
EXPECTED = {  # (ex ante, ex post), worked out in the module docstring
    "nox": (Decimal("6"), Decimal("3.6")),
    "pm10": (Decimal("0.3"), Decimal("0.18")),
    "pm25": (Decimal("0.25"), Decimal("0.15")),
    "rawMaterials": (Decimal("-0.15"), Decimal("-0.09")),
    "water": (Decimal("-48"), Decimal("-28.8")),
}
HEADER = "factor_code,indicator,value,unit,source,source_year\n"


def _csv(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "indicators.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _all_values(tmp_path: Path) -> Path:
    lines = []
    for code, (reference, e85) in VALUES.items():
        lines.append(f"benzine-e95-nl,{code},{reference},litre,Test value,2024")
        lines.append(f"bio-ethanol-e85,{code},{e85},litre,Test value,2024")
    return _csv(tmp_path, lines)


@pytest.fixture
def e85(side_a: Side) -> Commitment:
    """1,000 litres E85 against benzine-e95-nl, 600 litres verified."""
    commitment = services.commitment_create(
        user=side_a.manager, contract=side_a.contract, theme=Theme.objects.get(code="klimaat"), kind="fuel",
        description="E85", quantity=Decimal(1000), unit="litre", factor_code="bio-ethanol-e85",
        reference_factor_code="benzine-e95-nl",
    )  # fmt: skip
    realisation = services.realisation_submit(
        user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31), quantity=Decimal(600),
    )  # fmt: skip
    services.realisation_review(user=side_a.manager, realisation=realisation, status="verified")
    return commitment


def test_the_code_list_names_each_indicator_with_unit_and_figure_keys() -> None:
    assert [(i.code, i.unit) for i in EXTRA_INDICATORS] == [
        ("nox", "kg"), ("pm10", "kg"), ("pm25", "kg"), ("rawMaterials", "t"), ("water", "m3")]  # fmt: skip
    keys = [key for key, *_rest in FIGURES]
    for indicator in EXTRA_INDICATORS:
        assert f"{indicator.code}ExAnte" in keys
        assert f"{indicator.code}ExPost" in keys
    assert INDICATOR_FIGURES["waterExPost"] == ("water", "ex_post")


def test_each_indicator_is_computed_against_the_reference(
    side_a: Side, e85: Commitment, test_set: EmissionFactorSet, tmp_path: Path
) -> None:
    before = EffectCalculation.objects.current().get(commitment=e85)
    assert not before.indicator_figures.exists()  # no values yet: no figures

    result = indicator_factors_load(_all_values(tmp_path), test_set)

    assert result.created == 10
    effect = EffectCalculation.objects.current().get(commitment=e85)
    assert effect.pk != before.pk  # the new values recalculate; the earlier calculation is kept
    figures = {f.indicator: f for f in effect.indicator_figures.all()}
    assert set(figures) == set(EXPECTED)
    for code, (ex_ante, ex_post) in EXPECTED.items():
        assert (figures[code].ex_ante, figures[code].ex_post) == (ex_ante, ex_post), code
        assert figures[code].calculable is True
        assert figures[code].organisation_id == side_a.organisation.pk
    assert figures["rawMaterials"].unit == "t"
    assert figures["nox"].reference == Decimal("10")  # 1,000 × 0.010 kg
    assert effect.factors_used["benzine-e95-nl"]["indicators"]["nox"] == "0.010000000"
    assert effect.ex_ante_kg == Decimal("1657.000")  # CO2 unchanged: 1,000 × (2.74 − 1.083)


def test_a_missing_value_for_one_option_is_not_calculable_never_zero(
    e85: Commitment, test_set: EmissionFactorSet, tmp_path: Path
) -> None:
    indicator_factors_load(_csv(tmp_path, ["bio-ethanol-e85,water,0.05,litre,Test value,2024"]), test_set)

    figure = IndicatorFigure.objects.get(calculation__is_current=True, commitment=e85)

    assert (figure.indicator, figure.calculable, figure.problem_code) == ("water", False, "no_factor")
    assert (figure.ex_ante, figure.ex_post) == (None, None)


def test_the_organisation_page_the_years_and_the_national_figures_take_the_indicators(
    side_a: Side, e85: Commitment, test_set: EmissionFactorSet, tmp_path: Path
) -> None:
    indicator_factors_load(_all_values(tmp_path), test_set)

    summary = selectors.organisation_summary(side_a.organisation, draws=50)

    figures = {figure.key: figure for figure in summary.figures}
    assert figures["noxExAnte"].value == pytest.approx(6.0)
    assert figures["waterExPost"].value == pytest.approx(-28.8)
    assert (figures["noxExAnte"].calculable, figures["noxExAnte"].unit) == (1, "kg")
    # per year: the contract period 2024-01-01 – 2025-12-31 has 366 + 365 = 731 days; 2024 gets 6 × 366 / 731 kg
    column = summary.period_keys.index("noxExAnte")
    year_2024 = next(row for row in summary.periods if row.label == "2024")
    assert year_2024.cells[column].value == pytest.approx(6 * 366 / 731)
    national = {figure.key: figure for figure in selectors.national_summary(draws=50).figures}
    assert national["noxExAnte"].value != 0.0  # one organisation: withheld (None) by disclosure control, never 0


def test_an_indicator_without_values_anywhere_is_not_calculable(side_a: Side, e85: Commitment) -> None:
    organisation = {figure.key: figure for figure in selectors.organisation_summary(side_a.organisation).figures}
    national = {figure.key: figure for figure in selectors.national_summary(draws=50).figures}

    for key in INDICATOR_FIGURES:
        assert (organisation[key].value, organisation[key].calculable) == (None, 0)
        assert national[key].value is None
        assert "Not calculable" in national[key].note


def test_the_loader_checks_item_unit_and_indicator_and_keeps_stored_values(
    e85: Commitment, test_set: EmissionFactorSet, tmp_path: Path
) -> None:
    with pytest.raises(ReferenceDataError, match="field “indicator”"):
        indicator_factors_load(_csv(tmp_path, ["benzine-e95-nl,so2,1,litre,Test value,2024"]), test_set)
    with pytest.raises(ReferenceDataError, match="has no item"):
        indicator_factors_load(_csv(tmp_path, ["no-such-item,nox,1,litre,Test value,2024"]), test_set)
    with pytest.raises(ReferenceDataError, match="counted per litre"):
        indicator_factors_load(_csv(tmp_path, ["benzine-e95-nl,nox,1,vkm,Test value,2024"]), test_set)
    with pytest.raises(ReferenceDataError, match="field “source”"):
        indicator_factors_load(_csv(tmp_path, ["benzine-e95-nl,nox,1,litre,,2024"]), test_set)
    call_command(
        "load_indicator_factors", str(_csv(tmp_path, ["benzine-e95-nl,nox,0.010,litre,Test value,2024"])),
        "--set", "Test values", "--set-version", "1", verbosity=0,
    )  # fmt: skip

    # the set is published: a stored value does not change, a correction is a new version of the set
    with pytest.raises(ReferenceDataError, match="Publish a correction"):
        indicator_factors_load(_csv(tmp_path, ["benzine-e95-nl,nox,0.020,litre,Test value,2024"]), test_set)
    assert IndicatorFactor.objects.get().value == Decimal("0.010")


def test_the_api_gives_each_indicator_figure(
    side_a: Side, e85: Commitment, test_set: EmissionFactorSet, tmp_path: Path
) -> None:
    indicator_factors_load(_all_values(tmp_path), test_set)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(side_a.reader)}")

    body = client.get(f"/api/v1/commitments/{e85.pk}/effect").json()

    figures = {figure["indicator"]: figure for figure in body["current"]["indicators"]}
    assert Decimal(figures["nox"]["exAnte"]) == Decimal("6")
    assert Decimal(figures["water"]["exPost"]) == Decimal("-28.8")
    assert body["history"][0]["indicators"] == []  # the calculation before the values were loaded


def test_process_indicators_count_applications_and_say_there_is_no_effect_method(side_a: Side) -> None:
    from mvimonitor.tenders.models import MVIApplication
    from mvimonitor.themes.models import ApplicationForm

    form = ApplicationForm.objects.first()
    assert form is not None
    MVIApplication.objects.create(lot=side_a.contract.lot, theme=Theme.objects.get(code="keten"), form=form)

    process = {item.theme: item for item in selectors.process_indicators(side_a.organisation.pk)}

    assert (process["keten"].contracts, process["keten"].of_contracts) == (1, 1)
    assert process["d_i"].contracts == 0
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(side_a.reader, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("effects:dashboard")).content.decode()
    assert "applied in 1 of 1 contracts (process indicator, no effect method)" in page
