from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organisation, OrganisationKind, Province, Role
from .validators import validate_kvk, validate_oin

TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
SELECT = "utrecht-select utrecht-select--html-select"


class DigitsField(forms.CharField):
    """A code field that ignores the spaces people type for readability (12 34 56 78)."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).replace(" ", "")


class SwitchOrganisationForm(forms.Form):
    organisation = forms.IntegerField(label=_("Organisation"))
    next = forms.CharField(required=False)


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The invitation link is sent to this address."),
        widget=forms.EmailInput(attrs={"class": TEXTBOX, "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=forms.Select(attrs={"class": SELECT}))


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255, widget=forms.TextInput(attrs={"class": TEXTBOX}))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=OrganisationKind.choices, widget=forms.Select(attrs={"class": SELECT})
    )
    oin = DigitsField(
        label=_("OIN"),
        required=False,
        max_length=24,
        validators=[validate_oin],
        help_text=_("Organisation identification number: 20 digits, e.g. 00000001234567890000."),
        widget=forms.TextInput(attrs={"class": TEXTBOX, "inputmode": "numeric"}),
    )
    kvk_number = DigitsField(
        label=_("KvK number"),
        required=False,
        max_length=11,
        validators=[validate_kvk],
        help_text=_("Chamber of Commerce number: 8 digits."),
        widget=forms.TextInput(attrs={"class": TEXTBOX, "inputmode": "numeric"}),
    )
    province = forms.ChoiceField(
        label=_("Province"),
        required=False,
        choices=[("", _("(none)")), *Province.choices],
        widget=forms.Select(attrs={"class": SELECT}),
    )
    parent = forms.ModelChoiceField(
        label=_("Parent organisation"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("(none)"),
        widget=forms.Select(attrs={"class": SELECT}),
    )
    four_eyes_verification = forms.BooleanField(
        label=_("Four-eyes verification of deliveries"),
        required=False,
        help_text=_("A delivery counts only after someone other than who submitted it has verified it."),
        widget=forms.CheckboxInput(attrs={"class": "utrecht-checkbox utrecht-checkbox--html-input"}),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent_field = self.fields["parent"]
        assert isinstance(parent_field, forms.ModelChoiceField)  # noqa: S101 - narrows the type for mypy
        parent_field.queryset = Organisation.objects.exclude(pk=organisation.pk).order_by("name")


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"class": TEXTBOX, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 12 characters; not a common password and not only digits."),
        widget=forms.PasswordInput(attrs={"class": TEXTBOX, "autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"class": TEXTBOX, "autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password_confirm") != cleaned["password"]:
            self.add_error("password_confirm", _("The two passwords are not the same."))
        return cleaned
