from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mvimonitor.api"
    verbose_name = "API v1"
