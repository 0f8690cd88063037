"""The organisation's annual MVI report (with or without a plan): the KPI set of the year against the previous year,
against its kind of organisation and the nation (disclosure-controlled), the effects with their intervals, social
return, and the tenders that made the most difference.

The figures come from the read paths the pages and the API use (`dashboards.selectors.kpi_values`; the effects
from `effects.yearly.organisation_year_figures`, the figure of the report's year as the action-plan reports measure
it), so the report shows their numbers; `annual_document` formats them.

The effects are those of the report's calendar year: every commitment's figure spread over its commitment period pro
rata by days (social-return FTE-years per year from the reported periods where stored), with the 95% bootstrap
interval over the commitments that run in the year and their counts with and without a value. Sanctions due are not
spread over years (a sanction is due once): their row is the organisation's total over all contract periods
(`effects.selectors.organisation_summary`), and the tables say so (`effect_over`).
"""

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mvimonitor.dashboards import selectors as kpi_selectors
from mvimonitor.dashboards.cache import facts_version
from mvimonitor.dashboards.kpis import CATALOGUE, Kpi
from mvimonitor.dashboards.vocabulary import ALL, NATIONAL, ORGANISATION, Figure
from mvimonitor.effects import selectors as effect_selectors
from mvimonitor.effects import yearly
from mvimonitor.effects.calculations import METHOD_VERSION
from mvimonitor.effects.figures import figure_label, figure_reference
from mvimonitor.effects.models import EffectCalculation
from mvimonitor.organisations.access import Action, require
from mvimonitor.organisations.models import Organisation, OrganisationKind
from mvimonitor.reports.document import Block, Chart, Document, Heading, Paragraph, Series, Table

from .content import DASH, number
from .measurement import cents

if TYPE_CHECKING:
    from mvimonitor.organisations.models import User

TOP_TENDERS = 5
SOCIAL_RETURN_KEYS = ("socialReturnObligation", "socialReturnValue", "socialReturnFteYears")
YEAR, TOTAL = "year", "total"  # an effect row is the figure of the report's year, or the total over all periods


def effect_over(key: str) -> str:
    """YEAR for a figure spread over the years (`effects.yearly.SPREAD_FIGURES`), TOTAL for one that is not
    (sanctions due)."""
    return YEAR if key in yearly.SPREAD_FIGURES else TOTAL


def annual_kpis() -> list[Kpi]:
    """The KPI set of the annual report: every KPI with one figure per year."""
    return [kpi for kpi in CATALOGUE if kpi.per == ""]


@dataclass
class KpiRow:
    kpi: Kpi
    current: Decimal | None
    previous: Decimal | None
    kind: Decimal | None
    nation: Decimal | None
    kind_suppressed: bool = False
    nation_suppressed: bool = False

    @property
    def change(self) -> Decimal | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


@dataclass
class TenderRow:
    tender_id: int
    title: str
    co2_tonnes: Decimal | None
    social_return_value: Decimal | None


@dataclass
class AnnualFigures:
    organisation: Organisation
    year: int
    kpis: list[KpiRow]
    effects: list[effect_selectors.Figure]  # of `year`, except the TOTAL ones (`effect_over`)
    tenders: list[TenderRow]
    data_version: str
    computed_at: str
    factor_sets: list[str] = field(default_factory=list)


def _by_key(figures: list[Figure]) -> dict[tuple[str, int, str], Figure]:
    return {(f.kpi, f.year, f.geo): f for f in figures if f.breakdown == ALL and f.item == ALL}


def annual_figures(user: "User", organisation: Organisation, year: int) -> AnnualFigures:
    """Every figure of the annual report of `organisation` on `year`, for a user who may see its figures."""
    require(user, Action.VIEW, organisation, _("You may not see the figures of this organisation."))
    kpis = annual_kpis()
    own = kpi_selectors.kpi_values(
        user, scope=kpi_selectors.ORGANISATION_SCOPE, organisation=organisation, years=[year - 1, year], kpis=kpis
    )
    national: list[Figure] = []
    if year in kpi_selectors.data_years():
        national = kpi_selectors.kpi_values(
            user, scope=kpi_selectors.NATIONAL_SCOPE, years=[year], kpis=kpis, organisation=organisation
        )
    found = _by_key(own + national)
    kind_geo = f"kind:{organisation.kind}"
    rows = []
    for kpi in kpis:
        kind = found.get((kpi.id, year, kind_geo))
        nation = found.get((kpi.id, year, NATIONAL))
        rows.append(
            KpiRow(
                kpi,
                _value(found.get((kpi.id, year, ORGANISATION))),
                _value(found.get((kpi.id, year - 1, ORGANISATION))),
                _value(kind),
                _value(nation),
                kind_suppressed=kind is not None and kind.suppressed is not None,
                nation_suppressed=nation is not None and nation.suppressed is not None,
            )
        )
    summary = effect_selectors.organisation_summary(organisation)
    return AnnualFigures(
        organisation=organisation,
        year=year,
        kpis=rows,
        effects=year_effects(organisation, year, summary.figures),
        tenders=top_tenders(organisation),
        data_version=facts_version(),
        computed_at=timezone.now().isoformat(timespec="seconds"),
        factor_sets=summary.factor_sets,
    )


