import json
import runpy
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mvimonitor.themes.models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    EuThreshold,
    IsvRiskCategory,
    ProductGroup,
    ProductGroupSet,
    Theme,
)
from mvimonitor.themes.services import CPV_LIST_FILE, DATA_DIR, DEFAULT_CPV_SOURCE, DEMO_CPV_SOURCE

pytestmark = pytest.mark.django_db


def _run(*args: str, cpv_list: bool = False) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_reference", *args, *([] if cpv_list else ["--without-cpv-list"]), stdout=out)
    return out.getvalue()


def test_second_run_creates_and_updates_nothing() -> None:
    _run()

    output = _run()

    assert " 0 created" in output
    assert all(", 0 updated," in line for line in output.splitlines() if "created" in line)
    assert "nothing changed" in output


def test_first_run_reports_created_counts_per_table() -> None:
    output = _run()

    assert "themes: 6 created, 0 updated, 0 unchanged" in output
    assert "EU thresholds: 8 created" in output


def test_a_changed_row_is_updated_back_to_the_shipped_value() -> None:
    _run()
    Theme.objects.filter(code="sroi").update(name_en="Something else")

    output = _run()

    assert "themes: 0 created, 1 updated, 5 unchanged" in output
    assert Theme.objects.get(code="sroi").name_en == "Social return"


def test_the_six_themes_are_present() -> None:
    _run()

    assert set(Theme.objects.values_list("code", flat=True)) == {
        "milieu",
        "klimaat",
        "circulair",
        "keten",
        "d_i",
        "sroi",
    }


def test_themes_and_ambition_levels_are_described_in_both_languages() -> None:
    _run()

    rows = [*Theme.objects.all(), *AmbitionLevel.objects.all()]
    assert all(row.description and row.description_nl for row in rows)
    milieu = Theme.objects.get(code="milieu")
    with translation.override("nl"):
        assert milieu.description_text.startswith("Schade aan het milieu vermijden")
    with translation.override("en"):
        assert milieu.description_text.startswith("Avoid or reduce harm to the environment")


def test_forms_and_ambition_levels_are_present() -> None:
    _run()

    assert set(ApplicationForm.objects.values_list("code", flat=True)) == {
        "selectie",
        "minimumeis",
        "gunningscriterium",
        "contractbepaling",
    }
    assert ApplicationForm.objects.get(code="contractbepaling").legal_basis == "Aw 2012 art. 2.80"
    assert list(AmbitionLevel.objects.values_list("code", "level")) == [
        ("basis", 1),
        ("significant", 2),
        ("ambitieus", 3),
    ]


@pytest.mark.parametrize(
    ("category", "year", "amount"),
    [
        ("central_supplies_services", 2022, "140000"),
        ("decentral_supplies_services", 2022, "215000"),
        ("works", 2022, "5382000"),
        ("central_supplies_services", 2024, "143000"),
        ("decentral_supplies_services", 2024, "221000"),
        ("works", 2024, "5538000"),
        ("social_services", 2024, "750000"),
        ("special_sectors_supplies_services", 2024, "443000"),
    ],
)
def test_threshold_values_are_those_of_domain_md(category: str, year: int, amount: str) -> None:
    _run()

    assert EuThreshold.objects.get(category=category, valid_from__year=year).amount == Decimal(amount)


def test_no_thresholds_after_2025_are_shipped() -> None:
    _run()

    assert not EuThreshold.objects.filter(valid_from__year__gte=2026).exists()


def test_product_group_sets_declare_45_47_48_groups_without_invented_ones() -> None:
    _run()

    official = ProductGroupSet.objects.filter(is_sample=False)
    assert list(official.order_by("valid_from").values_list("declared_group_count", flat=True)) == [45, 47, 48]
    assert ProductGroup.objects.filter(product_group_set__is_sample=False).count() == 33
    assert all(group.cpv_prefixes == [] for group in ProductGroup.objects.all())


def test_ten_isv_risk_categories_in_a_versioned_list() -> None:
    _run()

    assert list(IsvRiskCategory.objects.values_list("list_version", "number")) == [
        ("rijk-2023", number) for number in range(1, 11)
    ]


def test_every_shipped_row_has_a_source_and_a_year() -> None:
    rows = []
    for path in sorted(DATA_DIR.glob("*.json")):
        if path.name == CPV_LIST_FILE:
            continue  # one source for the whole vocabulary, in its header (test_the_cpv_list_names_its_source)
        data = json.loads(path.read_text(encoding="utf-8"))
        for table in ("rows", "sets", "clusters", "groups"):
            rows.extend((path.name, row) for row in data.get(table, []))

    missing = [(name, row) for name, row in rows if not row.get("source") or not row.get("source_year")]

    assert len(rows) > 80
    assert missing == []


