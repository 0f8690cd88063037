from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from mvimonitor.organisations.access import (
    ORGANISATION_PATHS,
    ROLE_ACTIONS,
    Action,
    fetch,
    is_national_analyst,
    organisation_id_of,
    organisation_path,
    organisations_for,
    permitted,
    scope,
)
from mvimonitor.organisations.models import Role, User
from mvimonitor.organisations.validators import validate_kvk, validate_oin
from mvimonitor.tenders.models import Tender

from ..factories import MembershipFactory, OrganisationFactory, TenderFactory, UserFactory

EXPECTED = {
    Role.BEHEERDER: {"view", "edit_tenders", "edit_mvi", "edit_contracts", "manage_members", "edit_spend_totals"},
    Role.INKOPER: {"view", "edit_tenders", "edit_mvi"},
    Role.CONTRACTMANAGER: {"view", "edit_contracts"},
    Role.COORDINATOR: {"view", "edit_mvi", "edit_spend_totals"},
    Role.LEZER: {"view"},
}


def test_every_role_has_exactly_the_documented_actions() -> None:
    assert {role: {str(a) for a in actions} for role, actions in ROLE_ACTIONS.items()} == EXPECTED


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "action"), [(r, a) for r in Role for a in Action])
def test_permitted_follows_the_role_table_on_own_organisation_only(
    make_member: Callable[..., User], role: str, action: Action
) -> None:
    user = make_member(role=role)
    own = user.memberships.get().organisation
    other = OrganisationFactory()

    assert permitted(user, action, own) is (str(action) in EXPECTED[role])
    assert permitted(user, action, other) is False


@pytest.mark.django_db
def test_parent_membership_gives_no_rights_on_children() -> None:
    ministry = OrganisationFactory(name="Ministerie")
    agency = OrganisationFactory(name="Agentschap", parent=ministry)
    user = MembershipFactory(organisation=ministry, role=Role.BEHEERDER).user

    assert permitted(user, Action.VIEW, agency) is False
    assert list(organisations_for(user, Action.VIEW)) == [ministry]


@pytest.mark.django_db
def test_national_analyst_without_membership_sees_no_records() -> None:
    analyst = UserFactory(national_analyst=True)
    TenderFactory()

    assert scope(Tender.objects.all(), analyst, Action.VIEW, "organisation").count() == 0


@pytest.mark.django_db
def test_inactive_and_anonymous_users_have_no_rights() -> None:
    membership = MembershipFactory(role=Role.BEHEERDER)
    membership.user.is_active = False
    membership.user.save()

    assert permitted(membership.user, Action.VIEW, membership.organisation) is False
    assert permitted(AnonymousUser(), Action.VIEW, membership.organisation) is False
    assert organisations_for(AnonymousUser(), Action.VIEW).count() == 0


@pytest.mark.django_db
def test_scope_keeps_only_rows_of_permitted_organisations() -> None:
    mine = TenderFactory()
    TenderFactory()
    user = MembershipFactory(organisation=mine.organisation, role=Role.LEZER).user

    assert list(scope(Tender.objects.all(), user, Action.VIEW, "organisation")) == [mine]
    assert scope(Tender.objects.all(), user, Action.EDIT_TENDERS, "organisation").count() == 0


@pytest.mark.parametrize(
    "oin",
    [
        "00000001003227376000",  # RSIN-based, Ministerie van Algemene Zaken (domain.md §11)
        "00000003123456780000",  # KvK-based
        "00000004123456789000",  # SubOIN
        "00000099123456780000",  # test OIN
    ],
)
def test_valid_oins_pass(oin: str) -> None:
    validate_oin(oin)


@pytest.mark.parametrize(
    ("oin", "code"),
    [
        ("0000000100322737600", "oin_format"),  # 19 characters
        ("0000000100322737600A", "oin_format"),
        ("00000005123456780000", "oin_prefix"),  # prefix 00000005 does not exist
        ("00000003123456781234", "oin_suffix"),  # KvK-based OIN must end in 0000
        ("00000001123456789012", "oin_suffix"),  # RSIN-based OIN must end in 000
    ],
)
def test_invalid_oins_are_refused_with_a_reason(oin: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_oin(oin)

    assert error.value.code == code


@pytest.mark.parametrize("kvk", ["1234567", "123456789", "1234567a", ""])
def test_kvk_number_must_have_8_digits(kvk: str) -> None:
    with pytest.raises(ValidationError):
        validate_kvk(kvk)


@pytest.mark.django_db
def test_national_analyst_keeps_no_record_rights_from_a_left_over_membership() -> None:
    membership = MembershipFactory(role=Role.BEHEERDER, user=UserFactory(national_analyst=True))

    assert permitted(membership.user, Action.VIEW, membership.organisation) is False
    assert organisations_for(membership.user, Action.VIEW).count() == 0


@pytest.mark.parametrize("label", sorted(ORGANISATION_PATHS))
def test_every_lookup_path_of_the_table_reaches_an_organisation(label: str) -> None:
    from django.apps import apps

    model = apps.get_model(label)
    path = organisation_path(model)
    field: Any = None
    current = model
    for part in path.split("__"):
        field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        current = field.related_model or current

    assert current._meta.label_lower == "organisations.organisation"


@pytest.mark.django_db
def test_fetch_answers_404_for_what_is_not_visible_and_403_for_what_may_not_be_changed(
    make_member: Callable[..., User],
) -> None:
    reader = make_member(Role.LEZER)
    own = TenderFactory(organisation=reader.memberships.get().organisation)
    foreign = TenderFactory()

    assert fetch(reader, Tender.objects.all(), own.pk) == own
    with pytest.raises(Http404):
        fetch(reader, Tender.objects.all(), foreign.pk)
    with pytest.raises(PermissionDenied):
        fetch(reader, Tender.objects.all(), own.pk, Action.EDIT_TENDERS)


@pytest.mark.django_db
def test_organisation_id_of_follows_the_path_of_each_record() -> None:
    from ..factories import ContractFactory, LotFactory, MVIApplicationFactory

    application = MVIApplicationFactory()
    contract = ContractFactory(lot=LotFactory(tender=application.lot.tender))
    organisation_id = application.lot.tender.organisation_id

    assert organisation_id_of(application) == organisation_id
    assert organisation_id_of(contract) == organisation_id
    assert organisation_id_of(application.lot.tender.organisation) == organisation_id


@pytest.mark.django_db
def test_an_inactive_national_analyst_is_no_national_analyst() -> None:
    analyst = UserFactory(national_analyst=True)
    assert is_national_analyst(analyst) is True

    analyst.is_active = False

    assert is_national_analyst(analyst) is False
    assert is_national_analyst(AnonymousUser()) is False
