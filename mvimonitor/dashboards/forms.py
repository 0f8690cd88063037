"""Filters of the dashboards (validated: an unknown value gets a message naming the field) and the spend-total form."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mvimonitor.organisations.models import OrganisationKind, Province
from mvimonitor.tenders.forms import _nl_design_widgets

from .kpis import Breakdown
from .models import FIRST_YEAR, LAST_YEAR, SpendTotal, Target

PERIOD_LABELS = {
    "year": _("Whole year"),
    "h1": _("First half year"),
    "h2": _("Second half year"),
    "q1": _("First quarter"),
    "q2": _("Second quarter"),
    "q3": _("Third quarter"),
    "q4": _("Fourth quarter"),
}
BREAKDOWN_LABELS = {
    Breakdown.ALL: _("No breakdown"),
    Breakdown.NATURE: _("Nature (works, supplies, services)"),
    Breakdown.EUROPEAN: _("European or national procedure"),
    Breakdown.VALUE_CLASS: _("Contract size"),
}
GEO_LEVELS = {"nl": _("The Netherlands"), "kind": _("Kind of organisation"), "province": _("Province")}


class DashboardFilterForm(forms.Form):
    """Year, period and breakdown of a dashboard; `years` are the years that have data."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    period = forms.ChoiceField(label=_("Period"), required=False, choices=list(PERIOD_LABELS.items()))
    breakdown = forms.ChoiceField(label=_("Breakdown"), required=False, choices=list(BREAKDOWN_LABELS.items()))

    def __init__(self, *args: Any, years: list[int], periods: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = years
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]
        if not periods:
            del self.fields["period"]
        _nl_design_widgets(self)

    def values(self) -> tuple[int | None, str, Breakdown]:
        """The valid values, with defaults for the missing or invalid ones (newest year, whole year, none)."""
        data = self.cleaned_data if self.is_bound else {}
        year = data.get("year") or (self.years[0] if self.years else None)
        return year, data.get("period") or "year", Breakdown(data.get("breakdown") or Breakdown.ALL)


class NationalFilterForm(DashboardFilterForm):
    geo = forms.ChoiceField(label=_("Split by"), required=False, choices=list(GEO_LEVELS.items()))

    def __init__(self, *args: Any, analyst: bool, **kwargs: Any) -> None:
        super().__init__(*args, periods=False, **kwargs)
        if not analyst:
            del self.fields["geo"]


class SpendTotalForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SpendTotal
        fields = ["year", "amount", "source_note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].localize = True
        self.fields["amount"].widget.is_localized = True
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": LAST_YEAR})
        _nl_design_widgets(self)

    def validate_unique(self) -> None:
        """A second total for the same year replaces the first (the service does that), so no uniqueness error."""


class TargetForm(forms.ModelForm):  # type: ignore[type-arg]
    """An organisation's own target: a KPI of the catalogue, the year(s), the value and where it comes from."""

    kpi = forms.ChoiceField(label=_("KPI"))

    class Meta:
        model = Target
        fields = ["kpi", "year_from", "year_until", "direction", "value", "name_nl", "source", "source_year"]
        labels = {"name_nl": _("Name"), "source": _("Source (for example the action plan and its date)")}
        help_texts = {
            "year_until": _("Empty: every year from the first year on. The same year: that year only."),
            "value": _("In the KPI's unit: a percentage for a share."),
        }

    def __init__(self, *args: Any, kpis: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = kpis  # type: ignore[attr-defined]
        self.fields["year_from"].required = True
        for name in ("year_from", "year_until", "source_year"):
            self.fields[name].widget.attrs.update({"min": FIRST_YEAR, "max": LAST_YEAR})
        self.fields["value"].localize = True
        self.fields["value"].widget.is_localized = True
        _nl_design_widgets(self)

    def _post_clean(self) -> None:
        """The model is checked by the service (it sets the organisation, scope and unit)."""


KIND_LABELS = dict(OrganisationKind.choices)
PROVINCE_LABELS = dict(Province.choices)