def test_every_shipped_source_is_a_url_except_the_demo_cpv_set() -> None:
    _run()

    for model in (Theme, ApplicationForm, AmbitionLevel, IsvRiskCategory, EuThreshold):
        assert all(source.startswith("https://") for source in model.objects.values_list("source", flat=True))
    official_sets = ProductGroupSet.objects.filter(is_sample=False)
    official_groups = ProductGroup.objects.filter(product_group_set__is_sample=False)
    assert all(source.startswith("https://") for source in official_sets.values_list("source", flat=True))
    assert all(source.startswith("https://") for source in official_groups.values_list("source", flat=True))
    assert set(CpvCode.objects.values_list("source", flat=True)) == {DEMO_CPV_SOURCE}


def test_demo_cpv_set_covers_works_supplies_and_services() -> None:
    _run()

    divisions = {int(code[:2]) for code in CpvCode.objects.values_list("code", flat=True)}

    assert 45 in divisions
    assert any(3 <= division <= 44 or division == 48 for division in divisions)
    assert any(division >= 50 for division in divisions)
    assert CpvCode.objects.count() >= 30


def test_official_cpv_rows_are_not_overwritten_by_the_demo_set() -> None:
    CpvCode.objects.create(code="90910000", label_nl="Reinigingsdiensten", label_en="Cleaning services",
                           source="official", source_year=2008)  # fmt: skip

    _run()

    assert CpvCode.objects.get(code="90910000").source == "official"


def test_the_full_cpv_list_is_loaded_by_default_and_a_second_run_changes_nothing() -> None:
    first = _run(cpv_list=True)

    second = _run(cpv_list=True)

    assert "CPV codes: 9454 created, 0 updated, 0 unchanged" in first
    assert "CPV codes: 0 created, 0 updated, 9454 unchanged" in second
    assert CpvCode.objects.count() == 9454
    cleaning = CpvCode.objects.get(code="90911200")
    assert (cleaning.label_nl, cleaning.source, cleaning.source_year) == (
        "Reiniging van gebouwen",
        DEFAULT_CPV_SOURCE,
        2008,
    )
    assert not CpvCode.objects.filter(source=DEMO_CPV_SOURCE).exists()  # the demo labels give way to official ones


def test_the_cpv_list_names_its_source_and_licence() -> None:
    header = json.loads((DATA_DIR / CPV_LIST_FILE).read_text(encoding="utf-8"))

    assert "213/2008" in header["source"]
    assert "EUPL-1.2" in header["licence"]
    assert header["columns"] == ["code", "label_nl", "label_en"]


def test_a_damaged_cpv_list_names_the_row_and_loads_nothing(tmp_path: Path) -> None:
    damaged = tmp_path / "cpv.json"
    damaged.write_text(
        json.dumps({"columns": ["code", "label_nl", "label_en"], "rows": [["03000000", "a", "b"], ["0300", "c", "d"]]})
    )

    match = r"cpv\.json, line \?, field rows\[1\]: 0300 is not a CPV code"
    with pytest.raises(CommandError, match=match), translation.override("en"):
        call_command("load_cpv", str(damaged), stdout=StringIO())
    assert not CpvCode.objects.exists()


@pytest.mark.shared
def test_the_shipped_cpv_list_is_what_the_build_script_makes_of_the_sdk_table(shared_data: Path) -> None:
    source = shared_data / "eforms" / "cpv" / "cpv-2008-labels-nl-en.csv"
    script = runpy.run_path(str(Path(__file__).resolve().parents[2] / "scripts" / "build_cpv_list.py"))

    assert (DATA_DIR / CPV_LIST_FILE).read_text(encoding="utf-8") == script["render"](script["rows"](source))


def test_threshold_csv_is_loaded_with_kind(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.csv"
    path.write_text(
        "category,valid_from,valid_until,amount,source,source_year\n"
        "works,2030-01-01,2031-12-31,6000000,https://example.org/thresholds,2029\n",
        encoding="utf-8",
    )

    _run(str(path), "--kind", "thresholds")

    assert EuThreshold.objects.get(category="works", valid_from__year=2030).amount == Decimal(6000000)


def test_threshold_csv_with_a_bad_amount_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.csv"
    path.write_text(
        "category,valid_from,valid_until,amount,source,source_year\n"
        "works,2030-01-01,2031-12-31,6000000,https://example.org/t,2029\n"
        "works,2032-01-01,2033-12-31,lots,https://example.org/t,2029\n",
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match=r"thresholds.csv, line 3, field amount"):
        _run(str(path), "--kind", "thresholds")
    assert not EuThreshold.objects.filter(valid_from__year__gte=2030).exists()


def test_product_group_csv_is_loaded_into_an_existing_set(tmp_path: Path) -> None:
    _run()
    path = tmp_path / "groups.csv"
    path.write_text(
        "set_version,cluster_code,cluster_name_nl,code,name_nl,name_en,cpv_prefixes,source,source_year\n"
        "mvi-criteria-2024,energie,Energie,elektriciteit,Elektriciteit,Electricity,0931;0932,https://example.org,2024\n",
        encoding="utf-8",
    )

    _run(str(path), "--kind", "product-groups")

    group = ProductGroup.objects.get(product_group_set__version="mvi-criteria-2024", code="elektriciteit")
    assert group.cpv_prefixes == ["0931", "0932"]


def test_path_without_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--kind"):
        _run(str(tmp_path / "x.csv"))
