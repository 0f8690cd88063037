"""Forms of the plan pages; they check input only, the services write."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mvimonitor.effects.selectors import FIGURES, figure_label
from mvimonitor.themes.models import Theme

from .measurement import kpi_options
from .models import MAX_YEAR, MIN_YEAR, ActionPlan, IndicatorKind, LadderStep, Period

_CLASSES = {
    "select": "utrecht-select utrecht-select--html-select",
    "radio_select": "utrecht-radio-button utrecht-radio-button--html-input",
    "textarea": "utrecht-textarea utrecht-textarea--html-textarea",
}
_TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
MAX_VALUE = Decimal("1000000000000")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _style(form: forms.BaseForm) -> None:
    """The NL Design System class on every widget, so inputs look and focus like the rest of the site."""
    for bound in form:
        bound.field.widget.attrs["class"] = _CLASSES.get(bound.widget_type, _TEXTBOX)


def _year(label: Any, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, min_value=MIN_YEAR, max_value=MAX_YEAR)


def _value(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=-MAX_VALUE, max_value=MAX_VALUE, decimal_places=2, localize=True
    )


class Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class PlanForm(Styled):
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices)
    title = forms.CharField(label=_("Title"), max_length=255)


def _steps(ladder: str) -> Any:
    return LadderStep.objects.filter(ladder=ladder).order_by("step")


class AmbitionForm(Styled):
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.order_by("order", "code"))
    current_step = forms.ModelChoiceField(label=_("Current step"), queryset=LadderStep.objects.none())
    target_step = forms.ModelChoiceField(label=_("Target step"), queryset=LadderStep.objects.none())
    note = forms.CharField(label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, plan: ActionPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("current_step", "target_step"):
            self.fields[name].queryset = _steps(plan.ladder)  # type: ignore[attr-defined]


class GoalForm(Styled):
    title = forms.CharField(label=_("Goal"), max_length=500)
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.order_by("order", "code"), required=False)
    indicator_kind = forms.ChoiceField(
        label=_("Measured by"), choices=IndicatorKind.choices, initial=IndicatorKind.KPI
    )
    kpi = forms.ChoiceField(
        label=_("KPI"), required=False, help_text=_("When the goal is measured by a KPI of the monitoring.")
    )
    effect_key = forms.ChoiceField(
        label=_("Effect figure"), required=False, help_text=_("When the goal is measured by an effect figure.")
    )
    indicator_text = forms.CharField(
        label=_("Indicator in words"),
        max_length=500,
        required=False,
        help_text=_("When the goal is not measured here: what it is measured by."),
    )
    baseline_value = _value(_("Baseline value"))
    baseline_year = _year(_("Baseline year"))
    target_value = _value(_("Target value"))
    target_year = _year(_("Target year"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [("", "---------"), *kpi_options()]  # type: ignore[attr-defined]
        self.fields["effect_key"].choices = [  # type: ignore[attr-defined]
            ("", "---------"),
            *((key, f"{figure_label(key)} ({unit})") for key, _label, unit, _column, _scale in FIGURES),
        ]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        kpi_id, _sep, item = (data.pop("kpi") or "").partition(":")
        return {**data, "kpi_id": kpi_id, "kpi_item": item}


class MeasureForm(Styled):
    description = forms.CharField(label=_("Measure"), max_length=500)
    owner = forms.CharField(
        label=_("Owner"),
        max_length=255,
        help_text=_("A role or department, such as 'team inkoop'; no personal data."),
    )
    goal = forms.ModelChoiceField(label=_("Goal"), queryset=ActionPlan.objects.none(), required=False)
    due_year = _year(_("Due year"))

    def __init__(self, *args: Any, plan: ActionPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = plan.goals.all()  # type: ignore[attr-defined]


class AdoptForm(Styled):
    adopted_by = forms.CharField(
        label=_("Adopted by"), max_length=255, help_text=_("The body that adopted the plan, such as the board.")
    )
    adopted_on = forms.DateField(label=_("Adopted on"), widget=DATE)
    document = forms.CharField(
        label=_("Adoption document"), max_length=500, help_text=_("Reference or address of the decision.")
    )


class ReportForm(Styled):
    year = _year(_("Year"), required=True)


class AssessmentForm(Styled):
    """One field per theme of the plan (the self-assessed step), and the narrative."""

    narrative = forms.CharField(label=_("Narrative"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, plan: ActionPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.themes: dict[str, Theme] = {}
        for ambition in plan.ambitions.select_related("theme"):
            name = f"step_{ambition.theme.code}"
            self.themes[name] = ambition.theme
            self.fields[name] = forms.ModelChoiceField(
                label=_("Self-assessed step: %(theme)s") % {"theme": ambition.theme.name},
                queryset=_steps(plan.ladder),
                required=False,
            )
        self.order_fields([*self.themes, "narrative"])
        _style(self)

    def steps(self) -> dict[Theme, LadderStep | None]:
        return {theme: self.cleaned_data.get(name) for name, theme in self.themes.items()}
