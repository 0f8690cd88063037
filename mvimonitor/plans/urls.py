from django.urls import path

from . import public_views, views

app_name = "plans"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.plan_create, name="plan-create"),
    path("<int:plan_id>/", views.plan_detail, name="plan-detail"),
    path("<int:plan_id>/ambitions/", views.ambition_set, name="ambition-set"),
    path("<int:plan_id>/goals/", views.goal_create, name="goal-create"),
    path("<int:plan_id>/goals/<int:goal_id>/delete/", views.goal_delete, name="goal-delete"),
    path("<int:plan_id>/measures/", views.measure_create, name="measure-create"),
    path("<int:plan_id>/measures/<int:measure_id>/delete/", views.measure_delete, name="measure-delete"),
    path("<int:plan_id>/adopt/", views.plan_adopt, name="plan-adopt"),
    path("<int:plan_id>/publish/", views.plan_publish, name="plan-publish"),
    path("<int:plan_id>/reports/", views.report_create, name="report-create"),
    path("reports/<int:report_id>/", views.report_detail, name="report-detail"),
    path("reports/<int:report_id>/assess/", views.report_assess, name="report-assess"),
    path("reports/<int:report_id>/refresh/", views.report_refresh, name="report-refresh"),
    path("reports/<int:report_id>/publish/", views.report_publish, name="report-publish"),
    path("reports/<int:report_id>/download/<str:language>/<str:kind>/", views.report_download, name="report-download"),
    path("public/<int:plan_id>/", public_views.plan_public, name="plan-public"),
    path(
        "public/reports/<int:report_id>/download/<str:language>/<str:kind>/",
        public_views.report_public_download,
        name="report-public-download",
    ),
    path("annual/", public_views.annual, name="annual"),
    path("annual/download/", public_views.annual_download, name="annual-download"),
    path("national/", public_views.national, name="national"),
]
