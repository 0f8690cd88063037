"""The login page, which in development also lists the demo logins and their password (`logins.login_hint`)."""

from typing import Any

from django.contrib.auth import views as auth_views

from .logins import login_hint


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        hint = login_hint()
        if hint is not None:
            context["demo_logins"], context["demo_password"] = hint
        return context
