"""A staff user who is not a superuser cannot take over an account through the admin.

The rule (mvimonitor/organisations/admin_scope.py): such a staff user manages (changes, sets the password of, adds to
an organisation) only people who are members of organisations they administer and of no other organisation, and who
are neither superusers, staff nor national analysts. Anyone else is brought in by an invitation.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from mvimonitor.api.models import ApiToken
from mvimonitor.api.tokens import token_create
from mvimonitor.organisations.models import Membership, Organisation, Role, User
from mvimonitor.tenders.models import Tender
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, TenderFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Overgenomen-wachtwoord-2026"
STAFF_PERMISSIONS = [
    "add_membership",
    "change_membership",
    "delete_membership",
    "view_membership",
    "add_user",
    "change_user",
    "view_user",
    "view_organisation",
    "change_organisation",
    "view_invitation",
    "change_invitation",
    "view_tender",
    "change_tender",
]


@dataclass
class People:
    own: Organisation
    second: Organisation  # also administered by the staff user
    other: Organisation
    staff: User  # beheerder of `own` and `second`, staff, not a superuser
    member: User  # an ordinary member of `own` only
    shared: User  # beheerder of `other` who is also a lezer of `own`
    outsider: User  # a member of `other` only
    root: User  # a superuser without memberships


@pytest.fixture
def people() -> People:
    own = OrganisationFactory(name="Gemeente Eigen")
    second = OrganisationFactory(name="Gemeente Tweede")
    other = OrganisationFactory(name="Waterschap Ander", kind="waterschap")
    staff = MembershipFactory(organisation=own, role=Role.BEHEERDER, user__username="eigen-beheerder").user
    MembershipFactory(organisation=second, role=Role.BEHEERDER, user=staff)
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.user_permissions.set(Permission.objects.filter(codename__in=STAFF_PERMISSIONS))
    shared = MembershipFactory(organisation=other, role=Role.BEHEERDER, user__username="gedeelde-beheerder").user
    MembershipFactory(organisation=own, role=Role.LEZER, user=shared)
    return People(
        own=own,
        second=second,
        other=other,
        staff=staff,
        member=MembershipFactory(organisation=own, role=Role.LEZER, user__username="gewoon-lid").user,
        shared=shared,
        outsider=MembershipFactory(organisation=other, role=Role.INKOPER, user__username="buitenstaander").user,
        root=User.objects.create_superuser("root", "root@example.org", PASSWORD),
    )


def _as(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _password_form() -> dict[str, str]:
    return {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true", "set-password": "1"}


def _user_form(user: User, **changes: str) -> dict[str, Any]:
    """What the admin's change form of `user` posts, for the fields a staff user who is not a superuser can edit."""
    joined = user.date_joined
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    return data | changes


