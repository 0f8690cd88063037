from django.urls import path

from . import views

app_name = "themes"
urlpatterns = [
    path("", views.index, name="index"),
    path("product-groups/", views.product_groups, name="product-groups"),
    *(path(f"{name}/", views.table, {"name": name}, name=name) for name in views.CATALOGUE),
]
