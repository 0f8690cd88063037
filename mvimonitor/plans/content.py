"""The yearly progress report of an action plan as a `reports.document.Document`, built from the report's stored
figures (its snapshot), never from the live data: the same report gives the same document, in Dutch and English.

The renderers (`mvimonitor.reports.render`) turn it into DOCX and PDF; every number is formatted here, once, so the
two files carry the same numbers.
"""

from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from mvimonitor.dashboards.kpis import BY_ID
from mvimonitor.effects.selectors import figure_label, figure_reference
from mvimonitor.reports.document import Block, Chart, Document, Heading, Paragraph, Series, Table, format_number
from mvimonitor.themes.models import Theme

from .measurement import JUDGEMENTS, kpi_label
from .models import LadderStep, ProgressReport

DASH = "\u2013"  # an en dash for a missing figure


def number(value: str | Decimal | None, language: str, decimals: int = 2) -> str:
    """A stored figure as the documents and pages show it, in the language's number format."""
    if value is None or value == "":
        return DASH
    return format_number(float(Decimal(str(value))), decimals, language)


def _theme_names(language: str) -> dict[str, str]:
    rows = Theme.objects.order_by("order", "code").values_list("code", "name_nl", "name_en")
    return {code: (en or nl) if language == "en" else nl for code, nl, en in rows}


def _step_names(ladder: str, language: str) -> dict[int, str]:
    rows = LadderStep.objects.filter(ladder=ladder).values_list("step", "name_nl", "name_en")
    return {step: (en or nl) if language == "en" else nl for step, nl, en in rows}


def _step(value: int | None, names: dict[int, str]) -> str:
    return DASH if value is None else f"{value} {names.get(value, '')}".strip()


def indicator_text(goal: dict[str, Any], language: str) -> str:
    if goal["kind"] == "kpi":
        return kpi_label(goal["kpi"], goal["kpi_item"], language=language)
    if goal["kind"] == "effect":
        return figure_label(goal["effect"])
    return str(goal["indicator_text"])


def goal_note(goal: dict[str, Any], year: int, language: str) -> str:
    """The footnote of a goal's figure: its definition, version and completeness."""
    completeness = number(goal["completeness"], language)
    if goal["kind"] == "kpi":
        kpi = BY_ID.get(goal["kpi"])
        definition = f"{kpi.numerator} / {kpi.denominator}" if kpi is not None else goal["kpi"]
        return _(
            "%(goal)s: KPI %(version)s of the monitoring, the organisation's own figure of %(year)s. Numerator "
            "and denominator: %(definition)s Completeness: %(completeness)s%% of the tenders of the year have a "
            "confirmed MVI registration."
        ) % {
            "goal": goal["title"],
            "version": goal["version"],
            "year": year,
            "definition": definition,
            "completeness": completeness,
        }
    if goal["kind"] == "effect" and goal.get("measured_over") == "year":
        return _(
            "%(goal)s: effect figure “%(figure)s”, method %(version)s: %(reference)s The part of %(year)s of the "
            "current calculations at the data date: each commitment's figure spread over its commitment period pro "
            "rata by days. Completeness: %(completeness)s%% of the commitments concerned that run in %(year)s could "
            "be calculated."
        ) % {
            "goal": goal["title"],
            "figure": figure_label(goal["effect"]),
            "version": goal["version"],
            "reference": figure_reference(goal["effect"]),
            "year": year,
            "completeness": completeness,
        }
    if goal["kind"] == "effect":  # not spread over years (sanctions), or a report made before the split per year
        return _(
            "%(goal)s: effect figure “%(figure)s”, method %(version)s: %(reference)s Totals of the current "
            "calculations at the data date. Completeness: %(completeness)s%% of the commitments concerned could be "
            "calculated."
        ) % {
            "goal": goal["title"],
            "figure": figure_label(goal["effect"]),
            "version": goal["version"],
            "reference": figure_reference(goal["effect"]),
            "completeness": completeness,
        }
    return _("%(goal)s: not measured in MVI Monitor; the organisation reports on it in words.") % {
        "goal": goal["title"]
    }


