"""CPV hints per product group: the loader of the historical hints and the suggestions (never assignments)."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mvimonitor.themes.cpv_mapping import significant, suggest_product_groups
from mvimonitor.themes.models import (
    CriteriaRelease,
    MappingStatus,
    ProductGroup,
    ProductGroupCluster,
    ProductGroupCpvMapping,
)

pytestmark = pytest.mark.django_db

SRC = {"source": "test", "source_year": 2024}
HEADER = "product_group_name_nl,cpv_code,cpv_label_nl,source_title,source_url,source_year,note\n"


def _release(version: str, year: int) -> CriteriaRelease:
    return CriteriaRelease.objects.create(version=version, name=version, valid_from=dt.date(year, 1, 1), **SRC)


def _group(release: CriteriaRelease, code: str, name: str, prefixes: list[str] | None = None) -> ProductGroup:
    cluster, _ = ProductGroupCluster.objects.get_or_create(
        product_group_set=release, code="cluster", defaults={"name_nl": "Cluster", **SRC}
    )
    return ProductGroup.objects.create(
        product_group_set=release, cluster=cluster, code=code, name_nl=name, cpv_prefixes=prefixes or [], **SRC
    )


def _map(group: ProductGroup, prefix: str, status: str = MappingStatus.PROPOSED) -> None:
    ProductGroupCpvMapping.objects.create(product_group=group, cpv_prefix=prefix, status=status, **SRC)


def test_confirmed_comes_before_proposed_and_longer_prefixes_before_shorter() -> None:
    release = _release("r-2024", 2024)
    furniture = _group(release, "meubilair", "Kantoormeubilair")
    desks = _group(release, "bureaus", "Bureaus")
    chairs = _group(release, "stoelen", "Stoelen")
    ict = _group(release, "ict", "ICT")
    _map(furniture, "39000000", MappingStatus.CONFIRMED)  # the division: confirmed but broad
    _map(desks, "39121000")  # proposed, specific
    _map(chairs, "39100000")  # proposed, less specific
    _map(ict, "39121100", MappingStatus.REJECTED)

    suggestions = suggest_product_groups(["39121100-6"])

    assert [(s.product_group.code, s.matched, s.status) for s in suggestions] == [
        ("meubilair", "39", MappingStatus.CONFIRMED),
        ("bureaus", "39121", MappingStatus.PROPOSED),
        ("stoelen", "391", MappingStatus.PROPOSED),
    ]
    assert {s.cpv_code for s in suggestions} == {"39121100"}


def test_a_product_group_is_suggested_once_with_its_best_match() -> None:
    release = _release("r-2024", 2024)
    furniture = _group(release, "meubilair", "Kantoormeubilair", prefixes=["3913"])
    _map(furniture, "39130000")
    _map(furniture, "39131100")

    suggestions = suggest_product_groups(["39131100", "39130000"])

    assert len(suggestions) == 1
    assert (suggestions[0].matched, suggestions[0].status) == ("3913", MappingStatus.CONFIRMED)


def test_a_group_in_several_releases_is_given_as_in_the_newest() -> None:
    old, new = _release("r-2018", 2018), _release("r-2026", 2026)
    _map(_group(old, "papier", "Papier"), "22120000")
    newest = _group(new, "papier", "Papier")
    _map(newest, "22120000")

    assert [s.product_group for s in suggest_product_groups(["22120000"])] == [newest]
    in_2018 = suggest_product_groups(["22120000"], release_version="r-2018")
    assert [s.product_group.product_group_set.version for s in in_2018] == ["r-2018"]


def test_nothing_is_suggested_for_codes_without_a_match_or_without_digits() -> None:
    _map(_group(_release("r-2024", 2024), "papier", "Papier"), "22120000")

    assert suggest_product_groups(["45000000"]) == []
    assert suggest_product_groups(["", "x"]) == []
    assert ProductGroupCpvMapping.objects.get().status == MappingStatus.PROPOSED  # suggesting wrote nothing


@pytest.mark.parametrize(("prefix", "expected"), [("39130000", "3913"), ("45000000", "45"), ("30213100", "302131")])
def test_trailing_zeros_mark_the_level_of_a_code(prefix: str, expected: str) -> None:
    assert significant(prefix) == expected


def _load(path: Path) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_cpv_hints", str(path), stdout=out)
    return out.getvalue()


def _hints(tmp_path: Path) -> Path:
    path = tmp_path / "hints.csv"
    path.write_text(
        HEADER
        + "Kantoormeubilair,39130000,Kantoormeubilair,Oud criteriadocument,https://example.org/km,c. 2009-2011,\n"
        + "Hardware (now: ICT-hardware en mobiele apparaten),30213100,Draagbare computers,Document 2015,"
        "https://example.org/hw,2015,not exhaustive\n"
        + "Kantoorstoffering,39114100,Stoffering,Document 2015,https://example.org/ks,2015,\n",
        encoding="utf-8",
    )
    return path


def test_hints_become_proposed_mappings_of_every_group_of_that_name(tmp_path: Path) -> None:
    old, new = _release("r-2018", 2018), _release("r-2026", 2026)
    _group(old, "kantoormeubilair", "Kantoormeubilair")
    _group(new, "kantoormeubilair", "Kantoormeubilair")
    _group(new, "ict", "ICT-hardware en mobiele apparaten")

    output = _load(_hints(tmp_path))

    assert "CPV mappings of product groups: 3 created, 0 updated, 0 unchanged" in output
    assert "Kantoorstoffering: no product group of that name is loaded; 1 row(s) skipped." in output
    furniture = ProductGroupCpvMapping.objects.filter(cpv_prefix="39130000")
    assert furniture.count() == 2
    first = furniture.first()
    assert first is not None
    assert (first.status, first.source_year) == (MappingStatus.PROPOSED, 2009)
    assert "Year of the source as given: c. 2009-2011." in first.note
    assert ProductGroupCpvMapping.objects.get(cpv_prefix="30213100").product_group.code == "ict"


def test_loading_hints_again_keeps_what_a_person_decided(tmp_path: Path) -> None:
    _group(_release("r-2026", 2026), "kantoormeubilair", "Kantoormeubilair")
    path = _hints(tmp_path)
    _load(path)
    ProductGroupCpvMapping.objects.update(status=MappingStatus.CONFIRMED)

    output = _load(path)

    assert "0 created, 0 updated, 1 unchanged" in output
    assert ProductGroupCpvMapping.objects.get().status == MappingStatus.CONFIRMED


def test_a_bad_hint_names_the_line_and_field_and_loads_nothing(tmp_path: Path) -> None:
    _group(_release("r-2026", 2026), "kantoormeubilair", "Kantoormeubilair")
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER + "Kantoormeubilair,39130000,x,Doc,https://example.org,2011,\nKantoormeubilair,3913abc,x,Doc,,2011,\n",
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match=r"bad.csv, line 3, field cpv_code"):
        _load(path)

    assert not ProductGroupCpvMapping.objects.exists()


@pytest.mark.usefixtures("sample_release")
def test_the_published_hints_load_and_suggest_office_furniture(shared_data: Path) -> None:
    output = _load(shared_data / "reference" / "mvi_pg_cpv_hints_historical.csv")

    assert "created" in output
    suggestions = suggest_product_groups(["39131100"])
    assert suggestions[0].product_group.name_nl == "Kantoormeubilair"
    assert suggestions[0].status == MappingStatus.PROPOSED
    assert suggestions[0].product_group.product_group_set.version == "sample-2026"  # the newest release with it
