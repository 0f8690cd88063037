import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from mvimonitor.organisations.models import Invitation, Membership, Organisation, Role, User
from mvimonitor.organisations.selectors import SESSION_KEY
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
MakeMember = Callable[..., User]


def _invitation(organisation: Organisation, **overrides: object) -> Invitation:
    fields: dict[str, object] = {
        "organisation": organisation,
        "email": "nieuw@example.org",
        "role": Role.INKOPER,
        "token": "a-token-for-tests",
        "invited_by": UserFactory(),
        "expires_at": timezone.now() + dt.timedelta(days=14),
    }
    fields.update(overrides)
    return Invitation.objects.create(**fields)


# --- switching organisation -------------------------------------------------------------------------------------


def test_switch_to_own_organisation_is_stored_in_session(make_member: MakeMember, logged_in: Login) -> None:
    user = make_member(Role.LEZER)
    other = OrganisationFactory(name="Waterschap Test")
    MembershipFactory(user=user, organisation=other, role=Role.LEZER)
    client = logged_in(user)

    response = client.post(reverse("organisations:switch"), {"organisation": other.pk, "next": "/catalogue/"})

    assert response.status_code == 302
    assert response["Location"] == "/catalogue/"
    assert client.session[SESSION_KEY] == other.pk
    page = client.get(reverse("organisations:members")).content.decode()
    assert '<h1 class="utrecht-heading-1">Waterschap Test</h1>' in page


