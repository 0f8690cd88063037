"""Every national figure of a year is one protection problem: attacked across KPIs, audited with a linear program.

The audit does not trust how the cells were decided: it takes the published cells (shown ones as constants), every
identity and bound a reader knows, and asks (1) exact elimination whether any suppressed cell is determined, and
(2) HiGHS, per sensitive suppressed cell, the smallest and largest value a reader can deduce.
"""

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from mvimonitor import disclosure
from mvimonitor.dashboards import national as nat
from mvimonitor.dashboards.kpis import Breakdown
from mvimonitor.dashboards.linked import YearCells, audit, known_zero
from mvimonitor.dashboards.vocabulary import NATIONAL, Reference
from mvimonitor.disclosure.audit import derivable
from tests.dashboards.test_national import RULES, _figures, country  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _year(year: int) -> tuple[YearCells, disclosure.Protected]:
    reference = Reference.load()
    vectors = nat.load_vectors(years=[year], breakdowns=tuple(Breakdown), reference=reference)
    return nat.NationalComputation(vectors, reference, RULES).year(year)


def _audit(cells: YearCells, protected: disclosure.Protected) -> tuple[set[Any], list[Any]]:
    result = audit(cells, protected, RULES)
    return set(result.determined), list(result.narrow)


@pytest.fixture(scope="module")
def generated(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """A generated country (15 organisations, one year), shared by the tests of this module."""
    with django_db_blocker.unblock():
        call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)
        with translation.override("en"):
            call_command(
                "generate_demo",
                "--end-year",
                "2025",
                "--organisations",
                "15",
                "--years",
                "1",
                "--tenders-per-year",
                "30",
                "--seed",
                "7",
                stdout=StringIO(),
            )
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_no_suppressed_cell_is_derived_or_narrowed_on_generated_data(generated: None) -> None:
    cells, protected = _year(2025)

    determined, narrow = _audit(cells, protected)

    assert protected.suppressed_keys()  # small groups exist, so something is hidden
    assert determined == set()
    assert narrow == []
    shown_national = [key for key in cells.cells if key[1] == NATIONAL and protected.shown(key)]
    assert len(shown_national) > 100  # and the national figures are not all hidden


def test_the_theme_count_identity_does_not_give_away_the_hidden_counts(generated: None) -> None:
    """sum of the per-theme counts = sum k x (tenders with k themes), and with MVI = all - "0 themes": with the counts
    of 0-4 themes shown, the counts of 5 and 6 themes would be two unknowns in two equations."""
    reference = Reference.load()
    cells, protected = _year(2025)
    themes = [pk for pk, *_rest in reference.themes]
    for geo in {key[1] for key in cells.cells}:
        counts = [cells.key(f"tc_n_{k}", geo, "all") for k in range(len(themes) + 1)]
        per_theme = [cells.key(f"theme_n_{pk}", geo, "all") for pk in themes]
        hidden = [key for key in counts if key is not None and not protected.shown(key)]
        if not hidden:
            continue
        shown_values = {key: protected.value(key) for key in [*counts, *per_theme] if protected.shown(key)}
        # the reader's two equations, restricted to this geography
        identity = [*((key, 1) for key in per_theme), *((key, -k) for k, key in enumerate(counts))]
        total = [(cells.key("n", geo, "all"), 1), *((key, -1) for key in counts)]
        all_hidden = {key for key in [*counts, *per_theme, cells.key("n", geo, "all")] if not protected.shown(key)}
        assert derivable([tuple(identity), tuple(total)], all_hidden) == set(), (geo, shown_values)


def test_a_figure_has_one_state_in_every_table(generated: None) -> None:
    figures = _figures(2025)
    by_measure: dict[tuple[str, str], set[bool]] = {}
    for figure in figures:
        if figure.bucket != "all":
            continue
        if figure.kpi in {"mvi-share-tenders"}:
            by_measure.setdefault(("mvi_n", figure.geo), set()).add(figure.numerator is not None)
        if figure.kpi in {"form-share", "ambition-level"}:
            by_measure.setdefault(("mvi_n", figure.geo), set()).add(figure.denominator is not None)
        if figure.kpi in {"mvi-share-tenders", "theme-share-tenders", "theme-count", "registration-completeness"}:
            by_measure.setdefault(("n", figure.geo), set()).add(figure.denominator is not None)
    assert by_measure
    assert {key: states for key, states in by_measure.items() if len(states) > 1} == {}


def test_known_zeros_are_shown_as_zero_and_never_cover(generated: None) -> None:
    cells, _protected = _year(2025)

    assert known_zero("v", Breakdown.VALUE_CLASS, "unknown")
    assert cells.key("v", NATIONAL, "value_class:unknown") is None  # not a cell: everybody knows it is 0
    assert not [key for key in cells.cells if key[2] == "value_class:unknown" and key[0] in {"v", "mvi_v"}]
    (figure,) = [
        f
        for f in _figures(2025, Breakdown.VALUE_CLASS)
        if f.kpi == "mvi-share-value" and f.bucket == "unknown" and f.geo == NATIONAL
    ]
    assert (figure.numerator, figure.denominator, figure.value, figure.suppressed) == (0, 0, None, None)


@pytest.mark.usefixtures("country")
def test_the_small_country_is_protected_across_kpis() -> None:
    cells, protected = _year(2024)

    determined, narrow = _audit(cells, protected)

    assert determined == set()
    assert narrow == []
