"""The forms of supplier reporting: the buyer's request and decision, the supplier's answers and company facts."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mvimonitor.effects.models import BlockBasis, BuildingBlock, CommitmentKind
from mvimonitor.effects.validators import validate_candidate_reference
from mvimonitor.organisations.validators import validate_kvk

from .models import Answer, CO2LadderLevel, PlacementAnswer, PSOLevel, Standard
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


# Empty candidate lines the answer form offers besides the saved ones; saving offers as many new ones again.
CANDIDATE_ROWS = 5
CANDIDATE = "cand"  # the name of a candidate line's fields: cand-<line>-reference, -block, -months, -amount
CANDIDATE_PARTS = {
    "reference": _("candidate reference"),
    "block": _("building block"),
    "months": _("months"),
    "amount": _("hours, days or euros"),
}


class AnswerForm(forms.Form):
    """The questions of one commitment: the delivered quantity in the commitment's unit, the recycled share for
    material, and an evidence file. Social return instead: the people placed per building block, counted together
    (each block's line on its own), and candidate lines, one candidate under one block with the supplier's own
    pseudonymous code, so the table's maximum months count per candidate over all reports (ADR 0041)."""

    def __init__(self, *args: Any, answer: Answer, blocks: list[BuildingBlock], **kwargs: Any) -> None:
        kwargs["prefix"] = f"answer-{answer.pk}"
        super().__init__(*args, **kwargs)
        self.answer = answer
        commitment = answer.commitment
        self.is_social = commitment.kind == CommitmentKind.SOCIAL_RETURN
        self.blocks = blocks if self.is_social else []
        self.blocks_by_id = {block.pk: block for block in self.blocks}
        self.candidate_lines = 0
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
        saved = list(answer.placements.all()) if self.is_social else []
        placed = {p.block_id: p for p in saved if not p.candidate_reference}
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
        if self.blocks:
            self._add_candidate_lines(sorted((p for p in saved if p.candidate_reference), key=_line_order))
        self.fields["evidence"] = forms.FileField(
            label=_("evidence file"), required=False, help_text=_("PDF, image, CSV, XLSX or text.")
        )

    # --- candidate lines ---------------------------------------------------------------------------------------------

    def _add_candidate_lines(self, saved: list[PlacementAnswer]) -> None:
        """The saved candidate lines, then CANDIDATE_ROWS empty ones: reference, block, and months for blocks counted
        per year or hours, days or euros for the others (only the value fields the table's blocks need)."""
        per_year = any(block.basis == BlockBasis.PER_YEAR for block in self.blocks)
        other = any(block.basis != BlockBasis.PER_YEAR for block in self.blocks)
        choices = [("", "-")] + [
            (
                str(block.pk),
                block.name if block.basis == BlockBasis.PER_YEAR else f"{block.name} ({block.get_basis_display()})",
            )
            for block in self.blocks
        ]
        self.candidate_lines = len(saved) + CANDIDATE_ROWS
        for line in range(1, self.candidate_lines + 1):
            given = saved[line - 1] if line <= len(saved) else None
            self.fields[self._line_field(line, "reference")] = forms.CharField(
                label=self._line_label(line, "reference"), required=False,
                initial=given.candidate_reference if given else None,
                widget=forms.TextInput(attrs={"maxlength": 40, "autocomplete": "off", "spellcheck": "false"}),
            )  # fmt: skip
            self.fields[self._line_field(line, "block")] = forms.TypedChoiceField(
                label=self._line_label(line, "block"), choices=choices, coerce=int, empty_value=None,
                required=False, initial=str(given.block_id) if given else None,
            )  # fmt: skip
            if per_year:
                self.fields[self._line_field(line, "months")] = forms.DecimalField(
                    label=self._line_label(line, "months"),
                    min_value=Decimal(0), max_value=Decimal(600), decimal_places=2, required=False,
                    initial=given.months if given and given.months else None,
                )  # fmt: skip
            if other:
                self.fields[self._line_field(line, "amount")] = forms.DecimalField(
                    label=self._line_label(line, "amount"),
                    min_value=Decimal(0), decimal_places=2, max_digits=14, required=False,
                    initial=given.amount if given else None,
                )  # fmt: skip

    @staticmethod
    def _line_field(line: int, part: str) -> str:
        return f"{CANDIDATE}-{line}-{part}"

    @staticmethod
    def _line_label(line: int, part: str) -> str:
        return str(_("Candidate line %(line)s: %(field)s") % {"line": line, "field": CANDIDATE_PARTS[part]})

    def _line_error(self, line: int, part: str, message: Any) -> None:
        """An error of one field of a candidate line, its message naming the line and the field."""
        named = _("Candidate line %(line)s, %(field)s: %(problem)s")
        problem = {"line": line, "field": CANDIDATE_PARTS[part], "problem": message}
        self.add_error(self._line_field(line, part), named % problem)

    @property
    def head_fields(self) -> list[forms.BoundField]:
        """The fields shown before the candidate lines: everything but them and the evidence file."""
        return [self[name] for name in self.fields if not name.startswith(f"{CANDIDATE}-") and name != "evidence"]

    @property
    def candidate_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[name] for name in self.fields if name.startswith(f"{CANDIDATE}-{line}-")]
            for line in range(1, self.candidate_lines + 1)
        ]

    @property
    def evidence_field(self) -> forms.BoundField:
        return self["evidence"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # the fields' own errors ("Enter a number.") name the candidate line too
        for line in range(1, self.candidate_lines + 1):
            for part in CANDIDATE_PARTS:
                name = self._line_field(line, part)
                if name in self.errors:
                    problems = self.errors.pop(name)
                    for problem in problems:
                        self._line_error(line, part, problem)
        seen: dict[tuple[int, str], int] = {}
        for line in range(1, self.candidate_lines + 1):
            values = {part: data.get(self._line_field(line, part)) for part in ("block", "months", "amount")}
            reference = (data.get(self._line_field(line, "reference")) or "").strip()
            if not reference and all(value in (None, "") for value in values.values()):
                continue  # an empty line
            if any(name.startswith(f"{CANDIDATE}-{line}-") for name in self.errors):
                continue  # already refused field by field
            self._check_line(line, reference, values, seen)
        return data

    def _check_line(self, line: int, reference: str, values: dict[str, Any], seen: dict[tuple[int, str], int]) -> None:
        if not reference:
            self._line_error(
                line, "reference",
                _("enter the candidate's code, or count people without a code in the totals per building block."),
            )  # fmt: skip
        else:
            try:
                validate_candidate_reference(reference)
            except forms.ValidationError as error:
                for message in error.messages:
                    self._line_error(line, "reference", message)
        block = self.blocks_by_id.get(values["block"]) if values["block"] is not None else None
        if block is None:
            self._line_error(line, "block", _("choose the building block."))
            return
        months, amount = values["months"], values["amount"]
        if block.basis == BlockBasis.PER_YEAR:
            if not months:
                self._line_error(line, "months", _("enter the months the candidate worked under this block."))
            if amount is not None:
                self._line_error(line, "amount", _("this block counts months; leave this field empty."))
        else:
            if not amount:
                self._line_error(line, "amount", _("enter the hours, days or euros for this block."))
            if months:
                self._line_error(line, "months", _("this block does not count months; leave this field empty."))
        if reference:
            first = seen.setdefault((block.pk, reference), line)
            if first != line:
                self._line_error(
                    line, "reference",
                    _("this candidate is already given under this building block in candidate line %(first)s.")
                    % {"first": first},
                )  # fmt: skip

    def answer_input(self) -> AnswerInput:
        data = self.cleaned_data
        placements = []
        for block in self.blocks:
            persons = data.get(f"block-{block.pk}-persons") or 0
            months = data.get(f"block-{block.pk}-months") or Decimal(0)
            amount = data.get(f"block-{block.pk}-amount")
            if persons or months or amount:
                placements.append(PlacementInput(block=block, persons=persons, months=months, amount=amount))
        for line in range(1, self.candidate_lines + 1):
            reference = (data.get(self._line_field(line, "reference")) or "").strip()
            block_id = data.get(self._line_field(line, "block"))
            if not reference or block_id is None:
                continue  # an empty line (clean refused half-filled ones)
            block = self.blocks_by_id[block_id]
            per_year = block.basis == BlockBasis.PER_YEAR
            placements.append(
                PlacementInput(
                    block=block,
                    persons=1,
                    months=(data.get(self._line_field(line, "months")) or Decimal(0)) if per_year else Decimal(0),
                    amount=None if per_year else data.get(self._line_field(line, "amount")),
                    candidate_reference=reference,
                )
            )
        return AnswerInput(
            quantity=data.get("quantity"), recycled_share=data.get("recycled_share"), placements=placements
        )


def _line_order(placement: PlacementAnswer) -> int:
    return placement.pk  # the order the supplier entered them


def blocks_by_table(table_ids: set[int]) -> dict[int, list[BuildingBlock]]:
    by_name = "name_en" if get_language() == "en" else "name_nl"
    found: dict[int, list[BuildingBlock]] = {table: [] for table in table_ids}
    for block in BuildingBlock.objects.filter(table__in=table_ids).order_by("is_bonus", by_name, "code"):
        found[block.table_id].append(block)
    return found


def default_due_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)
