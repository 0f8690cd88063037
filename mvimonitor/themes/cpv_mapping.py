"""Which product groups a CPV code may belong to: suggestions, never assignments.

No official mapping of CPV codes to the MVI criteria tool's product groups was found (docs/criteria.md). What there
is: CPV codes named in old criteria documents (loaded as proposed rows of `ProductGroupCpvMapping` by
`load_cpv_hints`), mappings a person confirmed or rejected later, and the CPV prefixes a release gives a product group
itself. `suggest_product_groups` reads them and proposes; it writes nothing, and nothing in MVI Monitor assigns a
product group from it without a person choosing.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError, TableResult, read_text, row_error, upsert

from .models import MappingStatus, ProductGroup, ProductGroupCpvMapping

HINT_COLUMNS = ("product_group_name_nl", "cpv_code", "source_title", "source_year")
STATUS_RANK = {MappingStatus.CONFIRMED: 0, MappingStatus.PROPOSED: 1}
NOW_NAMED = re.compile(r"\(now:\s*(?P<name>[^)]+)\)", re.IGNORECASE)
YEAR = re.compile(r"(?<!\d)(?:199\d|20\d\d)(?!\d)")


@dataclass(frozen=True)
class Suggestion:
    """A product group that a CPV code may belong to, and why: the code asked about, the prefix that matched it, how
    sure the match is (`status`: confirmed before proposed) and where it comes from."""

    product_group: ProductGroup
    cpv_code: str
    matched: str
    status: str
    source: str
    source_url: str = ""


def _digits(code: str) -> str:
    """A CPV code as its 8 digits: spaces and the check digit ("45000000-7") are dropped."""
    return re.sub(r"\D", "", code.split("-")[0])[:8]


def significant(prefix: str) -> str:
    """The digits of a CPV code or prefix that say something: the trailing zeros of a code mark its level in the
    vocabulary (39130000 is the class 3913), so they are dropped, keeping at least the division (2 digits)."""
    stripped = prefix.rstrip("0")
    return stripped if len(stripped) >= 2 else prefix[:2]


def suggest_product_groups(cpv_codes: Iterable[str], *, release_version: str | None = None) -> list[Suggestion]:
    """Product groups the given CPV codes may belong to, best first; the caller shows them and a person decides.

    A suggestion comes from a mapping whose CPV code or prefix covers one of the codes (39130000 and 3913 both cover
    39131100): a confirmed `ProductGroupCpvMapping` or a CPV prefix the release itself gives the group (both status
    confirmed), or a proposed mapping. Rejected mappings are never suggested. Each product group (by code) is
    suggested once, with its best match: confirmed before proposed, then the longer, more specific prefix; ties go by
    the group's name. `matched` is the mapping's prefix without its trailing zeros.

    `release_version`: only groups of that release. Without it, every release is read, and a group that is in several
    is given as it is in the newest release with a match.
    """
    codes = {digits for digits in (_digits(code) for code in cpv_codes) if len(digits) >= 2}
    covered: dict[str, str] = {}  # significant prefix -> the code asked about
    for code in sorted(codes):
        for length in range(2, len(code) + 1):
            covered.setdefault(code[:length], code)
    if not covered:
        return []
    stored = {*covered, *(prefix.ljust(8, "0") for prefix in covered)}
    mappings = ProductGroupCpvMapping.objects.filter(
        cpv_prefix__in=sorted(stored), status__in=list(STATUS_RANK)
    ).select_related("product_group__product_group_set")
    groups = ProductGroup.objects.exclude(cpv_prefixes=[]).select_related("product_group_set")
    if release_version is not None:
        mappings = mappings.filter(product_group__product_group_set__version=release_version)
        groups = groups.filter(product_group_set__version=release_version)
    candidates = [
        Suggestion(
            mapping.product_group,
            covered[significant(mapping.cpv_prefix)],
            significant(mapping.cpv_prefix),
            mapping.status,
            mapping.source,
            mapping.source_url,
        )
        for mapping in mappings
        if significant(mapping.cpv_prefix) in covered
    ]
    for group in groups:
        for prefix in group.cpv_prefixes:
            if significant(prefix) in covered:
                matched = significant(prefix)
                candidates.append(Suggestion(group, covered[matched], matched, MappingStatus.CONFIRMED, group.source))
    best: dict[str, Suggestion] = {}
    for item in sorted(candidates, key=_strength):
        best.setdefault(item.product_group.code, item)
    return sorted(best.values(), key=lambda item: (*_strength(item)[:2], item.product_group.name_nl))


def _strength(item: Suggestion) -> tuple[int, int, int, int]:
    """Sorts the best match first: confirmed, longer prefix, newer release."""
    release = item.product_group.product_group_set
    return (STATUS_RANK[MappingStatus(item.status)], -len(item.matched), -release.valid_from.toordinal(), -release.pk)


# --- loading the historical hints ------------------------------------------------------------------------------------


def _groups_named(name: str, by_name: dict[str, list[ProductGroup]]) -> list[ProductGroup]:
    found = by_name.get(name.casefold().strip(), [])
    if not found and (now := NOW_NAMED.search(name)):
        found = by_name.get(now.group("name").casefold().strip(), [])
    return found


@transaction.atomic
def cpv_hints_load(*, path: Path) -> TableResult:
    """Load CPV codes named per product group in old criteria documents as proposed mappings (a CSV with at least
    HINT_COLUMNS, and source_url and note when present). A row is attached to every product group of that Dutch name,
    in every release; "Hardware (now: ICT-hardware en mobiele apparaten)" names the group in brackets. Rows whose
    group is not loaded are skipped and counted in a note. A mapping someone confirmed or rejected keeps its status."""
    result = TableResult("CPV mappings of product groups")
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    missing = [name for name in HINT_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise row_error(path.name, 1, ", ".join(missing), _("column is missing from the header"))
    by_name: dict[str, list[ProductGroup]] = {}
    for group in ProductGroup.objects.all():
        by_name.setdefault(group.name_nl.casefold(), []).append(group)
    skipped: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {key: (value or "").strip() for key, value in row.items() if key}
        code = _digits(values.get("cpv_code", ""))
        if not 2 <= len(code) <= 8 or not values.get("cpv_code", "").split("-")[0].strip().isdigit():
            raise row_error(
                path.name, line, "cpv_code", _("%(value)s is not a CPV code") % {"value": values["cpv_code"]}
            )
        year = YEAR.search(values.get("source_year", ""))
        if year is None:
            raise row_error(
                path.name, line, "source_year", _("no year in %(value)s") % {"value": values["source_year"]}
            )
        if not values.get("source_title"):
            raise row_error(path.name, line, "source_title", _("a value is required"))
        groups = _groups_named(values.get("product_group_name_nl", ""), by_name)
        if not groups:
            name = values.get("product_group_name_nl", "")
            skipped[name] = skipped.get(name, 0) + 1
            continue
        note = values.get("note", "")
        if values["source_year"] != year.group(0):
            note = f"{note} Year of the source as given: {values['source_year']}.".strip()  # stored data, in English
        for group in groups:
            upsert(  # the status is left as it is: proposed when new, or what a person decided
                ProductGroupCpvMapping,
                {"product_group": group, "cpv_prefix": code},
                {
                    "source": values["source_title"][:500],
                    "source_url": values.get("source_url", "")[:500],
                    "source_year": int(year.group(0)),
                    "note": note,
                },
                result,
            )
    for name, count in sorted(skipped.items()):
        result.notes.append(
            _("%(name)s: no product group of that name is loaded; %(count)s row(s) skipped.")
            % {"name": name or "?", "count": count}
        )
    if not result.created and not result.updated and not result.unchanged and not skipped:
        raise ReferenceDataError(_("%(file)s has no rows.") % {"file": path.name})
    return result
