"""National reference options: chosen by product group and/or kind at the period start, used when a commitment names
no reference, a deviation needs a reason, and a new version recalculates while the old figures keep their labels.

Factor values are those of the test set "Test values" 1 (tests/effects/fixtures/test_factors.json), kg CO2-eq per
litre WTW: benzine-e95-nl 2.74, benzine-e95-eur 2.8, benzine-puur 2.88, bio-ethanol-e85 1.083.
"""

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from mvimonitor.effects import services
from mvimonitor.effects.models import Commitment, EffectCalculation, ReferenceOption
from mvimonitor.effects.option_loaders import SHIPPED_OPTIONS, read_options, reference_options_load
from mvimonitor.effects.reference_options import Option, choose
from mvimonitor.reference import ReferenceDataError
from mvimonitor.themes.models import Theme
from tests.factories import api_key

from .conftest import Side

SOURCE = "Test source, table 1"


def _option(**overrides: Any) -> dict[str, Any]:
    option: dict[str, Any] = {
        "code": "petrol-at-the-pump", "version": 1, "product_group_code": "", "kind": "fuel",
        "valid_from": "2020-01-01", "valid_to": "", "description": "Petrol as sold at the pump",
        "reference_factor_code": "benzine-e95-nl", "quantity_basis": "litre", "source": SOURCE, "source_year": 2020,
        "parameters": [{"name": "energy content", "value": "32.47", "unit": "MJ/litre", "source": SOURCE,
                        "source_year": 2020}],
    }  # fmt: skip
    option.update(overrides)
    return option


