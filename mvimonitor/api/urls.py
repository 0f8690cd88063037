from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from . import imports, views

# SimpleRouter, not DefaultRouter: the latter's root view would live at "/api/v1/", with a trailing slash.
router = SimpleRouter(trailing_slash=False)
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("tenders", views.TenderViewSet, basename="tender")
router.register("lots", views.LotViewSet, basename="lot")
router.register("award-criteria", views.AwardCriterionViewSet, basename="award-criterion")
router.register("mvi-applications", views.MVIApplicationViewSet, basename="mvi-application")
router.register("import-runs", imports.ImportRunViewSet, basename="import-run")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("application-forms", views.ApplicationFormViewSet, basename="application-form")
router.register("ambition-levels", views.AmbitionLevelViewSet, basename="ambition-level")
router.register("product-group-sets", views.ProductGroupSetViewSet, basename="product-group-set")
router.register("product-groups", views.ProductGroupViewSet, basename="product-group")
router.register("criteria", views.CriterionViewSet, basename="criterion")
router.register("isv-risk-categories", views.IsvRiskCategoryViewSet, basename="isv-risk-category")
router.register("eu-thresholds", views.EuThresholdViewSet, basename="eu-threshold")
router.register("cpv-codes", views.CpvCodeViewSet, basename="cpv-code")

app_name = "api"
urlpatterns = [
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(permission_classes=[], authentication_classes=[]),
        name="schema",
    ),
    path("", include(router.urls)),
]