def _inline_form(organisation: Organisation, rows: list[dict[str, Any]], new: dict[str, Any]) -> dict[str, Any]:
    """The organisation's change form with its membership inline: the existing `rows` unchanged plus one `new` row."""
    prefix = "memberships"
    data: dict[str, Any] = {
        "name": organisation.name,
        "kind": organisation.kind,
        "oin": organisation.oin,
        "kvk_number": organisation.kvk_number,
        "national_id": organisation.national_id,
        "province": organisation.province,
        "parent": "",
        "status": organisation.status,
        f"{prefix}-TOTAL_FORMS": str(len(rows) + 1),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate([*rows, new]):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
        data[f"{prefix}-{index}-organisation"] = organisation.pk
    return data


def _existing_rows(organisation: Organisation) -> list[dict[str, Any]]:
    return [
        {"id": m.pk, "user": m.user_id, "role": m.role}
        for m in Membership.objects.filter(organisation=organisation).order_by("pk")
    ]


# --- The first path: add anyone to one's own organisation, then reset their password --------------------------------


def test_staff_cannot_add_a_superuser_to_their_organisation(people: People, client: Client) -> None:
    response = _as(client, people.staff).post(
        "/admin/organisations/membership/add/",
        {"user": people.root.pk, "organisation": people.own.pk, "role": Role.LEZER},
    )

    assert not Membership.objects.filter(user=people.root).exists()
    assert response.status_code == 200
    assert "Nodig" in response.content.decode() or "Invite" in response.content.decode()


def test_staff_cannot_reset_the_password_of_a_superuser_they_added(people: People, client: Client) -> None:
    client = _as(client, people.staff)
    client.post(
        "/admin/organisations/membership/add/",
        {"user": people.root.pk, "organisation": people.own.pk, "role": Role.LEZER},
    )

    response = client.post(f"/admin/organisations/user/{people.root.pk}/password/", _password_form())

    assert response.status_code in {403, 404}
    people.root.refresh_from_db()
    assert people.root.check_password(PASSWORD)


def test_a_superuser_who_is_a_member_is_still_out_of_reach(people: People, client: Client) -> None:
    MembershipFactory(organisation=people.own, role=Role.LEZER, user=people.root)
    client = _as(client, people.staff)

    password = client.post(f"/admin/organisations/user/{people.root.pk}/password/", _password_form())
    change = client.post(
        f"/admin/organisations/user/{people.root.pk}/change/", _user_form(people.root, email="x@example.nl")
    )

    assert password.status_code in {403, 404}
    assert change.status_code in {403, 404}
    people.root.refresh_from_db()
    assert people.root.check_password(PASSWORD)
    assert people.root.email == "root@example.org"


def test_staff_cannot_add_a_superuser_through_the_organisation_inline(people: People, client: Client) -> None:
    data = _inline_form(people.own, _existing_rows(people.own), {"user": people.root.pk, "role": Role.LEZER})

    response = _as(client, people.staff).post(f"/admin/organisations/organisation/{people.own.pk}/change/", data)

    assert response.status_code == 200
    assert not Membership.objects.filter(user=people.root).exists()


@pytest.mark.parametrize("who", ["outsider", "shared", "no_membership", "other_staff", "analyst"])
def test_staff_cannot_add_someone_they_do_not_manage(people: People, client: Client, who: str) -> None:
    target = {
        "outsider": people.outsider,
        "shared": people.shared,
        "no_membership": UserFactory(username="zonder-lidmaatschap"),
        "other_staff": MembershipFactory(organisation=people.own, user__is_staff=True).user,
        "analyst": MembershipFactory(organisation=people.own, user__national_analyst=True).user,
    }[who]

    response = _as(client, people.staff).post(
        "/admin/organisations/membership/add/",
        {"user": target.pk, "organisation": people.second.pk, "role": Role.BEHEERDER},
    )

    assert response.status_code == 200
    assert not Membership.objects.filter(user=target, organisation=people.second).exists()
    assert response.context["adminform"].form.errors["user"]


def test_staff_cannot_hand_an_existing_membership_to_someone_else(people: People, client: Client) -> None:
    membership = Membership.objects.get(user=people.member, organisation=people.own)

    _as(client, people.staff).post(
        f"/admin/organisations/membership/{membership.pk}/change/",
        {"user": people.root.pk, "organisation": people.own.pk, "role": Role.LEZER},
    )

    membership.refresh_from_db()
    assert membership.user_id == people.member.pk


def test_staff_cannot_move_the_membership_of_someone_out_of_reach_to_another_organisation(
    people: People, client: Client
) -> None:
    membership = Membership.objects.get(user=people.shared, organisation=people.own)

    response = _as(client, people.staff).post(
        f"/admin/organisations/membership/{membership.pk}/change/",
        {"user": people.shared.pk, "organisation": people.second.pk, "role": Role.LEZER},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"]
    membership.refresh_from_db()
    assert membership.organisation_id == people.own.pk


# --- The second path: a member here who administers another organisation ---------------------------------------------


def test_staff_cannot_reset_the_password_of_someone_who_administers_another_organisation(
    people: People, client: Client
) -> None:
    response = _as(client, people.staff).post(
        f"/admin/organisations/user/{people.shared.pk}/password/", _password_form()
    )

    assert response.status_code in {403, 404}
    people.shared.refresh_from_db()
    assert people.shared.check_password(PASSWORD)


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_cannot_change_someone_who_administers_another_organisation(
    people: People, client: Client, method: str
) -> None:
    url = f"/admin/organisations/user/{people.shared.pk}/change/"
    data = _user_form(people.shared, email="indringer@example.org", first_name="Overgenomen")

    response = getattr(_as(client, people.staff), method)(url, data if method == "post" else None)

    assert response.status_code in {403, 404}
    people.shared.refresh_from_db()
    assert people.shared.email == "gedeelde-beheerder@example.org"
    assert people.shared.is_active


@pytest.mark.parametrize("view", ["delete", "history"])
def test_other_views_of_an_unmanaged_account_are_not_found(people: People, client: Client, view: str) -> None:
    response = _as(client, people.staff).post(f"/admin/organisations/user/{people.shared.pk}/{view}/", {"post": "yes"})

    assert response.status_code == 404
    assert User.objects.filter(pk=people.shared.pk).exists()


def test_autocomplete_offers_only_people_the_staff_user_manages(people: People, client: Client) -> None:
    response = _as(client, people.staff).get(
        "/admin/autocomplete/",
        {"app_label": "organisations", "model_name": "membership", "field_name": "user", "term": ""},
    )

    offered = {row["text"] for row in response.json()["results"]}
    assert offered == {"gewoon-lid"}


def test_the_user_list_shows_only_people_the_staff_user_manages(people: People, client: Client) -> None:
    page = _as(client, people.staff).get("/admin/organisations/user/").content.decode()

    assert "gewoon-lid" in page
    assert "gedeelde-beheerder" not in page
    assert "buitenstaander" not in page
    assert ">root<" not in page


def test_staff_cannot_create_accounts_in_the_admin(people: People, client: Client) -> None:
    response = _as(client, people.staff).get("/admin/organisations/user/add/")

    assert response.status_code == 403


def test_staff_cannot_change_their_own_account_in_the_admin(people: People, client: Client) -> None:
    response = _as(client, people.staff).post(
        f"/admin/organisations/user/{people.staff.pk}/change/", _user_form(people.staff, email="ik@example.org")
    )

    assert response.status_code in {403, 404}
    people.staff.refresh_from_db()
    assert people.staff.email == "eigen-beheerder@example.org"


def test_who_confirmed_a_tender_cannot_be_set_to_any_account(people: People, client: Client) -> None:
    tender = TenderFactory(organisation=people.own, title="Eigen aanbesteding")

    page = _as(client, people.staff).get(f"/admin/tenders/tender/{tender.pk}/change/")

    # Who confirmed is recorded by the service; a free account number here would also show any account's name.
    assert page.status_code == 200
    assert 'name="mvi_confirmed_by"' not in page.content.decode()
    assert Tender.objects.get(pk=tender.pk).title == "Eigen aanbesteding"


def test_staff_cannot_make_or_read_an_api_token_for_someone_else(people: People, client: Client) -> None:
    _token, key = token_create(user=people.root, name="root's script")
    people.staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="api"))
    client = _as(client, people.staff)

    made = client.post("/admin/api/apitoken/add/", {"user": people.shared.pk, "name": "taken over"})
    listed = client.get("/admin/api/apitoken/")

    assert made.status_code == 403
    assert not ApiToken.objects.filter(user=people.shared).exists()
    assert listed.status_code == 403
    assert key not in listed.content.decode()


