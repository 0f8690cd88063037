from django.urls import path

from . import public, views

app_name = "suppliers"
urlpatterns = [
    # the buyer (logged in)
    path("requests/", views.request_list, name="request-list"),
    path("requests/new/", views.request_new, name="request-new"),
    path("contracts/<int:contract_id>/request/", views.request_create, name="request-create"),
    path("requests/<int:request_id>/", views.request_detail, name="request-detail"),
    path("requests/<int:request_id>/revoke/", views.request_revoke, name="request-revoke"),
    path("requests/<int:request_id>/verify/", views.request_verify, name="request-verify"),
    path("requests/<int:request_id>/return/", views.request_return, name="request-return"),
    path("burden/", views.burden_page, name="burden"),
    path("burden/national/", views.burden_national, name="burden-national"),
    # the supplier (a link, no account)
    path("r/<str:token>/", public.answer, name="answer"),
    path("r/<str:token>/company/", public.request_company, name="answer-company"),
    path("o/", public.overview_link, name="overview-link"),
    path("o/<str:token>/", public.overview, name="overview"),
    path("o/<str:token>/company/", public.overview_company, name="overview-company"),
    path("o/<str:token>/r/<int:request_id>/", public.overview_answer, name="overview-answer"),
]
