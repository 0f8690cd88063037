"""Import pages: upload notices, follow a run, read its report, and review the proposed MVI applications of a tender.

Every view asks `mvimonitor.organisations.access`: runs and tenders of organisations the user may not see give 404;
uploading needs EDIT_TENDERS and reviewing needs EDIT_MVI on the organisation (else 403).
"""

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mvimonitor.exports import FORMULA_STARTS
from mvimonitor.organisations.access import Action, fetch, permitted, request_user, visible_to
from mvimonitor.organisations.selectors import active_organisation_for
from mvimonitor.pages import add_service_errors
from mvimonitor.tenders.models import Lot, Tender
from mvimonitor.themes.models import in_language

from . import selectors, services
from .forms import BulkReviewForm, ProposalReviewForm, UploadForm
from .models import ImportedTender, ImportRun, MVIProposal, ProposalStatus, Severity
from .review import evidence_items, proposals_review
from .tasks import import_run_task

PAGE_SIZE = 25


def _runs() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("organisation", "started_by")


def progress_data(run: ImportRun) -> dict[str, object]:
    return {
        "id": run.pk,
        "status": run.status,
        "statusLabel": str(run.get_status_display()),
        "finished": run.is_finished,
        "seen": run.seen,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "failed": run.failed,
    }


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    page = Paginator(visible_to(request.user, _runs()), PAGE_SIZE).get_page(request.GET.get("page"))
    can_upload = organisation is not None and permitted(request.user, Action.EDIT_TENDERS, organisation)
    return render(
        request,
        "imports/run_list.html",
        {
            "organisation": organisation,
            "page_obj": page,
            "form": UploadForm() if can_upload else None,
            "can_upload": can_upload,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    organisation, _choices = active_organisation_for(request)
    if organisation is None or not permitted(request.user, Action.EDIT_TENDERS, organisation):
        raise PermissionDenied(_("You may not import notices for this organisation."))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [(f.name or "upload", f.read()) for f in form.cleaned_data["files"]]
        try:
            run = services.import_upload_create(user=request_user(request), organisation=organisation, files=files)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            import_run_task.enqueue(run.pk)
            messages.success(request, _("The files were received; the import runs in the background."))
            return redirect("imports:run-detail", run_id=run.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "imports/upload.html", {"form": form, "organisation": organisation}, status=status)


def _failure_section(request: HttpRequest, run: ImportRun, severity: str, parameter: str) -> dict[str, object]:
    """One page of a run's failures of one severity, with links to the other pages that keep the other section's
    page (`?errors=` and `?warnings=` page independently)."""
    page = selectors.failure_page(run, severity, request.GET.get(parameter))

    def link(number: int | str) -> str:
        query = request.GET.copy()
        query[parameter] = str(number)
        return f"?{query.urlencode()}#{parameter}"

    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return {
        "id": parameter,
        "page": page,
        "links": [{"number": number, "url": link(number) if isinstance(number, int) else ""} for number in numbers],
        "previous": link(page.previous_page_number()) if page.has_previous() else "",
        "next": link(page.next_page_number()) if page.has_next() else "",
    }


class _Line:
    """Hands back what the CSV writer writes, so each row can be streamed as it is made."""

    def write(self, value: str) -> str:
        return value


def severity_labels() -> dict[str, str]:
    """How the report names each severity: a warning is about a notice that was imported (a value left out, an older
    notice kept as a source record), so it never reads as a failure."""
    return {Severity.ERROR: _("Not imported"), Severity.WARNING: _("Warning (imported)")}


def _csv_safe(value: str) -> str:
    """A text a spreadsheet would run as a formula keeps a leading apostrophe (file and notice names are the
    uploader's)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _failures_csv(run: ImportRun) -> StreamingHttpResponse:
    """Every failure of the run as CSV (semicolons, UTF-8 with a byte-order mark), streamed row by row."""
    writer = csv.writer(_Line(), delimiter=";")
    labels = severity_labels()
    headers = [_("Severity"), _("File"), _("Place in the file"), _("Notice"), _("Field"), _("Message")]

    def lines() -> Iterator[bytes]:
        yield ("\ufeff" + writer.writerow(headers)).encode("utf-8")
        for severity, *rest in selectors.failure_rows(run):
            row = [str(labels.get(severity, severity)), *(_csv_safe(value) for value in rest)]
            yield writer.writerow(row).encode("utf-8")

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-run-{run.pk}-failures.csv"'
    return response


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponseBase:
    """The run: progress, and when done its report. The failures are paged (`?errors=`, `?warnings=`, 100 a page);
    `?download=csv` gives all of them as one CSV file."""
    run = fetch(request.user, _runs(), run_id)
    if request.GET.get("download") == "csv":
        return _failures_csv(run)
    tenders = (
        Tender.objects.filter(source_records__run=run).distinct().only("id", "title").order_by("title")
        if run.is_finished
        else Tender.objects.none()
    )
    finished = run.is_finished
    return render(
        request,
        "imports/run_detail.html",
        {
            "run": run,
            "errors": _failure_section(request, run, Severity.ERROR, "errors") if finished else None,
            "warnings": _failure_section(request, run, Severity.WARNING, "warnings") if finished else None,
            "tenders": tenders[:200],
            "progress": progress_data(run),
        },
    )


@login_required
@require_GET
def run_progress(request: HttpRequest, run_id: int) -> JsonResponse:
    run = fetch(request.user, _runs(), run_id)
    return JsonResponse(progress_data(run))


def _open_proposals(tender: Tender) -> QuerySet[MVIProposal]:
    return MVIProposal.objects.filter(lot__tender=tender, status=ProposalStatus.PROPOSED)


def _bulk_form(tender: Tender, data: QueryDict | None = None) -> BulkReviewForm:
    open_proposals = list(_open_proposals(tender).values_list("pk", "lot_id"))
    return BulkReviewForm(
        data,
        proposal_ids=[pk for pk, _lot in open_proposals],
        lot_ids=sorted({lot for _pk, lot in open_proposals}),
    )


def _review_page(
    request: HttpRequest,
    tender: Tender,
    *,
    bound: dict[int, ProposalReviewForm] | None = None,
    bulk: BulkReviewForm | None = None,
) -> HttpResponse:
    proposals = MVIProposal.objects.select_related(
        "theme", "form", "source_record", "criterion__ambition_level"
    ).order_by("theme__order", "form__order", "id")
    lots = tender.lots.prefetch_related(Prefetch("mvi_proposals", queryset=proposals), "mvi_applications__theme")
    can_edit = permitted(request.user, Action.EDIT_MVI, tender.organisation_id)
    sections: list[dict[str, Any]] = []
    for lot in lots:
        rows: list[dict[str, Any]] = []
        for proposal in lot.mvi_proposals.all():
            form = None
            if can_edit and proposal.status == ProposalStatus.PROPOSED:
                form = (bound or {}).get(proposal.pk) or ProposalReviewForm(
                    prefix=f"p{proposal.pk}",
                    initial={
                        "theme": proposal.theme,
                        "form": proposal.form,
                        "ambition_level": proposal.criterion.ambition_level if proposal.criterion else None,
                        "award_weight": proposal.award_weight,
                    },
                )
            criterion = proposal.criterion
            rows.append(
                {
                    "proposal": proposal,
                    "form": form,
                    "evidence": evidence_items(proposal.evidence),
                    "criterion": None
                    if criterion is None
                    else {
                        "pk": criterion.pk,
                        "code": criterion.code,
                        "title": in_language(criterion.title, criterion.title_en),
                        "level": criterion.ambition_level,
                    },
                }
            )
        sections.append({"lot": lot, "rows": rows, "open": sum(1 for row in rows if row["form"])})
    link = ImportedTender.objects.filter(tender=tender).first()
    refused = (bound and any(f.errors for f in bound.values())) or (bulk is not None and bulk.errors)
    open_count = sum(section["open"] for section in sections)
    ticked = bulk.data if bulk is not None and isinstance(bulk.data, QueryDict) else QueryDict()
    return render(
        request,
        "imports/review.html",
        {
            "tender": tender,
            "sections": sections,
            "differences": link.differences if link else [],
            "can_edit_mvi": can_edit,
            "bulk_form": (bulk or _bulk_form(tender)) if can_edit and open_count else None,
            "open_count": open_count,
            "ticked_proposals": set(ticked.getlist("proposals")),
            "ticked_lots": set(ticked.getlist("lots")),
        },
        status=400 if refused else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, tender_id: int) -> HttpResponse:
    """The tender's proposals; a POST decides several at once (`BulkReviewForm`), all or nothing."""
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id)
    if request.method != "POST":
        return _review_page(request, tender)
    if not permitted(request.user, Action.EDIT_MVI, tender.organisation_id):
        raise PermissionDenied(_("You may not change the MVI registration of this tender."))
    form = _bulk_form(tender, request.POST)
    if not form.is_valid():
        return _review_page(request, tender, bulk=form)
    chosen = set(form.cleaned_data["proposals"])
    selected = list(
        _open_proposals(tender)
        .filter(Q(pk__in=chosen) | Q(lot_id__in=form.cleaned_data["lots"]))
        .select_related("lot__tender", "theme", "form", "criterion__ambition_level")
    )
    try:
        done = proposals_review(
            user=request_user(request),
            proposals=selected,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _review_page(request, tender, bulk=form)
    messages.success(request, _bulk_summary(done))
    return redirect("imports:review", tender_id=tender.pk)


def _bulk_summary(done: dict[str, int]) -> str:
    parts = []
    if done["confirmed"]:
        parts.append(
            ngettext("%(count)s proposal confirmed", "%(count)s proposals confirmed", done["confirmed"])
            % {"count": done["confirmed"]}
        )
    if done["settled"]:
        parts.append(
            ngettext(
                "%(count)s covered by the same registration",
                "%(count)s covered by the same registrations",
                done["settled"],
            )
            % {"count": done["settled"]}
        )
    if done["rejected"]:
        parts.append(
            ngettext("%(count)s proposal rejected", "%(count)s proposals rejected", done["rejected"])
            % {"count": done["rejected"]}
        )
    return "; ".join(parts) + "."


@login_required
@require_POST
def review_proposal(request: HttpRequest, tender_id: int, proposal_id: int) -> HttpResponse:
    tender = fetch(request.user, Tender.objects.select_related("organisation"), tender_id)
    if not permitted(request.user, Action.EDIT_MVI, tender.organisation_id):
        raise PermissionDenied(_("You may not change the MVI registration of this tender."))
    proposal = get_object_or_404(
        MVIProposal.objects.select_related("lot__tender", "theme", "form", "criterion__ambition_level"),
        pk=proposal_id,
        lot__in=Lot.objects.filter(tender=tender),
    )
    if request.POST.get("action") == "reject":
        try:
            services.proposal_reject(user=request_user(request), proposal=proposal)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The proposal was rejected."))
        return redirect("imports:review", tender_id=tender.pk)
    form = ProposalReviewForm(request.POST, prefix=f"p{proposal.pk}")
    if form.is_valid():
        try:
            services.proposal_confirm(user=request_user(request), proposal=proposal, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("The MVI application was registered."))
            return redirect("imports:review", tender_id=tender.pk)
    return _review_page(request, tender, bound={proposal.pk: form})
