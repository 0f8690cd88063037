"""Write mvimonitor/imports/data/eforms_field_rules.json: for the eForms fields the reader checks, the notice subtypes
(OPP-070) that make each field mandatory and those that forbid it, derived from the eForms SDK's fields.json.

    .venv/bin/python scripts/eforms_field_rules.py ../shared/data/eforms/fields/fields.json

The reader must not read ../shared at run time, so the derived file is shipped with the code; a test marked `shared`
checks that the shipped file equals what this script derives. Only unconditional constraints are kept (a constraint
with a `condition`, such as "a lot group is forbidden when the notice has fewer than two lots", needs the notice's
content and is left to the reader). A field whose base rule is mandatory or forbidden for every subtype lists every
subtype the SDK names. Rerun when the SDK version changes.
"""

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "mvimonitor" / "imports" / "data" / "eforms_field_rules.json"
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "eforms" / "fields" / "fields.json"

# field id -> what the reader does with it
FIELDS = {
    "OPP-070-notice": "notice subtype: which rules apply",
    "BT-701-notice": "notice identifier",
    "BT-757-notice": "notice version",
    "BT-04-notice": "procedure identifier (groups the notices of one procedure)",
    "BT-02-notice": "notice type",
    "BT-03-notice": "form type (notice family)",
    "BT-702(a)-notice": "notice language",
    "BT-702(b)-notice": "additional notice languages",
    "BT-137-Lot": "lots",
    "BT-137-Part": "parts of a prior information notice (read like lots)",
    "BT-137-LotsGroup": "lot groups (their signals reach their lots)",
    "BT-330-Procedure": "group composition: group identifier",
    "BT-1375-Procedure": "group composition: lots of a group",
    "OPT-300-Procedure-Buyer": "buyer reference",
    "BT-500-Organization-Company": "organisation name",
    "BT-539-Lot": "award criterion type",
    "BT-539-LotsGroup": "award criterion type of a lot group",
    "BT-67(a)-Procedure": "exclusion grounds (not read as criteria)",
}
LICENCE = "EUPL-1.2"
SOURCE = "fields/fields.json of the eForms SDK (https://github.com/OP-TED/eForms-SDK)"


def _subtype_key(subtype: str) -> tuple[int, int, str]:
    """Numbered subtypes in numeric order (1, 2, ..., 40), then the lettered ones (CEI, E1, T01, X01)."""
    return (0, int(subtype), "") if subtype.isdigit() else (1, 0, subtype)


def _subtypes(rule: dict[str, Any] | None, every: list[str]) -> list[str]:
    """The subtypes for which an SDK rule (`mandatory` or `forbidden`) holds without a condition."""
    if not rule:
        return []
    found: set[str] = set(every) if rule.get("value") is True else set()
    for constraint in rule.get("constraints", []):
        if "condition" in constraint:
            continue
        types = set(constraint.get("noticeTypes", []))
        if constraint.get("value") is True:
            found |= types
        else:
            found -= types
    return sorted(found, key=_subtype_key)


def derive(document: dict[str, Any]) -> dict[str, Any]:
    """The compact rules for `FIELDS` from a parsed SDK fields.json."""
    fields = {field["id"]: field for field in document["fields"]}
    every: set[str] = set()
    for field in document["fields"]:
        for key in ("mandatory", "forbidden"):
            for constraint in (field.get(key) or {}).get("constraints", []):
                every.update(constraint.get("noticeTypes", []))
    subtypes = sorted(every, key=_subtype_key)
    rules: dict[str, Any] = {}
    for field_id, purpose in FIELDS.items():
        field = fields.get(field_id)
        if field is None:
            raise SystemExit(f"{field_id} is not in fields.json: the SDK changed, review FIELDS")
        rules[field_id] = {
            "purpose": purpose,
            "xpath": field["xpathAbsolute"],
            "mandatory": _subtypes(field.get("mandatory"), subtypes),
            "forbidden": _subtypes(field.get("forbidden"), subtypes),
        }
    return {
        "sdkVersion": document["sdkVersion"],
        "source": SOURCE,
        "licence": LICENCE,
        "derivedBy": "scripts/eforms_field_rules.py",
        "subtypes": subtypes,
        "fields": rules,
    }


def render(rules: dict[str, Any]) -> str:
    """The rules as JSON, one field a block and each list of subtypes on one line (a diff shows what changed)."""
    lines = ["{"]
    for key in ("sdkVersion", "source", "licence", "derivedBy"):
        lines.append(f" {json.dumps(key)}: {json.dumps(rules[key], ensure_ascii=False)},")
    lines.append(f' "subtypes": {json.dumps(rules["subtypes"])},')
    lines.append(' "fields": {')
    items = list(rules["fields"].items())
    for index, (field_id, rule) in enumerate(items):
        body = ",\n".join(
            f"   {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in rule.items()
        )
        lines.append(f"  {json.dumps(field_id)}: {{\n{body}\n  }}" + ("," if index + 1 < len(items) else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    document = json.loads(source.read_text(encoding="utf-8"))
    OUT.write_text(render(derive(document)), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(FIELDS)} fields, {document['sdkVersion']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
