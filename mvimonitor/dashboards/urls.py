from django.urls import path

from . import criteria_views, criterion_views, definition_views, target_views, views

app_name = "dashboards"
urlpatterns = [
    path("organisation/", views.organisation_dashboard, name="organisation"),
    path("organisation/spend-totals/", views.spend_totals, name="spend-totals"),
    path("national/", views.national_dashboard, name="national"),
    path("kpis/", views.kpi_catalogue, name="catalogue"),
    path("definitions/", definition_views.definitions_page, name="definitions"),
    path("targets/", target_views.targets_page, name="targets"),
    path("targets/<int:target_id>/delete/", target_views.target_delete, name="target-delete"),
    path("criteria/", criteria_views.criteria_use_page, name="criteria-use"),
    path("criteria/<int:criterion_id>/", criterion_views.criterion_page, name="criterion"),
]
