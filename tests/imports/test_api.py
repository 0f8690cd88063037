import pytest
from rest_framework.test import APIClient

from mvimonitor.imports.models import ImportRun, RunStatus
from mvimonitor.organisations.models import Role
from tests.factories import OrganisationFactory, api_key

from .conftest import make_notice, raw

pytestmark = pytest.mark.usefixtures("shipped_reference")


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


@pytest.fixture
def own_run(run_import):
    organisation = OrganisationFactory(name="Gemeente Voorbeeld")
    report = run_import(
        [raw(make_notice()), raw(make_notice(notice_id="b", procedure_id="c", title=""))], organisation=organisation
    )
    return ImportRun.objects.get(pk=report.run.pk)


def test_list_gives_my_runs_in_camel_case_with_pagination(make_member, own_run):
    user = make_member(Role.LEZER, own_run.organisation)

    response = _client(user).get("/api/v1/import-runs")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    run = body["results"][0]
    assert (run["id"], run["status"], run["created"], run["failed"]) == (own_run.pk, "done", 1, 1)
    assert "sourceDescription" in run
    assert "failures" not in run


def test_detail_counts_the_failures_and_links_their_paginated_list(make_member, own_run):
    user = make_member(Role.LEZER, own_run.organisation)
    client = _client(user)

    run = client.get(f"/api/v1/import-runs/{own_run.pk}").json()
    failures = client.get(run["failuresUrl"]).json()

    assert "failures" not in run
    assert (run["errorCount"], run["warningCount"]) == (1, 0)
    assert failures["count"] == 1
    failure = failures["results"][0]
    assert (failure["severity"], failure["file"], failure["notice"], failure["field"]) == (
        "error",
        "test.xml",
        "b",
        "title",
    )


def test_another_organisation_cannot_read_or_list_the_run(make_member, own_run):
    stranger = make_member(Role.BEHEERDER)
    client = _client(stranger)

    assert client.get("/api/v1/import-runs").json()["count"] == 0
    response = client.get(f"/api/v1/import-runs/{own_run.pk}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_upload_for_another_organisation_is_refused_as_invalid(make_member, own_run):
    from django.core.files.uploadedfile import SimpleUploadedFile

    stranger = make_member(Role.BEHEERDER)
    upload = SimpleUploadedFile("n.xml", b"<x/>", content_type="application/xml")

    response = _client(stranger).post(
        "/api/v1/import-runs", {"organisation": own_run.organisation_id, "file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "organisation"
    assert ImportRun.objects.count() == 1


def test_upload_of_an_empty_file_names_the_field(make_member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    organisation = OrganisationFactory()
    user = make_member(Role.INKOPER, organisation)

    response = _client(user).post(
        "/api/v1/import-runs",
        {"organisation": organisation.pk, "file": SimpleUploadedFile("n.xml", b"")},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "file"


def test_the_run_is_read_only(make_member, own_run):
    user = make_member(Role.BEHEERDER, own_run.organisation)

    response = _client(user).delete(f"/api/v1/import-runs/{own_run.pk}")

    assert response.status_code == 405
    assert ImportRun.objects.get().status == RunStatus.DONE


def test_uploading_a_file_answers_202_with_the_run(make_member, fixtures):
    from django.core.files.uploadedfile import SimpleUploadedFile

    organisation = OrganisationFactory(name="Gemeente Voorbeeldstad", kvk_number="12345678")  # the notice's buyer
    user = make_member(Role.INKOPER, organisation)
    upload = SimpleUploadedFile("eforms_bt805.xml", (fixtures / "eforms_bt805.xml").read_bytes())

    response = _client(user).post(
        "/api/v1/import-runs", {"organisation": organisation.pk, "file": upload}, format="multipart"
    )

    assert response.status_code == 202
    body = response.json()
    run = ImportRun.objects.get()
    assert body["id"] == run.pk
    assert response["Location"] == f"/api/v1/import-runs/{run.pk}"
    assert body["status"] == "done"  # the test settings run tasks immediately; a worker runs them otherwise
    assert body["created"] == 1
