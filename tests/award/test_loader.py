"""The shipped prices and discount schemes: loaded idempotently, bad entries refused, values as in the research."""

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from mvimonitor.award.loaders import DATA_FILE, load_award_reference
from mvimonitor.award.models import CO2PriceSet, DiscountLevel, DiscountScheme

pytestmark = pytest.mark.django_db


def test_a_second_load_creates_and_updates_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    first = load_award_reference()
    with translation.override("en"):
        call_command("load_award_reference")
    second = capsys.readouterr().out

    assert [(r.created, r.updated) for r in first] == [(3, 0), (2, 0), (9, 0)]
    assert CO2PriceSet.objects.count() == 3
    assert DiscountScheme.objects.count() == 2
    assert DiscountLevel.objects.count() == 9
    assert second.count(": 0 created, 0 updated") == 3
    assert "already up to date" in second


def _file_with(tmp_path: Path, change: dict[str, object]) -> Path:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["price_sets"][1].update(change)
    path = tmp_path / "award.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price_per_tonne": "20-80"}, "price_per_tonne"),
        ({"price_per_tonne": "about 80"}, "price_per_tonne"),
        ({"source_year": "c. 2024"}, "source_year"),
        ({"confidence": "sure"}, "confidence"),
        ({"source": ""}, "source"),
    ],
)
def test_a_file_with_one_bad_entry_is_refused_whole_naming_the_entry_and_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    with pytest.raises(CommandError) as error:
        call_command("load_award_reference", str(_file_with(tmp_path, change)))

    assert "price_sets" in str(error.value)
    assert ", 2, " in str(error.value) or " 2," in str(error.value)
    assert field in str(error.value)
    assert not CO2PriceSet.objects.exists()


def test_every_shipped_price_and_level_is_a_row_of_the_research_tables_with_its_source(shared_data: Path) -> None:
    shipped = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    with (shared_data / "reference" / "co2_shadow_prices.csv").open(encoding="utf-8") as handle:
        prices = {
            (row["source_url"], Decimal(row["eur_per_t_co2e"]), row["confidence"])
            for row in csv.DictReader(handle)
            if row["eur_per_t_co2e"].isdigit()
        }
    with (shared_data / "reference" / "co2_prestatieladder_discounts.csv").open(encoding="utf-8") as handle:
        levels = {
            (row["source_url"], int(row["level"]), Decimal(row["discount_pct"]), row["confidence"])
            for row in csv.DictReader(handle)
            if row["level"].isdigit() and row["discount_pct"]
        }

    assert {(p["source"], Decimal(p["price_per_tonne"]), p["confidence"]) for p in shipped["price_sets"]} == prices
    assert {
        (s["source"], level["level"], Decimal(level["discount_percent"]), level["confidence"])
        for s in shipped["discount_schemes"]
        for level in s["levels"]
    } == levels
