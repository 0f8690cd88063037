"""Bids from a CSV file (the export of a tender platform or a spreadsheet): read, check every row, then write all or
nothing.

Columns by header, in any order, English or Dutch (case and spacing ignored): bidder/inschrijver, kvk,
price/prijs, tonnes/ton, ladder level/niveau, mki, and one column per quality criterion of the lot, named as the
criterion (its score). Separator comma, semicolon or tab; UTF-8 (with or without BOM).
Every row is checked as the bid form checks it (numbers in the reader's language); one bad row refuses the file and
the page lists every problem by row and column. A bidder that already has the same bid is skipped, so importing a
file again changes nothing; a bidder with a different bid is refused, never overwritten.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.organisations.models import User

from .forms import SCORE_PREFIX, BidForm, split_scores
from .models import AwardMethod, Bid, QualityCriterion
from .services import add_bid

MAX_BYTES = 1_000_000
MAX_ROWS = 1000
HEADERS = {
    "bidder_name": {"bidder", "bidder name", "bidder_name", "inschrijver", "naam"},
    "bidder_kvk": {"kvk", "kvk number", "kvk-nummer", "kvk nummer", "bidder_kvk"},
    "price": {"price", "prijs", "price (€)", "prijs (€)"},
    "tonnes": {"tonnes", "ton", "tonnes co2-eq", "ton co2-eq"},
    "ladder_level": {"ladder level", "ladder_level", "niveau", "co2-prestatieladder", "ladderniveau"},
    "mki": {"mki", "mki (€)"},
}


@dataclass(frozen=True)
class ImportResult:
    created: int
    unchanged: int


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _field_of(header: str, criteria: list[QualityCriterion]) -> str | None:
    key = _key(header)
    for criterion in criteria:
        if _key(criterion.name) == key:
            return f"{SCORE_PREFIX}{criterion.pk}"
    return next((field for field, names in HEADERS.items() if key in names), None)


def read_bids(data: bytes, criteria: list[QualityCriterion] | None = None) -> list[dict[str, Any]]:
    """The checked rows of the file as the bid form cleans them (with ``criteria``, the lot's quality criteria, whose
    scores it must hold); ValidationError with every problem otherwise."""
    criteria = criteria or []
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than %(size)s bytes.") % {"size": f"{MAX_BYTES:,}"})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _("The file is not UTF-8 text (byte %(position)s). Save it as CSV UTF-8.") % {"position": error.start}
        ) from error
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ValidationError(_("The file is empty: the first line must name the columns."))
    try:
        dialect: Any = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader)
    fields = [_field_of(name, criteria) for name in header]
    problems = [
        _("Column %(number)s (%(name)s) is not known.") % {"number": number, "name": name}
        for number, (name, field) in enumerate(zip(header, fields, strict=True), start=1)
        if field is None and name.strip()
    ]
    for needed in ("bidder_name", "price"):
        if needed not in fields:
            problems.append(_("The column %(name)s is missing.") % {"name": sorted(HEADERS[needed])[0]})
    for criterion in criteria:
        if f"{SCORE_PREFIX}{criterion.pk}" not in fields:
            problems.append(_("The column %(name)s is missing.") % {"name": criterion.name})
    if problems:
        raise ValidationError(problems)
    rows: list[dict[str, Any]] = []
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationError(_("The file has more than %(count)s bids.") % {"count": MAX_ROWS})
        if len(values) != len(header):
            problems.append(
                _("Row %(row)s has %(found)s values for %(expected)s columns.")
                % {"row": number, "found": len(values), "expected": len(header)}
            )
            continue
        form = BidForm(
            data={field: value.strip() for field, value in zip(fields, values, strict=True) if field is not None},
            criteria=criteria,
        )
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                problems.extend(
                    _("Row %(row)s, %(column)s: %(problem)s") % {"row": number, "column": label, "problem": error}
                    for error in errors
                )
            continue
        bid_values, scores = split_scores(form.cleaned_data)
        rows.append({**bid_values, "scores": scores, "row": number})
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError(_("The file holds no bids."))
    return rows


def _same_bidder(bid: Bid, row: dict[str, Any]) -> bool:
    if bid.bidder_kvk and row["bidder_kvk"]:
        return bool(bid.bidder_kvk == row["bidder_kvk"])
    return " ".join(bid.bidder_name.split()).casefold() == " ".join(row["bidder_name"].split()).casefold()


def _same_bid(bid: Bid, row: dict[str, Any]) -> bool:
    def equal(stored: Decimal | int | None, read: Decimal | int | None) -> bool:
        return (stored is None and read is None) or (stored is not None and read is not None and stored == read)

    stored_scores = {score.criterion_id: score.score for score in bid.scores.all()}
    return stored_scores == row["scores"] and all(
        equal(getattr(bid, field), row[field]) for field in ("price", "tonnes", "ladder_level", "mki")
    )


@transaction.atomic
def import_bids(*, user: User, method: AwardMethod, rows: list[dict[str, Any]]) -> ImportResult:
    """Add the rows as bids of the method, all or nothing (see the module)."""
    existing = list(method.bids.prefetch_related("scores"))
    created = unchanged = 0
    problems: list[str] = []
    for row in rows:
        match = next((bid for bid in existing if _same_bidder(bid, row)), None)
        if match is not None:
            if _same_bid(match, row):
                unchanged += 1
            else:
                problems.append(
                    _("Row %(row)s: %(name)s already has another bid; remove it first to replace it.")
                    % {"row": row["row"], "name": match.bidder_name}
                )
            continue
        values = {key: value for key, value in row.items() if key != "row"}
        try:
            existing.append(add_bid(user=user, method=method, **values))
        except ValidationError as error:
            problems.extend(
                _("Row %(row)s: %(problem)s") % {"row": row["row"], "problem": message} for message in error.messages
            )
            continue
        created += 1
    if problems:
        raise ValidationError(problems)
    return ImportResult(created=created, unchanged=unchanged)