def year_effects(
    organisation: Organisation, year: int, totals: list[effect_selectors.Figure]
) -> list[effect_selectors.Figure]:
    """The organisation's effect figures of `year` in the order, with the labels, units and references of `totals`
    (the figures over all contract periods); a figure not spread over years keeps its total."""
    of_year = yearly.organisation_year_figures(organisation.pk, year)
    figures = []
    for total in totals:
        if effect_over(total.key) == TOTAL:
            figures.append(total)
            continue
        part = of_year[total.key]
        figures.append(
            replace(
                total,
                value=part.value,
                low=part.low,
                high=part.high,
                calculable=part.calculable,
                not_calculable=part.not_calculable,
                method_version=part.method_version,
            )
        )
    return figures


def _value(figure: Figure | None) -> Decimal | None:
    return None if figure is None else figure.value


def top_tenders(organisation: Organisation, limit: int = TOP_TENDERS) -> list[TenderRow]:
    """The tenders whose contracts avoid the most CO2 as promised (the current calculations), then by the
    social-return value realised."""
    rows = (
        EffectCalculation.objects.current()
        .filter(organisation=organisation, calculable=True)
        .values("commitment__contract__lot__tender", "commitment__contract__lot__tender__title")
        .annotate(co2=Sum("ex_ante_kg"), sr=Sum("sr_value"))
        .order_by("-co2", "-sr", "commitment__contract__lot__tender")
    )
    result = []
    for row in rows:
        co2 = row["co2"]
        result.append(
            TenderRow(
                row["commitment__contract__lot__tender"],
                row["commitment__contract__lot__tender__title"],
                cents(Decimal(co2) / 1000) if co2 is not None else None,
                cents(row["sr"]) if row["sr"] is not None else None,
            )
        )
    result.sort(key=lambda r: (-(r.co2_tonnes or 0), -(r.social_return_value or 0), r.tender_id))
    return result[:limit]


def _kpi_table(figures: AnnualFigures, language: str) -> Table:
    year = figures.year
    kind = str(OrganisationKind(figures.organisation.kind).label)
    protected = _("not shown")
    rows = []
    for row in figures.kpis:
        unit = "%" if row.kpi.unit == "percent" else "pp"
        rows.append(
            [
                f"{row.kpi.name_en if language == 'en' else row.kpi.name_nl} ({unit})",
                number(row.current, language),
                number(row.previous, language),
                number(row.change, language),
                protected if row.kind_suppressed else number(row.kind, language),
                protected if row.nation_suppressed else number(row.nation, language),
            ]
        )
    notes = tuple(
        _("%(name)s (%(id)s v%(version)s): %(numerator)s / %(denominator)s")
        % {
            "name": row.kpi.name_en if language == "en" else row.kpi.name_nl,
            "id": row.kpi.id,
            "version": row.kpi.version,
            "numerator": row.kpi.numerator,
            "denominator": row.kpi.denominator,
        }
        for row in figures.kpis
    )
    return Table(
        caption=_("The KPIs of %(year)s against %(previous)s, the kind of organisation and the nation")
        % {"year": year, "previous": year - 1},
        columns=[_("KPI"), str(year), str(year - 1), _("Change"), kind, _("Netherlands")],
        rows=rows,
        numeric_columns=frozenset({1, 2, 3, 4, 5}),
        notes=(
            *notes,
            _(
                "Figures of the kind of organisation and the nation pass disclosure control: a figure of too few "
                "organisations, or one that a single organisation dominates, is not shown."
            ),
        ),
    )


