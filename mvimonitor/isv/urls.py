from django.urls import URLPattern

app_name = "isv"
urlpatterns: list[URLPattern] = []
