"""Organisation pages: switch the active organisation, members and roles, invitations, the organisation's details.

Views parse input, call one service from services.py and render; access is decided in organisations.access.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mvimonitor.pages import add_service_errors

from . import services
from .access import Action, fetch, organisations_for, permitted, request_user
from .forms import (
    AcceptInvitationForm,
    InvitationForm,
    MembershipRoleForm,
    OrganisationForm,
    SwitchOrganisationForm,
)
from .models import Invitation, Membership, Organisation, Role
from .selectors import SESSION_KEY, active_organisation_for


def _managed_organisation(request: HttpRequest) -> Organisation:
    """The active organisation, if the user may manage it; otherwise 403."""
    active, _choices = active_organisation_for(request)
    if active is None:
        raise Http404
    if not permitted(request.user, Action.MANAGE_MEMBERS, active):
        raise PermissionDenied(_("Only an administrator of this organisation may do this."))
    return active


@require_POST
@login_required
def switch(request: HttpRequest) -> HttpResponse:
    form = SwitchOrganisationForm(request.POST)
    target = reverse("organisations:members")
    if form.is_valid():
        wanted = form.cleaned_data["next"]
        if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
            target = wanted
        organisation = (
            organisations_for(request.user, Action.VIEW).filter(pk=form.cleaned_data["organisation"]).first()
        )
        if organisation is not None:
            request.session[SESSION_KEY] = organisation.pk
            messages.success(request, _("You now work in %(organisation)s.") % {"organisation": organisation.name})
            return HttpResponseRedirect(target)
    messages.error(request, _("You cannot switch to that organisation."))
    return HttpResponseRedirect(target)


@login_required
def members(request: HttpRequest) -> HttpResponse:
    active, _choices = active_organisation_for(request)
    if active is None:
        return render(request, "organisations/no_organisation.html")
    organisation = Organisation.objects.select_related("parent").get(pk=active.pk)
    may_manage = permitted(request.user, Action.MANAGE_MEMBERS, organisation)
    memberships = organisation.memberships.select_related("user").order_by("user__username")
    invitations = (
        organisation.invitations.filter(accepted_at__isnull=True).select_related("invited_by").order_by("-created_at")
        if may_manage
        else Invitation.objects.none()
    )
    return render(
        request,
        "organisations/members.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "invitations": invitations,
            "may_manage": may_manage,
            "role_choices": Role.choices,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest) -> HttpResponse:
    organisation = _managed_organisation(request)
    initial = {
        "name": organisation.name,
        "kind": organisation.kind,
        "oin": organisation.oin,
        "kvk_number": organisation.kvk_number,
        "province": organisation.province,
        "parent": organisation.parent_id,
        "four_eyes_verification": organisation.four_eyes_verification,
    }
    form = OrganisationForm(request.POST or None, initial=initial, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(user=request_user(request), organisation=organisation, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The details of the organisation have been saved."))
            return redirect("organisations:members")
    return render(request, "organisations/edit.html", {"form": form, "organisation": organisation})


@require_http_methods(["GET", "POST"])
@login_required
def invite(request: HttpRequest) -> HttpResponse:
    organisation = _managed_organisation(request)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept_url = request.build_absolute_uri(reverse("organisations:invitation-accept", args=["TOKEN"]))
        try:
            invitation = services.invitation_create(
                user=request_user(request),
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                accept_url=accept_url.replace("TOKEN", "{token}"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("An invitation has been sent to %(email)s.") % {"email": invitation.email})
            return redirect("organisations:members")
    return render(request, "organisations/invite.html", {"form": form, "organisation": organisation})


@require_POST
@login_required
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = fetch(request.user, Membership.objects.select_related("user", "organisation"), pk)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed roles."))
        return redirect("organisations:members")
    try:
        services.membership_change_role(
            user=request_user(request), membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The role of %(user)s has been changed.") % {"user": membership.user})
    return redirect("organisations:members")


@require_http_methods(["GET", "POST"])
@login_required
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = fetch(request.user, Membership.objects.select_related("user", "organisation"), pk)
    if not permitted(request.user, Action.MANAGE_MEMBERS, membership.organisation_id):
        raise PermissionDenied(_("Only an administrator of this organisation may do this."))
    if request.method == "POST":
        try:
            services.membership_remove(user=request_user(request), membership=membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(user)s has been removed from %(organisation)s.")
                % {"user": membership.user, "organisation": membership.organisation},
            )
        return redirect("organisations:members")
    return render(request, "organisations/member_remove.html", {"membership": membership})


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("organisation"), token=token)
    if not services.invitation_usable(invitation):
        reason = (
            _("This invitation has already been used.")
            if invitation.accepted_at is not None
            else _("This invitation has expired. Ask your administrator for a new one.")
        )
        return render(request, "organisations/invitation_unusable.html", {"reason": reason}, status=410)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Welcome, %(username)s. Your account is ready: log in with your new password.")
                % {"username": user.username},
            )
            return redirect("login")
    return render(request, "organisations/invitation_accept.html", {"form": form, "invitation": invitation})
