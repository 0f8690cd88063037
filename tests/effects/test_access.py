"""Organisation A cannot read or change organisation B's contracts, commitments, realisations, evidence or factor
sets, through the pages or the API; a reader can read but not change."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from mvimonitor.effects import services
from mvimonitor.effects.models import Commitment, EmissionFactorSet, EvidenceFile, Realisation
from mvimonitor.organisations.models import User
from mvimonitor.themes.models import Theme
from tests.factories import api_key

from .conftest import Side


@pytest.fixture
def b_records(side_b: Side, settings: object, tmp_path: Path) -> dict[str, int]:
    settings.MVIMONITOR_PRIVATE_MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    commitment = services.commitment_create(
        user=side_b.manager, contract=side_b.contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
        description="B stroom", quantity=Decimal(10), unit="kWh", factor_code="green-power-government-average",
        reference_factor_code="electricity-nl-mix-2021",
    )  # fmt: skip
    realisation = services.realisation_submit(
        user=side_b.manager, commitment=commitment, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 2, 1),
        quantity=Decimal(5), evidence=[SimpleUploadedFile("factuur.pdf", b"%PDF-1.4 B's invoice")],
    )  # fmt: skip
    own_set = EmissionFactorSet.objects.create(
        name="B eigen", version="1", publication_year=2025, source="B", organisation=side_b.organisation
    )
    return {
        "contract": side_b.contract.pk,
        "commitment": commitment.pk,
        "realisation": realisation.pk,
        "evidence": EvidenceFile.objects.get(realisation=realisation).pk,
        "factor_set": own_set.pk,
        "organisation": side_b.organisation.pk,
    }


def _close(response: Any) -> None:
    """Close a streamed file response without its request_finished signal closing the test's DB connection
    (as Django's test client does around its own requests)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _api(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


PAGES: list[tuple[str, str, str]] = [
    ("get", "effects:contract-detail", "contract"),
    ("get", "effects:contract-edit", "contract"),
    ("post", "effects:contract-edit", "contract"),
    ("get", "effects:commitment-create", "contract"),
    ("post", "effects:commitment-create", "contract"),
    ("get", "effects:commitment-edit", "commitment"),
    ("post", "effects:commitment-edit", "commitment"),
    ("get", "effects:realisation-create", "commitment"),
    ("post", "effects:realisation-create", "commitment"),
    ("post", "effects:realisation-review", "realisation"),
    ("get", "effects:evidence-download", "evidence"),
]


@pytest.mark.parametrize(("method", "name", "key"), PAGES)
def test_other_organisation_gets_404_on_pages(
    side_a: Side, b_records: dict[str, int], method: str, name: str, key: str
) -> None:
    client = _client(side_a.manager)

    response = getattr(client, method)(reverse(name, args=[b_records[key]]), {"status": "verified"})

    assert response.status_code == 404
    assert Realisation.objects.get(pk=b_records["realisation"]).status == "submitted"


def test_lists_and_dashboards_show_nothing_of_the_other_organisation(side_a: Side, b_records: dict[str, int]) -> None:
    client = _client(side_a.manager)

    contracts = client.get(reverse("effects:contract-list"))
    sets = client.get(reverse("effects:factor-sets"))

    assert "B eigen" not in sets.content.decode()
    assert f"/contracts/{b_records['contract']}/" not in contracts.content.decode()


def test_reader_sees_but_cannot_change(side_b: Side, b_records: dict[str, int]) -> None:
    client = _client(side_b.reader)

    assert client.get(reverse("effects:contract-detail", args=[b_records["contract"]])).status_code == 200
    download = client.get(reverse("effects:evidence-download", args=[b_records["evidence"]]))
    _close(download)
    assert download.status_code == 200
    assert client.get(reverse("effects:contract-edit", args=[b_records["contract"]])).status_code == 403
    response = client.post(
        reverse("effects:realisation-review", args=[b_records["realisation"]]), {"status": "verified"}
    )
    assert response.status_code == 403
    assert Realisation.objects.get(pk=b_records["realisation"]).status == "submitted"


def test_evidence_is_served_only_through_the_checked_view(side_b: Side, b_records: dict[str, int]) -> None:
    client = _client(side_b.manager)

    response = client.get(reverse("effects:evidence-download", args=[b_records["evidence"]]))

    assert response.status_code == 200
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    _close(response)
    assert content == b"%PDF-1.4 B's invoice"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert Client().get(reverse("effects:evidence-download", args=[b_records["evidence"]])).status_code == 302


API: list[tuple[str, str]] = [
    ("contract", "/api/v1/contracts/{}"),
    ("commitment", "/api/v1/commitments/{}"),
    ("realisation", "/api/v1/realisations/{}"),
    ("factor_set", "/api/v1/emission-factor-sets/{}"),
    ("organisation", "/api/v1/effect-summaries/{}"),
]


@pytest.mark.parametrize(("key", "path"), API)
def test_other_organisation_gets_404_in_the_api(side_a: Side, b_records: dict[str, int], key: str, path: str) -> None:
    response = _api(side_a.manager).get(path.format(b_records[key]))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/contracts/{contract}", {"supplierName": "Overgenomen"}),
        ("/api/v1/commitments/{commitment}", {"description": "Overgenomen"}),
    ],
)
def test_other_organisation_cannot_change_through_the_api(
    side_a: Side, b_records: dict[str, int], path: str, body: dict[str, str]
) -> None:
    response = _api(side_a.manager).patch(path.format(**b_records), body, format="json")

    assert response.status_code == 404
    assert Commitment.objects.get(pk=b_records["commitment"]).description == "B stroom"


def test_other_organisation_cannot_review_or_attach_through_the_api(side_a: Side, b_records: dict[str, int]) -> None:
    client = _api(side_a.manager)

    review = client.post(
        f"/api/v1/realisations/{b_records['realisation']}/review", {"status": "verified"}, format="json"
    )
    create = client.post(
        "/api/v1/realisations",
        {
            "commitment": b_records["commitment"],
            "periodStart": "2024-03-01",
            "periodEnd": "2024-03-31",
            "quantity": "1",
        },
        format="json",
    )
    commitment = client.post(
        "/api/v1/commitments",
        {"contract": b_records["contract"], "theme": "klimaat", "kind": "other", "description": "x", "quantity": "1",
         "unit": "kWh"},
        format="json",
    )  # fmt: skip

    assert review.status_code == 404
    assert create.status_code == 400
    assert create.json()["invalidParams"][0]["name"] == "commitment"
    assert commitment.status_code == 400
    assert Realisation.objects.filter(commitment_id=b_records["commitment"]).count() == 1


def test_api_lists_are_scoped(side_a: Side, b_records: dict[str, int]) -> None:
    client = _api(side_a.manager)

    for path in ("/api/v1/contracts", "/api/v1/commitments", "/api/v1/realisations"):
        ids = [row["id"] for row in client.get(path).json()["results"]]
        assert b_records["contract" if "contracts" in path else path.split("/")[-1][:-1]] not in ids
    sets = [row["id"] for row in client.get("/api/v1/emission-factor-sets").json()["results"]]
    assert b_records["factor_set"] not in sets


def test_national_analyst_sees_no_records(b_records: dict[str, int], make_member: Callable[..., User]) -> None:
    analyst = make_member()
    analyst.national_analyst = True
    analyst.save()

    assert _client(analyst).get(reverse("effects:contract-detail", args=[b_records["contract"]])).status_code == 404
    assert _api(analyst).get("/api/v1/contracts").json()["results"] == []
