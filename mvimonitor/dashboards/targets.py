"""Targets: what a monitoring figure should reach in a year, and how far the figure is from it (ADR 0036).

A target reads one version of one KPI of the catalogue (or a figure the catalogue does not compute yet, listed in
`OUTSIDE_CATALOGUE`); a figure of another version is not judged. It holds for the country (judged against the
national figure), for a kind of organisation (against the figure of each organisation of that kind, and the kind's
national figure), or for one organisation (its own figure). The verdict is "met" when the figure is on the right
side of the target, "not met" otherwise, and "unknown" when there is no figure or disclosure control hides it.
The gap is the figure minus the target, in the KPI's unit (percentage points for a share).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mvimonitor.organisations.models import OrganisationKind

from .kpis import BY_ID, Kpi, Unit
from .models import Direction, Target, TargetScope
from .vocabulary import ALL, NATIONAL, ORGANISATION, Figure


@dataclass(frozen=True, slots=True)
class Subject:
    """A figure a target may name: its id, version, unit and names."""

    id: str
    version: int
    unit: str
    name_nl: str
    name_en: str
    computed: bool  # whether the monitoring computes the figure per year (the catalogue's KPIs)


# Figures with a target from policy that the KPI catalogue does not compute per year: their targets are listed and
# judged "unknown (no figure)" until it does. The CO2 avoided is estimated on the effects page, over all commitments.
OUTSIDE_CATALOGUE = {
    "co2-avoided": Subject(
        "co2-avoided", 1, "Mton CO2-eq", "Vermeden CO2-uitstoot door inkoop", "CO2 avoided through purchasing", False
    ),
}


def subject(kpi_id: str, version: int) -> Subject | None:
    """The figure a target names, when that id and version exist."""
    kpi = BY_ID.get(kpi_id)
    if kpi is not None:
        if kpi.version != version:
            return None
        return Subject(kpi.id, kpi.version, kpi.unit.value, kpi.name_nl, kpi.name_en, True)
    outside = OUTSIDE_CATALOGUE.get(kpi_id)
    return outside if outside is not None and outside.version == version else None


def subjects() -> list[Subject]:
    """Every figure a target may name, the catalogue's first."""
    named = [subject(kpi_id, BY_ID[kpi_id].version) for kpi_id in BY_ID]
    return [s for s in named if s is not None] + list(OUTSIDE_CATALOGUE.values())


def name(target: Target) -> str:
    return target.name_en if get_language() == "en" and target.name_en else target.name_nl


def _for(kpi: Kpi, year: int) -> Q:
    return (
        Q(kpi=kpi.id, kpi_version=kpi.version)
        & (Q(year_from__isnull=True) | Q(year_from__lte=year))
        & (Q(year_until__isnull=True) | Q(year_until__gte=year))
    )


def for_organisation(kpi: Kpi, year: int, *, organisation_id: int | None, kind: str) -> list[Target]:
    """The targets an organisation's figure of this KPI and year is held against: its own and its kind's."""
    own = Q(scope=TargetScope.ORGANISATION, organisation_id=organisation_id) if organisation_id else Q(pk__in=[])
    return list(Target.objects.filter(_for(kpi, year) & (own | Q(scope=TargetScope.KIND, organisation_kind=kind))))


def for_country(kpi: Kpi, year: int) -> list[Target]:
    """The national targets and those of a kind of organisation (judged against the national figures)."""
    return list(Target.objects.filter(_for(kpi, year) & Q(scope__in=[TargetScope.NATIONAL, TargetScope.KIND])))


def gap(target: Target, value: Decimal | None) -> Decimal | None:
    """The figure minus the target (None without a figure)."""
    return None if value is None else value - target.value


def met(target: Target, value: Decimal | None) -> bool | None:
    if value is None:
        return None
    return value >= target.value if target.direction == Direction.AT_LEAST else value <= target.value


def verdict(target: Target, value: Decimal | None) -> str:
    reached = met(target, value)
    if reached is None:
        return _("unknown (no figure)")
    return _("met") if reached else _("not met")


