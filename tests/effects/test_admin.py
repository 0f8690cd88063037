"""The admin writes through the record's seam: an edit there updates the stored effects in the same transaction."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.test import Client

from mvimonitor.effects.models import Commitment, EffectCalculation
from mvimonitor.organisations.models import User
from tests.factories import UserFactory

from .conftest import Side

pytestmark = pytest.mark.django_db


def _form_data(commitment: Commitment, **changes: Any) -> dict[str, Any]:
    data = {key: ("" if value is None else value) for key, value in model_to_dict(commitment).items()}
    data.update(changes)
    return data


@pytest.fixture
def superuser_client(client: Client) -> Client:
    user: User = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_an_admin_edit_of_a_commitment_updates_its_stored_effect(
    electricity_commitment: Callable[..., Commitment], superuser_client: Client
) -> None:
    commitment = electricity_commitment(quantity=Decimal(100000))
    before = EffectCalculation.objects.current().get(commitment=commitment)

    response = superuser_client.post(
        f"/admin/effects/commitment/{commitment.pk}/change/", _form_data(commitment, quantity="200000")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    after = EffectCalculation.objects.current().get(commitment=commitment)
    assert before.promised == Decimal(100000)
    assert after.promised == Decimal(200000)
    assert after.ex_ante_kg == 2 * before.ex_ante_kg


def test_an_admin_correction_of_a_verified_realisation_updates_the_delivered_figure(
    electricity_commitment: Callable[..., Commitment], superuser_client: Client, side_a: Side
) -> None:
    import datetime as dt

    from mvimonitor.effects import services

    commitment = electricity_commitment()
    realisation = services.realisation_submit(
        user=side_a.manager,
        commitment=commitment,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
        quantity=Decimal(40000),
    )
    services.realisation_review(user=side_a.manager, realisation=realisation, status="verified", note="")
    assert EffectCalculation.objects.current().get(commitment=commitment).delivered_verified == Decimal(40000)
    data = {
        key: ("" if value is None else value)
        for key, value in model_to_dict(
            realisation, fields=["commitment", "period_start", "period_end", "recycled_share", "review_note"]
        ).items()
    }

    response = superuser_client.post(
        f"/admin/effects/realisation/{realisation.pk}/change/", {**data, "quantity": "45000"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    realisation.refresh_from_db()
    assert realisation.status == "verified"
    assert EffectCalculation.objects.current().get(commitment=commitment).delivered_verified == Decimal(45000)


def test_an_admin_edit_that_breaks_the_obligation_rule_is_refused_with_the_field_named(
    side_a: Side, superuser_client: Client
) -> None:
    from mvimonitor.effects import services
    from mvimonitor.effects.models import BuildingBlockTable
    from mvimonitor.themes.models import Theme

    commitment = services.commitment_create(
        user=side_a.manager,
        contract=side_a.contract,
        theme=Theme.objects.get(code="sroi"),
        kind="social_return",
        description="Social return 5%",
        obligation_base="contract_value",
        obligation_percentage=Decimal(5),
        block_table=BuildingBlockTable.objects.get(code="haaglanden-zhc"),
    )

    response = superuser_client.post(
        f"/admin/effects/commitment/{commitment.pk}/change/",
        _form_data(commitment, obligation_percentage="150"),
    )

    assert response.status_code == 200
    assert "obligation_percentage" in response.context["adminform"].form.errors
    assert EffectCalculation.objects.current().get(commitment=commitment).sr_obligation == Decimal("50000.00")