def _why_missing(goal: dict[str, Any]) -> str:
    reasons = {
        "kpi_version_changed": _("the KPI's definition has changed since the plan was adopted"),
        "no_figure": _("no figure for this year"),
        "unknown_kpi": _("the KPI is no longer in the catalogue"),
        "unknown_effect": _("the effect figure is no longer computed"),
    }
    return reasons.get(goal["note"], "")


def _goals_tables(snapshot: dict[str, Any], language: str) -> list[Block]:
    """Two tables, narrow enough for a page: what each goal measures with its baseline and target, then the figure
    of the year with its completeness and the judgement (with a note per goal naming the figure's definition)."""
    year = snapshot["year"]
    plan_rows, figure_rows, notes = [], [], []
    for goal in snapshot["goals"]:
        measured = number(goal["measured"], language) if goal["kind"] != "not_measured" else _("not measured here")
        if goal["measured"] is None and goal["kind"] != "not_measured" and _why_missing(goal):
            measured = f"{DASH} ({_why_missing(goal)})"
        unit = f"{goal['unit']}, " if goal["unit"] else ""
        plan_rows.append(
            [
                goal["title"],
                f"{indicator_text(goal, language)} [{unit}{goal['version'] or DASH}]",
                f"{number(goal['baseline'], language)} ({goal['baseline_year'] or DASH})",
                f"{number(goal['target'], language)} ({goal['target_year'] or DASH})",
            ]
        )
        figure_rows.append(
            [goal["title"], measured, number(goal["completeness"], language), str(JUDGEMENTS[goal["status"]])]
        )
        notes.append(goal_note(goal, year, language))
    return [
        Table(
            caption=_("Goals of the plan with their indicator, baseline and target"),
            columns=[_("Goal"), _("Indicator [unit, version]"), _("Baseline (year)"), _("Target (year)")],
            rows=plan_rows,
            numeric_columns=frozenset({2, 3}),
        ),
        Table(
            caption=_("Goals and their figures of %(year)s") % {"year": year},
            columns=[_("Goal"), _("Measured %(year)s") % {"year": year}, _("Completeness (%)"), _("Judgement")],
            rows=figure_rows,
            numeric_columns=frozenset({1, 2}),
            notes=tuple(notes),
        ),
    ]


def _percent_chart(snapshot: dict[str, Any]) -> Chart | None:
    goals = [g for g in snapshot["goals"] if g["kind"] == "kpi" and g["unit"] == "%"]
    if not goals:
        return None
    return Chart(
        title=_("Goals measured as a share: measured against target"),
        categories=[goal["title"] for goal in goals],
        series=[
            Series(_("Baseline"), [_float(goal["baseline"]) for goal in goals]),
            Series(_("Measured %(year)s") % {"year": snapshot["year"]}, [_float(goal["measured"]) for goal in goals]),
            Series(_("Target"), [_float(goal["target"]) for goal in goals]),
        ],
        unit="%",
        decimals=2,
        category_label=_("Goal"),
    )


def _float(value: str | None) -> float | None:
    return None if value is None else float(Decimal(value))


