"""The main navigation, built once per request for base.html."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mvimonitor.organisations.access import is_national_analyst

# (url name, label); lazy labels are translated per request.
MAIN_NAV: list[tuple[str, Promise]] = [
    ("home", _("To do")),
    ("tenders:list", _("Tenders")),
    ("dashboards:organisation", _("Monitoring")),
    ("dashboards:national", _("National figures")),
    ("effects:contract-list", _("Contracts")),
    ("effects:dashboard", _("Effects")),
    ("imports:list", _("Imports")),
    ("themes:index", _("Catalogue")),
    ("organisations:members", _("Organisation")),
]
# A national analyst works with the anonymised national figures only (ADR 0004): no records, so no record pages.
ANALYST_NAV: list[tuple[str, Promise]] = [
    ("dashboards:national", _("National figures")),
    ("effects:national", _("National effects")),
    ("rules:index", _("Policy rules")),
    ("plans:national", _("Action plans")),
    ("suppliers:burden-national", _("Supplier burden")),
    ("themes:index", _("Catalogue")),
]


def main_nav(request: HttpRequest) -> dict[str, object]:
    if not request.user.is_authenticated:
        return {}
    items = []
    for name, label in ANALYST_NAV if is_national_analyst(request.user) else MAIN_NAV:
        url = reverse(name)
        # the home page is the language's root, which every path starts with: it is current only itself
        current = request.path == url if name == "home" else request.path.startswith(url)
        items.append({"url": url, "label": str(label), "current": current})
    return {"main_nav": items}
