from django.urls import path

from . import status, views

app_name = "imports"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("runs/<int:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<int:run_id>/progress.json", views.run_progress, name="run-progress"),
    path("tenders/<int:tender_id>/review/", views.review, name="review"),
    path("tenders/<int:tender_id>/review/<int:proposal_id>/", views.review_proposal, name="review-proposal"),
    path("status/", status.status, name="status"),
    path("status/runs/<int:run_id>/", status.status_run_action, name="status-run-action"),
]
