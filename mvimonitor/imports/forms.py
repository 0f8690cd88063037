"""Forms of the import pages: the upload, and the review of one proposed MVI application."""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from mvimonitor.tenders.models import weight_validators
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, Theme

# One upload may hold a TED daily package; larger inputs belong on the command line (`import_notices`).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ACCEPTED_SUFFIXES = (".xml", ".json", ".zip", ".tar.gz", ".tgz", ".csv", ".xlsx")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class UploadForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment]  # a field named like Form.files, as users expect
        label=_("Notice files"),
        help_text=_(
            "eForms or TED XML, OCDS JSON, TenderNed CSV or XLSX, or a zip or tar.gz archive of them; at most 200 MB."
        ),
    )

    def clean_files(self) -> list[UploadedFile[Any]]:
        files: list[UploadedFile[Any]] = self.cleaned_data["files"]
        total = 0
        for upload in files:
            name = (upload.name or "").lower()
            if not name.endswith(ACCEPTED_SUFFIXES):
                raise forms.ValidationError(
                    _("%(name)s is not a file type the import reads (%(types)s).")
                    % {"name": upload.name, "types": ", ".join(ACCEPTED_SUFFIXES)}
                )
            if upload.size == 0:
                raise forms.ValidationError(_("%(name)s is empty.") % {"name": upload.name})
            total += upload.size or 0
        if total > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Together the files are larger than 200 MB; use the import_notices command for large inputs.")
            )
        return files


class ProposalReviewForm(forms.Form):
    """Confirm a proposal as it is or corrected; the proposal's values are the initial ones."""

    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.all())
    form = forms.ModelChoiceField(label=_("Form of application"), queryset=ApplicationForm.objects.all())
    ambition_level = forms.ModelChoiceField(
        label=_("Ambition level"), queryset=AmbitionLevel.objects.all(), required=False
    )
    award_weight = forms.DecimalField(
        label=_("Award weight (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        validators=weight_validators,
        help_text=_("Only for an award criterion."),
    )


class BulkReviewForm(forms.Form):
    """Several proposals of one tender at once: the ones ticked, and every open one of the lots ticked as a whole;
    confirmed as proposed or rejected with one reason. The choices are the tender's open proposals and lots."""

    proposals = forms.TypedMultipleChoiceField(label=_("Proposals"), coerce=int, required=False)
    lots = forms.TypedMultipleChoiceField(label=_("All open proposals of the lot"), coerce=int, required=False)
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm as proposed")), ("reject", _("Reject"))])
    reason = forms.CharField(
        label=_("Reason for rejecting the selected proposals"),
        required=False,
        max_length=500,
        help_text=_("Needed to reject; kept in each proposal's history."),
    )

    def __init__(self, *args: Any, proposal_ids: list[int], lot_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        proposals = self.fields["proposals"]
        lots = self.fields["lots"]
        assert isinstance(proposals, forms.TypedMultipleChoiceField)  # noqa: S101
        assert isinstance(lots, forms.TypedMultipleChoiceField)  # noqa: S101
        proposals.choices = [(pk, str(pk)) for pk in proposal_ids]
        lots.choices = [(pk, str(pk)) for pk in lot_ids]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("proposals") and not data.get("lots"):
            raise forms.ValidationError(_("Select at least one proposal, or all of a lot."))
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the rejection."))
        return data