def _write(tmp_path: Path, *options: dict[str, Any], name: str = "options.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"options": list(options)}), encoding="utf-8")
    return path


@pytest.fixture
def e85(side_a: Side) -> Callable[..., Commitment]:
    def make(**overrides: object) -> Commitment:
        fields: dict[str, object] = {
            "theme": Theme.objects.get(code="klimaat"), "kind": "fuel", "description": "E85 voor de wagens",
            "quantity": Decimal(1000), "unit": "litre", "factor_code": "bio-ethanol-e85",
        }  # fmt: skip
        fields.update(overrides)
        return services.commitment_create(user=side_a.manager, contract=side_a.contract, **fields)

    return make


def _current(commitment: Commitment) -> EffectCalculation:
    return EffectCalculation.objects.current().get(commitment=commitment)


# --- choosing (pure) -------------------------------------------------------------------------------------------------


def _opt(pk: int, *, group: str = "", kind: str = "", version: int = 1, start: str = "2020-01-01",
         end: str | None = None) -> Option:  # fmt: skip
    return Option(pk, f"o{pk}", version, group, kind, dt.date.fromisoformat(start),
                  dt.date.fromisoformat(end) if end else None, f"f{pk}", "litre", f"o{pk}")  # fmt: skip


def test_the_most_specific_valid_option_is_chosen() -> None:
    by_kind = _opt(1, kind="fuel")
    by_group = _opt(2, group="dienstautos")
    by_both = _opt(3, group="dienstautos", kind="fuel", end="2023-12-31")
    newer = _opt(4, kind="fuel", version=2)
    options = [by_kind, by_group, by_both, newer]
    day = dt.date(2023, 6, 1)

    assert choose(options, "fuel", "dienstautos", day) == by_both  # group and kind before group before kind
    assert choose(options, "fuel", "dienstautos", dt.date(2024, 1, 1)) == by_group  # by_both has ended
    assert choose(options, "fuel", "catering", day) == newer  # kind only: the highest version
    assert choose(options, "electricity", "catering", day) is None
    assert choose(options, "fuel", "", dt.date(2019, 12, 31)) is None  # before every option starts


# --- loading ---------------------------------------------------------------------------------------------------------


def test_the_shipped_options_name_a_source_and_a_factor_of_the_shipped_set() -> None:
    shipped = json.loads((SHIPPED_OPTIONS.parent / "emission_factors.json").read_text(encoding="utf-8"))
    codes = {factor["code"] for spec in shipped["sets"] for factor in spec["factors"]}
    options = read_options(SHIPPED_OPTIONS)

    assert options
    for option in options:
        assert option.values["reference_factor_code"] in codes
        assert option.values["source"].startswith("https://")
        for parameter in option.parameters.values():
            assert parameter["source"].startswith("https://")


def test_loader_refuses_a_row_without_source_and_a_changed_version(side_a: Side, tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="field “source”"):
        reference_options_load(_write(tmp_path, _option(source="")))
    empty = {"name": "x", "value": "", "unit": "l", "source": SOURCE, "source_year": 2020}
    with pytest.raises(ReferenceDataError, match="field “value”"):
        reference_options_load(_write(tmp_path, _option(parameters=[empty])))
    assert reference_options_load(_write(tmp_path, _option())).created == 1
    assert reference_options_load(_write(tmp_path, _option())).unchanged == 1  # idempotent

    with pytest.raises(ReferenceDataError, match="A change is a new version"):
        reference_options_load(_write(tmp_path, _option(reference_factor_code="benzine-puur")))


def test_csv_rows_carry_the_option_and_one_conversion_assumption_each(side_a: Side, tmp_path: Path) -> None:
    header = ("code,version,product_group_code,kind,valid_from,valid_to,description,reference_factor_code,"
              "quantity_basis,source,source_year,parameter_name,parameter_value,parameter_unit,parameter_source,"
              "parameter_source_year")  # fmt: skip
    common = "cars,1,,vehicle_km,2020-01-01,,Petrol car,passenger-car-petrol,vkm,Src A,2020"
    path = tmp_path / "options.csv"
    path.write_text(
        f"{header}\n{common},litres per 100 km,6.5,l/100 km,Src B,2021\n{common},energy use,2.21,MJ/vkm,Src C,2026\n",
        encoding="utf-8",
    )
    call_command("load_reference_options", str(path), verbosity=0)

    option = ReferenceOption.objects.get(code="cars", version=1)
    assert {(p.name, p.value, p.unit, p.source) for p in option.parameters.all()} == {
        ("litres per 100 km", Decimal("6.5"), "l/100 km", "Src B"),
        ("energy use", Decimal("2.21"), "MJ/vkm", "Src C"),
    }


# --- the calculation -------------------------------------------------------------------------------------------------


def test_a_commitment_naming_no_reference_gets_the_national_option(
    e85: Callable[..., Commitment], tmp_path: Path
) -> None:
    reference_options_load(_write(tmp_path, _option()))
    commitment = e85()

    effect = _current(commitment)

    # 1,000 litres E85 against petrol at the pump: 1,000 × (2.74 − 1.083) = 1,657 kg
    assert effect.ex_ante_kg == Decimal("1657.000")
    assert effect.reference_option_id == ReferenceOption.objects.get().pk
    assert effect.reference_option_label == "Petrol as sold at the pump (petrol-at-the-pump v1)"
    assert effect.reference_deviates is False
    assert effect.factors_used["benzine-e95-nl"]["role"] == "reference"


def test_without_an_option_a_commitment_naming_no_reference_stays_not_calculable(
    e85: Callable[..., Commitment],
) -> None:
    effect = _current(e85())

    assert (effect.calculable, effect.problem_code, effect.ex_ante_kg) == (False, "no_reference", None)
    assert effect.reference_option_label == ""


def test_a_deviation_needs_a_reason_which_is_stored_and_shown(
    side_a: Side, e85: Callable[..., Commitment], tmp_path: Path
) -> None:
    reference_options_load(_write(tmp_path, _option()))
    with pytest.raises(ValidationError) as refused:
        e85(reference_factor_code="benzine-puur")
    assert "reference_deviation_reason" in refused.value.message_dict

    commitment = e85(reference_factor_code="benzine-puur", reference_deviation_reason="Only E0 is sold on the island")
    effect = _current(commitment)

    # pure petrol inflates the effect: 1,000 × (2.88 − 1.083) = 1,797 kg instead of 1,657 kg
    assert effect.ex_ante_kg == Decimal("1797.000")
    assert (effect.reference_deviates, effect.reference_deviation_reason) == (True, "Only E0 is sold on the island")
    assert effect.reference_option_label.endswith("(petrol-at-the-pump v1)")

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(side_a.reader, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("effects:commitment-effects", args=[commitment.pk])).content.decode()
    assert "Deviates from the national reference option" in page
    assert "Only E0 is sold on the island" in page
    api_client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(side_a.reader)}")
    api = api_client.get(f"/api/v1/commitments/{commitment.pk}/effect").json()
    assert api["current"]["referenceDeviates"] is True
    assert api["current"]["referenceDeviationReason"] == "Only E0 is sold on the island"
    assert api["current"]["referenceOptionLabel"] == "Petrol as sold at the pump (petrol-at-the-pump v1)"
    export = client.get(reverse("effects:dashboard") + "?format=csv").content.decode()
    assert "Only E0 is sold on the island" in export


def test_a_new_option_version_recalculates_and_the_old_figure_keeps_its_label(
    e85: Callable[..., Commitment], tmp_path: Path
) -> None:
    reference_options_load(_write(tmp_path, _option()))
    commitment = e85()
    first = _current(commitment)

    result = reference_options_load(_write(tmp_path, _option(version=2, reference_factor_code="benzine-e95-eur")))

    assert any("recalculated" in note for note in result.notes)
    now = _current(commitment)
    # version 2 names the EU blend: 1,000 × (2.8 − 1.083) = 1,717 kg
    assert now.ex_ante_kg == Decimal("1717.000")
    assert now.reference_option_label == "Petrol as sold at the pump (petrol-at-the-pump v2)"
    old = EffectCalculation.objects.get(pk=first.pk)
    assert old.is_current is False
    assert (old.ex_ante_kg, old.reference_option_label) == (
        Decimal("1657.000"), "Petrol as sold at the pump (petrol-at-the-pump v1)")  # fmt: skip


def test_the_new_commitment_form_fills_in_the_national_option(side_a: Side, tmp_path: Path) -> None:
    reference_options_load(_write(tmp_path, _option()))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(side_a.manager, backend="django.contrib.auth.backends.ModelBackend")

    url = reverse("effects:commitment-create", args=[side_a.contract.pk])
    page = client.get(url + "?kind=fuel").content.decode()

    assert 'value="benzine-e95-nl" selected' in page
    assert "National reference option: Petrol as sold at the pump" in page
