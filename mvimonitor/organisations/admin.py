"""Admin for organisations, users, memberships and invitations.

Superusers see everything. Other staff see only the organisations they administer (Action.MANAGE_MEMBERS, decided
in organisations.access), their memberships and invitations, on top of Django's model permissions; of the accounts,
only those `admin_scope.manageable_users` allows (members of those organisations only, without rights beyond them).
Everything out of scope answers 404, including an account's password page.
"""

from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import BaseForm, ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from mvimonitor.changes import record_changed

from .access import Action, organisations_for
from .admin_scope import manageable_users, scope_user_choice
from .models import Invitation, Membership, Organisation, User

if TYPE_CHECKING:  # the admin classes are generic only for the type checker
    InvitationModelAdmin = admin.ModelAdmin[Invitation]
    MembershipTabularInline = admin.TabularInline[Membership, Organisation]
    BaseUserAdmin = DjangoUserAdmin[User]
else:
    InvitationModelAdmin = admin.ModelAdmin
    MembershipTabularInline = admin.TabularInline
    BaseUserAdmin = DjangoUserAdmin


F = TypeVar("F", bound=BaseForm)


def _managed(request: HttpRequest) -> QuerySet[Organisation]:
    return organisations_for(request.user, Action.MANAGE_MEMBERS)


def _user_fields(model: type[Model]) -> list[str]:
    return [f.name for f in model._meta.get_fields() if isinstance(f, ForeignKey) and f.related_model is User]


def with_scoped_users(form_class: type[F], request: HttpRequest) -> type[F]:
    """`form_class`, whose every choice of an account is narrowed to what the staff user manages (`admin_scope`)."""
    if request.user.is_superuser:
        return form_class
    actor = request.user
    names = _user_fields(form_class._meta.model)  # type: ignore[attr-defined]

    class ScopedUserForm(form_class):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for name in names:
                scope_user_choice(self, actor, name)

    ScopedUserForm.__name__ = form_class.__name__
    return cast("type[F]", ScopedUserForm)


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
        if db_field.related_model is User and not request.user.is_superuser:
            kwargs["queryset"] = manageable_users(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc, no-any-return]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        return with_scoped_users(super().get_form(request, obj, change=change, **kwargs), request)  # type: ignore[misc]

    def _require_found(self, request: HttpRequest, object_id: str) -> None:
        # Out of scope is not found (404), rather than Django's redirect to the index: nothing is given away.
        if not request.user.is_superuser and self.get_object(request, unquote(object_id)) is None:  # type: ignore[attr-defined]
            raise Http404

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        self._require_found(request, object_id)
        return super().change_view(request, object_id, *args, **kwargs)  # type: ignore[misc, no-any-return]

    def delete_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        self._require_found(request, object_id)
        return super().delete_view(request, object_id, *args, **kwargs)  # type: ignore[misc, no-any-return]

    def history_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        self._require_found(request, object_id)
        return super().history_view(request, object_id, *args, **kwargs)  # type: ignore[misc, no-any-return]

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

    def get_formset(self, request: HttpRequest, obj: Organisation | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = with_scoped_users(formset.form, request)
        return formset


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
