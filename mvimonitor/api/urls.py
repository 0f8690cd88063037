from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from . import award, catalogue, effect_tables, effects, imports, kpis, ocds, plans, records

# SimpleRouter, not DefaultRouter: the latter's root view would live at "/api/v1/", with a trailing slash.
router = SimpleRouter(trailing_slash=False)
router.register("organisations", records.OrganisationViewSet, basename="organisation")
router.register("tenders", records.TenderViewSet, basename="tender")
router.register("lots", records.LotViewSet, basename="lot")
router.register("award-criteria", records.AwardCriterionViewSet, basename="award-criterion")
router.register("mvi-applications", records.MVIApplicationViewSet, basename="mvi-application")
router.register("import-runs", imports.ImportRunViewSet, basename="import-run")
router.register("themes", catalogue.ThemeViewSet, basename="theme")
router.register("application-forms", catalogue.ApplicationFormViewSet, basename="application-form")
router.register("ambition-levels", catalogue.AmbitionLevelViewSet, basename="ambition-level")
router.register("product-group-sets", catalogue.ProductGroupSetViewSet, basename="product-group-set")
router.register("product-groups", catalogue.ProductGroupViewSet, basename="product-group")
router.register("criteria", catalogue.CriterionViewSet, basename="criterion")
router.register("isv-risk-categories", catalogue.IsvRiskCategoryViewSet, basename="isv-risk-category")
router.register("eu-thresholds", catalogue.EuThresholdViewSet, basename="eu-threshold")
router.register("cpv-codes", catalogue.CpvCodeViewSet, basename="cpv-code")
router.register("kpis", kpis.KpiViewSet, basename="kpi")
router.register("kpi-values", kpis.KpiValueViewSet, basename="kpi-value")
router.register("contracts", effects.ContractViewSet, basename="contract")
router.register("commitments", effects.CommitmentViewSet, basename="commitment")
router.register("realisations", effects.RealisationViewSet, basename="realisation")
router.register("emission-factor-sets", effects.EmissionFactorSetViewSet, basename="emission-factor-set")
router.register("building-block-tables", effects.BuildingBlockTableViewSet, basename="building-block-table")
router.register("social-return-policies", effects.SocialReturnPolicyViewSet, basename="social-return-policy")
router.register("sanction-rules", effects.SanctionRuleViewSet, basename="sanction-rule")
router.register("effect-summaries", effects.EffectSummaryViewSet, basename="effect-summary")
router.register("effect-tables", effect_tables.EffectTableViewSet, basename="effect-table")
router.register("co2-price-sets", award.CO2PriceSetViewSet, basename="co2-price-set")
router.register("discount-schemes", award.DiscountSchemeViewSet, basename="discount-scheme")
router.register("award-methods", award.AwardMethodViewSet, basename="award-method")
router.register("ocds/releases", ocds.OcdsReleaseViewSet, basename="ocds-release")
router.register("action-plans", plans.ActionPlanViewSet, basename="action-plan")
router.register("plan-reports", plans.ProgressReportViewSet, basename="plan-report")

app_name = "api"
urlpatterns = [
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(permission_classes=[], authentication_classes=[]),
        name="schema",
    ),
    path("", include(router.urls)),
]
