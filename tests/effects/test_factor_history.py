"""Frozen factor sets and the history of stored effects (ADR 0025).

Hand-worked case: list "Testlijst" version 1 gives diesel 3.2 and HVO 0.5 kg CO2-eq per litre. A commitment to
use 1,000 litres of HVO instead of 1,000 litres of diesel avoids 1,000 × 3.2 − 1,000 × 0.5 = 2,700 kg ex ante.
Loading version 1 again with diesel 3.3 is refused; version 2 is published as a correction with a reason; the
commitment switched to version 2 gives 1,000 × 3.3 − 1,000 × 0.5 = 2,800 kg in a new row, while the first row keeps
2,700 kg and diesel 3.2: the 100 kg difference is 1,000 litres × (3.3 − 3.2), read from the two stored rows.
"""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from mvimonitor.effects import recalculation, selectors, services
from mvimonitor.effects.factor_sets import FactorSetFrozenError
from mvimonitor.effects.loaders import FactorRow, factor_set_load, factor_sets_json_load
from mvimonitor.effects.models import Commitment, EffectCalculation, EmissionFactor, EmissionFactorSet
from mvimonitor.reference import ReferenceDataError
from mvimonitor.themes.models import Theme
from tests.factories import api_key

from .conftest import Side

HEADER = "ID;Categorie;Emissiefactor;Eenheid;WTW;TTW;WTT;Bron\n"


def _csv(tmp_path: Path, diesel: str, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text(
        HEADER
        + f"diesel;Brandstoffen voertuigen;Diesel;kg CO2-eq/liter;{diesel};;;test\n"
        + "hvo;Brandstoffen voertuigen;HVO;kg CO2-eq/liter;0,5;;;test\n",
        encoding="utf-8",
    )
    return path


def _load(path: Path, version: str, *extra: str) -> str:
    out = StringIO()
    call_command(
        "load_emission_factors", str(path), "--name", "Testlijst", "--set-version", version, "--year", "2024",
        "--source", "test file", *extra, stdout=out,
    )  # fmt: skip
    return out.getvalue()


def _hvo_commitment(side: Side, factor_set: EmissionFactorSet) -> Commitment:
    return services.commitment_create(
        user=side.manager, contract=side.contract, theme=Theme.objects.get(code="klimaat"), kind="fuel",
        description="HVO instead of diesel", quantity=Decimal(1000), unit="litre", factor_code="hvo",
        reference_factor_code="diesel", factor_set=factor_set,
    )  # fmt: skip


def _rows(commitment: Commitment) -> list[EffectCalculation]:
    return list(EffectCalculation.objects.filter(commitment=commitment).order_by("computed_at", "pk"))


def test_factor_set_life_cycle_keeps_the_old_figure_with_its_factor_values(side_a: Side, tmp_path: Path) -> None:
    _load(_csv(tmp_path, "3,2"), "1")
    v1 = EmissionFactorSet.objects.get(name="Testlijst", version="1")
    commitment = _hvo_commitment(side_a, v1)
    first = EffectCalculation.objects.current().get(commitment=commitment)
    assert first.ex_ante_kg == Decimal("2700.000")  # 1,000 × 3.2 − 1,000 × 0.5
    assert first.factors_used["diesel"] == {"role": "reference", "wtw": "3.200000", "unit": "litre",
                                            "source_year": 2024}  # fmt: skip
    assert first.factors_used["hvo"]["role"] == "promised"

    with pytest.raises(CommandError) as refused:
        _load(_csv(tmp_path, "3,3"), "1")
    assert "“Testlijst 1 (2024)” is published and can no longer change" in str(refused.value)
    assert "diesel: wtw 3.200000 → 3.3" in str(refused.value)
    assert "--supersedes 1 --reason" in str(refused.value)
    assert EmissionFactor.objects.get(factor_set=v1, code="diesel").wtw == Decimal("3.2")
    assert "0 created, 0 updated" in _load(_csv(tmp_path, "3,2"), "1")  # the same values again: nothing changes

    with pytest.raises(CommandError, match="needs a reason"):
        _load(_csv(tmp_path, "3,3"), "2", "--supersedes", "1")
    _load(_csv(tmp_path, "3,3"), "2", "--supersedes", "1", "--reason", "Diesel WTW corrected by the publisher")
    v2 = EmissionFactorSet.objects.get(name="Testlijst", version="2")
    assert (v2.supersedes, v2.correction_reason) == (v1, "Diesel WTW corrected by the publisher")
    assert v2.published_at is not None

    services.commitment_update(user=side_a.manager, commitment=commitment, factor_set=v2)

    old, new = _rows(commitment)
    assert old.pk == first.pk
    assert (old.is_current, new.is_current) == (False, True)
    assert old.superseded_at is not None
    assert (old.ex_ante_kg, old.factor_set_id, old.factor_set_label) == (Decimal("2700.000"), v1.pk, v1.label)
    assert (new.ex_ante_kg, new.factor_set_id, new.factor_set_label) == (Decimal("2800.000"), v2.pk, v2.label)
    diesel_then, diesel_now = Decimal(old.factors_used["diesel"]["wtw"]), Decimal(new.factors_used["diesel"]["wtw"])
    assert new.ex_ante_kg - old.ex_ante_kg == new.promised * (diesel_now - diesel_then) == Decimal(100)

    history = selectors.effect_history(commitment)
    assert [entry.effect.pk for entry in history] == [new.pk, old.pk]
    assert "CO2-eq avoided ex ante (kg): 2700.000 → 2800.000" in history[0].changes
    assert "factor set: Testlijst 1 (2024) → Testlijst 2 (2024)" in history[0].changes
    assert "factor “diesel”: WTW 3.200000 → 3.300000 kg CO2-eq per litre" in history[0].changes
    assert history[1].is_first


def test_an_identical_recalculation_leaves_the_current_row_and_a_different_one_adds_a_row(
    side_a: Side, test_set: EmissionFactorSet
) -> None:
    commitment = services.commitment_create(
        user=side_a.manager, contract=side_a.contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
        description="Groene stroom", quantity=Decimal(100000), unit="kWh",
        factor_code="green-power-government-average", reference_factor_code="electricity-nl-mix-2021",
    )  # fmt: skip
    first = EffectCalculation.objects.current().get(commitment=commitment)

    again = recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))

    assert (again.written, again.superseded) == (0, 0)
    assert _rows(commitment) == [first]
    assert EffectCalculation.objects.current().get(commitment=commitment).computed_at == first.computed_at
    realisation = services.realisation_submit(
        user=side_a.manager, commitment=commitment, period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31), quantity=Decimal(60000),
    )  # fmt: skip
    services.realisation_review(user=side_a.manager, realisation=realisation, status="verified")
    rows = _rows(commitment)
    assert [row.is_current for row in rows] == [False, False, True]  # first; submitted; verified
    assert rows[-1].ex_post_kg == Decimal("14820.000")  # (0.374 − 0.127) × 60,000
    assert EffectCalculation.objects.current().count() == 1
    assert test_set.pk == rows[-1].factor_set_id


