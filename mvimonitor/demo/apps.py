from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Synthetic organisations, tenders, commitments and a demo login: the lab, kept apart from the record."""

    name = "mvimonitor.demo"
    verbose_name = "Demo"
