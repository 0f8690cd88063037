"""The demo plan's 2025 report: every number equals what the API (and so the dashboards, which read the same
selectors) shows for the same organisation and year; the DOCX and the PDF carry the same numbers; the PDF renders.

Set MVIM_PLANS_PAGES to a directory to keep the PDF pages as PNG files for a look by eye."""

import datetime as dt
import os
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.utils import translation

from mvimonitor.effects import periods
from mvimonitor.effects.calculations import grouped_bootstrap_totals
from mvimonitor.effects.figures import DRAWS, SEED, social_return_counted
from mvimonitor.effects.models import EffectCalculation
from mvimonitor.organisations.models import User
from mvimonitor.plans.annual import TOTAL, annual_document, annual_figures, effect_over
from mvimonitor.plans.content import number, progress_document
from mvimonitor.plans.models import ActionPlan, IndicatorKind, PlanStatus, ProgressReport
from mvimonitor.reports.readback import docx_text, pdf_pages_as_png, pdf_text
from mvimonitor.reports.render import render_docx, render_pdf
from tests import snapshots

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 1)
DEMO = ("--organisations", "6", "--years", "3", "--tenders-per-year", "12", "--seed", "7", "--end-year", "2025")
# Numbers with two decimals in either language's format: 1.234,56 or 1,234.56 (and a minus sign).
TWO_DECIMALS = re.compile(r"[\u2212-]?\d{1,3}(?:[.,]\d{3})*[.,]\d{2}(?!\d)")


@pytest.fixture
def demo(db: None) -> ProgressReport:
    snapshots.effects_reference()
    call_command("generate_demo", *DEMO, verbosity=0)
    call_command("generate_demo_effects", seed=7, today=TODAY, verbosity=0)
    call_command("create_demo_login", stdout=StringIO())
    call_command("generate_demo_plan", "--year", "2025", "--today", TODAY.isoformat(), verbosity=0)
    return ProgressReport.objects.select_related("plan__organisation").get()


def _cents(value: float | None) -> str | None:
    return None if value is None else str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _api(client: Client, path: str, **query: Any) -> Any:
    response = client.get(f"/api/v1/{path}", query)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_demo_plan_has_six_ambitions_and_eight_goals_five_measured(demo: ProgressReport) -> None:
    plan = demo.plan
    assert plan.status == PlanStatus.PUBLISHED
    assert plan.ambitions.count() == 6
    assert plan.goals.count() == 8
    assert plan.goals.exclude(indicator_kind=IndicatorKind.NOT_MEASURED).count() == 5
    assert demo.is_published
    assert demo.year == 2025
    assert ActionPlan.objects.count() == 1

    out = StringIO()
    call_command("generate_demo_plan", "--if-missing", "--today", TODAY.isoformat(), stdout=out)
    assert ActionPlan.objects.get().pk == plan.pk  # kept as it was
    assert ProgressReport.objects.get().snapshot == demo.snapshot


def test_every_number_of_the_report_equals_what_the_api_shows(demo: ProgressReport, client: Client) -> None:
    organisation = demo.plan.organisation
    client.force_login(User.objects.get(username="demo-lezer"))
    kpi_values = _api(
        client, "kpi-values", scope="organisation", organisation=organisation.pk, year=2025, pageSize=500
    )
    rows = kpi_values["results"] if isinstance(kpi_values, dict) else kpi_values
    kpis = {(row["kpi"], row["item"]): row for row in rows if row["breakdown"] == "all"}
    summary = _api(client, f"effect-summaries/{organisation.pk}")
    effects = {f["key"]: f for f in summary["figures"]}
    row = next(row for row in summary["periods"] if row["label"] == "2025")
    in_2025 = {key: cell["value"] for key, cell in zip(summary["periodKeys"], row["cells"], strict=True)}
    completeness = kpis[("registration-completeness", "all")]["value"]

    checked = 0
    for goal in demo.snapshot["goals"]:
        if goal["kind"] == "kpi":
            shown = kpis[(goal["kpi"], goal["kpi_item"])]
            assert goal["measured"] == _cents(shown["value"]), goal["title"]
            assert goal["version"] == f"{shown['kpi']} v{shown['kpiVersion']}"
            assert goal["completeness"] == _cents(completeness)
            checked += 1
        elif goal["kind"] == "effect":
            # the figure of 2025 (the dashboard's table per year), not the total over all contract periods
            shown = effects[goal["effect"]]
            year = _year_figure(organisation.pk, goal["effect"], 2025)
            assert goal["measured"] == _cents(in_2025[goal["effect"]]) == _cents(year.value), goal["title"]
            assert goal["measured"] != _cents(shown["value"]), goal["title"]  # the demo's contracts span years
            assert (goal["low"], goal["high"]) == (_cents(year.low), _cents(year.high))
            assert goal["version"] == shown["methodVersion"]
            assert goal["completeness"] == _cents(year.calculable * 100 / (year.calculable + year.not_calculable))
            assert goal["measured_over"] == "year"
            checked += 1
    assert checked == 5

    report = _api(client, f"plan-reports/{demo.pk}")
    assert [g["measured"] for g in report["goals"]] == [g["measured"] for g in demo.snapshot["goals"]]
    assert report["dataVersion"] == demo.data_version


@dataclass(frozen=True)
class YearFigure:
    value: float | None
    low: float | None
    high: float | None
    calculable: int
    not_calculable: int


