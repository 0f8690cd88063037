"""Which eForms fields a notice subtype (OPP-070) makes mandatory or forbids, as the eForms SDK says.

The rules are derived from the SDK's fields.json by `scripts/eforms_field_rules.py` and shipped as
`data/eforms_field_rules.json` (EUPL-1.2, the SDK version inside), so the reader never reads the SDK at run time.
Prior information notices (subtypes 1-9, E1, E2) are why one rule for all is wrong: the SDK forbids BT-04
(procedure identifier) for them, and subtypes 4-6 and E2 describe parts instead of lots.
"""

import json
from functools import cache
from typing import Any

from .codes import DATA

RULES_FILE = DATA / "eforms_field_rules.json"


@cache
def field_rules() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return document


@cache
def _sets() -> tuple[frozenset[str], dict[str, tuple[frozenset[str], frozenset[str]]]]:
    document = field_rules()
    fields = {
        field_id: (frozenset(rule["mandatory"]), frozenset(rule["forbidden"]))
        for field_id, rule in document["fields"].items()
    }
    return frozenset(document["subtypes"]), fields


def known_subtype(subtype: str) -> bool:
    """Whether the SDK knows this notice subtype."""
    return subtype in _sets()[0]


def mandatory(field_id: str, subtype: str) -> bool:
    """Whether `field_id` is mandatory for a notice of `subtype`. For a subtype the SDK does not know (or a notice
    without one), only a field mandatory for every subtype is."""
    subtypes, fields = _sets()
    required = fields[field_id][0]
    if subtype in subtypes:
        return subtype in required
    return required == subtypes


def forbidden(field_id: str, subtype: str) -> bool:
    """Whether the SDK forbids `field_id` in a notice of `subtype` (never for an unknown subtype)."""
    return subtype in _sets()[1][field_id][1]


def sdk_version() -> str:
    version: str = field_rules()["sdkVersion"]
    return version
