"""The product groups suggested for a tender from its CPV codes, each with a button to assign it.

Everyone who may see the tender sees the suggestions; the buttons are for members who may edit its tenders (a POST
by anyone else is refused with 403). Nothing is assigned without that click.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mvimonitor.organisations.access import Action, fetch, permitted, request_user
from mvimonitor.themes.cpv_mapping import Suggestion
from mvimonitor.themes.models import MappingStatus, ProductGroup

from .models import Tender
from .product_group_services import (
    product_group_suggestions,
    suggestion_release,
    tender_assign_product_group,
    tender_cpv_codes,
)


@dataclass(frozen=True)
class SuggestionRow:
    suggestion: Suggestion
    status: str  # the status's label in the reader's language


def _tenders() -> QuerySet[Tender]:
    return Tender.objects.select_related("organisation", "product_group", "main_cpv").prefetch_related(
        "additional_cpvs"
    )


@login_required
@require_GET
def product_group_suggestions_page(request: HttpRequest, tender_id: int) -> HttpResponse:
    tender = fetch(request.user, _tenders(), tender_id)
    rows = [
        SuggestionRow(suggestion, str(MappingStatus(suggestion.status).label))
        for suggestion in product_group_suggestions(tender)
    ]
    context = {
        "tender": tender,
        "codes": tender_cpv_codes(tender),
        "release": suggestion_release(),
        "rows": rows,
        "can_edit_tenders": permitted(request.user, Action.EDIT_TENDERS, tender.organisation_id),
    }
    return render(request, "tenders/product_group/suggestions.html", context)


@login_required
@require_POST
def product_group_assign(request: HttpRequest, tender_id: int) -> HttpResponse:
    tender = fetch(
        request.user,
        Tender.objects.select_related("organisation"),
        tender_id,
        Action.EDIT_TENDERS,
        _("You may not change the tenders of this organisation."),
    )
    chosen = request.POST.get("product_group", "")
    group = ProductGroup.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if group is None:
        messages.error(request, _("Choose one of the suggested product groups."))
        return redirect("tenders:product-group", tender_id=tender.pk)
    try:
        tender_assign_product_group(user=request_user(request), tender=tender, product_group=group)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("tenders:product-group", tender_id=tender.pk)
    messages.success(request, _("The tender now has the product group “%(group)s”.") % {"group": group.name})
    return redirect("tenders:detail", tender_id=tender.pk)
