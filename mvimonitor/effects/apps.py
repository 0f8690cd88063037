from django.apps import AppConfig


class EffectsConfig(AppConfig):
    name = "mvimonitor.effects"
    verbose_name = "Effects"

    def ready(self) -> None:
        from mvimonitor import changes

        from .recalculation import effects_on_record_change

        changes.register("stored effects", effects_on_record_change)