def test_a_used_set_is_frozen_on_every_path(side_a: Side, test_set: EmissionFactorSet, tmp_path: Path) -> None:
    own = EmissionFactorSet.objects.create(
        name="Eigen", version="1", publication_year=2024, source="test", organisation=side_a.organisation
    )
    EmissionFactor.objects.create(factor_set=own, code="hvo", name="HVO", category="vehicle_fuels", unit="litre",
                                  wtw=Decimal("0.5"))  # fmt: skip
    factor = EmissionFactor.objects.create(
        factor_set=own, code="diesel", name="Diesel", category="vehicle_fuels", unit="litre", wtw=Decimal("3.2")
    )
    factor.wtw = Decimal("3.25")
    factor.save()  # not used yet: an own set can still be corrected in place
    _hvo_commitment(side_a, own)
    own.refresh_from_db()
    assert own.first_used_at is not None

    factor.wtw = Decimal("3.3")
    with pytest.raises(FactorSetFrozenError, match="has been used for stored effects"):
        factor.save()
    with pytest.raises(FactorSetFrozenError):
        factor.delete()
    own.source = "another source"
    with pytest.raises(FactorSetFrozenError):
        own.save()
    rows = [FactorRow(2, "diesel", "Diesel", "vehicle_fuels", "litre", Decimal("3.3"), None, None, "", None, "")]
    with pytest.raises(ReferenceDataError, match="has been used for stored effects"):
        factor_set_load(rows=rows, name="Eigen", version="1", publication_year=2024, source="test",
                        organisation=side_a.organisation)  # fmt: skip
    test_set.refresh_from_db()
    assert test_set.is_frozen  # public: published as it was loaded


