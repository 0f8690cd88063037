"""The official Dutch list of CO2 emission factors: read from its CSV and xlsx column layout, one list year per set,
stable codes, bad files refused by file, line and field; and the shipped fallback set, one list year with a source
per row whose values are the official list's."""

import csv
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from mvimonitor.effects.loaders import DATA_DIR, effects_reference_load
from mvimonitor.effects.models import EmissionFactor, EmissionFactorSet
from mvimonitor.effects.official_list import factor_code, read_official_list
from mvimonitor.reference import ReferenceDataError
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.django_db

# The official list is the reference of these tests and of the shipped values: it must be there (it is in CI).
OFFICIAL_2026 = SHARED_DATA / "reference" / "co2_emission_factors_nl_2026.csv"


def _official_rows() -> list[dict[str, str]]:
    assert OFFICIAL_2026.is_file(), f"the official list of 2026 is needed at {OFFICIAL_2026}"
    with OFFICIAL_2026.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _row_of(item_name: str, subcategory: str) -> dict[str, str]:
    return next(r for r in _official_rows() if (r["item_name"], r["subcategory"]) == (item_name, subcategory))


def _load(path: Path, *options: str) -> str:
    out = StringIO()
    call_command("load_official_factors", str(path), *options, stdout=out)
    return out.getvalue()


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- the shared file, as read and as stored --------------------------------------------------------------------------


def test_the_official_2026_list_loads_every_row_with_the_files_values_and_sources() -> None:
    rows = _official_rows()
    output = _load(OFFICIAL_2026)

    assert "159 created, 0 updated, 0 unchanged" in output
    factor_set = EmissionFactorSet.objects.public().get(name="CO2emissiefactoren.nl", version="2026")
    with translation.override("nl"):
        assert factor_set.description == "De officiële lijst van 2026: 159 factoren, elk met een eigen bron en jaar."
    with translation.override("en"):
        assert factor_set.description.startswith("The official list of 2026: 159 factors")
    assert (factor_set.publication_year, factor_set.factors.count(), len(rows)) == (2026, 159, 159)
    assert factor_set.source.startswith("https://co2emissiefactoren.nl/factoren/2026/download/")
    stored = {f.name: f for f in factor_set.factors.all()}
    assert len(stored) == 159
    for row in rows:
        name = row["item_name"] if row["category"] not in {"Personenvervoer", "Goederenvervoer"} else (
            f"{row['subcategory']} – {row['item_name']}")  # fmt: skip
        factor = stored[name]
        for field, column in (("wtw", "wtw_kg_co2e"), ("ttw", "ttw_kg_co2e"), ("wtt", "wtt_kg_co2e")):
            text = row[column]
            expected = Decimal(text) if text and text != "Variabel" else None
            assert getattr(factor, field) == expected, (name, field)
        assert factor.source == (row["factor_url"] or row["source_url"])
        assert factor.source_year == int(row["source_year"])


def test_diesel_b0_as_in_the_file_and_by_hand() -> None:
    """By hand from the file's line 3: "Diesel (fossiel) B0", liter, 3.462 | 2.646 | 0.816, its own factor page."""
    row = _row_of("Diesel (fossiel) B0", "Fossiele brandstoffen")
    _load(OFFICIAL_2026)

    diesel = EmissionFactor.objects.get(factor_set__version="2026", code="diesel-fossiel-b0-litre")
    assert (diesel.wtw, diesel.ttw, diesel.wtt) == (Decimal(row["wtw_kg_co2e"]), Decimal(row["ttw_kg_co2e"]),
                                                     Decimal(row["wtt_kg_co2e"]))  # fmt: skip
    assert (diesel.wtw, diesel.ttw, diesel.wtt) == (Decimal("3.462"), Decimal("2.646"), Decimal("0.816"))
    assert diesel.ttw is not None
    assert diesel.wtt is not None
    assert diesel.wtw == diesel.ttw + diesel.wtt
    assert (diesel.unit, diesel.category, diesel.source_year) == ("litre", "vehicle_fuels", 2026)
    assert diesel.source.endswith("/brandstoffen-voertuigen-en-schepen-fossiele-brandstoffen-diesel-fossiel-b0/")


