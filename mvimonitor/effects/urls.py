from django.urls import path

from . import rivm_views, views

app_name = "effects"
urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/new/", views.contract_create, name="contract-create"),
    path("contracts/<int:contract_id>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:contract_id>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:contract_id>/commitments/new/", views.commitment_create, name="commitment-create"),
    path("commitments/<int:commitment_id>/edit/", views.commitment_edit, name="commitment-edit"),
    path("commitments/<int:commitment_id>/effects/", views.commitment_effects, name="commitment-effects"),
    path("commitments/<int:commitment_id>/realisations/new/", views.realisation_create, name="realisation-create"),
    path("realisations/<int:realisation_id>/review/", views.realisation_review, name="realisation-review"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence-download"),
    path("effects/", views.dashboard, name="dashboard"),
    path("effects/national/", views.national_dashboard, name="national"),
    path("effects/national/rivm/", rivm_views.national_rivm, name="national-rivm"),
    path("effects/factor-sets/", views.factor_sets, name="factor-sets"),
]
