"""A realisation lies within its commitment's own period: model, service, form, API and admin refuse one outside,
a commitment period that would no longer hold its realisations is refused, and rows outside (old data) are left
out of the recalculation, reported by the migration and listed by `check_effect_periods`.

Hand-worked case: a commitment for 2026 inside a contract for 2024–2028. A report for 2025-H1 lies inside the
contract but outside the commitment: refused everywhere. A report for 2026-H1 is accepted.
"""

import datetime as dt
import importlib
from collections.abc import Callable
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from mvimonitor.effects import recalculation, services
from mvimonitor.effects.forms import RealisationForm
from mvimonitor.effects.models import Commitment, EffectCalculation, EmissionFactorSet, Realisation
from tests.factories import UserFactory, api_key

from .conftest import Side

H1_2025 = (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
H1_2026 = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
OUTSIDE = "The reported period 2025-01-01–2025-06-30 lies outside the commitment period 2026-01-01–2026-12-31."
# the API and the admin answer in the default language, Dutch
OUTSIDE_NL = (
    "De gerapporteerde periode 2025-01-01–2025-06-30 ligt buiten de periode van de toezegging 2026-01-01–2026-12-31."
)


@pytest.fixture
def commitment_2026(
    side_a: Side, electricity_commitment: Callable[..., Commitment], test_set: EmissionFactorSet
) -> Commitment:
    side_a.contract.end_date = dt.date(2028, 12, 31)  # contract 2024-01-01 – 2028-12-31
    side_a.contract.save()
    return electricity_commitment(
        period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31), factor_set=test_set
    )


def _submit(side: Side, commitment: Commitment, period: tuple[dt.date, dt.date]) -> Realisation:
    return services.realisation_submit(
        user=side.manager, commitment=commitment, period_start=period[0], period_end=period[1],
        quantity=Decimal(1000),
    )  # fmt: skip


def test_model_refuses_a_report_outside_the_commitment_period(commitment_2026: Commitment) -> None:
    realisation = Realisation(
        commitment=commitment_2026, period_start=H1_2025[0], period_end=H1_2025[1], quantity=Decimal(1)
    )

    with pytest.raises(ValidationError) as error:
        realisation.full_clean()

    assert error.value.message_dict["period_start"] == [OUTSIDE]
    Realisation(commitment=commitment_2026, period_start=H1_2026[0], period_end=H1_2026[1], quantity=1).full_clean()


def test_service_refuses_2025_and_accepts_2026(side_a: Side, commitment_2026: Commitment) -> None:
    with pytest.raises(ValidationError) as error:
        _submit(side_a, commitment_2026, H1_2025)

    assert error.value.message_dict["period_start"] == [OUTSIDE]
    assert not Realisation.objects.exists()
    accepted = _submit(side_a, commitment_2026, H1_2026)
    assert accepted.pk is not None


def test_form_refuses_2025_naming_the_commitment_period(side_a: Side, commitment_2026: Commitment) -> None:
    form = RealisationForm(
        {"period_start": "2025-01-01", "period_end": "2025-06-30", "quantity": "10"}, commitment=commitment_2026
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(side_a.manager, backend="django.contrib.auth.backends.ModelBackend")

    page = client.post(
        reverse("effects:realisation-create", args=[commitment_2026.pk]),
        {"period_start": "2025-01-01", "period_end": "2025-06-30", "quantity": "10"},
    )
    accepted = client.post(
        reverse("effects:realisation-create", args=[commitment_2026.pk]),
        {"period_start": "2026-01-01", "period_end": "2026-06-30", "quantity": "10"},
    )

    assert form.errors["period_start"] == [OUTSIDE]
    assert page.status_code == 400
    assert OUTSIDE in page.content.decode()
    assert accepted.status_code == 302
    assert Realisation.objects.get().period_start == H1_2026[0]


def test_api_refuses_2025_as_a_problem_naming_the_field(side_a: Side, commitment_2026: Commitment) -> None:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(side_a.manager)}")
    body = {"commitment": commitment_2026.pk, "periodStart": "2025-01-01", "periodEnd": "2025-06-30", "quantity": "5"}

    refused = client.post("/api/v1/realisations", body, format="json")
    accepted = client.post(
        "/api/v1/realisations", {**body, "periodStart": "2026-01-01", "periodEnd": "2026-06-30"}, format="json"
    )

    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert [(p["name"], p["reason"]) for p in refused.json()["invalidParams"]] == [("periodStart", OUTSIDE_NL)]
    assert accepted.status_code == 201, accepted.json()
    assert Realisation.objects.count() == 1