def test_units_categories_and_the_lists_own_words_are_kept() -> None:
    rows = {row.code: row for row in read_official_list(OFFICIAL_2026).rows}

    gas = rows["aardgas-g-gas-m3"]
    assert (gas.unit, gas.category, gas.wtw) == ("m3", "energy_fuels", Decimal("2.134"))
    assert "Nm3" in gas.note
    assert (rows["grijze-stroom-kwh"].unit, rows["grijze-stroom-kwh"].category) == ("kWh", "electricity")
    assert rows["houtblokken-nl-kg-ds"].unit == "kg"
    assert "kg ds" in rows["houtblokken-nl-kg-ds"].note
    assert rows["gemiddelde-warmtenetten-gj"].category == "heat"
    assert (rows["touringcar-diesel-vkm"].unit, rows["touringcar-diesel-vkm"].category) == (
        "vkm",
        "passenger_transport",
    )
    assert rows["containers-spoorvervoer-trein-diesel-tkm"].category == "freight_transport"
    # Only TTW in the list: no WTW is made up; "Variabel" is no number; a withdrawn factor has no value.
    assert (rows["bitumen-kg"].wtw, rows["bitumen-kg"].ttw) == (None, Decimal("3.381"))
    assert (rows["stroometiket-kwh"].wtw, rows["stroometiket-kwh"].wtt) == (None, Decimal("0.044"))
    withdrawn = rows["auto-benzine-klein-vkm"]
    assert (withdrawn.wtw, withdrawn.ttw, withdrawn.wtt) == (None, None, None)
    assert "vervallen" in withdrawn.note


def test_codes_are_unique_and_keep_items_of_different_subcategories_apart() -> None:
    codes = [row.code for row in read_official_list(OFFICIAL_2026).rows]

    assert len(codes) == len(set(codes)) == 159
    assert {"touringcar-diesel-vkm", "minibus-max-8-personen-diesel-vkm"} <= set(codes)
    assert {"bulk-en-stukgoederen-wegvervoer-vrachtwagen-lzv-tkm", "containers-wegvervoer-vrachtwagen-lzv-tkm"} <= set(
        codes
    )


def test_a_code_depends_on_name_and_unit_only_so_it_keeps_its_meaning_across_list_years() -> None:
    assert factor_code("vehicle_fuels", "Fossiele brandstoffen", "Diesel (fossiel) B0", "litre") == (
        "diesel-fossiel-b0-litre")  # fmt: skip
    assert factor_code("passenger_transport", "Touringcar", "Diesel", "vkm") == "touringcar-diesel-vkm"
    assert factor_code("freight_transport", "Containers - Wegvervoer", "Vrachtwagen > 20 ton", "tkm") != factor_code(
        "freight_transport", "Containers - Wegvervoer", "Vrachtwagen < 20 ton", "tkm"
    )


def test_next_years_list_is_a_set_of_its_own_with_the_same_codes(tmp_path: Path) -> None:
    rows = _official_rows()
    next_year = [{**row, "valid_year": "2027", "list_version": "Factoren 2027", "source_year": "2027"} for row in rows]
    diesel = next(r for r in next_year if r["item_name"] == "Diesel (fossiel) B0")
    diesel.update(wtw_kg_co2e="3.5", ttw_kg_co2e="2.7", wtt_kg_co2e="0.8")

    _load(OFFICIAL_2026)
    _load(_write_csv(tmp_path / "factoren-2027.csv", next_year))

    assert set(EmissionFactorSet.objects.public().values_list("version", "publication_year")) == {
        ("2026", 2026), ("2027", 2027)}  # fmt: skip
    by_year = dict(EmissionFactor.objects.filter(code="diesel-fossiel-b0-litre").values_list(
        "factor_set__publication_year", "wtw"))  # fmt: skip
    assert by_year == {2026: Decimal("3.462"), 2027: Decimal("3.5")}


# --- idempotence and the xlsx layout ---------------------------------------------------------------------------------


def test_loading_the_same_list_again_changes_nothing() -> None:
    _load(OFFICIAL_2026)
    second = _load(OFFICIAL_2026)

    assert "0 created, 0 updated, 159 unchanged" in second
    assert EmissionFactorSet.objects.filter(name="CO2emissiefactoren.nl").count() == 1


def test_an_xlsx_with_the_same_columns_loads_the_same_factors(tmp_path: Path) -> None:
    rows = _official_rows()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Factoren 2026"
    columns = list(rows[0])
    sheet.append(columns)
    for row in rows:  # numbers as numbers, as a spreadsheet holds them; the rest as text
        sheet.append([_spreadsheet_value(column, row[column]) for column in columns])
    path = tmp_path / "factoren-2026.xlsx"
    workbook.save(path)

    from_xlsx = read_official_list(path)
    from_csv = read_official_list(OFFICIAL_2026)

    assert from_xlsx.rows[0].line == 2
    assert [(r.code, r.wtw, r.ttw, r.wtt, r.source, r.source_year) for r in from_xlsx.rows] == [
        (r.code, r.wtw, r.ttw, r.wtt, r.source, r.source_year) for r in from_csv.rows]  # fmt: skip
    assert "159 created" in _load(path)
    assert "0 created, 0 updated, 159 unchanged" in _load(OFFICIAL_2026)  # the CSV and the xlsx are the same set


