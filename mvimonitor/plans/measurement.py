"""A goal's indicator measured against the organisation's own data, and the rule that judges it.

Indicators read the figures through the project's read paths, so a report shows what the pages and the API show:
- a KPI through `dashboards.selectors.kpi_values` (the organisation's own figures of the year, the KPI's item),
  under the newest publication of the definitions register that holds the KPI version the goal names (so a goal
  keeps its definition when a new version is published; none holds it: no figure, and the report says why); its
  completeness is the organisation's "registration completeness" of that year (share of confirmed tenders);
- an effect figure as the figure of the report's calendar year (`effects.yearly.organisation_year_figures`, the
  current stored calculations: each commitment's figure spread over its commitment period pro rata by days, with the
  95% bootstrap interval over the commitments that reach the year); its completeness is the share of the commitments
  the figure is about that reach the year whose effect could be calculated. Sanctions are not spread over years (a
  sanction is due once): a goal on them is measured on the total over all contract periods
  (`effects.selectors.organisation_summary`), and the snapshot says so (`measured_over`: "total").

The judgement (`judge`, documented in docs/plans.md):
- met: the measured value has reached the target (at least the target when the target is above the baseline, at
  most the target when it is below);
- on track: not met, but at least as far from the baseline towards the target as the straight line from the
  baseline year to the target year has come in the report's year;
- behind: otherwise;
- not judged: no measured value, no target, or no baseline to draw the line from (and the target year not passed).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from mvimonitor.dashboards import definitions
from mvimonitor.dashboards import selectors as kpi_selectors
from mvimonitor.dashboards.kpis import BY_ID, CATALOGUE, Kpi
from mvimonitor.dashboards.vocabulary import ALL, Figure
from mvimonitor.effects import selectors as effect_selectors
from mvimonitor.effects import yearly
from mvimonitor.effects.calculations import METHOD_VERSION
from mvimonitor.organisations.models import Organisation

from .models import Goal, IndicatorKind

if TYPE_CHECKING:
    from mvimonitor.organisations.models import User

CENT = Decimal("0.01")
COMPLETENESS_KPI = "registration-completeness"
MET, ON_TRACK, BEHIND, NOT_JUDGED = "met", "on_track", "behind", "not_judged"
JUDGEMENTS = {
    MET: _("met"),
    ON_TRACK: _("on track"),
    BEHIND: _("behind"),
    NOT_JUDGED: _("not judged"),
}
# The effect figures a goal may use: key -> unit (effects.selectors.FIGURES).
EFFECT_UNITS: dict[str, str] = {key: unit for key, _label, unit, _column, _scale in effect_selectors.FIGURES}


def kpi_options() -> list[tuple[str, str]]:
    """The KPIs a goal can use, as "<id>:<item>" with a label: each single-figure KPI, and each per-theme KPI per
    theme (the themes as the catalogue holds them)."""
    from mvimonitor.themes.models import Theme

    options: list[tuple[str, str]] = []
    themes = list(Theme.objects.order_by("order", "code"))
    for kpi in CATALOGUE:
        name = _kpi_name(kpi)
        if kpi.per == "":
            options.append((f"{kpi.id}:{ALL}", name))
        elif kpi.per == "theme":
            options.extend((f"{kpi.id}:{theme.code}", f"{name}: {theme.name}") for theme in themes)
    return options


def _kpi_name(kpi: Kpi) -> str:
    from django.utils.translation import get_language

    return kpi.name_en if (get_language() or "").startswith("en") else kpi.name_nl


def kpi_label(kpi_id: str, item: str, *, language: str) -> str:
    kpi = BY_ID.get(kpi_id)
    if kpi is None:
        return kpi_id
    name = kpi.name_en if language == "en" else kpi.name_nl
    if item and item != ALL:
        from mvimonitor.themes.models import Theme

        theme = Theme.objects.filter(code=item).values_list("name_nl", "name_en").first()
        if theme is not None:
            name = f"{name}: {theme[1] or theme[0] if language == 'en' else theme[0]}"
    return name


def publication_of(kpi_id: str, version: int | None) -> int | None:
    """The newest publication of the definitions register that holds this version of the KPI, if any: a goal
    written against a KPI version that has since been replaced is measured under the definition it names."""
    for published in reversed(definitions.PUBLICATIONS):
        if any(kpi.id == kpi_id and kpi.version == version for kpi in published.kpis):
            return published.version
    return None


def newest_publication() -> int:
    return definitions.publication().version


def cents(value: Decimal | float | int | None) -> Decimal | None:
    """A figure as the report keeps and shows it: two decimals, rounded half up."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def judge(
    *,
    measured: Decimal | None,
    target: Decimal | None,
    baseline: Decimal | None,
    baseline_year: int | None,
    target_year: int | None,
    year: int,
) -> str:
    """met / on_track / behind / not_judged: the rule of the module docstring."""
    if measured is None or target is None:
        return NOT_JUDGED
    rising = baseline is None or target >= baseline
    if (measured >= target) if rising else (measured <= target):
        return MET
    if baseline is None or baseline_year is None or target_year is None or target_year <= baseline_year:
        return BEHIND if target_year is not None and year >= target_year else NOT_JUDGED
    share = Decimal(min(max(year - baseline_year, 0), target_year - baseline_year)) / Decimal(
        target_year - baseline_year
    )
    expected = baseline + (target - baseline) * share
    return ON_TRACK if ((measured >= expected) if rising else (measured <= expected)) else BEHIND


