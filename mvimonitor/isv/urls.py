from django.urls import path

from . import views

app_name = "isv"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("lots/<int:lot_id>/", views.lot_page, name="lot"),
    path("lots/<int:lot_id>/category/", views.lot_category, name="lot-category"),
    path("lots/<int:lot_id>/form/", views.lot_form, name="lot-form"),
    path("contracts/<int:contract_id>/", views.case_page, name="case"),
    path("contracts/<int:contract_id>/open/", views.case_open, name="case-open"),
    path("contracts/<int:contract_id>/deliverables/", views.case_deliverable, name="case-deliverable"),
    path(
        "contracts/<int:contract_id>/deliverables/<int:deliverable_id>/received/",
        views.case_received,
        name="case-received",
    ),
    path("contracts/<int:contract_id>/risks/", views.case_risk, name="case-risk"),
    path("contracts/<int:contract_id>/risks/<int:risk_id>/", views.case_risk_update, name="case-risk-update"),
    path("contracts/<int:contract_id>/judgement/", views.case_judgement, name="case-judgement"),
]