def _spreadsheet_value(column: str, text: str) -> object:
    if column in {"valid_year", "source_year"} and text.isdigit():
        return int(text)
    if column.endswith("_kg_co2e") and text and text != "Variabel":
        return float(text)
    return text


# --- bad files -------------------------------------------------------------------------------------------------------


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    rows = [{k: v for k, v in row.items() if k != "wtt_kg_co2e"} for row in _official_rows()[:3]]

    with pytest.raises(CommandError, match=r"short.csv, line 1: missing column\(s\) wtt_kg_co2e"):
        _load(_write_csv(tmp_path / "short.csv", rows))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("wtw_kg_co2e", "3,462", "field “wtw_kg_co2e”: “3,462” is not a number"),
        ("ttw_kg_co2e", "abc", "field “ttw_kg_co2e”: “abc” is not a number"),
        ("wtw_kg_co2e", "-1", "field “wtw_kg_co2e”: a factor cannot be negative"),
        ("wtw_kg_co2e", "4.263", "field “wtw_kg_co2e”: WTW (4.263) is not TTW + WTT (3.263)"),
        ("unit", "vat", "field “unit”: “vat” is not a unit of the list"),
        ("category", "Ruimtevaart", "field “category”: “Ruimtevaart” is not a category of the list"),
        ("valid_year", "twintig", "field “valid_year”: “twintig” is not a year"),
        ("status", "misschien", "field “status”: “misschien” is neither"),
        ("item_name", "", "field “item_name”: empty"),
    ],
)
def test_a_bad_value_refuses_the_whole_file_naming_line_and_field(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    rows = _official_rows()[:5]
    rows[2] = {**rows[2], column: value}  # line 4: the header is line 1

    with pytest.raises(CommandError) as error:
        _load(_write_csv(tmp_path / "bad.csv", rows))

    assert f"bad.csv, line 4, {message}" in str(error.value)
    assert not EmissionFactorSet.objects.exists()


def test_a_row_without_any_source_is_refused(tmp_path: Path) -> None:
    rows = _official_rows()[:3]
    rows[1] = {**rows[1], "factor_url": "", "source_url": ""}

    with pytest.raises(ReferenceDataError, match=r"nosource.csv, line 3, field “source_url”: empty"):
        read_official_list(_write_csv(tmp_path / "nosource.csv", rows))


def test_an_active_factor_without_any_value_is_refused(tmp_path: Path) -> None:
    rows = _official_rows()[:3]
    rows[0] = {**rows[0], "wtw_kg_co2e": "", "ttw_kg_co2e": "", "wtt_kg_co2e": ""}

    with pytest.raises(ReferenceDataError, match=r"empty.csv, line 2, field “wtw_kg_co2e”: empty"):
        read_official_list(_write_csv(tmp_path / "empty.csv", rows))


def test_a_file_with_several_list_years_is_refused_unless_one_is_chosen(tmp_path: Path) -> None:
    rows = _official_rows()[:4]
    rows[3] = {**rows[3], "valid_year": "2025", "list_version": "Factoren 2025"}
    path = _write_csv(tmp_path / "mixed.csv", rows)

    with pytest.raises(CommandError, match=r"mixed.csv holds the list years 2025, 2026; one set holds one list year"):
        _load(path)
    assert not EmissionFactorSet.objects.exists()

    assert "3 created" in _load(path, "--year", "2026")
    assert "1 created" in _load(path, "--year", "2025")
    assert set(EmissionFactorSet.objects.values_list("version", "publication_year")) == {
        ("2026", 2026), ("2025", 2025)}  # fmt: skip
    with pytest.raises(CommandError, match=r"mixed.csv holds no factors of 2024"):
        _load(path, "--year", "2024")


def test_two_list_versions_in_one_year_are_refused(tmp_path: Path) -> None:
    rows = _official_rows()[:3]
    rows[2] = {**rows[2], "list_version": "Factoren 2026 (correction)"}

    with pytest.raises(ReferenceDataError, match=r"versions.csv, line 4, field “list_version”"):
        read_official_list(_write_csv(tmp_path / "versions.csv", rows))


def test_the_same_code_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    rows = _official_rows()[:3]
    rows[2] = {**rows[2], "item_name": rows[0]["item_name"], "unit": rows[0]["unit"]}

    with pytest.raises(ReferenceDataError, match=r"twice.csv, line 4: “benzine-fossiel-e0-litre” repeats line 2"):
        read_official_list(_write_csv(tmp_path / "twice.csv", rows))


def test_other_file_types_and_unreadable_workbooks_are_refused(tmp_path: Path) -> None:
    (tmp_path / "list.ods").write_bytes(b"x")
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")

    with pytest.raises(ReferenceDataError, match=r"list.ods: only .csv and .xlsx"):
        read_official_list(tmp_path / "list.ods")
    with pytest.raises(ReferenceDataError, match="cannot be read"):
        read_official_list(tmp_path / "broken.xlsx")


def test_a_published_list_is_never_changed_and_a_correction_is_a_new_version(tmp_path: Path) -> None:
    rows = _official_rows()
    lzv = next(r for r in rows if r["item_name"] == "Vrachtwagen LZV" and "Bulk" in r["subcategory"])
    lzv.update(wtw_kg_co2e="0.088")
    corrected = _write_csv(tmp_path / "factoren-2026-2.csv", rows)
    _load(OFFICIAL_2026)

    with pytest.raises(CommandError, match="bulk-en-stukgoederen-wegvervoer-vrachtwagen-lzv-tkm: wtw"):
        _load(corrected)
    output = _load(corrected, "--version", "2026-2", "--supersedes", "2026", "--reason", "LZV: WTW = TTW + WTT")

    assert "159 created" in output
    first, second = (
        EmissionFactorSet.objects.get(name="CO2emissiefactoren.nl", version=v) for v in ("2026", "2026-2")
    )
    assert (second.supersedes, second.correction_reason) == (first, "LZV: WTW = TTW + WTT")
    code = "bulk-en-stukgoederen-wegvervoer-vrachtwagen-lzv-tkm"
    assert [s.factors.get(code=code).wtw for s in (first, second)] == [Decimal("0.085"), Decimal("0.088")]


def test_name_and_version_can_be_given() -> None:
    output = _load(OFFICIAL_2026, "--name", "Officiële lijst", "--version", "2026-01")

    assert "Officiële lijst 2026-01: 159 created" in output
    assert EmissionFactorSet.objects.public().get().label == "Officiële lijst 2026-01 (2026)"


# --- the shipped fallback set ----------------------------------------------------------------------------------------


def _shipped_sets() -> list[dict[str, object]]:
    data = json.loads((DATA_DIR / "emission_factors.json").read_text(encoding="utf-8"))
    sets: list[dict[str, object]] = data["sets"]
    return sets


def test_each_shipped_set_holds_one_list_year_and_a_source_per_row() -> None:
    for spec in _shipped_sets():
        factors = spec["factors"]
        assert isinstance(factors, list)
        assert factors
        assert {f["list_year"] for f in factors} == {spec["publication_year"]}, spec["name"]
        assert {f["source_year"] for f in factors} == {spec["publication_year"]}, spec["name"]
        assert all(str(f["source"]).startswith("https://co2emissiefactoren.nl/factoren/") for f in factors)
        assert "load_official_factors" in str(spec["note"])  # the stored note, frozen with the set
        # readers see a description without developer commands, in their language
        assert all(spec[key] and "manage.py" not in str(spec[key]) for key in ("description_nl", "description_en"))


def test_the_shipped_values_are_the_official_lists_values_under_the_same_codes() -> None:
    """Every shipped factor is a row of the official list of its year: same code, values, unit and factor page."""
    official = {row.code: row for row in read_official_list(OFFICIAL_2026).rows}
    shipped = [f for spec in _shipped_sets() if spec["publication_year"] == 2026 for f in spec["factors"]]  # type: ignore[attr-defined]

    assert 10 <= len(shipped) <= 20  # a small selection, not the list
    for item in shipped:
        row = official[item["code"]]
        assert (Decimal(item["wtw"]), Decimal(item["ttw"]), Decimal(item["wtt"])) == (row.wtw, row.ttw, row.wtt)
        assert (item["name"], item["category"], item["source"]) == (row.name, row.category, row.source)
    names = {item["name"] for item in shipped}
    assert {"Diesel (fossiel) B0", "Benzine (fossiel) E0", "Aardgas (G-gas)", "Grijze Stroom"} <= names


def test_grey_electricity_is_shipped_only_as_the_lists_grijze_stroom() -> None:
    grey = [f for spec in _shipped_sets() for f in spec["factors"]  # type: ignore[attr-defined]
            if "grijze" in f["name"].lower() or "grey" in f["name"].lower()]  # fmt: skip
    official_names = {row["item_name"] for row in _official_rows()}

    assert grey
    assert all(f["name"].split(" – ")[-1] in official_names for f in grey)


def test_the_shipped_set_loads_with_the_codes_of_the_official_list() -> None:
    effects_reference_load()
    _load(OFFICIAL_2026)

    shipped = EmissionFactorSet.objects.public().exclude(name="CO2emissiefactoren.nl").get()
    official = EmissionFactorSet.objects.get(name="CO2emissiefactoren.nl")
    official_values = {f.code: (f.unit, f.wtw, f.ttw, f.wtt) for f in official.factors.all()}
    assert shipped.publication_year == 2026
    for factor in shipped.factors.all():
        assert official_values[factor.code] == (factor.unit, factor.wtw, factor.ttw, factor.wtt), factor.code
        assert factor.source_year == 2026
