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


# --- national reference data: to read, never changed in the admin ----------------------------------------------------


def _staff(side: Side) -> Client:
    user = side.manager
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_reference_options_are_read_in_the_admin_and_changed_only_by_their_loader(
    side_a: Side, superuser_client: Client
) -> None:
    import datetime as dt

    from mvimonitor.effects.reference_options import ReferenceOption, ReferenceParameter

    option = ReferenceOption.objects.create(
        code="petrol-car", version=2, kind="vehicle_km", valid_from=dt.date(2026, 1, 1),
        description="Fossil petrol car", reference_factor_code="benzine-vkm", quantity_basis="vkm",
        source="test source", source_year=2026,
    )  # fmt: skip
    ReferenceParameter.objects.create(
        option=option, name="energy use", value=Decimal("2.21"), unit="MJ/vkm", source="test", source_year=2026
    )
    staff = _staff(side_a)

    for client in (staff, superuser_client):
        listing = client.get("/en/admin/effects/referenceoption/")
        assert listing.status_code == 200
        assert "petrol-car" in listing.content.decode()
        page = client.get(f"/en/admin/effects/referenceoption/{option.pk}/change/")
        assert page.status_code == 200
        assert "energy use" in page.content.decode()  # the conversion assumptions with it
        assert client.get("/en/admin/effects/referenceoption/add/").status_code == 403
        refused = client.post(
            f"/en/admin/effects/referenceoption/{option.pk}/change/", {"code": "changed", "version": "2"}
        )
        assert refused.status_code == 403
        deleted = client.post(f"/en/admin/effects/referenceoption/{option.pk}/delete/", {"post": "yes"})
        assert deleted.status_code == 403
    option.refresh_from_db()
    assert option.code == "petrol-car"


def test_indicator_values_of_an_organisations_own_set_are_for_its_members_only(
    side_a: Side, side_b: Side, test_set: Any, superuser_client: Client
) -> None:
    from mvimonitor.effects.indicators import IndicatorFactor
    from mvimonitor.effects.models import EmissionFactorSet

    own_b = EmissionFactorSet.objects.create(
        name="B eigen", version="1", publication_year=2025, source="B", organisation=side_b.organisation
    )
    values = {"public": test_set, "own-of-b": own_b}
    for code, factor_set in values.items():
        IndicatorFactor.objects.create(
            factor_set=factor_set, factor_code=f"item-{code}", indicator="nox", value=Decimal("0.001"), unit="kWh",
            source="test", source_year=2026,
        )  # fmt: skip

    seen_by_a = _staff(side_a).get("/en/admin/effects/indicatorfactor/").content.decode()
    seen_by_b = _staff(side_b).get("/en/admin/effects/indicatorfactor/").content.decode()
    seen_by_superuser = superuser_client.get("/en/admin/effects/indicatorfactor/").content.decode()

    assert "item-public" in seen_by_a
    assert "item-own-of-b" not in seen_by_a
    assert "item-public" in seen_by_b
    assert "item-own-of-b" in seen_by_b
    assert "item-own-of-b" in seen_by_superuser
    assert _staff(side_a).get("/en/admin/effects/indicatorfactor/add/").status_code == 403


def test_a_user_who_is_not_staff_does_not_reach_the_reference_data(side_a: Side) -> None:
    client = Client()
    client.force_login(side_a.reader, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get("/en/admin/effects/publishedeffectresult/")

    assert response.status_code == 302  # to the admin's login
