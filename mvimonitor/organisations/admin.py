"""Admin for organisations, users, memberships and invitations.

Superusers see everything. Other staff see only the organisations they administer (Action.MANAGE_MEMBERS, decided
in organisations.access), their memberships and invitations, on top of Django's model permissions; of the accounts,
only those `admin_scope.manageable_users` allows (members of those organisations only, without rights beyond them).
Everything out of scope answers 404, including an account's password page. The scoping itself is shared with the
record's admin (`admin_scope`). API tokens and permission groups are for superusers only: a token acts as its
account, and a group's permissions reach the staff user who would change it.
"""

from typing import TYPE_CHECKING, Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult
from simple_history.admin import SimpleHistoryAdmin

from mvimonitor.changes import record_changed

from .access import Action
from .admin_scope import (
    ScopedAdminMixin,
    SuperuserOnlyMixin,
    manageable_users,
    may_manage_user,
    with_scoped_users,
)
from .models import Invitation, Membership, Organisation, User

if TYPE_CHECKING:  # the admin classes are generic only for the type checker
    InvitationModelAdmin = admin.ModelAdmin[Invitation]
    MembershipTabularInline = admin.TabularInline[Membership, Organisation]
    BaseUserAdmin = DjangoUserAdmin[User]
else:
    InvitationModelAdmin = admin.ModelAdmin
    MembershipTabularInline = admin.TabularInline
    BaseUserAdmin = DjangoUserAdmin


class ManagedAdminMixin(ScopedAdminMixin):
    """Rows of the organisations the staff user administers, to see and to change."""

    view_action = Action.MANAGE_MEMBERS
    edit_action = Action.MANAGE_MEMBERS


class MembershipInline(MembershipTabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    def get_formset(self, request: HttpRequest, obj: Organisation | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = with_scoped_users(formset.form, request.user)
        return formset


@admin.register(Organisation)
class OrganisationAdmin(ManagedAdminMixin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["name", "kind", "oin", "kvk_number", "province", "status", "is_synthetic"]
    list_filter = ["kind", "province", "status", "is_synthetic"]
    search_fields = ["name", "oin", "kvk_number"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new organisation has no administrator yet, so only a superuser can create one.
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        # Its kind and province place its figures in the national views: announce the change (ADR 0023).
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_changed(organisation_ids=[obj.pk])


@admin.register(Membership)
class MembershipAdmin(ManagedAdminMixin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(ManagedAdminMixin, InvitationModelAdmin):
    organisation_path = "organisation"
    list_display = ["email", "organisation", "role", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["token", "invited_by", "created_at", "accepted_at"]
    list_select_related = ["organisation", "invited_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Invitations are made on the organisation page, which also sends the e-mail.
        return False


@admin.register(User)
class UserAdmin(ManagedAdminMixin, BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "national_analyst"]
    list_filter = ["is_staff", "is_superuser", "is_active", "national_analyst"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("MVI Monitor"), {"fields": ["national_analyst"]}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # Only the accounts the staff user manages: also what the user autocomplete of every form offers.
        queryset = BaseUserAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=manageable_users(request.user).values("pk"))

    def _allowed(self, request: HttpRequest, action: Action, obj: Model | None) -> bool:
        return obj is None or request.user.is_superuser or may_manage_user(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new account would belong to no organisation; a beheerder invites people instead.
        return bool(request.user.is_superuser)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        self._require_found(request, id)
        return super().user_change_password(request, id, form_url)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser hands out staff rights, superuser rights, permissions or the national role.
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions", "national_analyst"]
        return readonly


class GroupAdmin(SuperuserOnlyMixin, DjangoGroupAdmin):
    """A group's permissions reach every member of the group, the staff user who would change it included."""


admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)


def _superuser_only(model: type[Model]) -> None:
    """Re-register another package's admin for `model` as superuser-only: the login lock's records name users and
    addresses of every organisation, and the background tasks' results carry other organisations' import details."""
    if not admin.site.is_registered(model):
        return
    registered = admin.site.get_model_admin(model)
    admin.site.unregister(model)
    admin.site.register(
        model, type(f"SuperuserOnly{type(registered).__name__}", (SuperuserOnlyMixin, type(registered)), {})
    )


for _model in (AccessAttempt, AccessLog, AccessFailureLog, DBTaskResult):
    _superuser_only(_model)
