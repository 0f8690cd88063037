"""The Vega-Lite specs of the dashboard charts: a legend entry for every series, at most six series per chart (more
become one figure at a time, chosen under the chart), labels wrapped and never cut off, colours that colour-blind
readers can tell apart and that stand out against white, and the same numbers as the table."""

import itertools
import math
from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from mvimonitor.dashboards.kpis import CATALOGUE
from mvimonitor.dashboards.tables import (
    DASH,
    LABEL_WIDTH,
    MAX_SERIES,
    PALETTE,
    ChartRow,
    bar_chart,
    line_chart,
    trend_table,
    wrap,
)
from mvimonitor.dashboards.vocabulary import ALL, NATIONAL, ORGANISATION, Figure

PROVINCES = ["Drenthe", "Flevoland", "Fryslân", "Gelderland", "Groningen", "Limburg", "Noord-Brabant", "Noord-Holland"]
PARTS = ["Alle aanbestedingen", "Werken", "Leveringen", "Diensten"]
OWN_SERIES = ["Uw organisatie", "Landelijk, Gemeente", "Landelijk"]


def _series_in_data(spec: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(v["series"] for v in spec["data"]["values"]))


def _legend(spec: dict[str, Any]) -> list[str]:
    color = spec["encoding"].get("color")
    return color["scale"]["domain"] if color else []


def _categories(spec: dict[str, Any], group: str | None) -> list[str]:
    field = spec["encoding"]["y"]["field"] if spec["mark"]["type"] == "bar" else "year"
    values = [v for v in spec["data"]["values"] if group is None or v["group"] == group]
    return list(dict.fromkeys(v[field] for v in values))


def test_breakdown_shows_one_figure_at_a_time_with_its_parts_on_the_axis() -> None:
    rows = [
        ChartRow(figure, part, series, 10.0 + n)
        for figure in ("Aandeel aanbestedingen met MVI", "Sociaal")
        for part in PARTS
        for n, series in enumerate(OWN_SERIES)
    ]

    spec, groups = bar_chart("Aandeel, 2024", rows, "procent")

    assert spec is not None
    assert groups == ["Aandeel aanbestedingen met MVI", "Sociaal"]
    assert spec["params"] == [{"name": "group", "value": groups[0]}]
    assert spec["transform"] == [{"filter": "datum.group === group"}]
    # Werken, Leveringen and Diensten are whole labels, not "Aandeel aanbestedingen met MVI - W..." cut off
    assert _categories(spec, groups[0]) == PARTS
    assert _legend(spec) == OWN_SERIES == _series_in_data(spec)
    assert spec["encoding"]["color"]["scale"]["range"] == list(PALETTE[:3])
    assert spec["usermeta"] == {"categories": PARTS, "legend": OWN_SERIES, "groups": groups}


def test_without_breakdown_every_figure_is_a_row_and_every_series_in_the_legend() -> None:
    rows = [ChartRow(f"Thema {n}", "", series, 1.0) for n in range(5) for series in OWN_SERIES]

    spec, groups = bar_chart("Thema's", rows, "procent")

    assert spec is not None
    assert groups == []
    assert "params" not in spec
    assert _categories(spec, None) == [f"Thema {n}" for n in range(5)]
    assert _legend(spec) == OWN_SERIES
    assert spec["height"] == 5 * len(OWN_SERIES) * 22  # a bar is 22 px high, whatever the number of rows


def test_more_series_than_colours_become_bars_named_on_the_axis() -> None:
    rows = [ChartRow(figure, "", province, 5.0) for figure in ("MVI", "Sociaal") for province in PROVINCES]

    spec, groups = bar_chart("Per provincie", rows, "procent")

    assert spec is not None
    assert len(PROVINCES) > MAX_SERIES
    assert groups == ["MVI", "Sociaal"]
    assert "color" not in spec["encoding"]  # one colour: the axis names each bar
    assert _categories(spec, "MVI") == PROVINCES
    assert spec["usermeta"]["legend"] == []


def test_more_series_with_a_breakdown_name_figure_and_part_in_the_selector() -> None:
    rows = [ChartRow("MVI", part, province, 5.0) for part in PARTS[:2] for province in PROVINCES]

    _spec, groups = bar_chart("Per provincie", rows, "procent")

    assert groups == [f"MVI{DASH}Alle aanbestedingen", f"MVI{DASH}Werken"]


def test_trend_of_twelve_lines_shows_one_figure_with_its_three_lines() -> None:
    """Four headline figures for the organisation, its kind and the country were twelve lines with a legend of
    four; now a figure is chosen under the chart and its three lines are all in the legend."""
    headline = [kpi for kpi in CATALOGUE if kpi.headline]
    geos = [ORGANISATION, "kind:gemeente", NATIONAL]
    figures = [
        Figure(kpi.id, kpi.version, ALL, year, "all", ALL, geo, 1, 2, Decimal(n + year - 2020))
        for n, kpi in enumerate(headline)
        for year in (2022, 2023, 2024)
        for geo in geos
    ]
    with translation.override("nl"):
        table = trend_table(headline, figures, [], years=[2022, 2023, 2024], kind="gemeente")

    spec = table.chart
    assert spec is not None
    assert len(headline) * len(geos) > MAX_SERIES
    assert table.chart_groups == [kpi.name_nl for kpi in headline]
    assert _legend(spec) == ["Uw organisatie", "Gemeente", "Nederland"] == _series_in_data(spec)
    assert spec["encoding"]["shape"]["scale"]["domain"] == _legend(spec)  # shapes too, not colour alone
    for group in table.chart_groups:
        assert _categories(spec, group) == ["2022", "2023", "2024"]
    # the same numbers as the table: every value cell of the table is a point of the chart
    table_values = sorted(float(cell.value) for row in table.rows for cell in row[1:] if cell.value is not None)
    assert sorted(v["value"] for v in spec["data"]["values"]) == table_values


