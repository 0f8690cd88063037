"""Write mvimonitor/imports/data/code_mapping.json: every code of the MVI-relevant eForms codelists and the OCDS
Sustainability extension, each with the theme / attribute it signals (or why it signals none).

    .venv/bin/python scripts/build_code_mapping.py ../shared/data

The theme assignments below are the project's decisions, following the proposal in shared/docs/data-standards.md §5;
the code lists and labels come from the eForms SDK 1.15.1 Genericode files and the OCDS Sustainability extension
CSVs. Rerun when a codelist changes; tests/imports/test_code_mapping.py fails when a code is missing.
"""

import csv
import json
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "mvimonitor" / "imports" / "data" / "code_mapping.json"
SDK = "eForms SDK 1.15.1 codelists (OP-TED/eForms-SDK tag 1.15.1, EUPL-1.2)"
OCDS = "OCDS Sustainability extension codelists (open-contracting-extensions/ocds_sustainability_extension @ b8d93a0e)"
STANDARD = "shared/docs/data-standards.md §5 (MVI Monitor mapping proposal)"

# list name -> (gc file, eForms field)
LISTS = {
    "strategic-procurement": ("strategic-procurement.gc", "BT-06"),
    "environmental-impact": ("environmental-impact.gc", "BT-774"),
    "social-objective": ("social-objective.gc", "BT-775"),
    "innovative-acquisition": ("innovative-acquisition.gc", "BT-776"),
    "gpp-criteria": ("gpp-criteria.gc", "BT-805"),
    "reserved-procurement": ("reserved-procurement.gc", "BT-71"),
    "reserved-execution": ("applicability_reserved-execution.gc", "BT-736"),
    "accessibility": ("accessibility.gc", "BT-754"),
    "indicator": ("indicator.gc", "BT-726"),
    "cvd-scope": ("indicator_cvd-scope.gc", "BT-717"),
    "cvd-contract-type": ("cvd-contract-type.gc", "BT-735"),
    "vehicle-category": ("vehicle-category.gc", "BT-723"),
    "vehicles": ("vehicles.gc", "OPT-155"),
    "eed-scope": ("indicator_eed-scope.gc", "BT-810"),
    "energy-efficiency-basis": ("energy-efficiency-basis.gc", "BT-811(a)"),
    "energy-efficiency-item": ("energy-efficiency-item.gc", "BT-811(b)"),
    "energy-efficiency-label": ("energy-efficiency-label.gc", "BT-812"),
    "selection-criterion": ("selection-criterion.gc", "BT-809"),
    "economic-operator-size": ("economic-operator-size.gc", "BT-165"),
    "procurement-procedure-type": ("procurement-procedure-type.gc", "BT-105"),
}

# lists the readers only validate (a code outside them is a warning, or an error for the notice type)
VALIDATION_LISTS = {
    "notice-type": "notice-type.gc",
    "form-type": "form-type.gc",
    "contract-nature": "contract-nature.gc",
    "award-criterion-type": "award-criterion-type.gc",
    "number-weight": "number-weight.gc",
    "received-submission-type": "received-submission-type.gc",
    "winner-selection-status": "winner-selection-status.gc",
    "buyer-legal-type": "buyer-legal-type.gc",
}

