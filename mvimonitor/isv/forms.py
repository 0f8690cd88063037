"""Forms of the ISV pages; they validate input only, the services write."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mvimonitor.themes.models import ApplicationForm

from .models import Deliverable, DeliverableKind, IloIssue, Judgement, RiskList, RiskStatus
from .services import DEFAULT_FORM, FORMS

NONE = "none"
_CLASSES = {
    "select": "utrecht-select utrecht-select--html-select",
    "textarea": "utrecht-textarea utrecht-textarea--html-textarea",
}
_TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for bound in self:
            bound.field.widget.attrs["class"] = _CLASSES.get(bound.widget_type, _TEXTBOX)


class CategoryForm(Styled):
    category = forms.ChoiceField(label=_("ISV risk category"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, risk_list: RiskList | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", "---------")]
        if risk_list is not None:
            choices += [(str(category.pk), str(category)) for category in risk_list.categories()]
        choices.append((NONE, str(_("Within no ISV risk category"))))
        self.fields["category"].choices = choices  # type: ignore[attr-defined]


class FormOfApplicationForm(Styled):
    form = forms.ChoiceField(label=_("Form of application"), initial=DEFAULT_FORM)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = {form.code: str(form) for form in ApplicationForm.objects.filter(code__in=FORMS)}
        self.fields["form"].choices = [(code, names.get(code, code)) for code in FORMS]  # type: ignore[attr-defined]


class DeliverableForm(Styled):
    kind = forms.ChoiceField(label=_("Deliverable"), choices=DeliverableKind.choices)
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=Deliverable._meta.get_field("note").help_text,
    )


class ReceivedForm(Styled):
    received_on = forms.DateField(label=_("Received on"), widget=DATE)


class RiskForm(Styled):
    country = forms.CharField(
        label=_("Country (ISO 3166 code)"), max_length=2, min_length=2, help_text=_("Two letters, for example CN.")
    )
    ilo_issue = forms.ModelChoiceField(label=_("ILO issue"), queryset=IloIssue.objects.all())
    description = forms.CharField(label=_("Risk"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    measure = forms.CharField(
        label=_("Measure"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices, initial=RiskStatus.OPEN)
    found_on = forms.DateField(label=_("Found on"), widget=DATE)


class RiskUpdateForm(Styled):
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices)
    measure = forms.CharField(
        label=_("Measure"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class JudgementForm(Styled):
    judgement = forms.ChoiceField(label=_("Buyer's judgement"), choices=Judgement.choices)
    judgement_note = forms.CharField(
        label=_("Reasons for the judgement"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
