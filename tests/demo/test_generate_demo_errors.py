from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mvimonitor.organisations.models import Membership, Organisation
from mvimonitor.tenders.models import Tender
from tests.factories import TenderFactory

pytestmark = pytest.mark.django_db


def _generate(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("generate_demo", "--end-year", "2025", *args, stdout=out)
    return out.getvalue()


def test_without_reference_data_the_command_explains_what_to_run(db: None) -> None:
    with pytest.raises(CommandError, match="load_reference"):
        _generate("--organisations", "2", "--years", "1")


def test_bad_arguments_are_refused(reference_data: None) -> None:
    with pytest.raises(CommandError, match="--organisations"):
        _generate("--organisations", "0")


def test_a_real_tender_in_a_synthetic_organisation_does_not_stop_a_second_run(reference_data: None) -> None:
    """A tender imported into a demo organisation stays, with its organisation, and the demo is replaced around it."""
    _generate("--organisations", "4", "--years", "1", "--tenders-per-year", "3", "--seed", "3")
    demo_organisation = Organisation.objects.filter(is_synthetic=True).order_by("pk").first()
    real = TenderFactory(organisation=demo_organisation, tenderned_publication_id="123456")
    synthetic_before = set(Tender.objects.filter(is_synthetic=True).values_list("pk", flat=True))

    output = _generate("--organisations", "4", "--years", "1", "--tenders-per-year", "3", "--seed", "3")

    real.refresh_from_db()
    assert real.organisation_id == demo_organisation.pk
    assert not real.is_synthetic
    assert Organisation.objects.get(pk=demo_organisation.pk).is_synthetic
    assert not synthetic_before & set(Tender.objects.filter(is_synthetic=True).values_list("pk", flat=True))
    assert "Kept 1 real (non-synthetic) tenders" in output


def test_a_synthetic_organisation_left_out_of_a_smaller_run_stays_while_it_has_a_real_tender(
    reference_data: None,
) -> None:
    _generate("--organisations", "8", "--years", "1", "--tenders-per-year", "2", "--seed", "3")
    last = Organisation.objects.filter(is_synthetic=True).order_by("-oin").first()
    real = TenderFactory(organisation=last)

    _generate("--organisations", "6", "--years", "1", "--tenders-per-year", "2", "--seed", "3")

    assert Tender.objects.filter(pk=real.pk, organisation=last).exists()
    assert Organisation.objects.filter(is_synthetic=True).count() == 7  # the six generated and the one kept
    assert not Tender.objects.filter(organisation=last, is_synthetic=True).exists()


def test_members_of_a_demo_organisation_stay_members_after_a_second_run(reference_data: None) -> None:
    _generate("--organisations", "4", "--years", "1", "--tenders-per-year", "2", "--seed", "3")
    with translation.override("en"):
        call_command("create_demo_login", stdout=StringIO())
    memberships = set(Membership.objects.values_list("user__username", "organisation_id", "role"))

    _generate("--organisations", "4", "--years", "1", "--tenders-per-year", "2", "--seed", "4")

    assert memberships
    assert set(Membership.objects.values_list("user__username", "organisation_id", "role")) == memberships


def test_with_if_missing_a_second_run_keeps_the_demo_data_and_what_users_did_with_it(reference_data: None) -> None:
    """`make run` passes --if-missing: work done on a synthetic tender survives the next start."""
    _generate("--organisations", "3", "--years", "1", "--tenders-per-year", "2", "--seed", "3")
    tender = Tender.objects.filter(is_synthetic=True).order_by("pk").first()
    assert tender is not None
    Tender.objects.filter(pk=tender.pk).update(title="Changed by a user")
    before = set(Tender.objects.values_list("pk", flat=True))

    output = _generate(
        "--organisations", "3", "--years", "1", "--tenders-per-year", "2", "--seed", "3", "--if-missing"
    )

    assert "kept" in output
    assert set(Tender.objects.values_list("pk", flat=True)) == before
    assert Tender.objects.get(pk=tender.pk).title == "Changed by a user"


def test_without_if_missing_the_demo_set_is_made_anew(reference_data: None) -> None:
    _generate("--organisations", "3", "--years", "1", "--tenders-per-year", "2", "--seed", "3")
    before = set(Tender.objects.filter(is_synthetic=True).values_list("pk", flat=True))

    _generate("--organisations", "3", "--years", "1", "--tenders-per-year", "2", "--seed", "3")

    assert not before & set(Tender.objects.filter(is_synthetic=True).values_list("pk", flat=True))