def test_the_own_set_page_refuses_a_changed_upload_of_a_used_set_and_takes_a_correction(
    side_a: Side, tmp_path: Path
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(side_a.manager, backend="django.contrib.auth.backends.ModelBackend")

    def upload(diesel: str, version: str, **extra: str) -> int:
        with _csv(tmp_path, diesel).open("rb") as handle:
            data = {"name": "Eigen", "version": version, "publication_year": "2024", "source": "own", "file": handle}
            response = client.post(reverse("effects:factor-sets"), {**data, **extra})
        return response.status_code

    assert upload("3,2", "1") == 302
    own = EmissionFactorSet.objects.get(name="Eigen", version="1")
    assert own.published_at is None  # an own set is frozen by use, not by loading
    _hvo_commitment(side_a, own)

    assert upload("3,3", "1") == 400
    assert upload("3,3", "2", supersedes="1") == 400  # no reason
    assert upload("3,3", "2", supersedes="1", correction_reason="typo in diesel") == 302
    assert EmissionFactor.objects.get(factor_set=own, code="diesel").wtw == Decimal("3.2")
    assert EmissionFactorSet.objects.get(name="Eigen", version="2").supersedes == own


def test_a_json_data_file_publishes_a_correction_by_its_fields(db: None, tmp_path: Path) -> None:
    def write(diesel: str, **fields: str) -> Path:
        spec = {"name": "JSON-lijst", "version": "1", "publication_year": 2024, "source": "test", **fields,
                "factors": [{"code": "diesel", "name": "Diesel", "category": "vehicle_fuels",
                             "unit": "kg CO2-eq/litre", "wtw": diesel, "source_year": 2024}]}  # fmt: skip
        path = tmp_path / "sets.json"
        path.write_text(json.dumps({"sets": [spec]}), encoding="utf-8")
        return path

    factor_sets_json_load(write("3.2"))
    assert not any(result.changed for result in factor_sets_json_load(write("3.2")))
    with pytest.raises(ReferenceDataError, match="supersedes"):
        factor_sets_json_load(write("3.3"))
    factor_sets_json_load(write("3.3", version="2", supersedes="1", correction_reason="corrected"))

    corrected = EmissionFactorSet.objects.get(name="JSON-lijst", version="2")
    assert corrected.factors.get().wtw == Decimal("3.3")
    assert EmissionFactorSet.objects.get(name="JSON-lijst", version="1").factors.get().wtw == Decimal("3.2")
    assert list(EmissionFactorSet.objects.public().not_superseded().filter(name="JSON-lijst")) == [corrected]


def test_the_history_page_and_the_api_show_earlier_calculations(side_a: Side, tmp_path: Path) -> None:
    _load(_csv(tmp_path, "3,2"), "1")
    _load(_csv(tmp_path, "3,3"), "2", "--supersedes", "1", "--reason", "corrected")
    v1, v2 = (EmissionFactorSet.objects.get(name="Testlijst", version=v) for v in ("1", "2"))
    commitment = _hvo_commitment(side_a, v1)
    services.commitment_update(user=side_a.manager, commitment=commitment, factor_set=v2)
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(side_a.reader, backend="django.contrib.auth.backends.ModelBackend")
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(side_a.reader)}")

    html = page.get(reverse("effects:commitment-effects", args=[commitment.pk])).content.decode()
    contract = page.get(reverse("effects:contract-detail", args=[side_a.contract.pk])).content.decode()
    body = api.get(f"/api/v1/commitments/{commitment.pk}/effect").json()

    assert "Testlijst 1 (2024)" in html
    assert "Testlijst 2 (2024)" in html
    assert "2700.000" in html
    assert "2800.000" in html
    assert "factor “diesel”: WTW 3.200000 → 3.300000 kg CO2-eq per litre" in html
    assert "Calculation history (2 calculations)" in contract
    assert body["current"]["exAnteKg"] == "2800.000"
    assert body["current"]["factorSetLabel"] == "Testlijst 2 (2024)"
    assert {"code": "diesel", "role": "reference", "wtw": "3.300000", "unit": "litre", "sourceYear": 2024} in body[
        "current"
    ]["factorsUsed"]
    assert [h["exAnteKg"] for h in body["history"]] == ["2700.000"]
    assert body["history"][0]["isCurrent"] is False
    assert body["history"][0]["methodVersion"] == "effects-1.2"
    assert "factor “diesel”: WTW 3.200000 → 3.300000 kg CO2-eq per litre" in body["current"]["changes"]
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {api_key(_stranger())}")
    assert other.get(f"/api/v1/commitments/{commitment.pk}/effect").status_code == 404


def _stranger() -> object:
    from tests.factories import MembershipFactory

    return MembershipFactory().user