@dataclass(frozen=True)
class Measured:
    value: Decimal | None
    completeness: Decimal | None
    version: str  # the KPI id and version, or the effects method version
    low: Decimal | None = None
    high: Decimal | None = None
    note: str = ""  # why there is no value
    definition: int | None = None  # the publication of the KPI definitions computed under; None: the newest


class Reader:
    """Reads the figures of one organisation and year once, for every goal of a report."""

    def __init__(self, user: "User", organisation: Organisation, year: int) -> None:
        self.user, self.organisation, self.year = user, organisation, year
        self._kpis: dict[int | None, dict[tuple[str, str], Figure]] = {}
        self._effects: dict[str, yearly.YearFigure] | None = None
        self._effect_totals: dict[str, effect_selectors.Figure] | None = None

    def kpi_figures(self, definition_version: int | None = None) -> dict[tuple[str, str], Figure]:
        """The organisation's figures of the year under a publication of the definitions (the newest when None)."""
        if definition_version not in self._kpis:
            figures = kpi_selectors.kpi_values(
                self.user,
                scope=kpi_selectors.ORGANISATION_SCOPE,
                organisation=self.organisation,
                years=[self.year],
                definition_version=definition_version,
            )
            found = {(figure.kpi, figure.item): figure for figure in figures if figure.breakdown == ALL}
            self._kpis[definition_version] = found
        return self._kpis[definition_version]

    def effect_figures(self) -> dict[str, yearly.YearFigure]:
        """The organisation's effect figures of the report's year (those spread over the years)."""
        if self._effects is None:
            self._effects = yearly.organisation_year_figures(self.organisation.pk, self.year)
        return self._effects

    def effect_totals(self) -> dict[str, effect_selectors.Figure]:
        """The organisation's effect figures over all contract periods (for the figures not spread over years)."""
        if self._effect_totals is None:
            summary = effect_selectors.organisation_summary(self.organisation)
            self._effect_totals = {figure.key: figure for figure in summary.figures}
        return self._effect_totals

    def completeness(self) -> Decimal | None:
        figure = self.kpi_figures().get((COMPLETENESS_KPI, ALL))
        return figure.value if figure is not None else None

    def measure(self, goal: Goal) -> Measured:
        if goal.indicator_kind == IndicatorKind.KPI:
            return self._kpi(goal)
        if goal.indicator_kind == IndicatorKind.EFFECT:
            return self._effect(goal)
        return Measured(None, None, "", note="not_measured")

    def _kpi(self, goal: Goal) -> Measured:
        version = f"{goal.kpi_id} v{goal.kpi_version}"
        current = BY_ID.get(goal.kpi_id)
        definition: int | None = None  # the newest publication, when it holds the goal's version
        if current is None or current.version != goal.kpi_version:
            definition = publication_of(goal.kpi_id, goal.kpi_version)
            if definition is None:
                return Measured(None, None, version, note="unknown_kpi" if current is None else "kpi_version_changed")
        figure = self.kpi_figures(definition).get((goal.kpi_id, goal.kpi_item or ALL))
        if figure is None or figure.value is None:
            return Measured(None, self.completeness(), version, note="no_figure", definition=definition)
        return Measured(cents(figure.value), self.completeness(), version, definition=definition)

    def _effect(self, goal: Goal) -> Measured:
        if goal.effect_key not in EFFECT_UNITS:
            return Measured(None, None, METHOD_VERSION, note="unknown_effect")
        figure: yearly.YearFigure | effect_selectors.Figure
        if goal.effect_key in yearly.SPREAD_FIGURES:
            figure = self.effect_figures()[goal.effect_key]  # the report's year
        else:
            figure = self.effect_totals()[goal.effect_key]  # not spread over years: the total
        counted = figure.calculable + figure.not_calculable
        completeness = cents(Decimal(figure.calculable) * 100 / Decimal(counted)) if counted else None
        if figure.value is None:
            return Measured(None, completeness, figure.method_version, note="no_figure")
        return Measured(
            cents(figure.value), completeness, figure.method_version, low=cents(figure.low), high=cents(figure.high)
        )


