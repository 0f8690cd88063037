"""The pickers of the contract and commitment forms: a lot is found by tender and lot title among many alike, and
emission factors are chosen from the factor sets in use, never typed."""

import pytest
from django.urls import reverse

from mvimonitor.effects.forms import CommitmentForm, ContractForm, lot_label
from mvimonitor.effects.models import EmissionFactorSet
from mvimonitor.effects.selectors import visible_factor_sets
from mvimonitor.tenders.models import Contract, Lot
from tests.factories import LotFactory, TenderFactory

from .conftest import Side

pytestmark = pytest.mark.django_db


def _lots(side: Side) -> list[Lot]:
    """Many lots with the same title, as imports make them."""
    return [
        LotFactory(tender=TenderFactory(organisation=side.organisation, title=f"Schoonmaak {n}"), title="Perceel 1")
        for n in range(3)
    ]


def test_the_lot_picker_names_tender_lot_and_id_and_lists_them_for_the_browser_to_filter(
    side_a: Side, logged_in
) -> None:  # type: ignore[no-untyped-def]
    lots = _lots(side_a)
    html = logged_in(side_a.manager).get(reverse("effects:contract-create")).content.decode()
    assert 'list="id_lot_options"' in html
    assert '<datalist id="id_lot_options">' in html
    for lot in lots:
        assert f"Schoonmaak {lots.index(lot)} — Perceel 1" in html
        assert f"#{lot.pk})" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # works without a script


def test_the_picked_label_chooses_the_lot(side_a: Side, logged_in) -> None:  # type: ignore[no-untyped-def]
    lot = _lots(side_a)[1]
    response = logged_in(side_a.manager).post(
        reverse("effects:contract-create"),
        {"lot": lot_label(lot), "supplier_name": "Gekozen BV", "start_date": "2024-01-01", "end_date": "2024-12-31"},
    )
    assert response.status_code == 302
    assert Contract.objects.get(supplier_name="Gekozen BV").lot == lot


@pytest.mark.parametrize("typed", ["Schoonmaak", "Perceel 1 (lot 1, #999999)", ""])
def test_a_text_that_names_no_lot_of_the_organisation_is_refused(side_a: Side, side_b: Side, typed: str) -> None:
    lots = Lot.objects.filter(tender__organisation=side_a.organisation)
    form = ContractForm({"lot": typed, "supplier_name": "X"}, lots=lots)
    assert not form.is_valid()
    assert "lot" in form.errors
    foreign = ContractForm({"lot": lot_label(side_b.contract.lot), "supplier_name": "X"}, lots=lots)
    assert not foreign.is_valid()
    assert "lot" in foreign.errors


def test_factors_are_a_select_of_the_sets_in_use_with_names_and_units(side_a: Side, test_set) -> None:  # type: ignore[no-untyped-def]
    form = CommitmentForm(factor_sets=visible_factor_sets(side_a.manager))
    html = str(form["factor_code"])
    assert html.startswith("<select")
    assert "<optgroup" in html
    factor = test_set.factors.get(code="electricity-nl-mix-2021")
    assert f'value="{factor.code}"' in html
    assert factor.name in html


def _commitment_data(**overrides: str) -> dict[str, str]:
    from mvimonitor.themes.models import Theme

    data = {
        "theme": str(Theme.objects.get(code="klimaat").pk),
        "kind": "electricity",
        "description": "Groene stroom",
        "quantity": "100",
        "unit": "kWh",
        "factor_code": "green-power-government-average",
        "reference_factor_code": "electricity-nl-mix-2021",
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
    }
    data.update(overrides)
    return data


def test_a_typed_code_outside_the_sets_is_refused(side_a: Side, test_set: EmissionFactorSet) -> None:
    sets = visible_factor_sets(side_a.manager)
    assert CommitmentForm(_commitment_data(), factor_sets=sets).is_valid()
    refused = CommitmentForm(_commitment_data(factor_code="made-up-code"), factor_sets=sets)
    assert not refused.is_valid()
    assert "factor_code" in refused.errors


def test_a_code_must_be_in_the_chosen_set(side_a: Side, test_set: EmissionFactorSet) -> None:
    other = EmissionFactorSet.objects.create(name="Eigen", version="1", publication_year=2024, source="eigen")
    form = CommitmentForm(_commitment_data(factor_set=str(other.pk)), factor_sets=visible_factor_sets(side_a.manager))
    assert not form.is_valid()
    assert "factor_code" in form.errors
