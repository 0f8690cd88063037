from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardConfig(AppConfig):
    name = "mvimonitor.award"
    verbose_name = _("Award on CO2")