def _kpi_chart(figures: AnnualFigures) -> Chart:
    rows = [row for row in figures.kpis if row.kpi.unit == "percent"]

    def floats(values: list[Decimal | None]) -> list[float | None]:
        return [None if value is None else float(value) for value in values]

    return Chart(
        title=_("KPIs of %(year)s beside the kind of organisation and the nation") % {"year": figures.year},
        categories=[row.kpi.name_en if translation.get_language() == "en" else row.kpi.name_nl for row in rows],
        series=[
            Series(figures.organisation.name, floats([row.current for row in rows])),
            Series(str(OrganisationKind(figures.organisation.kind).label), floats([row.kind for row in rows])),
            Series(_("Netherlands"), floats([row.nation for row in rows])),
        ],
        unit="%",
        decimals=2,
        category_label=_("KPI"),
    )


def _effects_table(figures: AnnualFigures, keys: tuple[str, ...] | None, caption: str, language: str) -> Table:
    year = str(figures.year)
    rows, notes, totals = [], [], False
    for figure in figures.effects:
        if keys is not None and figure.key not in keys:
            continue
        if keys is None and figure.key in SOCIAL_RETURN_KEYS:
            continue
        interval = DASH
        if figure.low is not None and figure.high is not None:
            interval = f"{number(cents(figure.low), language)} \u2013 {number(cents(figure.high), language)}"
        over = year
        if effect_over(figure.key) == TOTAL:
            over, totals = _("total of all contract periods"), True
        label = figure_label(figure.key)  # in the document's language, not the one the figures were read in
        rows.append(
            [
                label,
                figure.unit,
                over,
                number(cents(figure.value), language),
                interval,
                str(figure.calculable),
                str(figure.not_calculable),
            ]
        )
        notes.append(f"{label}: {figure_reference(figure.key)} ({_('method')} {figure.method_version})")
    notes.append(year_note(figures.year))
    if totals:
        notes.append(totals_note())
    return Table(
        caption=caption,
        columns=[
            _("Figure"),
            _("Unit"),
            _("Period"),
            _("Value"),
            _("95% interval"),
            _("Calculated"),
            _("Not calculable"),
        ],
        rows=rows,
        numeric_columns=frozenset({3, 4, 5, 6}),
        notes=tuple(notes),
    )


def year_note(year: int) -> str:
    """What a figure of the year is (the tables of the document and of the page)."""
    return _(
        "The figures of %(year)s are the part of %(year)s of the commitments that run in it: each commitment's figure "
        "spread over its commitment period pro rata by days (social-return FTE-years from the periods they were "
        "reported for), with the 95%% interval over those commitments; calculated and not calculable count the "
        "commitments that run in %(year)s."
    ) % {"year": year}


def totals_note() -> str:
    return _(
        "Sanctions due are not spread over years (a sanction is due once): their row is the total of all contract "
        "periods."
    )


def _tenders_table(figures: AnnualFigures, language: str) -> Table:
    rows = [
        [row.title, number(row.co2_tonnes, language), number(row.social_return_value, language)]
        for row in figures.tenders
    ]
    return Table(
        caption=_("Tenders that made the most difference"),
        columns=[_("Tender"), _("CO2-eq avoided as promised (t)"), _("Social-return value realised (EUR)")],
        rows=rows,
        numeric_columns=frozenset({1, 2}),
        notes=(_("Ranked by the CO2 its contracts avoid as promised, then by the social-return value realised."),),
    )


def annual_document(figures: AnnualFigures, language: str) -> Document:
    with translation.override(language):
        blocks: list[Block] = [
            Heading(_("Monitoring: the KPIs")),
            _kpi_table(figures, language),
            _kpi_chart(figures),
            Heading(_("Effects")),
            _effects_table(
                figures, None, _("Effects of %(year)s with their 95%% intervals") % {"year": figures.year}, language
            ),
            Heading(_("Social return")),
            _effects_table(
                figures, SOCIAL_RETURN_KEYS, _("Social return in %(year)s") % {"year": figures.year}, language
            ),
            Heading(_("Tenders that made the most difference")),
        ]
        if figures.tenders:
            blocks.append(_tenders_table(figures, language))
        else:
            blocks.append(Paragraph(_("No tender has a calculated effect yet.")))
        colophon = [
            (_("Organisation"), figures.organisation.name),
            (_("Year"), str(figures.year)),
            (_("Data date"), figures.computed_at),
            (_("Data version"), figures.data_version),
            (_("Effects method"), METHOD_VERSION),
            (_("Emission factor sets"), "; ".join(figures.factor_sets) or DASH),
            (_("Made with"), "MVI Monitor"),
        ]
        return Document(
            title=_("Annual MVI report %(year)s") % {"year": figures.year},
            subtitle=figures.organisation.name,
            language=language,
            blocks=blocks,
            colophon=colophon,
        )