E, S = ("explicit_code", "high"), ("structured_signal", "medium")
# (list, code) -> decision. kind: theme | attribute | negative | context (no theme: recorded, not proposed)
DECISIONS: dict[tuple[str, str], dict[str, object]] = {
    ("strategic-procurement", "env-imp"): {
        "kind": "theme",
        "theme": "milieu",
        "how": S,
        "only_if_absent": ["environmental-impact"],
        "note": "umbrella; the specific objective is BT-774",
    },
    ("strategic-procurement", "soc-obj"): {
        "kind": "context",
        "note": "umbrella for social objectives; the theme comes from BT-775 or the BT-777 text",
    },
    ("strategic-procurement", "inn-pur"): {"kind": "attribute", "attribute": "innovation", "how": E},
    ("strategic-procurement", "none"): {"kind": "negative"},
    ("environmental-impact", "biodiv-eco"): {"kind": "theme", "theme": "milieu", "how": E},
    ("environmental-impact", "pollu-prev"): {"kind": "theme", "theme": "milieu", "how": E},
    ("environmental-impact", "water-mar"): {"kind": "theme", "theme": "milieu", "how": E},
    ("environmental-impact", "clim-mitig"): {"kind": "theme", "theme": "klimaat", "how": E},
    ("environmental-impact", "clim-adapt"): {"kind": "theme", "theme": "klimaat", "how": E},
    ("environmental-impact", "circ-econ"): {"kind": "theme", "theme": "circulair", "how": E},
    ("environmental-impact", "other"): {
        "kind": "theme",
        "theme": "milieu",
        "how": S,
        "note": "environmental, unspecified",
    },
    ("social-objective", "hum-right"): {"kind": "theme", "theme": "keten", "how": E},
    ("social-objective", "work-cond"): {
        "kind": "theme",
        "theme": "keten",
        "how": E,
        "note": "fair working conditions; in Dutch practice the ISV/IMVO clause, can also be national labour law: "
        "check the text",
    },
    ("social-objective", "gen-eq"): {"kind": "theme", "theme": "d_i", "how": E},
    ("social-objective", "et-eq"): {"kind": "theme", "theme": "d_i", "how": E},
    ("social-objective", "acc-all"): {"kind": "theme", "theme": "d_i", "how": E},
    ("social-objective", "opp"): {"kind": "theme", "theme": "sroi", "how": E},
    ("social-objective", "other"): {
        "kind": "context",
        "note": "social, unspecified: no theme can be chosen without the text",
    },
    ("gpp-criteria", "eu"): {
        "kind": "theme",
        "theme": "milieu",
        "how": S,
        "only_if_absent": ["environmental-impact"],
        "note": "EU GPP criteria used; an instrument, the theme comes from BT-774 when given",
    },
    ("gpp-criteria", "national"): {
        "kind": "theme",
        "theme": "milieu",
        "how": S,
        "only_if_absent": ["environmental-impact"],
        "note": "national GPP criteria (for Dutch buyers most likely the MVI criteria tool; interpretation)",
    },
    ("gpp-criteria", "other"): {
        "kind": "theme",
        "theme": "milieu",
        "how": S,
        "only_if_absent": ["environmental-impact"],
    },
    ("gpp-criteria", "none"): {"kind": "negative"},
    ("reserved-procurement", "res-ws"): {
        "kind": "theme",
        "theme": "sroi",
        "how": E,
        "form": "selectie",
        "note": "participation reserved to sheltered workshops (Aw 2012 art. 2.82)",
    },
    ("reserved-procurement", "res-pub-ser"): {
        "kind": "context",
        "note": "reserved to public-service-mission organisations (art. 77 of 2014/24/EU): not social return as such",
    },
    ("reserved-procurement", "none"): {"kind": "negative"},
    ("reserved-execution", "yes"): {
        "kind": "theme",
        "theme": "sroi",
        "how": E,
        "form": "contractbepaling",
        "note": "execution within sheltered employment programmes",
    },
    ("reserved-execution", "no"): {"kind": "negative"},
    ("reserved-execution", "not-known"): {"kind": "context"},
    ("accessibility", "inc"): {
        "kind": "theme",
        "theme": "d_i",
        "how": E,
        "form": "minimumeis",
        "note": "accessibility criteria in the technical specifications",
    },
    ("accessibility", "n-inc"): {"kind": "negative"},
    ("accessibility", "n-inc-just"): {"kind": "negative"},
    ("indicator", "true"): {
        "kind": "attribute",
        "attribute": "sme_friendly",
        "how": E,
        "note": "BT-726 suitable for SMEs",
    },
    ("indicator", "false"): {"kind": "negative"},
    ("cvd-scope", "true"): {
        "kind": "theme",
        "theme": "klimaat",
        "how": S,
        "form": "minimumeis",
        "note": "Clean Vehicles Directive applies: minimum shares of clean vehicles are mandatory",
    },
    ("cvd-scope", "false"): {"kind": "negative"},
    ("vehicles", "vehicles"): {"kind": "context", "note": "count of all CVD vehicles (denominator)"},
    ("vehicles", "vehicles-clean"): {
        "kind": "theme",
        "theme": "klimaat",
        "how": E,
        "min_count": 1,
        "note": "clean vehicles procured (count > 0)",
    },
    ("vehicles", "vehicles-zero-emission"): {
        "kind": "theme",
        "theme": "klimaat",
        "how": E,
        "min_count": 1,
        "note": "zero-emission vehicles procured (count > 0)",
    },
    ("eed-scope", "true"): {
        "kind": "theme",
        "theme": "klimaat",
        "how": S,
        "note": "Energy Efficiency Directive applies",
    },
    ("eed-scope", "false"): {"kind": "negative"},
    ("selection-criterion", "slc-abil-mgmt-env"): {"kind": "theme", "theme": "milieu", "how": S, "form": "selectie"},
    ("selection-criterion", "slc-sche-env-cert-indep"): {
        "kind": "theme",
        "theme": "milieu",
        "how": S,
        "form": "selectie",
    },
    ("selection-criterion", "slc-abil-mgmt-supply"): {
        "kind": "theme",
        "theme": "keten",
        "how": ("structured_signal", "low"),
        "form": "selectie",
        "note": "supply chain management: often, not always, chain responsibility",
    },
    ("economic-operator-size", "micro"): {
        "kind": "attribute",
        "attribute": "sme_friendly",
        "how": S,
        "note": "outcome: the winner is an SME",
    },
    ("economic-operator-size", "small"): {
        "kind": "attribute",
        "attribute": "sme_friendly",
        "how": S,
        "note": "outcome: the winner is an SME",
    },
    ("economic-operator-size", "medium"): {
        "kind": "attribute",
        "attribute": "sme_friendly",
        "how": S,
        "note": "outcome: the winner is an SME",
    },
    ("economic-operator-size", "sme"): {
        "kind": "attribute",
        "attribute": "sme_friendly",
        "how": S,
        "note": "outcome: the winner is an SME",
    },
    ("procurement-procedure-type", "innovation"): {
        "kind": "attribute",
        "attribute": "innovation",
        "how": E,
        "note": "innovation partnership",
    },
}
for code in ("mar-nov", "proc-innov", "prod-innov", "rd-act"):
    DECISIONS[("innovative-acquisition", code)] = {"kind": "attribute", "attribute": "innovation", "how": E}
