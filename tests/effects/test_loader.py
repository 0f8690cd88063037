"""Loading emission factors: the official list's CSV format, the shipped values, idempotence, bad rows by line."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from mvimonitor.effects.loaders import DATA_DIR, effects_reference_load, factor_sets_json_load, read_factor_csv
from mvimonitor.effects.models import (
    BuildingBlock,
    BuildingBlockTable,
    EmissionFactor,
    EmissionFactorSet,
    SanctionRule,
    SocialReturnPolicy,
)
from mvimonitor.reference import ReferenceDataError, read_json

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db

SAMPLE = FIXTURES / "co2emissiefactoren_sample.csv"


def _load(path: Path = SAMPLE) -> str:
    from io import StringIO

    out = StringIO()
    call_command(
        "load_emission_factors", str(path), "--name", "CO2emissiefactoren.nl", "--set-version", "2026-01",
        "--year", "2026", "--source", "test fixture", stdout=out,
    )  # fmt: skip
    return out.getvalue()


def test_csv_in_the_official_format_is_read_with_units_normalised() -> None:
    rows = {row.code: row for row in read_factor_csv(SAMPLE)}

    petrol = rows["1"]
    assert (petrol.unit, petrol.wtw, petrol.ttw, petrol.wtt) == ("litre", Decimal("2.74"), Decimal("2.269"),
                                                                 Decimal("0.471"))  # fmt: skip
    electricity = rows["2"]
    assert (electricity.unit, electricity.wtw) == ("kWh", Decimal("0.374"))  # g/kWh → kg/kWh
    assert (rows["3"].unit, rows["3"].category) == ("vkm", "passenger_transport")
    assert (rows["4"].unit, rows["4"].category) == ("m3", "energy_fuels")


def test_loader_is_idempotent() -> None:
    first = _load()
    second = _load()

    assert "4" in first
    assert "0" in second.split(",")[0]  # nothing created the second time
    assert EmissionFactorSet.objects.filter(name="CO2emissiefactoren.nl", version="2026-01").count() == 1
    assert EmissionFactor.objects.filter(factor_set__version="2026-01").count() == 4


def test_bad_row_is_named_by_line_and_nothing_is_written() -> None:
    with pytest.raises(CommandError) as error:
        _load(FIXTURES / "co2emissiefactoren_bad.csv")

    assert "co2emissiefactoren_bad.csv, line 3" in str(error.value)
    assert "Eenheid" in str(error.value) or "unit" in str(error.value)
    assert not EmissionFactorSet.objects.filter(version="2026-01").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1;Elektriciteit;Stroom;kg CO2-eq/kWh;abc;;;x", "“abc”"),
        ("1;Elektriciteit;Stroom;kg CO2-eq/kWh;-1;;;x", "negative"),
        ("1;Ruimtevaart;Raket;kg CO2-eq/kWh;1;;;x", "Ruimtevaart"),
        ("1;Elektriciteit;Stroom;kg CO2-eq/kWh;1,0;0,2;0,2;x", "TTW + WTT"),
        ("1;Elektriciteit;;kg CO2-eq/kWh;1;;;x", "name"),
    ],
)
def test_bad_values_name_line_and_field(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "list.csv"
    path.write_text("ID;Categorie;Emissiefactor;Eenheid;WTW;TTW;WTT;Bron\n" + line + "\n", encoding="utf-8")

    with pytest.raises(ReferenceDataError) as error:
        read_factor_csv(path)

    assert "list.csv, line 2" in str(error.value)
    assert message in str(error.value)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Naam;Eenheid\nStroom;kg/kWh\n", encoding="utf-8")

    with pytest.raises(ReferenceDataError, match="line 1: missing column"):
        read_factor_csv(path)


def test_shipped_reference_data_loads_idempotently_with_sources() -> None:
    call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)

    first = effects_reference_load()
    second = effects_reference_load()

    assert any(r.created for r in first)
    assert not any(r.changed for r in second)
    shipped = read_json(DATA_DIR / "emission_factors.json")["sets"]
    for spec in shipped:
        factor_set = EmissionFactorSet.objects.public().get(name=spec["name"], version=spec["version"])
        assert factor_set.factors.count() == len(spec["factors"])
        assert all(f.source.startswith("http") and f.source_year for f in factor_set.factors.all())
        assert factor_set.published_at is not None  # a public list is published as it is loaded
    assert set(BuildingBlockTable.objects.values_list("code", flat=True)) == {
        "haaglanden-zhc", "utrecht", "holland-rijnland-dzb"}  # fmt: skip
    haaglanden = BuildingBlock.objects.get(table__code="haaglanden-zhc", code="banenafspraak")
    assert (haaglanden.value, haaglanden.max_months) == (Decimal(50000), None)
    assert SanctionRule.objects.get(code="rws-co2-prestatieladder").multiple == Decimal("1.5")
    # the Rijk rule ships with its conditions only: its "5% of contract value" is NOT VERIFIED in domain.md
    rijk = SocialReturnPolicy.objects.get(code="rijk-social-return-2018")
    assert (rijk.base, rijk.percentage, rijk.cap) == ("", None, None)
    assert (rijk.applies_above_value, rijk.min_duration_months, rijk.contract_kinds) == (
        Decimal(250000), 6, "works,services")  # fmt: skip
    assert (rijk.source, rijk.source_year) == ("https://www.pianoo.nl/nl/visie-social-return", 2018)
    assert not SanctionRule.objects.filter(basis="unmet_share").exists()  # no sourced percentage for such a fine


def test_a_frozen_set_takes_new_names_and_descriptions_for_readers_but_no_other_change(tmp_path: Path) -> None:
    data = read_json(DATA_DIR / "emission_factors.json")
    spec = data["sets"][0]
    plain = {**data, "sets": [{k: v for k, v in spec.items() if k not in {"name_nl", "description_nl"}}]}
    path = tmp_path / "sets.json"
    path.write_text(json.dumps(plain), encoding="utf-8")
    factor_sets_json_load(path)
    factor_set = EmissionFactorSet.objects.get(name=spec["name"], version=spec["version"])
    assert factor_set.is_frozen
    with translation.override("nl"):
        assert (factor_set.display_name, factor_set.description) == (spec["name"], spec["note"])

    [result] = factor_sets_json_load(DATA_DIR / "emission_factors.json")

    assert "the names and descriptions shown to readers were updated" in result.notes
    factor_set.refresh_from_db()
    with translation.override("nl"):
        assert str(factor_set).startswith("CO2emissiefactoren.nl, selectie meegeleverd met MVI Monitor 2026")
        assert factor_set.description == spec["description_nl"]
    with translation.override("en"):
        assert (factor_set.display_name, factor_set.description) == (spec["name"], spec["description_en"])
    path.write_text(json.dumps({**data, "sets": [{**spec, "note": "changed"}]}), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="note"):
        factor_sets_json_load(path)  # the note stays frozen with the set


def test_building_blocks_rules_and_policies_show_in_the_language_of_the_request() -> None:
    effects_reference_load()
    block = BuildingBlock.objects.get(table__code="haaglanden-zhc", code="job-seeker-no-benefit")
    table = block.table
    with translation.override("nl"):
        assert (str(block), table.counting_rules_text[:20]) == ("Werkzoekend zonder uitkering", "Een kandidaat telt g")
    with translation.override("en"):
        assert (str(block), table.counting_rules_text[:20]) == ("Job seeker without benefit", "A candidate normally")
    policy = SocialReturnPolicy.objects.get(code="wage-sum-5-percent")
    sanction = SanctionRule.objects.get(code="rws-co2-prestatieladder")
    with translation.override("nl"):
        assert (str(policy), str(sanction)) == (
            "5% van de loonsom", "Rijkswaterstaat, niveau op de CO2-Prestatieladder niet gehaald (1.50×)")  # fmt: skip
    with translation.override("en"):
        assert str(policy) == "5% of the wage sum (loonsom)"
    shipped = read_json(DATA_DIR / "building_blocks.json")["tables"]
    missing = [(t["code"], b["code"]) for t in shipped for b in t["blocks"] if not (b["name_nl"] and b["name_en"])]
    assert missing == []
    assert all(t["counting_rules_nl"] and t["counting_rules"] for t in shipped)


def test_the_public_tables_layout_is_read_with_heading_rows_as_categories() -> None:
    """The list's own table: unnamed name column, bare units, "Kg CO2/eenheid (WTW)" headings, category rows."""
    rows = {row.name: row for row in read_factor_csv(FIXTURES / "co2emissiefactoren_table.csv")}

    assert set(rows) == {"Testbenzine A", "Testdiesel B", "Teststroom C", "Testauto D"}
    petrol = rows["Testbenzine A"]
    assert (petrol.category, petrol.unit, petrol.wtw, petrol.ttw, petrol.wtt) == (
        "vehicle_fuels", "litre", Decimal("2.5"), Decimal("2.1"), Decimal("0.4"))  # fmt: skip
    assert (petrol.source, petrol.note) == ("[1]", "invented test value, layout of the public table")
    assert (rows["Teststroom C"].category, rows["Teststroom C"].unit) == ("electricity", "kWh")
    assert (rows["Testauto D"].category, rows["Testauto D"].unit) == ("passenger_transport", "pkm")
    assert rows["Teststroom C"].note == "Datum 2026"


def test_a_value_row_before_any_category_heading_is_refused_by_line(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text(";Eenheid;Kg CO2/eenheid (WTW)\nStroom;kWh;0,4\n", encoding="utf-8")

    with pytest.raises(ReferenceDataError, match=r"table.csv, line 2, field “category”"):
        read_factor_csv(path)