def test_admin_refuses_moving_a_realisation_outside_its_commitment(
    side_a: Side, commitment_2026: Commitment, client: Client
) -> None:
    realisation = _submit(side_a, commitment_2026, H1_2026)
    client.force_login(
        UserFactory(is_staff=True, is_superuser=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    data = {key: ("" if value is None else value) for key, value in model_to_dict(realisation).items()}
    data.update(period_start="2025-01-01", period_end="2025-06-30")

    response = client.post(f"/admin/effects/realisation/{realisation.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200  # the form again, with the error
    assert OUTSIDE_NL in response.content.decode()
    realisation.refresh_from_db()
    assert realisation.period_start == H1_2026[0]


def test_a_commitment_period_that_no_longer_holds_its_realisations_is_refused(
    side_a: Side, commitment_2026: Commitment
) -> None:
    _submit(side_a, commitment_2026, (dt.date(2026, 7, 1), dt.date(2026, 9, 30)))

    with pytest.raises(ValidationError) as error:
        services.commitment_update(user=side_a.manager, commitment=commitment_2026, period_end=dt.date(2026, 6, 30))

    assert error.value.message_dict["period_end"] == [
        "The new commitment period 2026-01-01–2026-06-30 does not hold the realisation 2026-07-01–2026-09-30 "
        "reported under it; change or remove that realisation first."
    ]
    commitment_2026.refresh_from_db()
    assert commitment_2026.period_end == dt.date(2026, 12, 31)
    services.commitment_update(user=side_a.manager, commitment=commitment_2026, period_start=dt.date(2026, 3, 1))


def test_old_rows_outside_the_commitment_period_are_left_out_and_counted(
    side_a: Side, commitment_2026: Commitment
) -> None:
    """Recorded before the rule (here past the services): not summed, the delivered figure not calculable, and the
    problem details say how many were left out."""
    inside = _submit(side_a, commitment_2026, H1_2026)
    services.realisation_review(user=side_a.manager, realisation=inside, status="verified")
    old = Realisation.objects.create(
        commitment=commitment_2026, period_start=H1_2025[0], period_end=H1_2025[1], quantity=Decimal(7000),
        status="verified",
    )  # fmt: skip

    recalculation.effects_recalculate(as_of=dt.date(2026, 7, 1))

    effect = EffectCalculation.objects.current().get(commitment=commitment_2026)
    assert effect.delivered_verified == Decimal("1000.000")  # 7,000 of 2025 not summed
    assert (effect.ex_post_kg, effect.problem_code) == (None, "realisation_outside_period")
    assert effect.problem_details == {"count": "1", "period": "2026-01-01–2026-12-31"}
    out = StringIO()
    call_command("check_effect_periods", stdout=out)
    assert f"realisation {old.pk} (2025-01-01–2025-06-30" in out.getvalue()
    assert "1 realisation(s) outside their commitment's period." in out.getvalue()
    with pytest.raises(CommandError):
        call_command("check_effect_periods", "--fail", stdout=StringIO())


def test_the_data_migration_reports_rows_outside_and_changes_nothing(
    side_a: Side, commitment_2026: Commitment, capsys: pytest.CaptureFixture[str]
) -> None:
    old = Realisation.objects.create(
        commitment=commitment_2026, period_start=H1_2025[0], period_end=H1_2025[1], quantity=Decimal(7000),
        status="verified",
    )  # fmt: skip
    migration = importlib.import_module(
        "mvimonitor.effects.migrations.0004_freeze_existing_factor_sets_and_report_periods"
    )

    migration.freeze_and_report(apps, None)

    assert "1 realisation(s) lie outside their commitment's period" in capsys.readouterr().out
    old.refresh_from_db()
    assert (old.period_start, old.status, old.quantity) == (H1_2025[0], "verified", Decimal("7000.000"))
