"""The forms of supplier reporting: the buyer's request and decision, the supplier's answers and company facts."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mvimonitor.effects.models import BlockBasis, BuildingBlock, CommitmentKind
from mvimonitor.organisations.validators import validate_kvk

from .models import Answer, CO2LadderLevel, PSOLevel, Standard
from .services import AnswerInput, PlacementInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RequestForm(forms.Form):
    period_start = forms.DateField(label=_("period start"), widget=DATE)
    period_end = forms.DateField(label=_("period end"), widget=DATE)
    due_date = forms.DateField(label=_("answer due"), widget=DATE)
    recipient_email = forms.EmailField(
        label=_("e-mail address of the supplier"),
        help_text=_("The link to the form is sent here. Use a department address, not a person's name if you can."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end of the period lies before its start."))
        return data


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for returning"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The supplier reads this with the request. Counts and values only: no names or BSN."),
    )


class OverviewLinkForm(forms.Form):
    kvk_number = forms.CharField(label=_("KvK number of your company"), max_length=8, validators=[validate_kvk])


class CompanyFactsForm(forms.Form):
    co2_ladder_level = forms.ChoiceField(
        label=_("CO2-Prestatieladder level"), choices=[("", "-"), *CO2LadderLevel.choices], required=False
    )
    co2_ladder_valid_until = forms.DateField(label=_("valid until"), widget=DATE, required=False)
    pso_level = forms.ChoiceField(
        label=_("PSO level (Prestatieladder Socialer Ondernemen)"), choices=[("", "-"), *PSOLevel.choices],
        required=False,
    )  # fmt: skip
    pso_valid_until = forms.DateField(label=_("valid until"), widget=DATE, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for level, until in (("co2_ladder_level", "co2_ladder_valid_until"), ("pso_level", "pso_valid_until")):
            certified = data.get(level) not in ("", None, CO2LadderLevel.NONE, PSOLevel.NONE)
            if certified and not data.get(until):
                self.add_error(until, _("Give the date until which the certificate is valid."))
        return data


class CertificateForm(forms.Form):
    standard = forms.ChoiceField(label=_("standard"), choices=Standard.choices)
    number = forms.CharField(label=_("certificate number"), max_length=100, required=False)
    valid_from = forms.DateField(label=_("valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("valid until"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of the validity lies before its start."))
        return data


class AnswerForm(forms.Form):
    """The questions of one commitment: the delivered quantity in the commitment's unit (for social return the people
    placed per building block instead), the recycled share for material, and an evidence file."""

    def __init__(self, *args: Any, answer: Answer, blocks: list[BuildingBlock], **kwargs: Any) -> None:
        kwargs["prefix"] = f"answer-{answer.pk}"
        super().__init__(*args, **kwargs)
        self.answer = answer
        commitment = answer.commitment
        self.is_social = commitment.kind == CommitmentKind.SOCIAL_RETURN
        self.blocks = blocks if self.is_social else []
        if not self.is_social:
            self.fields["quantity"] = forms.DecimalField(
                label=_("delivered (%(unit)s)") % {"unit": commitment.get_unit_display()},
                min_value=Decimal(0), max_digits=16, decimal_places=3, required=False,
                initial=answer.quantity,
                help_text=_("Promised: %(quantity)s %(unit)s over %(start)s to %(end)s.")
                % {"quantity": commitment.quantity, "unit": commitment.get_unit_display(),
                   "start": commitment.period_start, "end": commitment.period_end},
            )  # fmt: skip
        if commitment.kind == CommitmentKind.MATERIAL:
            self.fields["recycled_share"] = forms.DecimalField(
                label=_("recycled share (%)"), min_value=Decimal(0), max_value=Decimal(100), required=False,
                initial=answer.recycled_share,
            )  # fmt: skip
        placed = {p.block_id: p for p in answer.placements.all()}
        for block in self.blocks:
            given = placed.get(block.pk)
            self.fields[f"block-{block.pk}-persons"] = forms.IntegerField(
                label=_("%(block)s: number of people") % {"block": block.name},
                min_value=0, max_value=100000, required=False, initial=given.persons if given else None,
            )  # fmt: skip
            if block.basis == BlockBasis.PER_YEAR:
                self.fields[f"block-{block.pk}-months"] = forms.DecimalField(
                    label=_("%(block)s: months") % {"block": block.name},
                    min_value=Decimal(0), max_value=Decimal(600), decimal_places=2, required=False,
                    initial=given.months if given else None,
                )  # fmt: skip
            else:
                self.fields[f"block-{block.pk}-amount"] = forms.DecimalField(
                    label=_("%(block)s: %(basis)s") % {"block": block.name, "basis": block.get_basis_display()},
                    min_value=Decimal(0), decimal_places=2, max_digits=14, required=False,
                    initial=given.amount if given else None,
                )  # fmt: skip
        self.fields["evidence"] = forms.FileField(
            label=_("evidence file"), required=False, help_text=_("PDF, image, CSV, XLSX or text.")
        )

    def answer_input(self) -> AnswerInput:
        data = self.cleaned_data
        placements = []
        for block in self.blocks:
            persons = data.get(f"block-{block.pk}-persons") or 0
            months = data.get(f"block-{block.pk}-months") or Decimal(0)
            amount = data.get(f"block-{block.pk}-amount")
            if persons or months or amount:
                placements.append(PlacementInput(block=block, persons=persons, months=months, amount=amount))
        return AnswerInput(
            quantity=data.get("quantity"), recycled_share=data.get("recycled_share"), placements=placements
        )


def blocks_by_table(table_ids: set[int]) -> dict[int, list[BuildingBlock]]:
    by_name = "name_en" if get_language() == "en" else "name_nl"
    found: dict[int, list[BuildingBlock]] = {table: [] for table in table_ids}
    for block in BuildingBlock.objects.filter(table__in=table_ids).order_by("is_bonus", by_name, "code"):
        found[block.table_id].append(block)
    return found


def default_due_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)
