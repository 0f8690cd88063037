"""The shipped ISV reference data loads on the shipped catalogue, idempotently, and a bad file changes nothing."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mvimonitor.isv.loaders import DATA_FILE, load_isv_reference
from mvimonitor.isv.models import CategoryMapping, CategorySuggestion, IloIssue, RiskList
from mvimonitor.themes.models import IsvRiskCategory

pytestmark = pytest.mark.django_db


def test_the_shipped_data_loads_once(reference_data: None) -> None:
    results = load_isv_reference()
    assert all(result.changed for result in results)
    assert not any(result.changed for result in load_isv_reference())
    assert RiskList.objects.get(list_version="rijk-2023").categories().count() == 10
    assert RiskList.objects.get(list_version="rijk-herijking").valid_from is None  # the date is not stated
    assert IsvRiskCategory.objects.filter(list_version="rijk-herijking").count() == 8
    assert CategoryMapping.objects.count() == 10
    werkplek = CategoryMapping.objects.filter(new__name_nl="Werkplekomgeving")
    assert {m.old.name_nl for m in werkplek} == {
        "Papier, afvoer vertrouwelijke informatiedragers, print- en drukwerk",
        "Kantoorartikelen en computersupplies",
    }
    assert all(m.inferred for m in werkplek)
    assert all(s.inferred and s.source and s.note for s in CategorySuggestion.objects.all())
    assert IloIssue.objects.count() == 4
    assert all("NOT VERIFIED" in issue.note for issue in IloIssue.objects.all())


def test_a_bad_entry_is_named_and_nothing_is_written(reference_data: None, tmp_path: Path) -> None:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["mappings"][3]["old_number"] = 99
    bad = tmp_path / "isv.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match=r"\[mappings\], line 4, field old_number"):
        call_command("load_isv_reference", str(bad), verbosity=0)
    assert not RiskList.objects.exists()


def test_a_shipped_suggestion_for_a_catering_lot(reference_data: None) -> None:
    from mvimonitor.isv.lists import list_on, suggestion_for
    from tests.factories import CpvCodeFactory, LotFactory

    load_isv_reference()
    lot = LotFactory(tender__publication_date=dt.date(2025, 3, 1), main_cpv=CpvCodeFactory(code="55520000"))
    suggestion = suggestion_for(lot, list_on(lot.tender.publication_date))
    assert suggestion is not None
    assert suggestion.category.name_nl == "Catering"
    assert suggestion.inferred
