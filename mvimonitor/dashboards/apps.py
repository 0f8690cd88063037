from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "mvimonitor.dashboards"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from mvimonitor import changes

        from .services import facts_on_record_change

        changes.register("monitoring facts", facts_on_record_change)
