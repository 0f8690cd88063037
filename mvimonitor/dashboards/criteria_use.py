"""How the criteria of the MVI catalogue are used in tenders: per product group x ambition level x kind, per
criterion, and a saturation signal for the catalogue's editors.

The unit of count is the tender, as in every KPI: a tender uses a criterion when an MVI application on one of its
lots names it, and counts once per figure however many lots or criteria it has. Withdrawn tenders do not count.
The year is the tender's publication year.

An organisation sees its own counts. National counts are figures over organisations and go through disclosure
control (`mvimonitor.disclosure`): every count of the year is a cell with each organisation's tenders as its
contributions, and the cells of one year are decided in one call, with the bounds a reader knows (a criterion's
count, and a combination's, is at most its product group's). They share no identity with the KPI cells of the
dashboards (those count MVI applications with or without a catalogue criterion), so they are a problem of their own.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet

from mvimonitor import disclosure
from mvimonitor.tenders.models import MVIApplication
from mvimonitor.themes.models import AmbitionLevel, Criterion, CriterionKind, ProductGroup

ORG = "lot__tender__organisation_id"
PG = "criterion__product_group_id"
LEVEL = "criterion__ambition_level__code"
KIND = "criterion__kind"
CRITERION = "criterion_id"
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Figure:
    """One count: the organisation's own (None without an organisation) and the national one (None when hidden)."""

    own: int | None
    national: int | None
    hidden: str = ""  # why the national count is hidden (a disclosure reason); "" when shown


@dataclass(frozen=True, slots=True)
class CombinationRow:
    product_group: ProductGroup
    level: str  # AmbitionLevel.code
    kind: str  # CriterionKind value
    figure: Figure
    level_label: str = ""
    kind_label: str = ""


@dataclass(frozen=True, slots=True)
class CriterionRow:
    criterion: Criterion
    figure: Figure
    group: Figure  # tenders using any criterion of the same product group


@dataclass(frozen=True, slots=True)
class Saturation:
    """A basis criterion that nearly every tender using its product group's criteria applies (national figures)."""

    criterion: Criterion
    used: int
    group: int
    percent: Decimal


@dataclass
class CriteriaUse:
    year: int
    combinations: list[CombinationRow]
    criteria: list[CriterionRow]
    saturated: list[Saturation]
    saturation_percent: int


def _counts(applications: QuerySet[MVIApplication], *fields: str) -> dict[tuple[Any, ...], dict[int, int]]:
    """Per value of `fields`: tenders per organisation."""
    out: dict[tuple[Any, ...], dict[int, int]] = defaultdict(dict)
    rows = applications.values(ORG, *fields).annotate(n=Count("lot__tender", distinct=True)).order_by()
    for row in rows:
        out[tuple(row[name] for name in fields)][row[ORG]] = row["n"]
    return out


def _figure(protected: disclosure.Protected, key: Any, own: int | None) -> Figure:
    value = protected.value(key)
    if value is not None:
        return Figure(own, int(value))
    reason = protected.decision(key).reason
    return Figure(own, None, reason.value if reason else "")


def _kind_label(kind: str) -> str:
    return str(CriterionKind(kind).label) if kind in CriterionKind.values else kind


def criteria_use(*, year: int, organisation_id: int | None) -> CriteriaUse:
    """Every count of the year, the organisation's own beside the national one."""
    applications = MVIApplication.objects.filter(
        criterion__isnull=False, lot__tender__publication_date__year=year, lot__tender__withdrawn_at__isnull=True
    )
    groups = _counts(applications, PG)
    combinations = _counts(applications, PG, LEVEL, KIND)
    criteria = _counts(applications, CRITERION, PG)
    cells = [disclosure.Cell(("group", *key), parts) for key, parts in groups.items()]
    cells += [disclosure.Cell(("combination", *key), parts) for key, parts in combinations.items()]
    cells += [disclosure.Cell(("criterion", key[0]), parts) for key, parts in criteria.items()]
    bounds = [disclosure.Inequality(((("combination", *key), 1), (("group", key[0]), -1))) for key in combinations] + [
        disclosure.Inequality(((("criterion", key[0]), 1), (("group", key[1]), -1))) for key in criteria
    ]
    protected = disclosure.protect(cells, inequalities=bounds)

    def own(parts: dict[int, int]) -> int | None:
        return None if organisation_id is None else parts.get(organisation_id, 0)

    group_figures = {key[0]: _figure(protected, ("group", *key), own(parts)) for key, parts in groups.items()}
    product_groups = ProductGroup.objects.in_bulk([key[0] for key in groups])
    found = Criterion.objects.select_related("product_group", "ambition_level").in_bulk([k[0] for k in criteria])
    combination_rows = [
        CombinationRow(
            product_groups[pg],
            level or "",
            kind or "",
            _figure(protected, ("combination", pg, level, kind), own(parts)),
        )
        for (pg, level, kind), parts in combinations.items()
    ]
    levels = {level.code: str(level) for level in AmbitionLevel.objects.all()}
    combination_rows = [
        replace(row, level_label=levels.get(row.level, row.level), kind_label=_kind_label(row.kind))
        for row in combination_rows
    ]
    combination_rows.sort(key=lambda row: (str(row.product_group), row.level, row.kind))
    criterion_rows = [
        CriterionRow(found[cid], _figure(protected, ("criterion", cid), own(parts)), group_figures[pg])
        for (cid, pg), parts in criteria.items()
    ]
    criterion_rows.sort(key=lambda row: (-(row.figure.national or 0), -(row.figure.own or 0), row.criterion.code))
    threshold = int(settings.MVIMONITOR_CRITERIA_SATURATION_PERCENT)
    saturated = []
    for row in criterion_rows:
        used, base = row.figure.national, row.group.national
        if row.criterion.ambition_level.code != "basis" or not used or not base:
            continue
        percent = (Decimal(used) * HUNDRED / Decimal(base)).quantize(Decimal("0.1"))
        if percent >= threshold:
            saturated.append(Saturation(row.criterion, used, base, percent))
    return CriteriaUse(year, combination_rows, criterion_rows, saturated, threshold)
