from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from mvimonitor.organisations.models import Organisation, Role, User
from tests.factories import CpvCodeFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _staff(make_member: Callable[..., User], organisation: Organisation) -> User:
    user = make_member(Role.BEHEERDER, organisation)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_organisation", "change_organisation", "view_membership"])
    )
    return user


def test_staff_sees_only_organisations_they_administer(
    make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    own = OrganisationFactory(name="Eigen gemeente")
    OrganisationFactory(name="Andere gemeente")
    client = logged_in(_staff(make_member, own))

    page = client.get("/admin/organisations/organisation/").content.decode()

    assert "Eigen gemeente" in page
    assert "Andere gemeente" not in page


def test_staff_gets_no_page_for_another_organisation(
    make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    other = OrganisationFactory()
    client = logged_in(_staff(make_member, OrganisationFactory()))

    response = client.get(f"/admin/organisations/organisation/{other.pk}/change/")

    assert response.status_code in {302, 403, 404}
    assert response.status_code != 200


def test_staff_sees_only_memberships_of_own_organisation(
    make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    own = OrganisationFactory()
    foreign = MembershipFactory(user__username="buitenstaander")
    client = logged_in(_staff(make_member, own))

    page = client.get("/admin/organisations/membership/").content.decode()

    assert foreign.user.username not in page


def test_catalogue_is_read_only_for_staff(
    make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    code = CpvCodeFactory()
    client = logged_in(_staff(make_member, OrganisationFactory()))

    listing = client.get("/admin/themes/cpvcode/")
    change = client.post(f"/admin/themes/cpvcode/{code.pk}/change/", {"label_nl": "Gewijzigd"})

    assert listing.status_code == 200
    code.refresh_from_db()
    assert code.label_nl == "Reinigingsdiensten"
    assert change.status_code in {200, 403}


def test_superuser_may_change_catalogue(logged_in: Callable[[User], Client]) -> None:
    admin = User.objects.create_superuser("root", "root@example.org", "correct-horse-battery-staple")

    response = logged_in(admin).get("/admin/themes/cpvcode/add/")

    assert response.status_code == 200


def test_manageable_accounts_are_members_here_only_without_wider_rights(make_member: Callable[..., User]) -> None:
    from mvimonitor.organisations.admin_scope import manageable_users

    own, other = OrganisationFactory(), OrganisationFactory()
    staff = make_member(Role.BEHEERDER, own)
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    ordinary = make_member(Role.INKOPER, own)
    also_elsewhere = make_member(Role.LEZER, own)
    MembershipFactory(organisation=other, user=also_elsewhere, role=Role.LEZER)
    make_member(Role.BEHEERDER, other)  # a member elsewhere only
    UserFactory()  # no membership at all
    for flag in ("is_superuser", "is_staff", "national_analyst"):
        MembershipFactory(organisation=own, **{f"user__{flag}": True})

    assert list(manageable_users(staff)) == [ordinary]
    root = User.objects.create_superuser("root", "root@example.org", "correct-horse-battery-staple")
    assert manageable_users(root).count() == User.objects.count()


def test_reverting_a_membership_cannot_bring_back_an_account_out_of_reach(
    make_member: Callable[..., User], logged_in: Callable[[User], Client]
) -> None:
    own = OrganisationFactory()
    staff = _staff(make_member, own)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_membership", "add_membership"]))
    root = User.objects.create_superuser("root", "root@example.org", "correct-horse-battery-staple")
    membership = MembershipFactory(organisation=own, user=root, role=Role.LEZER)
    old_version = membership.history.earliest().history_id  # type: ignore[attr-defined]
    ordinary = UserFactory()
    membership.user = ordinary
    membership.save()  # a superuser handed the membership to an ordinary member: the old version names root

    response = logged_in(staff).post(
        f"/admin/organisations/membership/{membership.pk}/history/{old_version}/",
        {"user": root.pk, "organisation": own.pk, "role": Role.LEZER},
    )

    assert response.status_code in {200, 403}
    membership.refresh_from_db()
    assert membership.user_id == ordinary.pk
