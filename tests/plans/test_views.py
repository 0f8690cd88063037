"""The plan pages through Django's test client: writing and adopting a plan, the rights, the public page."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mvimonitor.organisations.models import User
from mvimonitor.plans import services
from mvimonitor.plans.models import ActionPlan, PlanStatus

from .conftest import World, adopted_plan, draft_plan

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def test_the_index_lists_plans_and_reports_with_their_status(world: World, logged_in: Login) -> None:
    plan = adopted_plan(world)
    services.report_create(user=world.coordinator, plan=plan, year=2025)

    html = logged_in(world.lezer).get(reverse("plans:index")).content.decode()

    assert plan.title in html
    assert reverse("plans:plan-public", args=[plan.pk]) in html
    assert "2025" in html
    assert reverse("plans:plan-create") not in html  # a reader writes no plan


def test_a_coordinator_writes_adopts_and_publishes_a_plan(world: World, logged_in: Login) -> None:
    client = logged_in(world.coordinator)
    response = client.post(reverse("plans:plan-create"), {"period": "2022-2025", "title": "Ons plan"})
    plan = ActionPlan.objects.get()
    assert response.status_code == 302

    steps = world.steps
    client.post(
        reverse("plans:ambition-set", args=[plan.pk]),
        {
            "ambition-theme": world.themes["klimaat"].pk,
            "ambition-current_step": steps[2].pk,
            "ambition-target_step": steps[4].pk,
        },
    )
    response = client.post(
        reverse("plans:goal-create", args=[plan.pk]),
        {"goal-title": "Meer MVI", "goal-indicator_kind": "kpi", "goal-kpi": "mvi-share-tenders:all",
         "goal-baseline_value": "25", "goal-baseline_year": "2024", "goal-target_value": "60",
         "goal-target_year": "2025"},
    )  # fmt: skip
    assert response.status_code == 302
    client.post(
        reverse("plans:measure-create", args=[plan.pk]),
        {"measure-description": "Sjabloon", "measure-owner": "team inkoop"},
    )
    client.post(
        reverse("plans:plan-adopt", args=[plan.pk]),
        {"adopt-adopted_by": "College", "adopt-adopted_on": "2023-02-01", "adopt-document": "Besluit 1"},
    )
    client.post(reverse("plans:plan-publish", args=[plan.pk]))

    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    assert plan.goals.get().kpi_version == 1
    assert plan.measures.get().owner == "team inkoop"


def test_a_refused_goal_answers_400_with_the_reason_on_the_form(world: World, logged_in: Login) -> None:
    plan = draft_plan(world)
    with translation.override("en"):
        response = logged_in(world.coordinator).post(
            reverse("plans:goal-create", args=[plan.pk]),
            {"goal-title": "Doel", "goal-indicator_kind": "not_measured", "goal-indicator_text": ""},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    assert "utrecht-form-field--invalid" in response.content.decode()


def test_a_reader_may_not_change_a_plan_and_another_organisation_does_not_see_it(
    world: World, logged_in: Login
) -> None:
    plan = draft_plan(world)

    assert logged_in(world.lezer).post(reverse("plans:plan-publish", args=[plan.pk])).status_code == 403
    outsider = logged_in(world.outsider)
    assert outsider.get(reverse("plans:plan-detail", args=[plan.pk])).status_code == 404
    assert outsider.post(reverse("plans:plan-adopt", args=[plan.pk])).status_code == 404


def test_unpublished_plans_are_invisible_to_the_public(world: World, client: Client, logged_in: Login) -> None:
    draft = draft_plan(world)
    url = reverse("plans:plan-public", args=[draft.pk])
    assert client.get(url).status_code == 404
    assert logged_in(world.coordinator).get(url).status_code == 404  # the public page shows what the public sees

    services.plan_adopt(
        user=world.coordinator, plan=draft, adopted_by="Raad", adopted_on=draft.created_at.date(), document="B"
    )
    client.logout()
    assert client.get(url).status_code == 404  # adopted is not published yet

    services.plan_publish(user=world.coordinator, plan=draft)
    response = client.get(url)
    assert response.status_code == 200
    assert "Meer MVI" in response.content.decode()


def test_an_unpublished_report_is_not_downloadable_by_the_public(world: World, client: Client) -> None:
    plan = adopted_plan(world)
    report = services.report_create(user=world.coordinator, plan=plan, year=2025)
    url = reverse("plans:report-public-download", args=[report.pk, "nl", "pdf"])

    assert client.get(url).status_code == 404
    services.report_publish(user=world.coordinator, report=report)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_report_page_shows_the_figures_and_offers_both_documents(world: World, logged_in: Login) -> None:
    plan = adopted_plan(world)
    report = services.report_create(user=world.coordinator, plan=plan, year=2025)
    client = logged_in(world.coordinator)

    html = client.get(reverse("plans:report-detail", args=[report.pk])).content.decode()
    assert "75,00" in html  # share of tenders with MVI in 2025, Dutch number format
    docx = client.get(reverse("plans:report-download", args=[report.pk, "en", "docx"]))
    assert docx.status_code == 200
    assert docx.content.startswith(b"PK")
    assert client.get(reverse("plans:report-download", args=[report.pk, "en", "odt"])).status_code == 404
    assert client.get(reverse("plans:report-download", args=[report.pk, "fr", "pdf"])).status_code == 404


def test_the_coordinator_saves_the_self_assessment(world: World, logged_in: Login) -> None:
    plan = adopted_plan(world)
    report = services.report_create(user=world.coordinator, plan=plan, year=2025)

    response = logged_in(world.coordinator).post(
        reverse("plans:report-assess", args=[report.pk]),
        {"step_milieu": world.steps[2].pk, "step_sroi": "", "narrative": "Op koers."},
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.narrative == "Op koers."
    assert [(a.theme.code, a.step.step) for a in report.assessments.all()] == [("milieu", 2)]


def test_annual_and_national_pages(world: World, logged_in: Login) -> None:
    adopted_plan(world)
    client = logged_in(world.coordinator)

    annual = client.get(reverse("plans:annual"), {"year": 2025})
    assert annual.status_code == 200
    assert 'data-kpi="mvi-share-tenders">75,00<' in annual.content.decode()
    national = client.get(reverse("plans:national"))
    assert national.status_code == 200
    assert (
        client.get(reverse("plans:annual-download"), {"year": 2025, "language": "nl", "kind": "pdf"}).status_code
        == 200
    )


def test_a_national_analyst_goes_to_the_national_analysis(world: World, logged_in: Login) -> None:
    from tests.factories import UserFactory

    analyst = logged_in(UserFactory(national_analyst=True))

    response = analyst.get(reverse("plans:index"))

    assert response.status_code == 302
    assert response["Location"] == reverse("plans:national")
    assert analyst.get(reverse("plans:national")).status_code == 200
