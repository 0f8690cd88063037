from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IsvConfig(AppConfig):
    name = "mvimonitor.isv"
    verbose_name = _("International social conditions")
