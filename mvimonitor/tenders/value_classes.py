"""Contract-size classes of a tender's value: part of the record's vocabulary (the tender list filters on them,
the monitoring figures break down by them).

The classes are data (`data/value_classes.json`, with source and year). A tender's value for this purpose is its
estimated value, else the sum of its lots' estimated values, else missing (class `UNKNOWN_VALUE_CLASS`).
After changing the file run `manage.py refresh_facts`, so the stored monitoring facts follow.
"""

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import models
from django.db.models import Case, Value, When

DATA_DIR = Path(__file__).resolve().parent / "data"
UNKNOWN_VALUE_CLASS = "unknown"


@cache
def value_classes() -> tuple[tuple[str, Decimal | None, str, str], ...]:
    """(code, upper bound or None, Dutch name, English name) from data/value_classes.json, in order."""
    rows = json.loads((DATA_DIR / "value_classes.json").read_text(encoding="utf-8"))["rows"]
    return tuple(
        (row["code"], Decimal(row["upper"]) if row["upper"] is not None else None, row["name_nl"], row["name_en"])
        for row in rows
    )


def value_class_case(value: str) -> Case:
    """The value class of the amount in the column or annotation `value`: the first class whose upper bound lies
    above it, the open-ended class beyond the last bound, "unknown" when the amount is missing."""
    whens = [When(**{f"{value}__isnull": True}, then=Value(UNKNOWN_VALUE_CLASS))]
    last = UNKNOWN_VALUE_CLASS
    for code, upper, _nl, _en in value_classes():
        if upper is None:
            last = code
        else:
            whens.append(When(**{f"{value}__lt": upper}, then=Value(code)))
    return Case(*whens, default=Value(last), output_field=models.CharField())