def test_national_trend_of_four_lines_shows_them_all_at_once() -> None:
    headline = [kpi for kpi in CATALOGUE if kpi.headline]
    figures = [
        Figure(kpi.id, kpi.version, ALL, 2024, "all", ALL, NATIONAL, 1, 2, Decimal(n))
        for n, kpi in enumerate(headline)
    ]
    with translation.override("nl"):
        table = trend_table(headline, [], figures, years=[2024], kind=None)

    assert table.chart is not None
    assert table.chart_groups == []
    assert _legend(table.chart) == [kpi.name_nl for kpi in headline]


def test_nothing_to_draw_is_no_chart() -> None:
    assert bar_chart("Leeg", [], "procent") == (None, [])
    assert line_chart("Leeg", [], "procent") == (None, [])


@pytest.mark.parametrize(
    "label",
    [
        "Aandeel opdrachtwaarde met MVI",
        "Publiekrechtelijke instelling",
        "Samenwerkingsverband",
        "Aandeel aanbestedingen met MVI-toepassing als gunningscriterium",
    ],
)
def test_labels_wrap_at_spaces_and_keep_every_word(label: str) -> None:
    wrapped = wrap(label)

    assert wrapped.replace("\n", " ") == label
    assert all(len(line) <= LABEL_WIDTH or " " not in line for line in wrapped.split("\n"))


def test_labels_are_never_cut_off() -> None:
    spec, _groups = bar_chart("X", [ChartRow("Aandeel opdrachtwaarde met MVI", "", "Nederland", 1.0)], "procent")

    assert spec is not None
    config = spec["config"]
    assert config["axis"]["labelLimit"] == 0  # no limit: vega would cut a longer label off with "…"
    assert config["legend"]["labelLimit"] == 0
    assert config["style"]["guide-label"]["lineBreak"] == "\n"
    assert spec["data"]["values"][0]["category"] == "Aandeel opdrachtwaarde\nmet MVI"


def test_charts_fill_their_column_at_a_readable_height() -> None:
    bars, _groups = bar_chart("X", [ChartRow("MVI", "", "Nederland", 1.0)], "procent")
    lines, _groups = line_chart("X", [ChartRow("MVI", "2024", "Nederland", 1.0)], "procent")

    assert bars is not None
    assert lines is not None
    assert bars["width"] == lines["width"] == "container"
    assert bars["height"] >= 66
    assert lines["height"] >= 300


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_colour_has_three_to_one_contrast_on_white() -> None:
    """WCAG 1.4.11: graphical objects needed to understand the chart."""
    ratios = {colour: 1.05 / (_relative_luminance(colour) + 0.05) for colour in PALETTE}

    assert len(PALETTE) >= MAX_SERIES
    assert min(ratios.values()) >= 3, ratios


# Machado, Oliveira & Fernandes (2009), full dichromacy, on linear RGB
DICHROMACY = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.01182, 0.04294, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.3039)),
}


def _lab(colour: str, matrix: tuple[tuple[float, float, float], ...]) -> tuple[float, float, float]:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, linear, strict=True)))) for row in matrix)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


@pytest.mark.parametrize("deficiency", DICHROMACY)
def test_colours_stay_apart_for_colour_blind_readers(deficiency: str) -> None:
    """Every two colours differ by at least 15 (CIELAB ΔE*76) as a dichromat sees them; 2-3 is just noticeable."""
    seen = {colour: _lab(colour, DICHROMACY[deficiency]) for colour in PALETTE}

    closest = min(math.dist(seen[a], seen[b]) for a, b in itertools.combinations(PALETTE, 2))

    assert closest >= 15, f"two colours look alike with {deficiency}: ΔE {closest:.1f}"


def test_the_selector_is_rendered_hidden_until_the_chart_is_drawn() -> None:
    headline = [kpi for kpi in CATALOGUE if kpi.headline]
    geos = [ORGANISATION, "kind:gemeente", NATIONAL]
    figures = [
        Figure(kpi.id, kpi.version, ALL, 2024, "all", ALL, geo, 1, 2, Decimal(1)) for kpi in headline for geo in geos
    ]
    with translation.override("en"):
        table = trend_table(headline, figures, [], years=[2024], kind="gemeente")
        html = render_to_string("dashboards/includes/table.html", {"table": table})

    assert '<div class="mvim-chart__control" data-mvim-chart-control="trend-spec" hidden>' in html
    assert '<label class="utrecht-form-label" for="trend-figure">Figure in the chart</label>' in html
    assert html.count("<option ") == len(headline)
    assert 'id="trend-spec" type="application/json"' in html


def test_a_table_without_a_number_to_draw_says_so_instead_of_an_empty_chart() -> None:
    kpi = next(kpi for kpi in CATALOGUE if kpi.headline)
    suppressed = Figure(kpi.id, kpi.version, ALL, 2024, "all", ALL, NATIONAL, None, None, None, "dominance")
    with translation.override("en"):
        table = trend_table([kpi], [], [suppressed], years=[2024], kind=None)
        html = render_to_string("dashboards/includes/table.html", {"table": table})

    assert table.chart is None
    assert "data-mvim-chart" not in html
    assert "There is no chart: the table below has no figure that can be drawn." in html
