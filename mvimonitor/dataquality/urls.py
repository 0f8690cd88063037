from django.urls import path

from . import views

app_name = "dataquality"
urlpatterns = [path("", views.overview, name="overview")]