def goal_row(goal: Goal, measured: Measured, year: int) -> dict[str, Any]:
    """One goal of the snapshot: what it measures, its baseline and target, the measured figure and the judgement."""
    status = judge(
        measured=measured.value,
        target=goal.target_value,
        baseline=goal.baseline_value,
        baseline_year=goal.baseline_year,
        target_year=goal.target_year,
        year=year,
    )
    return {
        "id": goal.pk,
        "title": goal.title,
        "theme": goal.theme.code if goal.theme else "",
        "kind": goal.indicator_kind,
        "kpi": goal.kpi_id,
        "kpi_version": goal.kpi_version,
        "kpi_item": goal.kpi_item,
        "effect": goal.effect_key,
        "indicator_text": goal.indicator_text,
        "unit": goal_unit(goal),
        "baseline": text(goal.baseline_value),
        "baseline_year": goal.baseline_year,
        "target": text(goal.target_value),
        "target_year": goal.target_year,
        "measured": text(measured.value),
        "low": text(measured.low),
        "high": text(measured.high),
        "completeness": text(measured.completeness),
        "version": measured.version,
        "definition_version": (measured.definition or newest_publication())
        if goal.indicator_kind == IndicatorKind.KPI
        else None,
        "note": measured.note,
        "measured_over": measured_over(goal),
        "status": status,
    }


def measured_over(goal: Goal) -> str:
    """What span of time a goal's figure covers: "year" (the report's year: a KPI, or an effect figure spread over
    the years), "total" (an effect figure over all contract periods: sanctions), "" (not measured here)."""
    if goal.indicator_kind == IndicatorKind.KPI:
        return "year"
    if goal.indicator_kind == IndicatorKind.EFFECT:
        return "year" if goal.effect_key in yearly.SPREAD_FIGURES else "total"
    return ""


def goal_unit(goal: Goal) -> str:
    if goal.indicator_kind == IndicatorKind.KPI:
        kpi = BY_ID.get(goal.kpi_id)
        return "%" if kpi is not None and kpi.unit == "percent" else "pp"
    if goal.indicator_kind == IndicatorKind.EFFECT:
        return EFFECT_UNITS.get(goal.effect_key, goal.unit)
    return goal.unit


def goal_rows(user: "User", organisation: Organisation, goals: Sequence[Goal], year: int) -> list[dict[str, Any]]:
    reader = Reader(user, organisation, year)
    return [goal_row(goal, reader.measure(goal), year) for goal in goals]
