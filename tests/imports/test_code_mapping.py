"""The versioned code mapping covers every code of the relevant codelists, and every row is well formed."""

import csv
import json
from pathlib import Path

import pytest
from lxml import etree

from mvimonitor.imports.codes import MAPPING_FILE, code_mapping, known_codes

THEMES = {"milieu", "klimaat", "circulair", "keten", "d_i", "sroi"}
FORMS = {"", "selectie", "minimumeis", "gunningscriterium", "contractbepaling"}
ATTRIBUTES = {"sme_friendly", "innovation"}
# eForms list name -> Genericode file in shared/data/eforms/codelists
LIST_FILES = {
    "strategic-procurement": "strategic-procurement.gc",
    "environmental-impact": "environmental-impact.gc",
    "social-objective": "social-objective.gc",
    "innovative-acquisition": "innovative-acquisition.gc",
    "gpp-criteria": "gpp-criteria.gc",
    "reserved-procurement": "reserved-procurement.gc",
    "reserved-execution": "applicability_reserved-execution.gc",
    "accessibility": "accessibility.gc",
    "indicator": "indicator.gc",
    "cvd-scope": "indicator_cvd-scope.gc",
    "cvd-contract-type": "cvd-contract-type.gc",
    "vehicle-category": "vehicle-category.gc",
    "vehicles": "vehicles.gc",
    "eed-scope": "indicator_eed-scope.gc",
    "energy-efficiency-basis": "energy-efficiency-basis.gc",
    "energy-efficiency-item": "energy-efficiency-item.gc",
    "energy-efficiency-label": "energy-efficiency-label.gc",
    "selection-criterion": "selection-criterion.gc",
    "economic-operator-size": "economic-operator-size.gc",
    "procurement-procedure-type": "procurement-procedure-type.gc",
    "notice-type": "notice-type.gc",
    "form-type": "form-type.gc",
}


def gc_codes(path: Path) -> set[str]:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    return {value.findtext("SimpleValue") or "" for value in tree.iter("Value") if value.get("ColumnRef") == "code"}


def mapped(list_name: str) -> set[str]:
    return {row["code"] for row in code_mapping()["rows"] if row["list"] == list_name}


@pytest.mark.shared
@pytest.mark.parametrize("list_name", sorted(LIST_FILES))
def test_every_code_of_the_codelist_is_known(shared_data: Path, list_name: str) -> None:
    codes = gc_codes(shared_data / "eforms" / "codelists" / LIST_FILES[list_name])
    assert codes, "no codes read"
    assert known_codes(list_name) == codes


@pytest.mark.shared
@pytest.mark.parametrize("list_name", sorted(set(LIST_FILES) - {"notice-type", "form-type"}))
def test_every_mvi_code_has_a_mapping_row(shared_data: Path, list_name: str) -> None:
    assert mapped(list_name) == gc_codes(shared_data / "eforms" / "codelists" / LIST_FILES[list_name])


@pytest.mark.shared
def test_every_ocds_sustainability_goal_and_strategy_is_mapped(shared_data: Path) -> None:
    folder = shared_data / "ocds" / "sustainability-extension" / "codelists"
    with (folder / "sustainabilityGoal.csv").open(newline="") as f:
        goals = {row["Code"] for row in csv.DictReader(f)}
    with (folder / "sustainabilityStrategy.csv").open(newline="") as f:
        strategies = {row["Code"] for row in csv.DictReader(f)}
    assert len(goals) == 29
    assert goals <= mapped("ocds-sustainability-goal")
    assert {row["code"] for row in code_mapping()["ocds_strategy_forms"]} == strategies


@pytest.mark.shared
def test_the_ocp_mapping_table_variants_are_mapped_like_the_extension_codes(shared_data: Path) -> None:
    rows = {(r["list"], r["code"]): r for r in code_mapping()["rows"]}
    for alias, code in {
        "environmental.waterResources": "environmental.waterResourcesProtection",
        "social.humanRightsInSupplyChain": "social.humanRightsInSupplyChains",
        "economic.processInnovation": "economic.processInnovationPromotion",
        "economic.productInnovation": "economic.productInnovationPromotion",
    }.items():
        a, b = rows[("ocds-sustainability-goal", alias)], rows[("ocds-sustainability-goal", code)]
        assert (a["theme"], a["attribute"]) == (b["theme"], b["attribute"])


def test_rows_are_well_formed() -> None:
    document = json.loads(MAPPING_FILE.read_text(encoding="utf-8"))
    assert document["version"]
    seen = set()
    for row in document["rows"]:
        key = (row["list"], row["code"])
        assert key not in seen, key
        seen.add(key)
        assert row["rule"]
        assert row["source"]
        assert row["field"]
        assert row["kind"] in {"theme", "attribute", "negative", "context"}
        assert row["form"] in FORMS
        if row["kind"] == "theme":
            assert row["theme"] in THEMES, row
            assert (row["origin"], row["confidence"]) in {
                ("explicit_code", "high"),
                ("structured_signal", "medium"),
                ("structured_signal", "low"),
            }
        elif row["kind"] == "attribute":
            assert row["attribute"] in ATTRIBUTES, row
        else:
            assert row["theme"] == ""
            assert row["attribute"] == ""
    assert {r["form"] for r in document["ocds_strategy_forms"]} <= FORMS


def test_explicit_negatives_are_negative() -> None:
    rows = {(r["list"], r["code"]): r["kind"] for r in code_mapping()["rows"]}
    for key in [
        ("strategic-procurement", "none"),
        ("gpp-criteria", "none"),
        ("reserved-procurement", "none"),
        ("reserved-execution", "no"),
        ("accessibility", "n-inc"),
        ("accessibility", "n-inc-just"),
        ("cvd-scope", "false"),
        ("indicator", "false"),
    ]:
        assert rows[key] == "negative", key