for code in ("eco-des", "eed-spec", "enrg-lab", "gpp-crit", "nzeb-bui"):
    DECISIONS[("energy-efficiency-basis", code)] = {
        "kind": "theme",
        "theme": "klimaat",
        "how": S,
        "form": "minimumeis",
        "note": "energy-efficiency requirement basis",
    }

GOALS = {
    "economic.formalEmploymentPromotion": ("theme", "sroi"),
    "economic.innovativePurchase": ("attribute", "innovation"),
    "economic.marketInnovationPromotion": ("attribute", "innovation"),
    "economic.processInnovationPromotion": ("attribute", "innovation"),
    "economic.productInnovationPromotion": ("attribute", "innovation"),
    "economic.researchDevelopmentActivities": ("attribute", "innovation"),
    "environmental": ("theme", "milieu"),
    "environmental.biodiversityProtectionRestoration": ("theme", "milieu"),
    "environmental.carbonEmissionsReduction": ("theme", "klimaat"),
    "environmental.circularEconomy": ("theme", "circulair"),
    "environmental.climateChangeAdaptation": ("theme", "klimaat"),
    "environmental.climateChangeMitigation": ("theme", "klimaat"),
    "environmental.energyEfficiency": ("theme", "klimaat"),
    "environmental.pollutionPrevention": ("theme", "milieu"),
    "environmental.recycling": ("theme", "circulair"),
    "environmental.resourceReuse": ("theme", "circulair"),
    "environmental.waterResourcesProtection": ("theme", "milieu"),
    "environmental.wasteReduction": ("theme", "circulair"),
    "social.accessibility": ("theme", "d_i"),
    "social.disadvantagedEmploymentOpportunities": ("theme", "sroi"),
    "social.ethnicEquality": ("theme", "d_i"),
    "social.genderEquality": ("theme", "d_i"),
    "social.humanRightsInSupplyChains": ("theme", "keten"),
    "social.laborRightsPromotion": ("theme", "keten"),
    "social.smeInclusion": ("attribute", "sme_friendly"),
    "social.womenInclusion": ("theme", "d_i"),
}
# codes of OCP's eForms mapping tables that differ from the extension's codelist (shared/data/ocds/README.md)
GOAL_ALIASES = {
    "environmental.waterResources": "environmental.waterResourcesProtection",
    "social.humanRightsInSupplyChain": "social.humanRightsInSupplyChains",
    "economic.processInnovation": "economic.processInnovationPromotion",
    "economic.productInnovation": "economic.productInnovationPromotion",
}
STRATEGY_FORMS = {
    "awardCriteria": "gunningscriterium",
    "contractPerformanceConditions": "contractbepaling",
    "selectionCriteria": "selectie",
    "technicalSpecifications": "minimumeis",
    "reservedParticipation": "",
    "marginOfPreference": "",
    "euGPPCriteria": "",
    "nationalGPPCriteria": "",
    "otherGPPCriteria": "",
}


