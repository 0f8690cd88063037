"""What a staff user who is not a superuser may reach in the admin: the one mechanism of every scoped admin page.

Rows: `ScopedAdminMixin` limits a ModelAdmin to the rows of the organisations where the staff user's role allows it,
decided by `access` (the record's admin: VIEW to see, the admin's own action to change; the organisations' admin:
MANAGE_MEMBERS for both). Anything outside answers 404, so its existence is not given away.

Accounts: such a staff user manages (changes, sets the password of, adds to an organisation) only people

- who are members of organisations the staff user administers (Action.MANAGE_MEMBERS), and of no other
  organisation: changing someone who also works elsewhere would reach into that other organisation;
- who are not superusers, not staff and not national analysts: those accounts carry rights beyond one organisation;
- who are not the staff user themselves: nobody widens their own rights here.

A person without any membership is managed by superusers only; a beheerder brings someone new in by an invitation.
Superusers manage everyone. Members outside this rule stay visible where their membership is (the membership list and
the organisation's page), but their account cannot be opened, changed or given a password here, and no form offers
or accepts them for a new membership.
"""

from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, Model, Q, QuerySet
from django.forms import BaseForm, ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .access import Action, organisation_path, organisations_for, scope, visible_to
from .models import Membership, Organisation, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

NOT_MANAGEABLE = _(
    "You can only choose someone who is a member of organisations you manage and of no other organisation, and who "
    "is not a system administrator or national analyst. Invite anyone else from the organisation's members page."
)

F = TypeVar("F", bound=BaseForm)


def manageable_users(actor: "User | AnonymousUser") -> QuerySet[User]:
    """The accounts `actor` may change, give a password or add to an organisation in the admin (the rule above)."""
    if not actor.is_authenticated or not actor.is_active:
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    managed = organisations_for(actor, Action.MANAGE_MEMBERS).values("pk")
    members = Membership.objects.filter(organisation__in=managed).values("user_id")
    elsewhere = Membership.objects.exclude(organisation__in=managed).values("user_id")
    return (
        User.objects.filter(pk__in=members, is_superuser=False, is_staff=False, national_analyst=False)
        .exclude(pk__in=elsewhere)
        .exclude(pk=actor.pk)
    )


def may_manage_user(actor: "User | AnonymousUser", user: Model | None) -> bool:
    return user is not None and manageable_users(actor).filter(pk=user.pk).exists()


def user_fields(model: type[Model]) -> list[str]:
    """The names of `model`'s foreign keys to an account."""
    return [f.name for f in model._meta.get_fields() if isinstance(f, ForeignKey) and f.related_model is User]


def scope_user_choice(form: BaseForm, actor: "User | AnonymousUser", field_name: str) -> None:
    """Offer and accept in `form`'s `field_name` only the accounts `actor` manages, and keep the stored one.

    The stored value stays acceptable, so an unchanged row saves (a membership's role may change although its person
    also works elsewhere); a new or different account must be manageable, or the form says why not. The stored value
    is read from the database, not from the form's instance: that may be an old version being reverted to."""
    field = form.fields.get(field_name)
    if actor.is_superuser or not isinstance(field, ModelChoiceField):
        return
    allowed = Q(pk__in=manageable_users(actor).values("pk"))
    instance: Any = getattr(form, "instance", None)
    if instance is not None and instance.pk is not None:
        stored = type(instance)._default_manager.filter(pk=instance.pk).values(f"{field_name}_id")
        allowed |= Q(pk__in=stored)
    field.queryset = User.objects.filter(allowed)
    field.error_messages = {**field.error_messages, "invalid_choice": NOT_MANAGEABLE}


def with_scoped_users(form_class: type[F], actor: "User | AnonymousUser") -> type[F]:
    """`form_class`, whose every choice of an account is narrowed to the accounts `actor` manages."""
    if actor.is_superuser:
        return form_class
    names = user_fields(form_class._meta.model)  # type: ignore[attr-defined]
    if not names:
        return form_class

    class ScopedUserForm(form_class):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for name in names:
                scope_user_choice(self, actor, name)

        def clean(self) -> Any:
            cleaned = super().clean()
            if "organisation" in self.changed_data:
                # Moving a row to another organisation brings its person there: that takes a manageable one too.
                for name in names:
                    chosen = self.cleaned_data.get(name)
                    if chosen is not None and not may_manage_user(actor, chosen) and name not in self.errors:
                        self.add_error(name, NOT_MANAGEABLE)
            return cleaned

    ScopedUserForm.__name__ = form_class.__name__
    return cast("type[F]", ScopedUserForm)


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id box that names the chosen row only when it is one of the choices: Django's would name (and link) any
    row whose number is typed in, another organisation's included."""

    def __init__(self, widget: ForeignKeyRawIdWidget, queryset: QuerySet[Any]) -> None:
        super().__init__(widget.rel, widget.admin_site, widget.attrs, widget.db)
        self.queryset = queryset

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        try:
            chosen = self.queryset.filter(**{self.rel.get_related_field().name: value}).exists()
        except (ValueError, TypeError, ValidationError):
            chosen = False
        return super().label_and_url_for_value(value) if chosen else ("", "")


class ScopedAdminMixin:
    """Limit a ModelAdmin to the rows of the organisations where the staff user may act, for all but superusers.

    `view_action` decides which rows they see; `edit_action` which of those they may change or delete, and which
    organisations and records (`record_fields`) their forms offer. `organisation_path` is the lookup from a row to its
    organisation (default: `access.ORGANISATION_PATHS`). Accounts in forms are narrowed by `manageable_users`; raw-id
    boxes name only rows that can be chosen."""

    view_action: Action = Action.VIEW
    edit_action: Action = Action.VIEW
    organisation_path: str = ""
    record_fields: frozenset[str] = frozenset({"tender", "lot", "contract", "commitment"})

    def _path(self) -> str:
        return self.organisation_path or organisation_path(self.model)  # type: ignore[attr-defined]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return queryset
        return scope(queryset, request.user, self.view_action, self._path())

    def _allowed(self, request: HttpRequest, action: Action, obj: Model | None) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        # The stored row decides, not `obj` itself: that may be an old version shown to be reverted to.
        rows = type(obj)._default_manager.filter(pk=obj.pk)
        return scope(rows, request.user, action, self._path()).exists()

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_view_permission(request, obj)  # type: ignore[misc]
        return bool(allowed) and self._allowed(request, self.view_action, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)  # type: ignore[misc]
        return bool(allowed) and self._allowed(request, self.edit_action, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return bool(allowed) and self._allowed(request, self.edit_action, obj)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> "ModelChoiceField[Any] | None":
        user = request.user
        if not user.is_superuser:
            related: Any = db_field.related_model
            if related is Organisation:
                kwargs["queryset"] = organisations_for(user, self.edit_action)
            elif related is User:
                kwargs["queryset"] = manageable_users(user)
            elif db_field.name in self.record_fields:
                kwargs["queryset"] = visible_to(user, related._default_manager.all(), self.edit_action)
        field: ModelChoiceField[Any] | None = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is None or user.is_superuser or field.queryset is None:
            return field
        if isinstance(field.widget, ForeignKeyRawIdWidget):
            field.widget = ScopedRawIdWidget(field.widget, field.queryset)
        return field

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        return with_scoped_users(form, request.user)

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


class SuperuserOnlyMixin:
    """For superusers only, whatever model permissions a staff user holds."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)
