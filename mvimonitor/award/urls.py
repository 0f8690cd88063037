from django.urls import path

from . import views

app_name = "award"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("lots/<int:lot_id>/", views.lot_award, name="lot"),
    path("lots/<int:lot_id>/method/", views.lot_method, name="lot-method"),
    path("lots/<int:lot_id>/bids/", views.lot_bid, name="lot-bid"),
    path("lots/<int:lot_id>/quality/", views.lot_quality, name="lot-quality"),
    path("lots/<int:lot_id>/quality/<int:quality_id>/delete/", views.lot_quality_delete, name="lot-quality-delete"),
    path("lots/<int:lot_id>/bids/import/", views.lot_bid_import, name="lot-bid-import"),
    path("lots/<int:lot_id>/bids/<int:bid_id>/delete/", views.lot_bid_delete, name="lot-bid-delete"),
    path("lots/<int:lot_id>/contract/", views.lot_contract, name="lot-contract"),
    path("lots/<int:lot_id>/report.<str:file_format>", views.lot_report, name="lot-report"),
    path("lots/<int:lot_id>/annex.<str:file_format>", views.lot_annex, name="lot-annex"),
]
