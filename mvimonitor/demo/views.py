"""The login page, which in development also lists the demo logins and their password (`logins.login_hint`)."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm

from .logins import login_hint


class LoginForm(AuthenticationForm):
    """Django's login form with the component library's text boxes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "utrecht-textbox utrecht-textbox--html-input"


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True
    form_class = LoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        hint = login_hint()
        if hint is not None:
            context["demo_logins"], context["demo_password"] = hint
        return context