def amount(target: Target, number: Decimal, *, difference: bool = False) -> str:
    """A target value, figure or gap in the target's unit: 50% (a gap: 8.0 pp), or 1 Mton CO2-eq."""
    text = number_format(number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), 1)
    if target.unit == Unit.PERCENT:
        return _("%(value)s pp") % {"value": text} if difference else f"{text}%"
    if target.unit == Unit.PERCENTAGE_POINTS:
        return _("%(value)s pp") % {"value": text}
    return f"{text} {target.unit}"


def years_text(target: Target) -> str:
    first, last = target.year_from, target.year_until
    if first is None and last is None:
        return _("every year")
    if first == last:
        return str(first)
    if last is None:
        return _("from %(year)s") % {"year": first}
    if first is None:
        return _("until %(year)s") % {"year": last}
    return f"{first}\u2013{last}"


def whom(target: Target) -> str:
    if target.scope == TargetScope.KIND:
        return str(OrganisationKind(target.organisation_kind).label)
    if target.scope == TargetScope.ORGANISATION and target.organisation is not None:
        return target.organisation.name
    return _("the country")


def definition(target: Target) -> str:
    """The target in words: name, direction and value, years, for whom, source."""
    return _("%(target)s (%(direction)s %(value)s, %(years)s; for %(whom)s; source: %(source)s, %(source_year)s).") % {
        "target": name(target),
        "direction": Direction(target.direction).label,
        "value": amount(target, target.value),
        "years": years_text(target),
        "whom": whom(target),
        "source": target.source,
        "source_year": target.source_year,
    }


def judgement(target: Target, value: Decimal | None, whose: str, year: int) -> str:
    """One figure against the target, with the gap: "Your organisation 2024: 42.0%, 8.0 pp below the target: not
    met." """
    words = {"whose": whose, "year": year, "verdict": verdict(target, value)}
    difference = gap(target, value)
    if value is None or difference is None:
        return _("%(whose)s %(year)s: no figure, so %(verdict)s.") % words
    words |= {"figure": amount(target, value), "gap": amount(target, abs(difference), difference=True)}
    if difference < 0:
        return _("%(whose)s %(year)s: %(figure)s, %(gap)s below the target: %(verdict)s.") % words
    if difference > 0:
        return _("%(whose)s %(year)s: %(figure)s, %(gap)s above the target: %(verdict)s.") % words
    return _("%(whose)s %(year)s: %(figure)s, exactly the target: %(verdict)s.") % words


def describe(target: Target, value: Decimal | None, whose: str, year: int) -> str:
    """The target and one figure's judgement, as one line for a page or an export."""
    return f"{definition(target)} {judgement(target, value, whose, year)}"


def lines(targets: Iterable[tuple[Target, Decimal | None, str]], year: int) -> list[str]:
    """Every (target, figure, whose) as a line, in the targets' order."""
    return [describe(target, value, whose, year) for target, value, whose in targets]


def visible(organisation_id: int | None) -> list[Target]:
    """The targets a reader of this organisation's figures (or of the national ones, None) may see: the shipped
    ones and the organisation's own."""
    shown = Q(scope__in=[TargetScope.NATIONAL, TargetScope.KIND])
    if organisation_id is not None:
        shown |= Q(scope=TargetScope.ORGANISATION, organisation_id=organisation_id)
    return list(Target.objects.filter(shown).select_related("organisation"))


def for_figure(candidates: Iterable[Target], figure: Figure, *, kind: str | None = None) -> list[Target]:
    """The targets an undivided figure is held against: an organisation's figure (geo "organisation") against its
    own targets and its kind's (`kind`), the national figure against the national targets, a kind's national figure
    against that kind's targets. Parts of a breakdown have no target."""
    if figure.bucket != ALL:
        return []
    out = []
    for target in candidates:
        if (target.kpi, target.kpi_version, target.item) != (figure.kpi, figure.version, figure.item):
            continue
        if not target.applies_in(figure.year):
            continue
        if figure.geo == ORGANISATION:
            wanted = target.scope == TargetScope.ORGANISATION or (
                target.scope == TargetScope.KIND and target.organisation_kind == kind
            )
        elif figure.geo == NATIONAL:
            wanted = target.scope == TargetScope.NATIONAL
        else:
            wanted = target.scope == TargetScope.KIND and figure.geo == f"kind:{target.organisation_kind}"
        if wanted:
            out.append(target)
    return out