def test_not_even_a_superuser_makes_a_token_for_someone_else_in_the_admin(people: People, client: Client) -> None:
    client = _as(client, people.root)

    made = client.post("/admin/api/apitoken/add/", {"user": people.shared.pk, "name": "taken over"})

    assert made.status_code == 403
    assert not ApiToken.objects.filter(user=people.shared).exists()


def test_staff_cannot_widen_the_permissions_of_their_own_group(people: People, client: Client) -> None:
    group = Group.objects.create(name="Beheerders")
    people.staff.groups.add(group)
    group.permissions.set(Permission.objects.filter(codename__in=["view_group", "change_group"]))

    response = _as(client, people.staff).post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "Beheerders", "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )

    assert response.status_code == 403
    assert group.permissions.count() == 2


# --- What a staff beheerder may still do -----------------------------------------------------------------------------


def test_staff_may_change_an_ordinary_member_and_set_their_password(people: People, client: Client) -> None:
    client = _as(client, people.staff)

    change = client.post(
        f"/admin/organisations/user/{people.member.pk}/change/", _user_form(people.member, email="nieuw@example.org")
    )
    password = client.post(f"/admin/organisations/user/{people.member.pk}/password/", _password_form())

    assert change.status_code == 302, change.content.decode()[:3000]
    assert password.status_code == 302, password.content.decode()[:3000]
    people.member.refresh_from_db()
    assert people.member.email == "nieuw@example.org"
    assert people.member.check_password(NEW_PASSWORD)


def test_staff_may_add_an_ordinary_member_to_another_organisation_they_manage(people: People, client: Client) -> None:
    response = _as(client, people.staff).post(
        "/admin/organisations/membership/add/",
        {"user": people.member.pk, "organisation": people.second.pk, "role": Role.INKOPER},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.filter(user=people.member, organisation=people.second, role=Role.INKOPER).exists()


def test_staff_may_add_an_ordinary_member_through_the_organisation_inline(people: People, client: Client) -> None:
    data = _inline_form(people.second, _existing_rows(people.second), {"user": people.member.pk, "role": Role.LEZER})

    response = _as(client, people.staff).post(f"/admin/organisations/organisation/{people.second.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.filter(user=people.member, organisation=people.second).exists()


def test_staff_may_still_set_the_role_of_a_member_who_is_also_elsewhere(people: People, client: Client) -> None:
    membership = Membership.objects.get(user=people.shared, organisation=people.own)

    response = _as(client, people.staff).post(
        f"/admin/organisations/membership/{membership.pk}/change/",
        {"user": people.shared.pk, "organisation": people.own.pk, "role": Role.INKOPER},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    membership.refresh_from_db()
    assert membership.role == Role.INKOPER


def test_superuser_keeps_every_right(people: People, client: Client) -> None:
    client = _as(client, people.root)

    added = client.post(
        "/admin/organisations/membership/add/",
        {"user": people.outsider.pk, "organisation": people.own.pk, "role": Role.LEZER},
    )
    password = client.post(f"/admin/organisations/user/{people.shared.pk}/password/", _password_form())

    assert added.status_code == 302
    assert Membership.objects.filter(user=people.outsider, organisation=people.own).exists()
    assert password.status_code == 302
    people.shared.refresh_from_db()
    assert people.shared.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("app", "model"),
    [
        ("axes", "accessattempt"),
        ("axes", "accesslog"),
        ("axes", "accessfailurelog"),
        ("django_tasks_database", "dbtaskresult"),
    ],
)
def test_login_lock_and_background_task_records_are_for_superusers_only(
    people: People, client: Client, app: str, model: str
) -> None:
    people.staff.user_permissions.add(*Permission.objects.filter(content_type__app_label=app))
    url = f"/admin/{app}/{model}/"

    refused = _as(client, people.staff).get(url)
    allowed = _as(Client(), people.root).get(url)

    assert refused.status_code == 403
    assert allowed.status_code == 200
