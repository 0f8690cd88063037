"""Small pure helpers and types of the import's writers and reports: values as `ImportedTender` remembers them,
notice ordering, what storing a notice gives, and a failure or warning as the report lists it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from mvimonitor.tenders.models import AwardCriterionType, Nature, ProcedureType
from mvimonitor.themes.models import ApplicationForm, Theme

from . import notices as n
from .models import ImportedTender, Severity

# The choices, as sets (Django builds `.values` anew on every access).
NATURES = frozenset(Nature.values)
PROCEDURE_TYPES = frozenset(ProcedureType.values)
CRITERION_TYPES = frozenset(AwardCriterionType.values)

# What a detector gives for a notice: proposed MVI applications and attribute signals (SME, innovation, ...).
Detector = Callable[[n.Notice], tuple[list[n.Proposal], list[n.AttributeSignal]]]
# One merged proposal: (lot number, theme, form or None, the most confident proposal, all evidence, award weight,
# the id of the catalogue criterion it links or None).
MergedProposal = tuple[str, Theme, ApplicationForm | None, n.Proposal, str, Decimal | None, int | None]


class Outcome(StrEnum):
    """What storing one notice did to the record."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def as_json(value: Any) -> Any:
    """A field value as stored in `imported_values` (JSON): decimals and dates as strings."""
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def same(a: Any, b: Any) -> bool:
    """Whether two remembered values are equal, decimals compared as numbers ("1.50" is "1.5")."""
    if isinstance(a, str) and isinstance(b, str):
        try:
            return Decimal(a) == Decimal(b)
        except ArithmeticError:
            return a == b
    return bool(a == b)


def rows_equal(a: list[list[Any]], b: list[list[Any]]) -> bool:
    """Whether two lists of award criteria ([type, name, weight]) are the same."""
    return len(a) == len(b) and all(
        x[0] == y[0]
        and x[1] == y[1]
        and (x[2] == y[2] or (x[2] is not None and y[2] is not None and same(x[2], y[2])))
        for x, y in zip(a, b, strict=True)
    )


def criteria_text(rows: list[list[Any]]) -> str:
    return "; ".join(f"{name} ({weight}%)" if weight is not None else str(name) for _type, name, weight in rows)


def is_sme(size: str) -> bool | None:
    """A winner's size (BT-165) as `Contract.supplier_is_sme`; None when the notice does not say."""
    if size in {"micro", "small", "medium", "sme"}:
        return True
    if size == "large":
        return False
    return None


def claims(notice: n.Notice) -> set[tuple[str, str]]:
    """What ties a notice to a tender: its procedure, the notice it changes, its ocid and TED id.

    Two notices of one chunk with a claim in common (or a claim an imported tender holds) are not built together:
    the later one is imported after the earlier one is stored, so it finds and updates that tender.
    """
    found = {("notice", notice.notice_id)}
    if notice.procedure_id:
        found.add(("procedure", f"{notice.source_format.value}|{notice.procedure_id}"))
    if notice.changes_notice_id:
        found.add(("notice", notice.changes_notice_id))
    for attribute in ("ocid", "ted_notice_id"):
        value = getattr(notice, attribute)
        if value:
            found.add((attribute, value))
    return found


# A notice stored by a run made for one organisation (an upload) keeps its id in `SourceRecord.notice_id` under this
# prefix with that organisation's key, and a tender whose procedure it lost to another organisation keeps the
# procedure id in `ImportedTender.procedure_id` the same way: what an upload stores never takes a notice id or a
# procedure from the organisation that really published it.
UPLOADED = "upload:"


def uploaded_key(value: str, organisation_id: int) -> str:
    """`value` (a notice id, a procedure id) as stored for an upload made for organisation `organisation_id`."""
    return f"{UPLOADED}{organisation_id}:{value}"[:200]


def version_key(version: str) -> tuple[int, int, str]:
    """Versions compare as numbers when both are numbers (eForms BT-757 "01", "02"), else as text (OCDS dates)."""
    stripped = version.strip()
    return (0, int(stripped), "") if stripped.isdigit() else (1, 0, stripped)


def older_than_applied(notice: n.Notice, link: ImportedTender) -> str:
    """The field that shows `notice` is older than the latest notice applied to the tender ("" when it is not).

    A version of the same notice compares by version; other notices of the procedure by publication date. When
    either side does not say (no date, a link from before this was recorded), the notice is applied as before.
    """
    if not link.latest_notice_id:
        return ""
    if notice.notice_id[:200] == link.latest_notice_id and notice.version and link.latest_version:
        return "version" if version_key(notice.version) < version_key(link.latest_version) else ""
    if notice.publication_date and link.latest_publication_date:
        return "publication_date" if notice.publication_date < link.latest_publication_date else ""
    return ""


@dataclass
class FailureInfo:
    severity: str
    file: str
    locator: str
    notice: str
    field: str
    message: str

    def line(self) -> str:
        """One line for a terminal: `FAILED` or `WARNING`, where (file, place, notice, field), and the message."""
        where = ", ".join(
            f"{label} {value}"
            for label, value in (
                ("file", self.file),
                ("at", self.locator),
                ("notice", self.notice),
                ("field", self.field),
            )
            if value
        )
        kind = "WARNING" if self.severity == Severity.WARNING else "FAILED"
        return f"{kind} {where}: {self.message}"
