"""The account page of a user's own API tokens: make one (its key shown once), see them, revoke one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from mvimonitor.organisations.access import request_user
from mvimonitor.organisations.forms import SELECT, TEXTBOX
from mvimonitor.pages import add_service_errors, form_page

from .models import ApiToken
from .tokens import DEFAULT_DAYS, LIFETIMES_DAYS, token_create, token_revoke


def _lifetime_choices() -> list[tuple[int, str]]:
    return [(days, ngettext("%(days)s day", "%(days)s days", days) % {"days": days}) for days in LIFETIMES_DAYS]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “BI report” or “TenderNed script”."),
        widget=forms.TextInput(attrs={"class": TEXTBOX}),
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("Valid for"),
        coerce=int,
        initial=DEFAULT_DAYS,
        choices=_lifetime_choices,
        widget=forms.Select(attrs={"class": SELECT}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens; a posted form makes one and shows its key on this answer only (never stored)."""
    user = request_user(request)
    form = TokenForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = token_create(user=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=user)
    return form_page(request, "api/tokens.html", form, tokens=tokens, new_key=new_key)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = request_user(request)
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404(_("You have no such token."))
    token_revoke(user=user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked; it no longer opens the API.") % {"name": token.name})
    return redirect("api-tokens")
