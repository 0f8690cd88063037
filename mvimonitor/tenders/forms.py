"""Forms of the tender pages. They validate and show messages; the writes themselves go through services.py.

Model forms are bound to a throw-away copy of the record, so their model validation (`full_clean`) gives field
messages without touching the real instance; the view hands `cleaned_data` to a service.
"""

import copy
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mvimonitor.themes.models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    Criterion,
    ProductGroup,
    Theme,
)

from .models import MAX_VALUE, AwardCriterion, Lot, MVIApplication, Nature, ProcedureType, Tender
from .value_classes import UNKNOWN_VALUE_CLASS, value_classes

_CPV_PATTERN = re.compile(r"(\d{8})(?:-\d)?")  # the 8-digit code, optionally with its check digit


def _cpv_code(text: str) -> str:
    match = _CPV_PATTERN.fullmatch(text)
    if match is None:
        raise ValidationError(
            _("“%(value)s” is not a CPV code. A CPV code has 8 digits, such as 90910000."),
            code="invalid",
            params={"value": text},
        )
    return match.group(1)


class CpvCodeField(forms.Field):
    """A text input for one 8-digit CPV code, checked against the CPV table (no 9,000-option select)."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 12})

    def to_python(self, value: Any) -> CpvCode | None:
        text = str(value or "").strip()
        if not text:
            return None
        code = _cpv_code(text)
        cpv = CpvCode.objects.filter(pk=code).first()
        if cpv is None:
            raise ValidationError(_("CPV code %(code)s is unknown."), code="unknown", params={"code": code})
        return cpv

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, CpvCode) else value


class CpvCodeListField(forms.CharField):
    """Several CPV codes in one text input, separated by commas or spaces."""

    def to_python(self, value: Any) -> list[CpvCode]:  # type: ignore[override]
        text = super().to_python(value) or ""
        codes = [_cpv_code(part) for part in re.split(r"[\s,;]+", text) if part]
        known = {c.code: c for c in CpvCode.objects.filter(pk__in=codes)}
        unknown = sorted({c for c in codes if c not in known})
        if unknown:
            raise ValidationError(
                _("Unknown CPV code(s): %(codes)s."), code="unknown", params={"codes": ", ".join(unknown)}
            )
        return [known[c] for c in dict.fromkeys(codes)]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(v.code if isinstance(v, CpvCode) else str(v) for v in value)
        return value


_WIDGET_CLASSES = {
    "select": "utrecht-select utrecht-select--html-select",
    "textarea": "utrecht-textarea utrecht-textarea--html-textarea",
    "checkbox": "utrecht-checkbox utrecht-checkbox--html-input",
    "nullbooleanselect": "utrecht-select utrecht-select--html-select",
}
_TEXTBOX_CLASS = "utrecht-textbox utrecht-textbox--html-input"


def _nl_design_widgets(form: forms.BaseForm) -> None:
    """Give every widget its NL Design System class, so inputs look and focus like the rest of the site."""
    for bound in form:
        widget = bound.field.widget
        widget.attrs["class"] = _WIDGET_CLASSES.get(bound.widget_type, _TEXTBOX_CLASS)


FLAG_HELP = {
    "is_sme_friendly": _(
        "Suitable for small and medium-sized enterprises (for example divided into lots, proportionate requirements). "
        "“Unknown” when nobody said; a later notice does not overwrite your choice."
    ),
    "is_innovative": _(
        "The purchase asks the market for a new solution. Innovation partnerships and pre-commercial procurement "
        "count as innovation-oriented anyway."
    ),
}


def _flag_fields(form: forms.BaseForm) -> None:
    """The SME and innovation flags: yes, no or unknown, with what they mean."""
    for name, text in FLAG_HELP.items():
        form.fields[name].help_text = text


def _money_field(field: forms.Field, label: str) -> None:
    field.localize = True
    field.widget.is_localized = True
    field.validators += [
        MinValueValidator(Decimal(0), message=_("%(field)s cannot be negative.") % {"field": label}),
        MaxValueValidator(MAX_VALUE, message=_("%(field)s is implausibly large.") % {"field": label}),
    ]


def _weight_field(field: forms.Field) -> None:
    field.localize = True
    field.widget.is_localized = True
    field.validators += [
        MinValueValidator(Decimal(0), message=_("A weight cannot be negative.")),
        MaxValueValidator(Decimal(100), message=_("A weight cannot be above 100 percent.")),
    ]


class TenderFilterForm(forms.Form):
    """Search and filters of the tender list; every value comes from the query string and may be anything."""

    YES, NO = "yes", "no"
    NOT_RECORDED = "not-recorded"
    SORT_NEWEST, SORT_OLDEST = "-date", "date"

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Title, description or reference (internal, TED, TenderNed, ocid)."),
    )
    year = forms.TypedChoiceField(label=_("Year of publication"), required=False, coerce=int, empty_value=None)
    nature = forms.ChoiceField(label=_("Nature"), required=False, choices=[("", _("All")), *Nature.choices])
    theme = forms.ModelChoiceField(
        label=_("MVI theme"),
        required=False,
        queryset=Theme.objects.all(),
        to_field_name="code",
        empty_label=_("All"),
    )
    product_group = forms.ModelChoiceField(
        label=_("Product group"), required=False, queryset=ProductGroup.objects.all(), empty_label=_("All")
    )
    procedure_type = forms.ChoiceField(
        label=_("Procedure"), required=False, choices=[("", _("All")), *ProcedureType.choices]
    )
    mvi_confirmed = forms.ChoiceField(
        label=_("MVI registration confirmed"),
        required=False,
        choices=[("", _("All")), (YES, _("Yes")), (NO, _("No"))],
    )
    # The filters below let every figure of the monitoring dashboards link to the tenders behind it.
    date_from = forms.DateField(
        label=_("Published on or after"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Published on or before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    european = forms.ChoiceField(
        label=_("European procedure"), required=False, choices=[("", _("All")), (YES, _("Yes")), (NO, _("No"))]
    )
    value_class = forms.ChoiceField(label=_("Contract size"), required=False)
    mvi = forms.ChoiceField(
        label=_("At least one MVI theme"), required=False, choices=[("", _("All")), (YES, _("Yes")), (NO, _("No"))]
    )
    theme_count = forms.TypedChoiceField(
        label=_("Number of MVI themes"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *((n, str(n)) for n in range(7))],
    )
    form = forms.ModelChoiceField(
        label=_("Form of application"),
        required=False,
        queryset=ApplicationForm.objects.all(),
        to_field_name="code",
        empty_label=_("All"),
    )
    ambition = forms.ChoiceField(label=_("Highest ambition level"), required=False)
    ambition_min = forms.ModelChoiceField(
        label=_("Ambition level at least"),
        required=False,
        queryset=AmbitionLevel.objects.all(),
        to_field_name="code",
        empty_label=_("All"),
    )
    in_product_group = forms.ChoiceField(
        label=_("In a product group"), required=False, choices=[("", _("All")), (YES, _("Yes")), (NO, _("No"))]
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(SORT_NEWEST, _("Newest publication first")), (SORT_OLDEST, _("Oldest publication first"))],
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All")), *((y, str(y)) for y in years)]  # type: ignore[attr-defined]
        english = get_language() == "en"
        self.fields["value_class"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *((code, en if english else nl) for code, _upper, nl, en in value_classes()),
            (UNKNOWN_VALUE_CLASS, _("Value unknown")),
        ]
        self.fields["ambition"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *((level.code, level.name) for level in AmbitionLevel.objects.all()),
            (self.NOT_RECORDED, _("Not recorded")),
        ]
        _nl_design_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period lies before its start."))
        return data


class TenderForm(forms.ModelForm):  # type: ignore[type-arg]
    main_cpv = CpvCodeField(
        label=_("Main CPV code"),
        required=False,
        help_text=_("8 digits, such as 90910000 (cleaning services); the check digit may be left out."),
    )
    additional_cpvs = CpvCodeListField(
        label=_("Additional CPV codes"),
        required=False,
        help_text=_("Optional; separate codes with commas or spaces."),
    )

    class Meta:
        model = Tender
        fields = [
            "title",
            "description",
            "internal_reference",
            "publication_date",
            "nature",
            "procedure_type",
            "is_european",
            "estimated_value",
            "currency",
            "main_cpv",
            "product_group",
            "is_sme_friendly",
            "is_innovative",
            "ted_notice_id",
            "tenderned_publication_id",
            "ocid",
        ]
        widgets = {"publication_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, data: Mapping[str, Any] | None = None, *, instance: Tender) -> None:
        # Validate against a copy: the real record changes only through services.tender_create/update.
        super().__init__(data, instance=copy.copy(instance))
        if instance.pk and not self.is_bound:
            self.initial["additional_cpvs"] = list(instance.additional_cpvs.all())
        _money_field(self.fields["estimated_value"], str(_("The estimated value")))
        product_group = self.fields["product_group"]
        product_group.queryset = ProductGroup.objects.select_related("product_group_set")  # type: ignore[attr-defined]
        _flag_fields(self)
        _nl_design_widgets(self)


class LotForm(forms.ModelForm):  # type: ignore[type-arg]
    main_cpv = CpvCodeField(
        label=_("Main CPV code"), required=False, help_text=_("8 digits, such as 90910000; optional.")
    )

    class Meta:
        model = Lot
        fields = ["number", "title", "description", "estimated_value", "main_cpv", "is_sme_friendly", "is_innovative"]

    def __init__(self, data: Mapping[str, Any] | None = None, *, instance: Lot) -> None:
        super().__init__(data, instance=copy.copy(instance))
        self._tender_id = instance.tender_id
        self._lot_id = instance.pk
        _money_field(self.fields["estimated_value"], str(_("The estimated value")))
        _flag_fields(self)
        _nl_design_widgets(self)

    def clean_number(self) -> str:
        number: str = self.cleaned_data["number"].strip()
        if Lot.objects.filter(tender_id=self._tender_id, number=number).exclude(pk=self._lot_id).exists():
            raise ValidationError(
                _("This tender already has a lot with number %(number)s."), params={"number": number}
            )
        return number


class AwardCriterionForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AwardCriterion
        fields = ["criterion_type", "name", "weight"]

    def __init__(self, data: Mapping[str, Any] | None = None, *, instance: AwardCriterion) -> None:
        super().__init__(data, instance=copy.copy(instance))
        _weight_field(self.fields["weight"])
        _nl_design_widgets(self)


class MVIApplicationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MVIApplication
        fields = ["theme", "form", "ambition_level", "criterion", "award_weight", "origin", "evidence", "confidence"]
        help_texts = {
            "award_weight": _("Only for the form “award criterion”: the weight of this theme in the award, 0-100."),
            "evidence": _("Where in the tender documents this can be found, or the text that shows it."),
        }

    def __init__(self, data: Mapping[str, Any] | None = None, *, instance: MVIApplication) -> None:
        super().__init__(data, instance=copy.copy(instance))
        self._lot_id = instance.lot_id
        self._application_id = instance.pk
        _weight_field(self.fields["award_weight"])
        self.fields["theme"].queryset = Theme.objects.all()  # type: ignore[attr-defined]
        self.fields["form"].queryset = ApplicationForm.objects.all()  # type: ignore[attr-defined]
        self.fields["ambition_level"].queryset = AmbitionLevel.objects.all()  # type: ignore[attr-defined]
        self.fields["criterion"].queryset = Criterion.objects.select_related("product_group")  # type: ignore[attr-defined]
        _nl_design_widgets(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        theme, form, criterion = cleaned.get("theme"), cleaned.get("form"), cleaned.get("criterion")
        others = MVIApplication.objects.filter(lot_id=self._lot_id).exclude(pk=self._application_id)
        if criterion is not None:
            if others.filter(criterion=criterion).exists():
                self.add_error("criterion", _("This lot already has an MVI application with this criterion."))
        elif (
            theme is not None
            and form is not None
            and others.filter(theme=theme, form=form, criterion__isnull=True).exists()
        ):
            self.add_error(
                "form",
                _("This lot already has the theme %(theme)s in the form %(form)s.") % {"theme": theme, "form": form},
            )
        return cleaned


class TenderWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the tender and in its change history."),
    )
