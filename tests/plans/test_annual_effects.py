"""The annual MVI report shows the effect figures of its year: each commitment's figure spread over its commitment
period pro rata by days, with the interval and the counts of the commitments that run in the year; sanctions due,
which are not spread over years, as their total, and the tables say which is which. Hand-worked figures with the
working in the docstrings (the commitments of `conftest.commitments`)."""

import pytest
from django.test import Client
from django.urls import reverse

from mvimonitor.effects.models import EffectCalculation
from mvimonitor.plans.annual import TOTAL, YEAR, AnnualFigures, annual_document, annual_figures, effect_over
from mvimonitor.plans.content import DASH
from mvimonitor.reports.document import Table
from mvimonitor.reports.readback import docx_text
from mvimonitor.reports.render import render_docx

from .conftest import World
from .test_views import Login

pytestmark = pytest.mark.django_db
CO2 = "co2ExAnteTonnes"
SANCTIONS = "sanctionsDue"


def _figures(world: World, year: int) -> dict[str, tuple[float | None, float | None, float | None, int, int]]:
    figures = annual_figures(world.coordinator, world.organisation, year)
    return {f.key: (f.value, f.low, f.high, f.calculable, f.not_calculable) for f in figures.effects}


def _effects_table(figures: AnnualFigures, language: str) -> Table:
    document = annual_document(figures, language)
    tables = [block for block in document.blocks if isinstance(block, Table)]
    return tables[1]  # after the KPIs: the effects, then social return


def test_the_2025_report_shows_the_part_of_2025_and_the_total_of_the_sanctions(
    world: World, commitments: None
) -> None:
    """A: 24.7 t over 1 Jul 2025 - 30 Jun 2026, 184 of its 365 days in 2025: 24.7 x 184 / 365 = 4544.8 / 365
    = 12.4515 t (not the 24.7 t of the whole period); one commitment, so the interval is the value; C (not calculable)
    does not run in 2025: 1 calculated, 0 not calculable. The €2,000 sanction of A is the total, whatever the year."""
    assert EffectCalculation.objects.current().get(commitment__period_start__year=2025).ex_ante_kg == 24700

    figures = _figures(world, 2025)

    assert figures[CO2][0] == pytest.approx(24.7 * 184 / 365)
    assert figures[CO2][1:] == (pytest.approx(4544.8 / 365), pytest.approx(4544.8 / 365), 1, 0)
    assert figures[SANCTIONS] == (pytest.approx(2000), pytest.approx(2000), pytest.approx(2000), 1, 0)
    assert (effect_over(CO2), effect_over(SANCTIONS)) == (YEAR, TOTAL)


def test_the_2026_report_counts_the_commitments_that_run_in_2026(world: World, commitments: None) -> None:
    """2026: 24.7 x 181 / 365 = 4470.7 / 365 = 12.2485 t; A calculated, C (all of 2026, no reference) not."""
    figures = _figures(world, 2026)

    assert figures[CO2] == (
        pytest.approx(4470.7 / 365),
        pytest.approx(4470.7 / 365),
        pytest.approx(4470.7 / 365),
        1,
        1,
    )
    assert figures[SANCTIONS][0] == pytest.approx(2000)


def test_a_year_without_a_commitment_has_no_figure_but_the_sanctions_total(world: World, commitments: None) -> None:
    """No commitment runs in 2027: no CO2 figure (not 0) and nothing to count; the sanction stays €2,000."""
    figures = _figures(world, 2027)

    assert figures[CO2] == (None, None, None, 0, 0)
    assert figures[SANCTIONS][0] == pytest.approx(2000)

    table = _effects_table(annual_figures(world.coordinator, world.organisation, 2027), "en")
    co2 = next(row for row in table.rows if row[0].startswith("CO2-eq avoided as promised"))
    assert co2[2:] == ["2027", DASH, DASH, "0", "0"]


def test_the_document_table_says_the_year_the_share_by_days_and_the_total_of_the_sanctions(
    world: World, commitments: None
) -> None:
    """12.4515 t → 12.45; the sanction row says it is the total of all contract periods: 2,000.00."""
    table = _effects_table(annual_figures(world.coordinator, world.organisation, 2025), "en")

    assert "2025" in table.caption
    assert table.columns[2] == "Period"
    co2 = next(row for row in table.rows if row[0].startswith("CO2-eq avoided as promised"))
    sanctions = next(row for row in table.rows if row[0].startswith("Sanctions due"))
    assert co2[2:] == ["2025", "12.45", "12.45 \u2013 12.45", "1", "0"]
    assert sanctions[2:4] == ["total of all contract periods", "2,000.00"]
    assert any("pro rata by days" in note and "2025" in note for note in table.notes)
    assert any("Sanctions due are not spread over years" in note for note in table.notes)

    social = [block for block in annual_document(annual_figures(world.coordinator, world.organisation, 2025), "en")
              .blocks if isinstance(block, Table)][2]  # fmt: skip
    assert "2025" in social.caption
    assert not any("Sanctions due are not spread" in note for note in social.notes)  # no sanction in it


def test_the_page_and_the_word_document_show_the_figures_of_the_year(
    world: World, commitments: None, logged_in: Login
) -> None:
    client: Client = logged_in(world.coordinator)

    html = client.get(reverse("plans:annual"), {"year": 2025}).content.decode()
    docx = docx_text(render_docx(annual_document(annual_figures(world.coordinator, world.organisation, 2025), "nl")))

    assert f'data-effect="{CO2}">12,45<' in html
    assert f'data-effect-over="{CO2}">2025<' in html
    assert f'data-effect="{SANCTIONS}">2.000,00<' in html
    assert "12,45" in docx  # the total of the whole period would be 24,70
