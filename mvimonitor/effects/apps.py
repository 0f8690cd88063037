from django.apps import AppConfig


class EffectsConfig(AppConfig):
    name = "mvimonitor.effects"
    verbose_name = "Effects"
