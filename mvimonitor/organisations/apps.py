from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "mvimonitor.organisations"
    verbose_name = _("Organisations")

    def ready(self) -> None:
        from mvimonitor import checks  # noqa: F401 - registers the project's system checks
