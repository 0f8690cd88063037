"""Forms of the contract and effect pages; they validate input only, the services write."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import F, QuerySet
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from mvimonitor.tenders.models import Contract, Lot

from .models import BuildingBlock, Commitment, EmissionFactor, EmissionFactorSet, RealisationStatus
from .validators import validate_candidate_reference

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def lot_label(lot: Lot) -> str:
    """How a lot is picked: tender title, lot title and the lot's number and id (many lots share a title)."""
    return _("%(tender)s — %(lot)s (lot %(number)s, #%(id)s)") % {
        "tender": lot.tender.title,
        "lot": lot.title,
        "number": lot.number,
        "id": lot.pk,
    }


_LOT_ID = re.compile(r"#(\d+)\)\s*$")


class DatalistInput(forms.TextInput):
    """A text input with a list of suggestions the browser filters as the user types (no script needed)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.suggestions: list[str] = []

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}_options"
        field = super().render(name, value, {**(attrs or {}), "list": list_id, "autocomplete": "off"}, renderer)
        options = format_html_join("", '<option value="{}"></option>', ((label,) for label in self.suggestions))
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)


class LotPickerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A lot chosen by typing part of its tender or lot title and picking it from the suggestions."""

    widget = DatalistInput
    default_error_messages = {
        "invalid_choice": _("Pick a lot from the suggestions: type part of the tender or lot title."),
    }

    def set_lots(self, lots: QuerySet[Lot]) -> None:
        self.queryset = lots.select_related("tender")
        assert isinstance(self.widget, DatalistInput)  # noqa: S101
        self.widget.suggestions = [lot_label(lot) for lot in self.queryset]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Lot):
            return lot_label(value)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            lot = self.queryset.filter(pk=value).first() if self.queryset is not None else None
            return lot_label(lot) if lot is not None else value
        return value

    def to_python(self, value: Any) -> Lot | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Lot):
            return value
        text = str(value).strip()
        found = _LOT_ID.search(text)
        key = found.group(1) if found else text if text.isdigit() else None
        if key is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(key)


