"""The buyer's criterion selector on a lot and the tender text export of the chosen criteria.

The selector browses the current release of the criteria catalogue (cluster → product group, with filters on ambition
level, kind and theme; a plain GET form) and applies the ticked criteria through `criteria_services.apply_criteria`.
Only members who may edit the organisation's tenders reach it (403); a tender they may not see is 404. The export
(DOCX or text) is open to everyone who may see the tender.
"""

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from mvimonitor.organisations.access import Action, fetch, request_user
from mvimonitor.pages import add_service_errors
from mvimonitor.themes.models import (
    AmbitionLevel,
    CriteriaRelease,
    Criterion,
    CriterionKind,
    ProductGroupCluster,
    Theme,
)

from .criteria_export import export_lines, file_name, render_docx, render_text
from .criteria_selectors import (
    CriteriaFilters,
    applied_criterion_ids,
    clusters_of,
    criteria_to_choose,
    current_release,
    default_group,
    table_order,
)
from .criteria_services import apply_criteria
from .forms import _nl_design_widgets
from .models import Lot, Tender

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class CriteriaFilterForm(forms.Form):
    """What to show: a product group of the release (grouped by cluster) and the filters. Values come from the query
    string and may be anything."""

    group = forms.TypedChoiceField(label=gettext_lazy("Product group"), required=False, coerce=int, empty_value=None)
    level = forms.ModelChoiceField(
        label=gettext_lazy("Ambition level"),
        required=False,
        queryset=AmbitionLevel.objects.all(),
        to_field_name="code",
        empty_label=gettext_lazy("All"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("All")), *CriterionKind.choices]
    )
    theme = forms.ModelChoiceField(
        label=gettext_lazy("MVI theme"),
        required=False,
        queryset=Theme.objects.all(),
        to_field_name="code",
        empty_label=gettext_lazy("All"),
        help_text=gettext_lazy("Also criteria for which it is not the main theme."),
    )

    def __init__(self, data: Mapping[str, Any], *, clusters: list[ProductGroupCluster]) -> None:
        super().__init__(data)
        self.fields["group"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a product group")),
            *((cluster.name, [(g.pk, g.name) for g in cluster.product_groups.all()]) for cluster in clusters),
        ]
        _nl_design_widgets(self)

    def filters(self) -> CriteriaFilters:
        data = self.cleaned_data
        return CriteriaFilters(level=data.get("level"), kind=data.get("kind") or "", theme=data.get("theme"))


class ApplyCriteriaForm(forms.Form):
    criteria = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Criteria"),
        queryset=Criterion.objects.none(),
        error_messages={
            "required": gettext_lazy("Tick at least one criterion to apply."),
            "invalid_choice": gettext_lazy("A ticked criterion is not in the current release; reload the page."),
            "invalid_pk_value": gettext_lazy("A ticked criterion is not in the current release; reload the page."),
        },
    )

    def __init__(self, data: QueryDict | None, *, release: CriteriaRelease | None) -> None:
        super().__init__(data)
        field = cast("forms.ModelMultipleChoiceField[Criterion]", self.fields["criteria"])
        field.queryset = (
            Criterion.objects.filter(product_group__product_group_set=release).select_related(
                "ambition_level", "product_group"
            )
            if release is not None
            else Criterion.objects.none()
        )


def _lot(request: HttpRequest, tender_id: int, lot_id: int) -> Lot:
    tender = fetch(
        request.user,
        Tender.objects.select_related("organisation", "product_group"),
        tender_id,
        Action.EDIT_TENDERS,
        _("You may not change the tenders of this organisation."),
    )
    lot = get_object_or_404(Lot, tender=tender, pk=lot_id)
    lot.tender = tender
    return lot


def _report(request: HttpRequest, lot: Lot, created: int, skipped: list[tuple[str, str]]) -> None:
    if created:
        messages.success(
            request,
            ngettext(
                "%(count)s criterion was applied to lot %(lot)s.",
                "%(count)s criteria were applied to lot %(lot)s.",
                created,
            )
            % {"count": created, "lot": lot},
        )
    else:
        messages.warning(request, _("No criterion was applied to lot %(lot)s.") % {"lot": lot})
    for code, reason in skipped:
        messages.warning(request, _("%(code)s was skipped: %(reason)s") % {"code": code, "reason": reason})


@login_required
@require_http_methods(["GET", "POST"])
def lot_criteria(request: HttpRequest, tender_id: int, lot_id: int) -> HttpResponse:
    """Choose criteria of the catalogue for a lot; "Apply" makes an MVI application of each ticked criterion."""
    lot = _lot(request, tender_id, lot_id)
    tender = lot.tender
    release = current_release()
    clusters = clusters_of(release) if release is not None else []
    query = request.GET.copy()
    default = default_group(tender, release) if release is not None else None
    if "group" not in query and default is not None:
        query["group"] = str(default.pk)
    filter_form = CriteriaFilterForm(query, clusters=clusters)
    group = None
    criteria = []
    if filter_form.is_valid() and release is not None and filter_form.cleaned_data["group"] is not None:
        group = release.product_groups.get(pk=filter_form.cleaned_data["group"])
        criteria = criteria_to_choose(group, filter_form.filters())
    apply_form = ApplyCriteriaForm(request.POST if request.method == "POST" else None, release=release)
    if apply_form.is_bound and apply_form.is_valid():
        ticked = sorted(
            apply_form.cleaned_data["criteria"],
            key=lambda c: table_order(c.kind, c.ambition_level.level, c.code),  # the first in the table wins a place
        )
        try:
            result = apply_criteria(user=request_user(request), lot=lot, criteria=ticked)
        except ValidationError as error:
            add_service_errors(apply_form, error)
        else:
            _report(request, lot, len(result.created), [(s.criterion.code, s.reason) for s in result.skipped])
            return redirect(reverse("tenders:detail", args=[tender.pk]) + f"#mvim-lot-{lot.pk}")
    context = {
        "tender": tender,
        "lot": lot,
        "release": release,
        "filter_form": filter_form,
        "apply_form": apply_form,
        "group": group,
        "criteria": criteria,
        "applied": applied_criterion_ids(lot),
        "ticked": {int(value) for value in request.POST.getlist("criteria") if value.isdigit()},
        "tender_group_elsewhere": tender.product_group is not None and default is None,
    }
    status = 400 if apply_form.is_bound else 200
    return render(request, "tenders/criteria/selector.html", context, status=status)


def _export(request: HttpRequest, tender_id: int, suffix: str) -> HttpResponse:
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id)
    lines = export_lines(tender)
    if suffix == "docx":
        response = HttpResponse(render_docx(lines), content_type=DOCX_TYPE)
    else:
        response = HttpResponse(render_text(lines).encode(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, file_name(tender, suffix))
    return response


@login_required
@require_GET
def tender_criteria_docx(request: HttpRequest, tender_id: int) -> HttpResponse:
    """The chosen criteria of the tender as a Word document."""
    return _export(request, tender_id, "docx")


@login_required
@require_GET
def tender_criteria_text(request: HttpRequest, tender_id: int) -> HttpResponse:
    """The chosen criteria of the tender as plain UTF-8 text."""
    return _export(request, tender_id, "txt")
