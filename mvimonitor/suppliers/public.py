"""The supplier's pages: no account, reached through a link (ADR 0034).

Every page runs through `_through_link`: both rate limits are counted first (429), then the link is resolved; an
unknown, revoked or wrong-purpose link raises the ordinary 404 (the same page as any address that does not exist), an
expired one answers 410. Every access is logged (`tokens.log_access`). Answers are never cached and the pages are not
indexed.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mvimonitor.pages import add_service_errors

from . import selectors, services, tokens
from .forms import AnswerForm, CertificateForm, CompanyFactsForm, OverviewLinkForm, blocks_by_table
from .models import OPEN_STATUSES, ReportingRequest, TokenPurpose

View = Callable[..., HttpResponse]


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _through_link(purpose: TokenPurpose, what: str) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse:
            try:
                tokens.check_rate(request, token)
            except tokens.RateLimitedError:
                tokens.log_access(request, token_id=None, what=f"{what}:rate-limited", status=429)
                response = render(request, "suppliers/public/rate_limited.html", status=429)
                response["Retry-After"] = "600"
                return _private(response)
            try:
                access = tokens.resolve(token, purpose)
            except tokens.TokenNotFoundError:
                tokens.log_access(request, token_id=None, what=f"{what}:unknown", status=404)
                raise Http404 from None
            except tokens.TokenExpiredError as expired:
                tokens.log_access(request, token_id=expired.args[0], what=f"{what}:expired", status=410)
                return _private(render(request, "suppliers/public/expired.html", status=410))
            try:
                response = view(request, access, **kwargs)
            except Http404:
                tokens.log_access(request, token_id=access.token.pk, what=f"{what}:not-found", status=404)
                raise
            tokens.log_access(
                request, token_id=access.token.pk, what=f"{what}:{request.method}", status=response.status_code
            )
            return _private(response)

        return wrapped

    return decorate


# --- one request -----------------------------------------------------------------------------------------------------


def _answer_page(
    request: HttpRequest, access: tokens.Access, req: ReportingRequest, *, facts_url: str, overview_url: str = ""
) -> HttpResponse:
    here = request.path
    answers = selectors.answers_of(req)
    blocks = blocks_by_table({a.commitment.block_table_id for a in answers if a.commitment.block_table_id})
    is_open = req.status in OPEN_STATUSES
    posted = request.method == "POST" and is_open
    forms = [
        AnswerForm(
            request.POST if posted else None,
            request.FILES if posted else None,
            answer=answer,
            blocks=blocks.get(answer.commitment.block_table_id or 0, []),
        )
        for answer in answers
    ]
    if request.method == "POST" and not is_open:
        messages.error(request, _("This request has been answered already; it can no longer be changed."))
        return redirect(here)
    errors: list[str] = []
    links = {"facts_url": facts_url, "overview_url": overview_url}
    if posted and all(form.is_valid() for form in forms):
        values = {form.answer.pk: form.answer_input() for form in forms}
        uploads = {
            form.answer.pk: [form.cleaned_data["evidence"]] for form in forms if form.cleaned_data.get("evidence")
        }
        try:
            services.answers_save(request=req, values=values, uploads=uploads)
            if request.POST.get("action") == "submit":
                services.request_submit(request=req)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                by_form = {f"{form.prefix}-evidence": form for form in forms}
                for name, problems in error.error_dict.items():
                    if name in by_form:
                        by_form[name].add_error("evidence", problems)
                    else:
                        errors += [message for problem in problems for message in problem.messages]
            else:
                errors = list(error.messages)
            if request.POST.get("action") == "submit" and not hasattr(error, "error_dict"):
                messages.warning(request, _("Your answers were saved, but not submitted."))
                return _render_answers(request, access, req, forms, errors, links, status=400)
        else:
            if request.POST.get("action") == "submit":
                messages.success(request, _("Thank you: your answers were sent to the buyer."))
            else:
                messages.success(request, _("Your answers were saved. You can continue later with the same link."))
            return redirect(here)
    status = 400 if posted else 200
    return _render_answers(request, access, req, forms, errors, links, status=status)


def _render_answers(
    request: HttpRequest,
    access: tokens.Access,
    req: ReportingRequest,
    forms: list[AnswerForm],
    errors: list[str],
    links: dict[str, str],
    *,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "suppliers/public/answer.html",
        {
            "req": req,
            "forms": forms,
            "errors": errors,
            "supplier": access.supplier,
            "certificates": access.supplier.certificates.all(),
            "is_open": req.status in OPEN_STATUSES,
            **links,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@_through_link(TokenPurpose.REQUEST, "request")
def answer(request: HttpRequest, access: tokens.Access) -> HttpResponse:
    assert access.request is not None  # noqa: S101 - a request link always has its request
    return _answer_page(request, access, access.request, facts_url=request.path + "company/")


@require_http_methods(["GET", "POST"])
@_through_link(TokenPurpose.REQUEST, "request-company")
def request_company(request: HttpRequest, access: tokens.Access) -> HttpResponse:
    return _company_page(request, access, back=request.path.removesuffix("company/"))


# --- the overview of one supplier ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def overview_link(request: HttpRequest) -> HttpResponse:
    """Ask for the overview link by KvK number: it goes to the supplier's registered address; the answer is the same
    whether or not the number is known."""
    form = OverviewLinkForm(request.POST or None)
    if request.method == "POST":
        try:
            tokens.check_rate(request, "")
        except tokens.RateLimitedError:
            tokens.log_access(request, token_id=None, what="overview-link:rate-limited", status=429)
            return _private(render(request, "suppliers/public/rate_limited.html", status=429))
        if form.is_valid():
            services.overview_link_send(
                kvk_number=form.cleaned_data["kvk_number"], base_url=request.build_absolute_uri("/")
            )
            tokens.log_access(request, token_id=None, what="overview-link:POST", status=302)
            messages.success(
                request,
                _("If we know this KvK number, a link to your overview was sent to the registered e-mail address."),
            )
            return redirect("suppliers:overview-link")
    status = 400 if form.is_bound and form.errors else 200
    return _private(render(request, "suppliers/public/overview_link.html", {"form": form}, status=status))


@require_http_methods(["GET"])
@_through_link(TokenPurpose.OVERVIEW, "overview")
def overview(request: HttpRequest, access: tokens.Access) -> HttpResponse:
    return render(
        request,
        "suppliers/public/overview.html",
        {
            "supplier": access.supplier,
            "open_requests": selectors.open_requests_of(access.supplier),
            "answered": selectors.answered_requests_of(access.supplier),
            "certificates": access.supplier.certificates.all(),
            "here": request.path,
        },
    )


@require_http_methods(["GET", "POST"])
@_through_link(TokenPurpose.OVERVIEW, "overview-request")
def overview_answer(request: HttpRequest, access: tokens.Access, request_id: int) -> HttpResponse:
    req = selectors.request_of_supplier(access.supplier, request_id)
    if req is None:
        raise Http404
    home = request.path.rsplit("/r/", 1)[0] + "/"
    return _answer_page(request, access, req, facts_url=home + "company/", overview_url=home)


@require_http_methods(["GET", "POST"])
@_through_link(TokenPurpose.OVERVIEW, "overview-company")
def overview_company(request: HttpRequest, access: tokens.Access) -> HttpResponse:
    return _company_page(request, access, back=request.path.removesuffix("company/"))


# --- company facts ---------------------------------------------------------------------------------------------------


def _company_page(request: HttpRequest, access: tokens.Access, *, back: str) -> HttpResponse:
    supplier = access.supplier
    action = request.POST.get("action", "") if request.method == "POST" else ""
    facts = CompanyFactsForm(
        request.POST if action == "facts" else None,
        initial={
            "co2_ladder_level": supplier.co2_ladder_level,
            "co2_ladder_valid_until": supplier.co2_ladder_valid_until,
            "pso_level": supplier.pso_level,
            "pso_valid_until": supplier.pso_valid_until,
        },
        prefix="facts",
    )
    certificate = CertificateForm(request.POST if action == "certificate" else None, prefix="certificate")
    try:
        if action == "facts" and facts.is_valid():
            services.company_facts_save(supplier=supplier, **facts.cleaned_data)
            messages.success(request, _("Your company facts were saved; every buyer sees them with your answers."))
            return redirect(request.path)
        if action == "certificate" and certificate.is_valid():
            services.certificate_add(supplier=supplier, **certificate.cleaned_data)
            messages.success(request, _("The certificate was added; every buyer sees it with your answers."))
            return redirect(request.path)
        if action.startswith("remove-") and action.removeprefix("remove-").isdigit():
            services.certificate_remove(supplier=supplier, certificate_id=int(action.removeprefix("remove-")))
            messages.success(request, _("The certificate was removed."))
            return redirect(request.path)
    except ValidationError as error:
        add_service_errors(certificate if action == "certificate" else facts, error)
    status = 400 if (facts.is_bound and facts.errors) or (certificate.is_bound and certificate.errors) else 200
    if action and status == 200:
        status = 400
    return render(
        request,
        "suppliers/public/company.html",
        {
            "supplier": supplier,
            "facts_form": facts,
            "certificate_form": certificate,
            "certificates": supplier.certificates.all(),
            "back": back,
        },
        status=status,
    )
