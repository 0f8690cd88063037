"""Four-eyes verification: where an organisation asks for it (the default), a delivery is verified by someone other
than who submitted it; the organisation's beheerder can switch it off."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mvimonitor.effects.models import Commitment, Realisation, RealisationStatus
from mvimonitor.effects.services import commitment_create, realisation_review, realisation_submit
from mvimonitor.organisations.models import Organisation, Role
from mvimonitor.themes.models import Theme
from tests.factories import MembershipFactory

from .conftest import Side, make_side

pytestmark = pytest.mark.django_db


@pytest.fixture
def side(effects_reference: None) -> Side:
    return make_side("Gemeente Vier Ogen", four_eyes=True)


def _submitted(side: Side, commitment: Commitment) -> Realisation:
    return realisation_submit(
        user=side.manager,
        commitment=commitment,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 6, 30),
        quantity=Decimal(1000),
    )


@pytest.fixture
def commitment(side: Side) -> Commitment:
    return commitment_create(
        user=side.manager,
        contract=side.contract,
        theme=Theme.objects.get(code="klimaat"),
        kind="electricity",
        description="Groene stroom",
        quantity=Decimal(100000),
        unit="kWh",
        factor_code="green-power-government-average",
        reference_description="Stroom uit het net",
        reference_factor_code="electricity-nl-mix-2021",
    )


def test_new_organisations_ask_for_four_eyes() -> None:
    assert Organisation(name="Nieuw").four_eyes_verification is True


def test_who_submitted_a_delivery_cannot_verify_it(side: Side, commitment: Commitment) -> None:
    realisation = _submitted(side, commitment)

    with pytest.raises(ValidationError, match="four eyes"):
        realisation_review(user=side.manager, realisation=realisation, status=RealisationStatus.VERIFIED)

    realisation.refresh_from_db()
    assert realisation.status == RealisationStatus.SUBMITTED


def test_a_colleague_verifies_it_and_the_submitter_may_still_reject_their_own(
    side: Side, commitment: Commitment
) -> None:
    colleague = MembershipFactory(organisation=side.organisation, role=Role.CONTRACTMANAGER).user
    first, second = _submitted(side, commitment), _submitted(side, commitment)

    realisation_review(user=colleague, realisation=first, status=RealisationStatus.VERIFIED)
    realisation_review(user=side.manager, realisation=second, status=RealisationStatus.REJECTED, note="wrong period")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.reviewed_by) == (RealisationStatus.VERIFIED, colleague)
    assert second.status == RealisationStatus.REJECTED


def test_without_four_eyes_the_submitter_verifies(side: Side, commitment: Commitment) -> None:
    Organisation.objects.filter(pk=side.organisation.pk).update(four_eyes_verification=False)
    realisation = _submitted(side, commitment)

    realisation_review(user=side.manager, realisation=realisation, status=RealisationStatus.VERIFIED)

    realisation.refresh_from_db()
    assert realisation.status == RealisationStatus.VERIFIED


def test_the_beheerder_switches_it_on_the_organisation_page(side: Side, client: Client) -> None:
    beheerder = MembershipFactory(organisation=side.organisation, role=Role.BEHEERDER).user
    client.force_login(beheerder, backend="django.contrib.auth.backends.ModelBackend")
    organisation = side.organisation
    form = {"name": organisation.name, "kind": organisation.kind, "oin": "", "kvk_number": "", "province": ""}

    client.post("/en/organisation/edit/", form)  # the box left unticked

    organisation.refresh_from_db()
    assert organisation.four_eyes_verification is False
