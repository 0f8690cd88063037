from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, re_path

from mvimonitor.api.docs import api_docs
from mvimonitor.api.token_views import api_token_revoke, api_tokens
from mvimonitor.api.views import api_not_found
from mvimonitor.demo.views import LoginView
from mvimonitor.worklist.views import home

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include("mvimonitor.api.urls")),
    re_path(r"^api/", api_not_found),  # unknown API paths answer problem+json, not the HTML 404 page
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("", home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tenders/", include("mvimonitor.tenders.urls")),
    path("catalogue/", include("mvimonitor.themes.urls")),
    path("monitoring/", include("mvimonitor.dashboards.urls")),
    path("rules/", include("mvimonitor.rules.urls")),
    path("", include("mvimonitor.effects.urls")),
    path("organisation/", include("mvimonitor.organisations.urls")),
    path("imports/", include("mvimonitor.imports.urls")),
    path("award/", include("mvimonitor.award.urls")),
    path("plans/", include("mvimonitor.plans.urls")),
    path("supplier/", include("mvimonitor.suppliers.urls")),
    path("isv/", include("mvimonitor.isv.urls")),
    path("data-quality/", include("mvimonitor.dataquality.urls")),
    path("api-documentation/", api_docs, name="api-docs"),
    path("account/api-tokens/", api_tokens, name="api-tokens"),
    path("account/api-tokens/<int:token_id>/revoke/", api_token_revoke, name="api-token-revoke"),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
