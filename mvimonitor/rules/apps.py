from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "mvimonitor.rules"
    verbose_name = _("Policy rules")

    def ready(self) -> None:
        from mvimonitor.dashboards import definitions

        from .register import rule_entries

        definitions.register_provider("rules", rule_entries)
