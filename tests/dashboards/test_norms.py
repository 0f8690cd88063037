"""Policy norms: the shipped data names existing KPI versions with a source, and dashboards judge the figure."""

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from mvimonitor.dashboards import norms
from mvimonitor.dashboards.kpis import CATALOGUE
from mvimonitor.dashboards.organisation import organisation_figures
from mvimonitor.dashboards.tables import organisation_kpi_table
from mvimonitor.dashboards.vocabulary import Reference
from tests.factories import OrganisationFactory

KPI = next(kpi for kpi in CATALOGUE if kpi.id == "product-group-high-of-applied")


def test_the_shipped_rijk_rule_reads_its_kpi_and_names_its_source() -> None:
    (norm,) = norms.norms_for(KPI)

    assert (norm.minimum_percent, norm.applies_to) == (Decimal(50), ("rijk",))
    assert norm.source.startswith("Jaarverslag Bedrijfsvoering Rijk 2022")
    assert norm.source_year == 2023
    assert [norms.verdict(norm, v) for v in (Decimal(50), Decimal("49.99"), None)] == [
        "gehaald", "niet gehaald", "onbekend (geen cijfer)"]  # fmt: skip


def test_a_norm_on_an_unknown_kpi_version_is_refused(tmp_path: Path) -> None:
    spec = json.loads(norms.DATA.read_text(encoding="utf-8"))
    spec["norms"][0]["kpi_version"] = 99
    path = tmp_path / "norms.json"
    path.write_text(json.dumps(spec), encoding="utf-8")

    with pytest.raises(ValueError, match="no KPI product-group-high-of-applied version 99"):
        norms.all_norms(path)


@pytest.mark.django_db
def test_the_organisation_table_judges_its_figure_against_the_norm(
    make_tender: Callable[..., object], refresh: Callable[[], int]
) -> None:
    org = OrganisationFactory(kind="rijk")
    high = [(None, [("milieu", "minimumeis", "significant", None)])]
    basis = [(None, [("milieu", "minimumeis", "basis", None)])]
    make_tender(org, lots=high, product_group=True)
    make_tender(org, lots=basis, product_group=True)
    make_tender(org, lots=basis, product_group=True)
    make_tender(org, lots=[(None, [])], product_group=True)  # in a product group without MVI: outside the base
    refresh()
    figures = organisation_figures(organisation=org, years=[2024])
    (figure,) = [f for f in figures if f.kpi == KPI.id and f.item == "all" and f.bucket == "all"]

    with translation.override("en"):
        reference = Reference.load()
        table = organisation_kpi_table(
            KPI, figures, [], kind="rijk", year=2024, breakdown=KPI.breakdowns[0], dates=None, reference=reference
        )

    assert (figure.numerator, figure.denominator) == (1, 3)
    (sentence,) = table.norms
    assert "at least 50%" in sentence
    assert "Central government (Rijk)" in sentence
    assert sentence.endswith("Your organisation 2024: not met.")
