"""The e-mails to suppliers, through Django's mail framework (console in development, SMTP when configured)."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import ReportingRequest, Supplier


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def request_link(base_url: str, raw: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return absolute(base_url, reverse("suppliers:answer", args=[raw]))


def overview_link(base_url: str, raw: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return absolute(base_url, reverse("suppliers:overview", args=[raw]))


def _details(request: ReportingRequest) -> dict[str, str]:
    return {
        "buyer": request.contract.lot.tender.organisation.name,
        "tender": request.contract.lot.tender.title,
        "supplier": request.supplier.name,
        "start": request.period_start.strftime("%d-%m-%Y"),
        "end": request.period_end.strftime("%d-%m-%Y"),
        "due": request.due_date.strftime("%d-%m-%Y"),
    }


def send_request(request: ReportingRequest, link: str, *, kind: str = "new") -> None:
    """`kind`: new, before (reminder before the due date), after (reminder after it), returned (answer sent back)."""
    details = _details(request) | {"link": link, "reason": request.return_reason}
    with translation.override(settings.LANGUAGE_CODE):
        subjects = {
            "new": _("Reporting request from %(buyer)s: %(tender)s"),
            "before": _("Reminder: reporting request from %(buyer)s is due on %(due)s"),
            "after": _("Overdue: reporting request from %(buyer)s was due on %(due)s"),
            "returned": _("Your answer to %(buyer)s was returned: %(tender)s"),
        }
        intro = {
            "new": _("%(buyer)s asks %(supplier)s what was delivered under the contract “%(tender)s”."),
            "before": _("This is a reminder: %(buyer)s still waits for your answer about “%(tender)s”."),
            "after": _("The answer to %(buyer)s about “%(tender)s” was due on %(due)s and has not arrived yet."),
            "returned": _("%(buyer)s returned your answer about “%(tender)s” with this reason: %(reason)s"),
        }
        body = (
            intro[kind] % details
            + "\n\n"
            + _(
                "Period: %(start)s to %(end)s. Please answer by %(due)s.\n\n"
                "Answer through this personal link; you need no account, and you can save and continue later:\n"
                "%(link)s\n\n"
                "Do not forward this link: whoever holds it can answer for your company. "
                "Never enter names or citizen service numbers (BSN): counts and values only.\n"
            )
            % details
        )
        send_mail(
            subject=subjects[kind] % details,
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[request.recipient_email],
        )


def send_overview(supplier: Supplier, link: str, *, days: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            subject=_("Your reporting requests in MVI Monitor"),
            message=_(
                "All open reporting requests of %(supplier)s (KvK %(kvk)s), from every buyer, are on one page:\n"
                "%(link)s\n\n"
                "There you also enter your company's facts once (CO2-Prestatieladder, PSO, certificates); every "
                "buyer sees them with your answers. The link is valid for %(days)s days; do not forward it.\n"
            )
            % {"supplier": supplier.name, "kvk": supplier.kvk_number, "link": link, "days": days},
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[supplier.email],
        )
