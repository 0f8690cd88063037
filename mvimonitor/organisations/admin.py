"""Admin for organisations, users, memberships and invitations.

Superusers see everything. Other staff see only the organisations they administer (Action.MANAGE_MEMBERS, decided
in organisations.access), their members and invitations, on top of Django's model permissions.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from mvimonitor.changes import record_changed

from .access import Action, organisations_for
from .models import Invitation, Membership, Organisation, User

if TYPE_CHECKING:  # the admin classes are generic only for the type checker
    InvitationModelAdmin = admin.ModelAdmin[Invitation]
    MembershipTabularInline = admin.TabularInline[Membership, Organisation]
    BaseUserAdmin = DjangoUserAdmin[User]
else:
    InvitationModelAdmin = admin.ModelAdmin
    MembershipTabularInline = admin.TabularInline
    BaseUserAdmin = DjangoUserAdmin


def _managed(request: HttpRequest) -> QuerySet[Organisation]:
    return organisations_for(request.user, Action.MANAGE_MEMBERS)


class ScopedAdminMixin:
    """Limit a ModelAdmin to rows whose organisation (reached by `organisation_path`) the staff user manages."""

    organisation_path = "organisation"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.organisation_path}__in": _managed(request)}).distinct()

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> "ModelChoiceField[Any] | None":
        if db_field.related_model is Organisation and not request.user.is_superuser:
            kwargs["queryset"] = _managed(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc, no-any-return]

    def _in_scope(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is None or request.user.is_superuser or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)  # type: ignore[misc]


class MembershipInline(MembershipTabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdminMixin, SimpleHistoryAdmin):  # type: ignore[misc]
    organisation_path = "pk"
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
class MembershipAdmin(ScopedAdminMixin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(ScopedAdminMixin, InvitationModelAdmin):
    list_display = ["email", "organisation", "role", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["token", "invited_by", "created_at", "accepted_at"]
    list_select_related = ["organisation", "invited_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Invitations are made on the organisation page, which also sends the e-mail.
        return False


@admin.register(User)
class UserAdmin(ScopedAdminMixin, BaseUserAdmin):
    organisation_path = "memberships__organisation"
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "national_analyst"]
    list_filter = ["is_staff", "is_superuser", "is_active", "national_analyst"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("MVI Monitor"), {"fields": ["national_analyst"]}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser hands out staff rights, superuser rights, permissions or the national role.
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions", "national_analyst"]
        return readonly