def _year_figure(organisation: int, key: str, year: int) -> YearFigure:
    """A figure of `year` worked out here from the stored effects (docs/effects.md, "Effects per year"): each
    commitment the figure is about that runs in the year contributes its value x its exact share of the year
    (`periods.year_shares`); the calculable ones are resampled as one group in the order of their id, with the
    dashboards' draws and seed."""
    column, scale, about = {
        "co2ExAnteTonnes": ("ex_ante_kg", Decimal("0.001"), Q(is_co2=True)),
        "socialReturnValue": ("sr_value", Decimal(1), social_return_counted()),
    }[key]
    effects = EffectCalculation.objects.current().filter(about, organisation=organisation).select_related("commitment")
    parts, missing = [], 0
    for effect in effects.order_by("pk"):
        share = periods.year_shares(effect.commitment.period_start, effect.commitment.period_end).get(year)
        if share is None:
            continue
        value = getattr(effect, column)
        if value is None:
            missing += 1
        else:
            parts.append(float(value * scale * share.numerator / share.denominator))
    if not parts:
        return YearFigure(None, None, None, 0, missing)
    _total, low, high = grouped_bootstrap_totals(np.array(parts), np.zeros(len(parts), dtype=np.int64), DRAWS, SEED)
    return YearFigure(sum(parts), float(low[0, 0]), float(high[0, 0]), len(parts), missing)


def test_the_annual_report_shows_the_figures_of_the_api(demo: ProgressReport, client: Client) -> None:
    organisation = demo.plan.organisation
    user = User.objects.get(username="demo-lezer")
    client.force_login(user)
    figures = annual_figures(user, organisation, 2025)
    own = _api(client, "kpi-values", scope="organisation", organisation=organisation.pk, year=2025, pageSize=500)
    before = _api(client, "kpi-values", scope="organisation", organisation=organisation.pk, year=2024, pageSize=500)
    national = _api(client, "kpi-values", year=2025, pageSize=500)

    def value(rows: Any, kpi: str) -> Decimal | None:
        rows = rows["results"] if isinstance(rows, dict) else rows
        found = [r for r in rows if r["kpi"] == kpi and r["item"] == "all" and r["breakdown"] == "all"]
        found = [r for r in found if r["geo"] in ("organisation", "nl")]
        return None if not found or found[0]["value"] is None else Decimal(str(found[0]["value"]))

    for row in figures.kpis:
        assert row.current == value(own, row.kpi.id), row.kpi.id
        assert row.previous == value(before, row.kpi.id), row.kpi.id
        assert row.nation == value(national, row.kpi.id), row.kpi.id
    # the effects of 2025 (the dashboard's table per year, and worked out here with their intervals), sanctions as
    # their total over all contract periods
    summary = _api(client, f"effect-summaries/{organisation.pk}")
    totals = {f["key"]: f for f in summary["figures"]}
    row = next(row for row in summary["periods"] if row["label"] == "2025")
    in_2025 = {key: cell["value"] for key, cell in zip(summary["periodKeys"], row["cells"], strict=True)}
    differs = 0
    for figure in figures.effects:
        if effect_over(figure.key) == TOTAL:
            assert figure.value == totals[figure.key]["value"], figure.key
            continue
        assert _cents(figure.value) == _cents(in_2025[figure.key]), figure.key
        differs += _cents(figure.value) != _cents(totals[figure.key]["value"])
    assert differs  # the demo's contracts span years: a year is not the total
    assert [f.key for f in figures.effects if effect_over(f.key) == TOTAL] == ["sanctionsDue"]
    for key in ("co2ExAnteTonnes", "socialReturnValue"):
        shown = next(f for f in figures.effects if f.key == key)
        year = _year_figure(organisation.pk, key, 2025)
        assert [_cents(v) for v in (shown.value, shown.low, shown.high)] == [
            _cents(v) for v in (year.value, year.low, year.high)
        ], key
        assert (shown.calculable, shown.not_calculable) == (year.calculable, year.not_calculable), key


def _numbers(text: str) -> list[str]:
    return sorted(TWO_DECIMALS.findall(text))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_docx_and_pdf_carry_the_same_numbers(demo: ProgressReport, language: str) -> None:
    document = progress_document(demo, language)
    docx = docx_text(render_docx(document))
    pdf = pdf_text(render_pdf(document))

    assert _numbers(docx) == _numbers(pdf)
    for goal in demo.snapshot["goals"]:
        if goal["measured"] is not None:
            shown = number(goal["measured"], language)
            assert shown in docx
            assert shown in pdf
    assert demo.data_version in docx
    assert demo.data_version in pdf.replace("\n", "")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_annual_report_documents_carry_the_same_numbers(demo: ProgressReport, language: str) -> None:
    user = User.objects.get(username="demo-coordinator")
    document = annual_document(annual_figures(user, demo.plan.organisation, 2025), language)

    assert _numbers(docx_text(render_docx(document))) == _numbers(pdf_text(render_pdf(document)))


def test_the_pdf_renders_as_pages(demo: ProgressReport, tmp_path: Path) -> None:
    keep = os.environ.get("MVIM_PLANS_PAGES")
    directory = Path(keep) if keep else tmp_path
    directory.mkdir(parents=True, exist_ok=True)
    with translation.override("nl"):
        pdf = render_pdf(progress_document(demo, "nl"))

    pages = pdf_pages_as_png(pdf, directory, resolution=50)

    assert len(pages) >= 2
    assert all(page.read_bytes().startswith(b"\x89PNG") and page.stat().st_size > 5000 for page in pages)


def test_a_published_report_gives_the_same_document_after_the_data_changed(demo: ProgressReport) -> None:
    before = docx_text(render_docx(progress_document(demo, "en")))
    call_command("generate_demo_effects", seed=8, today=TODAY, verbosity=0)  # other effects
    demo.refresh_from_db()

    after = docx_text(render_docx(progress_document(demo, "en")))

    assert _numbers(after) == _numbers(before)
