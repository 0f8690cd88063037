"""GET /api/v1/criteria and /api/v1/product-groups per release, with their filters, on the shipped sample release."""

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from mvimonitor.themes.models import CriteriaRelease, Criterion
from tests.themes.criteria_helpers import load_criteria, sample_json, write_json

pytestmark = pytest.mark.usefixtures("sample_release")

SAMPLE = "sample-2026"


def test_criteria_of_the_current_release_by_default(buyer_client: APIClient) -> None:
    body = buyer_client.get("/api/v1/criteria?pageSize=100").json()

    current = CriteriaRelease.objects.current()
    assert current is not None
    assert current.version == SAMPLE  # the newest release in force that holds criteria
    assert body["count"] == 45
    assert {row["release"] for row in body["results"]} == {SAMPLE}


def test_a_criterion_shows_its_themes_texts_and_release(buyer_client: APIClient) -> None:
    body = buyer_client.get(f"/api/v1/criteria?release={SAMPLE}&level=ambitieus&kind=gunningscriterium").json()
    row = next(item for item in body["results"] if item["code"] == "OV-A-GC")

    assert body["count"] == 3
    assert row["themes"] == ["milieu", "klimaat", "circulair"]
    assert row["theme"] == "milieu"
    assert row["form"] == "gunningscriterium"
    assert row["ambitionLevel"] == "ambitieus"
    assert row["textNl"].startswith("De inschrijving met de laagste")
    assert row["textEn"].startswith("The tender with the lowest")
    assert row["verificationEn"]
    assert row["externalId"] == "S3014"
    assert row["supersedes"] is None
    assert row["status"] == "new"


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("theme=d_i", 3),  # never a main theme in the sample: the other themes count too
        ("theme=milieu&level=basis", 6),
        ("kind=geschiktheidseis", 9),
        ("level=significant", 15),
        ("release=mvi-criteria-2024", 0),
        ("release=all", 45),
    ],
)
def test_criteria_filters(buyer_client: APIClient, query: str, count: int) -> None:
    body = buyer_client.get(f"/api/v1/criteria?{query}").json()

    assert body["count"] == count


def test_the_theme_filter_matches_any_theme_of_a_criterion(buyer_client: APIClient) -> None:
    codes = {row["code"] for row in buyer_client.get("/api/v1/criteria?theme=keten&pageSize=100").json()["results"]}

    assert "KM-B-EI" in codes  # main theme milieu, second theme keten


def test_a_product_group_brings_its_own_release(buyer_client: APIClient, tmp_path: Path) -> None:
    data = sample_json()
    data["release"].update({"version": "sample-2027", "valid_from": "2026-02-01"})
    load_criteria(str(write_json(tmp_path / "next.json", data)))
    old_group = Criterion.objects.filter(product_group__product_group_set__version=SAMPLE).first()
    assert old_group is not None

    by_group = buyer_client.get(f"/api/v1/criteria?productGroup={old_group.product_group_id}").json()
    default = buyer_client.get("/api/v1/criteria?pageSize=100").json()

    assert by_group["count"] == 15
    assert {row["release"] for row in by_group["results"]} == {SAMPLE}
    assert {row["release"] for row in default["results"]} == {"sample-2027"}
    assert all(row["supersedes"] is not None for row in default["results"])


def test_unknown_filter_values_are_named(buyer_client: APIClient) -> None:
    response = buyer_client.get("/api/v1/criteria?release=1999&level=extreem&kind=wens")

    assert response.status_code == 400
    assert sorted(param["name"] for param in response.json()["invalidParams"]) == ["kind", "level", "release"]


def test_product_groups_of_the_current_release_by_default(buyer_client: APIClient) -> None:
    current = buyer_client.get("/api/v1/product-groups").json()
    everything = buyer_client.get("/api/v1/product-groups?release=all&pageSize=100").json()
    official = buyer_client.get("/api/v1/product-groups?release=mvi-criteria-2024&pageSize=100").json()

    assert {row["release"] for row in current["results"]} == {SAMPLE}
    assert current["count"] == 3
    assert everything["count"] == 36
    assert official["count"] == 18
    assert current["results"][0]["externalId"].startswith("S")


def test_a_release_shows_its_status_and_whether_it_is_a_sample(buyer_client: APIClient) -> None:
    sample = buyer_client.get(f"/api/v1/product-group-sets/{SAMPLE}").json()
    official = buyer_client.get("/api/v1/product-group-sets/mvi-criteria-2023").json()

    assert (sample["isSample"], sample["status"], sample["supersedes"]) == (True, "current", None)
    assert sample["published"] == "2025-12-15"
    assert (official["isSample"], official["status"], official["supersedes"]) == (
        False,
        "superseded",
        "mvi-criteria-2018",
    )
