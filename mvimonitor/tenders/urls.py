from django.urls import path

from . import criteria_views, product_group_views, views

app_name = "tenders"
urlpatterns = [
    path("", views.tender_list, name="list"),
    path("new/", views.tender_create, name="create"),
    path("<int:tender_id>/", views.tender_detail, name="detail"),
    path("<int:tender_id>/edit/", views.tender_edit, name="edit"),
    path("<int:tender_id>/confirm-mvi/", views.tender_confirm_mvi, name="confirm-mvi"),
    path("<int:tender_id>/withdraw/", views.tender_withdraw, name="withdraw"),
    path("<int:tender_id>/reinstate/", views.tender_reinstate, name="reinstate"),
    path("<int:tender_id>/delete/", views.tender_delete, name="delete"),
    path(
        "<int:tender_id>/product-group/",
        product_group_views.product_group_suggestions_page,
        name="product-group",
    ),
    path(
        "<int:tender_id>/product-group/assign/",
        product_group_views.product_group_assign,
        name="product-group-assign",
    ),
    path("<int:tender_id>/criteria.docx", criteria_views.tender_criteria_docx, name="criteria-docx"),
    path("<int:tender_id>/criteria.txt", criteria_views.tender_criteria_text, name="criteria-text"),
    path("<int:tender_id>/lots/new/", views.lot_create, name="lot-create"),
    path("<int:tender_id>/lots/<int:lot_id>/edit/", views.lot_edit, name="lot-edit"),
    path("<int:tender_id>/lots/<int:lot_id>/delete/", views.lot_delete, name="lot-delete"),
    path("<int:tender_id>/lots/<int:lot_id>/criteria/", criteria_views.lot_criteria, name="lot-criteria"),
    path(
        "<int:tender_id>/lots/<int:lot_id>/award-criteria/new/",
        views.award_criterion_create,
        name="award-criterion-create",
    ),
    path(
        "<int:tender_id>/lots/<int:lot_id>/mvi-applications/new/",
        views.mvi_application_create,
        name="mvi-application-create",
    ),
    path(
        "<int:tender_id>/mvi-applications/<int:application_id>/edit/",
        views.mvi_application_edit,
        name="mvi-application-edit",
    ),
    path(
        "<int:tender_id>/mvi-applications/<int:application_id>/delete/",
        views.mvi_application_delete,
        name="mvi-application-delete",
    ),
]
