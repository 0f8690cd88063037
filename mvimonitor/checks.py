"""System checks on the configuration (run by `manage.py check`, and with --deploy in CI)."""

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.database, deploy=True)
def production_database(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> Iterable[CheckMessage]:
    engine = settings.DATABASES["default"]["ENGINE"]
    if settings.PRODUCTION and "sqlite" in engine:
        return [
            Warning(
                "Production runs on SQLite.",
                hint="Set DATABASE_URL to a PostgreSQL database; SQLite is the zero-set-up default for development.",
                id="mvimonitor.W001",
            )
        ]
    return []


@register(Tags.staticfiles)
def vendor_static_built(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> Iterable[CheckMessage]:
    if not (settings.BASE_DIR / "build" / "static" / "vendor").is_dir():
        return [
            Warning(
                "The NL Design System CSS has not been built.",
                hint="Run `npm ci && npm run build` (or `make run`): pages will render without styling.",
                id="mvimonitor.W002",
            )
        ]
    return []


@register(Tags.security)
def disclosure_thresholds(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> Iterable[CheckMessage]:
    k = settings.MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS
    p = settings.MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT
    messages: list[CheckMessage] = []
    if k < 3:
        messages.append(
            Warning(
                "MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS is below 3: national figures could reveal one organisation.",
                id="mvimonitor.W003",
            )
        )
    if not 0 < p <= 100:
        messages.append(Warning("MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT must lie in 1..100.", id="mvimonitor.W004"))
    return messages


@register(Tags.staticfiles, deploy=True)
def static_files_collected(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> Iterable[CheckMessage]:
    # Production serves hashed file names from the manifest `collectstatic` writes; without it every page that links
    # a stylesheet or script fails with a server error.
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if settings.PRODUCTION and not manifest.is_file():
        return [
            Warning(
                f"The static files have not been collected: {manifest} is missing.",
                hint="Run `manage.py collectstatic --no-input` (make serve does) before starting the server.",
                id="mvimonitor.W005",
            )
        ]
    return []
