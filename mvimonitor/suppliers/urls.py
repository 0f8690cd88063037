from django.urls import URLPattern

app_name = "suppliers"
urlpatterns: list[URLPattern] = []