def test_switch_to_foreign_organisation_is_refused(make_member: MakeMember, logged_in: Login) -> None:
    user = make_member(Role.BEHEERDER)
    foreign = OrganisationFactory()
    client = logged_in(user)

    response = client.post(reverse("organisations:switch"), {"organisation": foreign.pk}, follow=True)

    assert SESSION_KEY not in client.session
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_switch_ignores_external_next_url(make_member: MakeMember, logged_in: Login) -> None:
    user = make_member(Role.LEZER)
    client = logged_in(user)
    organisation = user.memberships.get().organisation

    response = client.post(
        reverse("organisations:switch"), {"organisation": organisation.pk, "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("organisations:members")


def test_switch_form_is_shown_for_users_with_two_organisations(make_member: MakeMember, logged_in: Login) -> None:
    user = make_member(Role.LEZER)
    MembershipFactory(user=user, role=Role.LEZER)
    client = logged_in(user)

    page = client.get(reverse("themes:index")).content.decode()

    assert 'action="/organisation/switch/"' in page
    assert 'id="mvim-switch-organisation"' in page


# --- organisation page ------------------------------------------------------------------------------------------


def test_members_page_shows_details_and_members(make_member: MakeMember, logged_in: Login) -> None:
    parent = OrganisationFactory(name="Provincie Test")
    organisation = OrganisationFactory(
        name="Gemeente Voorbeeld", oin="00000001001234567000", kvk_number="12345678", parent=parent, province="UT"
    )
    admin = make_member(Role.BEHEERDER, organisation)
    colleague = make_member(Role.INKOPER, organisation)

    page = logged_in(admin).get(reverse("organisations:members")).content.decode()

    assert "00000001001234567000" in page
    assert "12345678" in page
    assert "Provincie Test" in page
    assert "Utrecht" in page
    assert colleague.username in page
    assert reverse("organisations:invite") in page


def test_members_page_without_membership_explains(client: Client, logged_in: Login) -> None:
    user = UserFactory()

    response = logged_in(user).get(reverse("organisations:members"))

    assert response.status_code == 200
    assert response.templates[0].name == "organisations/no_organisation.html"


def test_reader_sees_no_management_links(make_member: MakeMember, logged_in: Login) -> None:
    reader = make_member(Role.LEZER)

    page = logged_in(reader).get(reverse("organisations:members")).content.decode()

    assert reverse("organisations:invite") not in page
    assert reverse("organisations:edit") not in page


# --- invitations ------------------------------------------------------------------------------------------------


def test_beheerder_invites_colleague_and_email_is_sent(make_member: MakeMember, logged_in: Login) -> None:
    admin = make_member(Role.BEHEERDER)

    response = logged_in(admin).post(
        reverse("organisations:invite"), {"email": "collega@example.org", "role": Role.COORDINATOR}
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "collega@example.org"
    assert invitation.role == Role.COORDINATOR
    assert len(invitation.token) >= 40
    assert dt.timedelta(days=13, hours=23) < invitation.expires_at - timezone.now() <= dt.timedelta(days=14)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["collega@example.org"]
    assert f"/organisation/invitations/{invitation.token}/" in mail.outbox[0].body


def test_invite_with_bad_email_names_the_field(make_member: MakeMember, logged_in: Login) -> None:
    admin = make_member(Role.BEHEERDER)

    response = logged_in(admin).post(reverse("organisations:invite"), {"email": "geen-adres", "role": Role.LEZER})

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert Invitation.objects.count() == 0


def test_inkoper_may_not_invite(make_member: MakeMember, logged_in: Login) -> None:
    buyer = make_member(Role.INKOPER)

    response = logged_in(buyer).post(reverse("organisations:invite"), {"email": "x@example.org", "role": Role.LEZER})

    assert response.status_code == 403
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


def test_accept_invitation_creates_user_and_membership(client: Client) -> None:
    invitation = _invitation(OrganisationFactory())

    response = client.post(
        reverse("organisations:invitation-accept", args=[invitation.token]),
        {"username": "nieuwe.collega", "password": PASSWORD, "password_confirm": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    user = User.objects.get(username="nieuwe.collega")
    assert user.email == "nieuw@example.org"
    assert user.check_password(PASSWORD) is True
    assert Membership.objects.get(user=user).role == Role.INKOPER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_accept_invitation_rejects_weak_password(client: Client) -> None:
    invitation = _invitation(OrganisationFactory())

    response = client.post(
        reverse("organisations:invitation-accept", args=[invitation.token]),
        {"username": "nieuwe.collega", "password": "12345678", "password_confirm": "12345678"},
    )

    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="nieuwe.collega").exists()


def test_accept_invitation_rejects_different_passwords(client: Client) -> None:
    invitation = _invitation(OrganisationFactory())

    response = client.post(
        reverse("organisations:invitation-accept", args=[invitation.token]),
        {"username": "nieuwe.collega", "password": PASSWORD, "password_confirm": PASSWORD + "x"},
    )

    assert "password_confirm" in response.context["form"].errors
    assert not User.objects.filter(username="nieuwe.collega").exists()


def test_accept_invitation_rejects_taken_username(client: Client) -> None:
    UserFactory(username="bestaand")
    invitation = _invitation(OrganisationFactory())

    response = client.post(
        reverse("organisations:invitation-accept", args=[invitation.token]),
        {"username": "Bestaand", "password": PASSWORD, "password_confirm": PASSWORD},
    )

    assert "username" in response.context["form"].errors
    assert Membership.objects.count() == 0


def test_expired_invitation_is_refused(client: Client) -> None:
    invitation = _invitation(OrganisationFactory(), expires_at=timezone.now() - dt.timedelta(minutes=1))

    response = client.post(
        reverse("organisations:invitation-accept", args=[invitation.token]),
        {"username": "laat", "password": PASSWORD, "password_confirm": PASSWORD},
    )

    assert response.status_code == 410
    assert re.search(r"verlopen|expired", response.content.decode())
    assert not User.objects.filter(username="laat").exists()


def test_used_invitation_is_refused(client: Client) -> None:
    invitation = _invitation(OrganisationFactory(), accepted_at=timezone.now())

    response = client.get(reverse("organisations:invitation-accept", args=[invitation.token]))

    assert response.status_code == 410
    assert re.search(r"al gebruikt|already been used", response.content.decode())


def test_unknown_invitation_token_is_404(client: Client) -> None:
    response = client.get(reverse("organisations:invitation-accept", args=["does-not-exist"]))

    assert response.status_code == 404


# --- roles and removal ------------------------------------------------------------------------------------------


def test_beheerder_changes_a_role(make_member: MakeMember, logged_in: Login) -> None:
    organisation = OrganisationFactory()
    admin = make_member(Role.BEHEERDER, organisation)
    colleague = make_member(Role.LEZER, organisation)
    membership = colleague.memberships.get()

    response = logged_in(admin).post(
        reverse("organisations:member-role", args=[membership.pk]), {"role": Role.INKOPER}
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.INKOPER


def test_last_beheerder_cannot_lose_the_role(make_member: MakeMember, logged_in: Login) -> None:
    admin = make_member(Role.BEHEERDER)
    membership = admin.memberships.get()

    response = logged_in(admin).post(
        reverse("organisations:member-role", args=[membership.pk]), {"role": Role.LEZER}, follow=True
    )

    membership.refresh_from_db()
    assert membership.role == Role.BEHEERDER
    assert re.search(r"laatste beheerder|last administrator", response.content.decode())


def test_last_beheerder_cannot_be_removed(make_member: MakeMember, logged_in: Login) -> None:
    admin = make_member(Role.BEHEERDER)
    membership = admin.memberships.get()

    logged_in(admin).post(reverse("organisations:member-remove", args=[membership.pk]))

    assert Membership.objects.filter(pk=membership.pk).exists()


def test_beheerder_removes_a_member_after_confirmation(make_member: MakeMember, logged_in: Login) -> None:
    organisation = OrganisationFactory()
    admin = make_member(Role.BEHEERDER, organisation)
    membership = make_member(Role.LEZER, organisation).memberships.get()
    client = logged_in(admin)

    confirm = client.get(reverse("organisations:member-remove", args=[membership.pk]))
    response = client.post(reverse("organisations:member-remove", args=[membership.pk]))

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_second_beheerder_can_be_demoted(make_member: MakeMember, logged_in: Login) -> None:
    organisation = OrganisationFactory()
    admin = make_member(Role.BEHEERDER, organisation)
    other_admin = make_member(Role.BEHEERDER, organisation).memberships.get()

    logged_in(admin).post(reverse("organisations:member-role", args=[other_admin.pk]), {"role": Role.LEZER})

    other_admin.refresh_from_db()
    assert other_admin.role == Role.LEZER


def test_non_beheerder_cannot_change_roles(make_member: MakeMember, logged_in: Login) -> None:
    organisation = OrganisationFactory()
    buyer = make_member(Role.INKOPER, organisation)
    colleague = make_member(Role.LEZER, organisation).memberships.get()

    response = logged_in(buyer).post(
        reverse("organisations:member-role", args=[colleague.pk]), {"role": Role.BEHEERDER}
    )

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.role == Role.LEZER


def test_non_beheerder_cannot_remove_members(make_member: MakeMember, logged_in: Login) -> None:
    organisation = OrganisationFactory()
    buyer = make_member(Role.INKOPER, organisation)
    colleague = make_member(Role.LEZER, organisation).memberships.get()

    response = logged_in(buyer).post(reverse("organisations:member-remove", args=[colleague.pk]))

    assert response.status_code == 403
    assert Membership.objects.filter(pk=colleague.pk).exists()


def test_other_organisations_membership_is_404(make_member: MakeMember, logged_in: Login) -> None:
    admin = make_member(Role.BEHEERDER)
    foreign = MembershipFactory(role=Role.LEZER)

    role = logged_in(admin).post(reverse("organisations:member-role", args=[foreign.pk]), {"role": Role.BEHEERDER})
    remove = logged_in(admin).post(reverse("organisations:member-remove", args=[foreign.pk]))

    assert role.status_code == 404
    assert remove.status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.LEZER


def test_unknown_role_is_refused(make_member: MakeMember, logged_in: Login) -> None:
    organisation = OrganisationFactory()
    admin = make_member(Role.BEHEERDER, organisation)
    colleague = make_member(Role.LEZER, organisation).memberships.get()

    logged_in(admin).post(reverse("organisations:member-role", args=[colleague.pk]), {"role": "keizer"})

    colleague.refresh_from_db()
    assert colleague.role == Role.LEZER


# --- editing the organisation -----------------------------------------------------------------------------------


def _edit_data(**overrides: str) -> dict[str, str]:
    data = {"name": "Gemeente Nieuw", "kind": "gemeente", "oin": "", "kvk_number": "", "province": "", "parent": ""}
    data.update(overrides)
    return data


def test_beheerder_edits_details(make_member: MakeMember, logged_in: Login) -> None:
    admin = make_member(Role.BEHEERDER)
    organisation = admin.memberships.get().organisation

    response = logged_in(admin).post(
        reverse("organisations:edit"),
        _edit_data(oin="00000001 001234567 000", kvk_number="1234 5678", province="GR"),
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Gemeente Nieuw"
    assert organisation.oin == "00000001001234567000"
    assert organisation.kvk_number == "12345678"
    assert organisation.province == "GR"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("oin", "123", "An OIN has exactly 20 digits."),
        ("oin", "12345678123456780000", "12345678 is not a known OIN prefix."),
        ("oin", "00000001123456789999", "After prefix 00000001 an OIN ends in 0000"),
        ("kvk_number", "1234567", "A KvK number has exactly 8 digits."),
    ],
)
def test_invalid_identifiers_are_explained(
    make_member: MakeMember, logged_in: Login, field: str, value: str, message: str
) -> None:
    admin = make_member(Role.BEHEERDER)
    organisation = admin.memberships.get().organisation
    client = logged_in(admin)
    with translation.override("en"):
        url = reverse("organisations:edit")

    response = client.post(url, _edit_data(**{field: value}))

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    organisation.refresh_from_db()
    assert organisation.name != "Gemeente Nieuw"


def test_duplicate_oin_is_refused_on_the_field(make_member: MakeMember, logged_in: Login) -> None:
    OrganisationFactory(oin="00000001001234567000")
    admin = make_member(Role.BEHEERDER)

    response = logged_in(admin).post(reverse("organisations:edit"), _edit_data(oin="00000001001234567000"))

    assert response.status_code == 200
    assert "oin" in response.context["form"].errors


def test_non_beheerder_cannot_edit_details(make_member: MakeMember, logged_in: Login) -> None:
    buyer = make_member(Role.INKOPER)
    organisation = buyer.memberships.get().organisation

    response = logged_in(buyer).post(reverse("organisations:edit"), _edit_data())

    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name != "Gemeente Nieuw"
