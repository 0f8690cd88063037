"""Forms of the contract and effect pages; they validate input only, the services write."""

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mvimonitor.tenders.models import Contract, Lot

from .models import BuildingBlock, Commitment, EmissionFactorSet, RealisationStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Contract
        fields = ["lot", "supplier_name", "supplier_kvk_number", "supplier_is_sme", "value", "start_date", "end_date"]
        widgets = {"start_date": DATE, "end_date": DATE}

    def __init__(self, *args: Any, lots: QuerySet[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lot_field = self.fields["lot"]
        assert isinstance(lot_field, forms.ModelChoiceField)  # noqa: S101
        lot_field.queryset = lots
        if self.instance.pk:
            lot_field.disabled = True


class CommitmentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Commitment
        fields = [
            "theme",
            "kind",
            "description",
            "quantity",
            "unit",
            "factor_code",
            "reference_description",
            "reference_quantity",
            "reference_unit",
            "reference_factor_code",
            "factor_set",
            "recycled_share",
            "period_start",
            "period_end",
            "obligation_base",
            "wage_sum",
            "obligation_percentage",
            "obligation_cap",
            "social_return_policy",
            "block_table",
            "award_advantage",
            "sanction_rule",
            "sanction_multiple",
        ]
        widgets = {"period_start": DATE, "period_end": DATE}

    def __init__(self, *args: Any, factor_sets: QuerySet[EmissionFactorSet], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_field = self.fields["factor_set"]
        assert isinstance(set_field, forms.ModelChoiceField)  # noqa: S101
        set_field.queryset = factor_sets
        self.fields["quantity"].required = False
        self.fields["period_start"].required = False
        self.fields["period_end"].required = False
        self.fields["unit"].help_text = _("For social return the unit is euros and the quantity is computed.")


class RealisationForm(forms.Form):
    period_start = forms.DateField(label=_("period start"), widget=DATE)
    period_end = forms.DateField(label=_("period end"), widget=DATE)
    quantity = forms.DecimalField(
        label=_("delivered quantity"), required=False, min_value=Decimal(0), max_digits=16, decimal_places=3
    )
    recycled_share = forms.DecimalField(
        label=_("recycled share (%)"), required=False, min_value=Decimal(0), max_value=Decimal(100)
    )
    evidence = forms.FileField(label=_("evidence file"), required=False, help_text=_("PDF, image, CSV, XLSX or text."))

    def __init__(self, *args: Any, commitment: Commitment | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commitment = commitment
        if commitment is not None:
            self.fields["period_start"].help_text = _("Within the commitment period %(start)s–%(end)s.") % {
                "start": commitment.period_start,
                "end": commitment.period_end,
            }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end of the period lies before its start."))
        elif start and end and self.commitment is not None:
            outside = self.commitment.period_error(start, end)
            if outside is not None:
                self.add_error("period_start", outside)
        return data


class PlacementForm(forms.Form):
    block = forms.ModelChoiceField(label=_("building block"), queryset=BuildingBlock.objects.none(), required=False)
    persons = forms.IntegerField(label=_("number of people"), min_value=0, max_value=100000, required=False)
    months = forms.DecimalField(label=_("months"), min_value=Decimal(0), max_value=Decimal(600), required=False)
    hours_per_week = forms.DecimalField(
        label=_("hours per week"), min_value=Decimal("0.01"), max_value=Decimal(80), required=False, initial=36
    )
    amount = forms.DecimalField(label=_("hours, days or euros"), min_value=Decimal(0), required=False)

    def __init__(self, *args: Any, blocks: QuerySet[BuildingBlock], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        block_field = self.fields["block"]
        assert isinstance(block_field, forms.ModelChoiceField)  # noqa: S101
        block_field.queryset = blocks


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("decision"),
        choices=[(RealisationStatus.VERIFIED, _("Verified")), (RealisationStatus.REJECTED, _("Rejected"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("reason or note"), required=False, max_length=500)


class FactorSetUploadForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    version = forms.CharField(label=_("version"), max_length=50)
    publication_year = forms.IntegerField(label=_("publication year"), min_value=1990, max_value=2100)
    source = forms.CharField(label=_("source"), max_length=500)
    file = forms.FileField(label=_("CSV file in the official list's format"))
    supersedes = forms.CharField(
        label=_("corrects version"),
        max_length=50,
        required=False,
        help_text=_("For a correction of a set already used or published: the version it corrects (same name)."),
    )
    correction_reason = forms.CharField(
        label=_("reason for the correction"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("supersedes") and not (data.get("correction_reason") or "").strip():
            self.add_error("correction_reason", _("A correction needs a reason."))
        if (data.get("correction_reason") or "").strip() and not data.get("supersedes"):
            self.add_error("supersedes", _("Name the version this set corrects."))
        return data