class ContractForm(forms.ModelForm):  # type: ignore[type-arg]
    lot = LotPickerField(
        label=_("Lot"),
        queryset=Lot.objects.none(),
        help_text=_("Type part of the tender or lot title and pick the lot from the suggestions."),
    )

    class Meta:
        model = Contract
        fields = ["lot", "supplier_name", "supplier_kvk_number", "supplier_is_sme", "value", "start_date", "end_date"]
        widgets = {"start_date": DATE, "end_date": DATE}
        help_texts = {"value": _("Excl. VAT: a social-return obligation on the contract value is computed from it.")}

    def __init__(self, *args: Any, lots: QuerySet[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lot_field = self.fields["lot"]
        assert isinstance(lot_field, LotPickerField)  # noqa: S101
        lot_field.set_lots(lots)
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
            "reference_deviation_reason",
            "no_additionality",
            "factor_set",
            "recycled_share",
            "period_start",
            "period_end",
            "obligation_base",
            "base_excl_vat",
            "wage_sum",
            "obligation_percentage",
            "obligation_cap",
            "social_return_policy",
            "block_table",
            "award_advantage",
            "sanction_rule",
            "sanction_multiple",
            "sanction_basis",
            "sanction_percentage",
        ]
        widgets = {"period_start": DATE, "period_end": DATE}

    factor_code = forms.ChoiceField(
        label=_("emission factor (chosen option)"),
        required=False,
        help_text=_("From the factor sets in use: your organisation's own sets and the public sets not corrected."),
    )
    reference_factor_code = forms.ChoiceField(label=_("emission factor (reference option)"), required=False)

    def __init__(self, *args: Any, factor_sets: QuerySet[EmissionFactorSet], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_field = self.fields["factor_set"]
        assert isinstance(set_field, forms.ModelChoiceField)  # noqa: S101
        set_field.queryset = factor_sets
        choices = factor_choices(factor_sets)
        for name in ("factor_code", "reference_factor_code"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            current = getattr(self.instance, name, "")
            known = {code for _group, options in choices for code, _label in options}
            extra = [(current, _("%(code)s (not in the factor set in use)") % {"code": current})] if current else []
            field.choices = [("", "—"), *(extra if current not in known else []), *choices]
        self.fields["quantity"].required = False
        self.fields["period_start"].required = False
        self.fields["period_end"].required = False
        self.fields["unit"].help_text = _("For social return the unit is euros and the quantity is computed.")
        self.fields["obligation_base"].help_text = _(
            "The contract value (excl. VAT, as recorded on the contract) or the wage sum (excl. VAT)."
        )
        self._national_reference()

    def _national_reference(self) -> None:
        """Name the national reference option of this commitment (its kind, its tender's product group, valid at its
        period start) and, for a new commitment, fill it in."""
        commitment = self.instance
        kind = self.data.get("kind") or self.initial.get("kind") or commitment.kind
        day = commitment.period_start or (commitment.contract.start_date if commitment.contract_id else None)
        if not kind or day is None:
            return
        probe = Commitment(contract=commitment.contract, kind=kind, period_start=day)
        option = probe.national_reference_option() if commitment.contract_id else None
        if option is None:
            return
        self.national_option = option
        self.fields["reference_factor_code"].help_text = _(
            "National reference option: %(option)s, factor %(code)s (source: %(source)s). Another factor needs a "
            "reason."
        ) % {"option": option.display_description, "code": option.reference_factor_code, "source": option.source}
        if commitment.pk is None and not self.is_bound:
            filled = {
                "kind": kind,
                "reference_factor_code": option.reference_factor_code,
                "reference_description": option.display_description[:500],
                "reference_unit": option.quantity_basis,
            }
            for name, value in filled.items():
                if not self.initial.get(name):
                    self.initial[name] = value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("factor_set")
        if chosen is not None:
            codes = set(chosen.factors.values_list("code", flat=True))
            for name in ("factor_code", "reference_factor_code"):
                if data.get(name) and data[name] not in codes:
                    self.add_error(name, _("The factor set %(set)s has no such factor.") % {"set": chosen})
        return data


def active_factor_sets(factor_sets: QuerySet[EmissionFactorSet]) -> list[EmissionFactorSet]:
    """The sets factors are chosen from: the sets the user may use that no correction replaced, own sets first, then
    newest first. Older public sets stay: a commitment uses the newest set published by the year its period starts."""
    current = factor_sets.not_superseded()  # type: ignore[attr-defined]
    return list(current.order_by(F("organisation").asc(nulls_last=True), "-publication_year", "-pk"))


def factor_choices(factor_sets: QuerySet[EmissionFactorSet]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The factors of the active sets as select choices grouped by category: "name (unit)" with the code as value;
    a code in several sets is offered once, from the first set that has it (own sets before the public one)."""
    sets = active_factor_sets(factor_sets)
    seen: set[str] = set()
    groups: dict[str, list[tuple[str, str]]] = {}
    factors = EmissionFactor.objects.filter(factor_set__in=sets).order_by("category", "name", "code")
    order = {factor_set.pk: rank for rank, factor_set in enumerate(sets)}
    for factor in sorted(factors, key=lambda f: order[f.factor_set_id]):
        if factor.code in seen:
            continue
        seen.add(factor.code)
        label = _("%(name)s (per %(unit)s)") % {"name": factor.name, "unit": factor.get_unit_display()}
        groups.setdefault(str(factor.get_category_display()), []).append((factor.code, label))
    return [(group, sorted(options, key=lambda option: option[1])) for group, options in sorted(groups.items())]


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
    candidate_reference = forms.CharField(
        label=_("candidate reference"),
        max_length=40,
        required=False,
        validators=[validate_candidate_reference],
        help_text=_("Your own code, such as K-017, the same in every report; never a name, BSN or date of birth."),
    )

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
