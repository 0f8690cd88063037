"""WSGI entry point.

Work that Django otherwise does lazily in the first request of every server process is done here, when the
process starts: importing the URL configuration (every view module, the API and its schema classes), building the
URL reverse tables and translation catalogues of each language, and compiling the page frame template, so the
first visitors of every worker do not wait for it (docs/performance.md).
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.template.loader import get_template
from django.urls import get_resolver, reverse
from django.utils import translation

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mvimonitor.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            reverse("dashboards:catalogue")  # fills the resolver's reverse tables of this language
    get_template("base.html")


_warm_up()