def read_gc(path: Path) -> list[tuple[str, str]]:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    rows = []
    for row in tree.iter("Row"):
        values = {v.get("ColumnRef"): (v.findtext("SimpleValue") or "") for v in row.iter("Value")}
        rows.append((values.get("code", ""), values.get("eng_label", "") or values.get("Name", "")))
    return rows


def row(decision: dict[str, object], **base: object) -> dict[str, object]:
    kind = decision["kind"]
    out = dict(base)
    out["kind"] = kind
    out["theme"] = decision.get("theme", "")
    out["attribute"] = decision.get("attribute", "")
    out["form"] = decision.get("form", "")
    how = decision.get("how", ("", ""))
    out["origin"], out["confidence"] = how  # type: ignore[misc]
    out["only_if_absent"] = decision.get("only_if_absent", [])
    out["min_count"] = decision.get("min_count", 0)
    out["note"] = decision.get("note", "")
    return out


def main() -> int:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
    rows = []
    for list_name, (gc_file, field) in LISTS.items():
        for code, label in read_gc(shared / "eforms" / "codelists" / gc_file):
            decision = DECISIONS.get((list_name, code), {"kind": "context"})
            rows.append(
                row(
                    decision,
                    rule=f"{field}:{code}",
                    list=list_name,
                    code=code,
                    field=field,
                    label_en=label,
                    source=f"{SDK}; theme: {STANDARD}",
                )
            )
    with open(shared / "ocds" / "sustainability-extension" / "codelists" / "sustainabilityGoal.csv", newline="") as f:
        for record in csv.DictReader(f):
            code = record["Code"]
            kind, target = GOALS.get(code, ("context", ""))
            decision = (
                {"kind": kind, kind: target, "how": E}
                if kind != "context"
                else {"kind": "context", "note": "umbrella goal without a specific theme"}
            )
            if code == "environmental":
                decision = {"kind": "theme", "theme": "milieu", "how": S, "note": "environmental, unspecified"}
            rows.append(
                row(
                    decision,
                    rule=f"ocds-goal:{code}",
                    list="ocds-sustainability-goal",
                    code=code,
                    field="sustainability[].goal",
                    label_en=record["Title"],
                    source=f"{OCDS}; theme: {STANDARD}",
                )
            )
    for alias, code in GOAL_ALIASES.items():
        kind, target = GOALS[code]
        rows.append(
            row(
                {"kind": kind, kind: target, "how": E, "note": f"alias of {code} used by OCP's eForms mapping tables"},
                rule=f"ocds-goal:{alias}",
                list="ocds-sustainability-goal",
                code=alias,
                field="sustainability[].goal",
                label_en=alias,
                source="shared/data/ocds/README.md (mapping-table variants)",
            )
        )
    with open(
        shared / "ocds" / "sustainability-extension" / "codelists" / "sustainabilityStrategy.csv", newline=""
    ) as f:
        strategies = {r["Code"]: r["Title"] for r in csv.DictReader(f)}
    validation = {}
    for list_name, gc_file in VALIDATION_LISTS.items():
        validation[list_name] = sorted(code for code, _ in read_gc(shared / "eforms" / "codelists" / gc_file))
    document = {
        "version": "2026.1",
        "comment": "Explicit codes of procurement notices -> MVI theme (milieu, klimaat, circulair, keten, d_i, sroi) "
        "or tender attribute (sme_friendly, innovation). kind: theme/attribute propose something; "
        "negative = the buyer said no (recorded, never proposed); context = recorded, no theme. "
        "origin/confidence: explicit_code/high, "
        "structured_signal/medium or low. only_if_absent: skip when the lot has a code of that list (umbrella codes). "
        "min_count: for counts (OPT-156). Generated by scripts/build_code_mapping.py.",
        "rows": rows,
        "known_codes": {"source": SDK, "lists": validation},
        "ocds_strategy_forms": [
            {"code": code, "form": STRATEGY_FORMS.get(code, ""), "label_en": title, "source": OCDS}
            for code, title in strategies.items()
        ],
    }
    OUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(rows)} rows -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
