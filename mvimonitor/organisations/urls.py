from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.members, name="members"),
    path("switch/", views.switch, name="switch"),
    path("edit/", views.edit, name="edit"),
    path("invite/", views.invite, name="invite"),
    path("members/<int:pk>/role/", views.member_role, name="member-role"),
    path("members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