def _ambitions(snapshot: dict[str, Any], assessed: dict[str, int], language: str) -> list[Block]:
    themes = _theme_names(language)
    steps = _step_names(snapshot["ladder"], language)
    rows = [
        [
            themes.get(a["theme"], a["theme"]),
            _step(a["current"], steps),
            _step(assessed.get(a["theme"]), steps),
            _step(a["target"], steps),
        ]
        for a in snapshot["ambitions"]
    ]
    year = snapshot["year"]
    table = Table(
        caption=_("Steps on the ladder per theme"),
        columns=[
            _("Theme"),
            _("Step at the start of the plan"),
            _("Self-assessed step %(year)s") % {"year": year},
            _("Target step"),
        ],
        rows=rows,
        notes=(
            _(
                "Ladder of the Manifest MVOI (%(ladder)s): 1 Afweging, 2 Pilots, 3 Verbreding, 4 Borging, "
                "5 Leiderschap. The self-assessed step is the organisation's own judgement."
            )
            % {"ladder": snapshot["ladder"]},
        ),
    )
    chart = Chart(
        title=_("Steps on the ladder per theme"),
        categories=[themes.get(a["theme"], a["theme"]) for a in snapshot["ambitions"]],
        series=[
            Series(_("Start"), [float(a["current"]) for a in snapshot["ambitions"]]),
            Series(
                _("Self-assessed %(year)s") % {"year": year},
                [_opt(assessed.get(a["theme"])) for a in snapshot["ambitions"]],
            ),
            Series(_("Target"), [float(a["target"]) for a in snapshot["ambitions"]]),
        ],
        unit=_("step"),
        category_label=_("Theme"),
    )
    return [table, chart]


def _opt(value: int | None) -> float | None:
    return None if value is None else float(value)


def _measures(report: ProgressReport) -> Table:
    rows = [
        [m.description, m.owner, m.goal.title if m.goal else DASH, str(m.due_year or DASH)]
        for m in report.plan.measures.select_related("goal")
    ]
    return Table(
        caption=_("Measures and their owners"), columns=[_("Measure"), _("Owner"), _("Goal"), _("Due year")], rows=rows
    )


def assessed_steps(report: ProgressReport) -> dict[str, int]:
    """The self-assessed steps: frozen in the snapshot once published, else as currently entered."""
    if report.is_published and "assessed" in report.snapshot:
        return {str(code): int(step) for code, step in report.snapshot["assessed"].items()}
    return {a.theme.code: a.step.step for a in report.assessments.select_related("theme", "step")}


def progress_document(report: ProgressReport, language: str) -> Document:
    """The report as a document in `language` ("nl" or "en")."""
    with translation.override(language):
        snapshot = report.snapshot
        plan = report.plan
        narrative = snapshot.get("narrative", report.narrative) if report.is_published else report.narrative
        blocks: list[Block] = [
            Heading(_("Ambitions per theme")),
            *_ambitions(snapshot, assessed_steps(report), language),
            Heading(_("Goals")),
            Paragraph(
                _(
                    "Each goal is judged from the numbers: met when the measured value has reached the target; on "
                    "track when it is at least where a straight line from the baseline to the target would be in "
                    "%(year)s; behind otherwise; not judged without a figure, a target or a baseline."
                )
                % {"year": report.year}
            ),
            *_goals_tables(snapshot, language),
        ]
        chart = _percent_chart(snapshot)
        if chart is not None:
            blocks.append(chart)
        blocks += [Heading(_("Narrative")), Paragraph(narrative or _("No narrative was written."))]
        blocks += [Heading(_("Measures")), _measures(report)]
        status = _("published") if report.is_published else _("draft")
        colophon = [
            (_("Organisation"), plan.organisation.name),
            (_("Plan"), f"{plan.title} ({plan.period})"),
            (_("Adopted"), f"{plan.adopted_by}, {plan.adopted_on}, {plan.adoption_document}".strip(", ")),
            (_("Status of the report"), str(status)),
            (_("Data date"), str(snapshot.get("computed_at", ""))),
            (_("Data version"), str(snapshot.get("data_version", ""))),
            (_("Effects method"), str(snapshot.get("effects_method", ""))),
            (_("Ladder"), str(snapshot.get("ladder", ""))),
            (_("Made with"), "MVI Monitor"),
        ]
        return Document(
            title=_("Progress report %(year)s on the MVOI action plan") % {"year": report.year},
            subtitle=f"{plan.organisation.name}: {plan.title} ({plan.period})",
            language=language,
            blocks=blocks,
            colophon=colophon,
        )
