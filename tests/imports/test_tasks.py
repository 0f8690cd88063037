"""The upload runs through the real database task backend: queued until `db_worker` picks it up."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from mvimonitor.imports.models import ImportRun, RunStatus
from mvimonitor.organisations.models import Role
from mvimonitor.tenders.models import Tender
from tests.factories import OrganisationFactory

# The worker closes its database connection after a task, as a worker should; so no test transaction around it.
pytestmark = [pytest.mark.usefixtures("reference_data"), pytest.mark.django_db(transaction=True)]


def test_an_upload_waits_in_the_queue_until_the_worker_runs_it(settings, make_member, logged_in, fixtures):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    organisation = OrganisationFactory(name="Gemeente Voorbeeldstad")  # the buyer the notice names
    client = logged_in(make_member(Role.INKOPER, organisation))
    upload = SimpleUploadedFile("eforms_bt805.xml", (fixtures / "eforms_bt805.xml").read_bytes())

    client.post(reverse("imports:upload"), {"files": [upload]})

    run = ImportRun.objects.get()
    assert run.status == RunStatus.QUEUED
    assert Tender.objects.count() == 0
    progress = client.get(reverse("imports:run-progress", args=[run.pk])).json()
    assert (progress["status"], progress["finished"]) == ("queued", False)

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    run.refresh_from_db()
    assert (run.status, run.created) == (RunStatus.DONE, 1)
    assert Tender.objects.get().organisation == organisation
