from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from mvimonitor.effects import api as effects_api

from . import imports, kpis, views

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
router.register("kpis", kpis.KpiViewSet, basename="kpi")
router.register("kpi-values", kpis.KpiValueViewSet, basename="kpi-value")
router.register("contracts", effects_api.ContractViewSet, basename="contract")
router.register("commitments", effects_api.CommitmentViewSet, basename="commitment")
router.register("realisations", effects_api.RealisationViewSet, basename="realisation")
router.register("emission-factor-sets", effects_api.EmissionFactorSetViewSet, basename="emission-factor-set")
router.register("building-block-tables", effects_api.BuildingBlockTableViewSet, basename="building-block-table")
router.register("social-return-policies", effects_api.SocialReturnPolicyViewSet, basename="social-return-policy")
router.register("sanction-rules", effects_api.SanctionRuleViewSet, basename="sanction-rule")
router.register("effect-summaries", effects_api.EffectSummaryViewSet, basename="effect-summary")

app_name = "api"
urlpatterns = [
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(permission_classes=[], authentication_classes=[]),
        name="schema",
    ),
    path("", include(router.urls)),
]
