"""The one settings module of MVI Monitor.

Every value comes from an environment variable with a default that is right for development; each variable is
documented in docs/configuration.md (a test checks this). DJANGO_ENV=production switches on the HTTPS and cookie
hardening that `manage.py check --deploy` asks for.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = os.getenv("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.getenv("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
DEBUG = os.getenv("DEBUG", "false" if PRODUCTION else "true").lower() == "true"
ALLOWED_HOSTS = [h for h in os.getenv("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "mvimonitor.organisations",
    "mvimonitor.themes",
    "mvimonitor.tenders",
    "mvimonitor.effects",
    "mvimonitor.award",
    "mvimonitor.dashboards",
    "mvimonitor.rules",
    "mvimonitor.plans",
    "mvimonitor.suppliers",
    "mvimonitor.isv",
    "mvimonitor.dataquality",
    "mvimonitor.imports",
    "mvimonitor.api",
    "mvimonitor.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mvimonitor.web.PrivatePagesMiddleware",
    "mvimonitor.organisations.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "mvimonitor.web.RequestBodyLimitMiddleware",  # before the CSRF check, which reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "mvimonitor.api.headers.APIVersionHeaderMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mvimonitor.urls"
WSGI_APPLICATION = "mvimonitor.wsgi.application"
AUTH_USER_MODEL = "organisations.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mvimonitor" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mvimonitor.organisations.context_processors.active_organisation",
                "mvimonitor.navigation.main_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.getenv("MVIMONITOR_DB_CONN_MAX_AGE", "0")),
    )
}
# The embedded SQLite database is written by two processes (the web server and the import worker), so:
# - write-ahead log: readers never wait for the writer (NORMAL sync is safe with WAL: a power cut can lose the last
#   commits, never corrupt the file);
# - BEGIN IMMEDIATE: a transaction takes the write lock when it starts. With SQLite's default (DEFERRED) a transaction
#   that has read and then writes while the other process writes fails at once with "database is locked", since
#   waiting could not help it; IMMEDIATE makes it wait for the lock like any other;
# - a lock timeout long enough for an import's batch commit (every 1,000 notices) to finish.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username/IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.getenv("MVIMONITOR_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.getenv("MVIMONITOR_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "mvimonitor.web.client_ip"
# Proxies in front of the app (a load balancer, a reverse proxy): the client's address is then read from
# X-Forwarded-For for the login lock and the API throttles (mvimonitor/web.py). 0: the connection's own address.
MVIMONITOR_TRUSTED_PROXIES = int(os.getenv("MVIMONITOR_TRUSTED_PROXIES", "0"))

# The largest request body read (mvimonitor/web.py): notice uploads may be large, every other form holds at most an
# evidence file (MVIMONITOR_EVIDENCE_MAX_BYTES) and its fields.
MVIMONITOR_MAX_REQUEST_BYTES = int(os.getenv("MVIMONITOR_MAX_REQUEST_BYTES", str(12 * 1024 * 1024)))
MVIMONITOR_MAX_UPLOAD_REQUEST_BYTES = int(os.getenv("MVIMONITOR_MAX_UPLOAD_REQUEST_BYTES", str(201 * 1024 * 1024)))

# Sessions expire after inactivity and when the browser closes.
SESSION_COOKIE_AGE = int(os.getenv("MVIMONITOR_SESSION_AGE_SECONDS", str(8 * 3600)))
# Instead of SESSION_SAVE_EVERY_REQUEST (a database write per request), the session is saved again at most once per
# MVIMONITOR_SESSION_REFRESH_SECONDS (mvimonitor/organisations/middleware.py).
SESSION_SAVE_EVERY_REQUEST = False
MVIMONITOR_SESSION_REFRESH_SECONDS = int(os.getenv("MVIMONITOR_SESSION_REFRESH_SECONDS", "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "mvimonitor" / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.getenv("MVIMONITOR_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "mvimonitor" / "static"]
if (BASE_DIR / "build" / "static").is_dir():  # vendor CSS/JS copied from node_modules by `npm run build`
    STATICFILES_DIRS.append(BASE_DIR / "build" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# E-mail (invitations, supplier reporting requests and their reminders): printed to the console in development, sent
# over SMTP in production; both can be chosen with MVIMONITOR_EMAIL_BACKEND.
EMAIL_BACKEND = os.getenv(
    "MVIMONITOR_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION and not DEBUG
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.getenv("MVIMONITOR_DEFAULT_FROM_EMAIL", "noreply@mvimonitor.invalid")
EMAIL_HOST = os.getenv("MVIMONITOR_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.getenv("MVIMONITOR_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.getenv("MVIMONITOR_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("MVIMONITOR_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.getenv("MVIMONITOR_EMAIL_USE_TLS", "false").lower() == "true"
EMAIL_TIMEOUT = int(os.getenv("MVIMONITOR_EMAIL_TIMEOUT_SECONDS", "30"))
# The address links in e-mails sent outside a request start with (reminders from `send_supplier_reminders`).
MVIMONITOR_BASE_URL = os.getenv("MVIMONITOR_BASE_URL", "http://127.0.0.1:8000")

# Content security policy: nothing from other origins, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = os.getenv("MVIMONITOR_SSL_REDIRECT", "true").lower() == "true"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.getenv("MVIMONITOR_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Background tasks (imports): django-tasks, database backend; `manage.py import_worker` runs them (docs/imports.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Import worker recovery (docs/imports.md, "Worker and recovery").
MVIMONITOR_IMPORT_STALL_SECONDS = int(os.getenv("MVIMONITOR_IMPORT_STALL_SECONDS", "600"))
MVIMONITOR_IMPORT_MAX_ATTEMPTS = int(os.getenv("MVIMONITOR_IMPORT_MAX_ATTEMPTS", "3"))
MVIMONITOR_IMPORT_BATCH_SIZE = int(os.getenv("MVIMONITOR_IMPORT_BATCH_SIZE", "1000"))
# Worker processes that read and detect an upload's files while the task's process stores them in order (ADR 0027).
MVIMONITOR_IMPORT_WORKERS = int(os.getenv("MVIMONITOR_IMPORT_WORKERS", "1"))
# TenderNed pull (`manage.py pull_tenderned`, docs/imports.md "TenderNed pull"). The credentials come from the
# environment only: TenderNed's public-XML endpoint needs an account with the OpenDataUser role.
MVIMONITOR_TENDERNED_URL = os.getenv("MVIMONITOR_TENDERNED_URL", "https://www.tenderned.nl/papi/tenderned-rs-tns/v2")
MVIMONITOR_TENDERNED_USER = os.getenv("MVIMONITOR_TENDERNED_USER", "")
MVIMONITOR_TENDERNED_PASSWORD = os.getenv("MVIMONITOR_TENDERNED_PASSWORD", "")
MVIMONITOR_TENDERNED_TIMEOUT = float(os.getenv("MVIMONITOR_TENDERNED_TIMEOUT", "30"))  # seconds per request
MVIMONITOR_TENDERNED_ATTEMPTS = int(os.getenv("MVIMONITOR_TENDERNED_ATTEMPTS", "5"))  # tries per request in all
MVIMONITOR_TENDERNED_BACKOFF = float(os.getenv("MVIMONITOR_TENDERNED_BACKOFF", "2"))  # first pause, then doubled
MVIMONITOR_TENDERNED_MAX_WAIT = float(os.getenv("MVIMONITOR_TENDERNED_MAX_WAIT", "300"))  # longest pause (429 too)
MVIMONITOR_TENDERNED_PAGE_SIZE = int(os.getenv("MVIMONITOR_TENDERNED_PAGE_SIZE", "100"))  # publications per page

# OCDS out (/api/v1/ocds/releases, export_ocds): the ocid prefix the Open Contracting Partnership registers for the
# publisher (the default is not registered) and the publisher named in every package.
MVIMONITOR_OCDS_PREFIX = os.getenv("MVIMONITOR_OCDS_PREFIX", "ocds-mvimon")
MVIMONITOR_OCDS_PUBLISHER = os.getenv("MVIMONITOR_OCDS_PUBLISHER", "MVI Monitor")

API_VERSION = "1.7.0"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mvimonitor.api.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["djangorestframework_camel_case.render.CamelCaseJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["mvimonitor.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "mvimonitor.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "mvimonitor.api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.getenv("MVIMONITOR_API_ANON_RATE", "60/minute"),
        "user": os.getenv("MVIMONITOR_API_USER_RATE", "1200/minute"),
    },
    "JSON_UNDERSCOREIZE": {"no_underscore_before_number": True},
    "NUM_PROXIES": MVIMONITOR_TRUSTED_PROXIES or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MVI Monitor API",
    "DESCRIPTION": "Tenders, lots and MVI applications of Dutch contracting authorities, and the MVI catalogue.",
    "VERSION": API_VERSION,
    "CONTACT": {"name": "MVI Monitor", "email": "mvimonitor@example.org", "url": "https://mvimonitor.example.org"},
    "LICENSE": {"name": "EUPL-1.2", "url": "https://interoperable-europe.ec.europa.eu/collection/eupl"},
    "SERVERS": [{"url": "https://mvimonitor.example.org/api/v1", "description": "Production"}],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "CAMELIZE_NAMES": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mvimonitor.api.schema.add_problem_responses",
        "mvimonitor.api.schema.add_version_header",
    ],
    "DEFAULT_GENERATOR_CLASS": "mvimonitor.api.schema.EnglishSchemaGenerator",
    "ENUM_NAME_OVERRIDES": {
        "UnitEnum": "mvimonitor.effects.models.Unit",
        "ObligationBaseEnum": "mvimonitor.effects.models.ObligationBase",
        "SanctionBasisEnum": "mvimonitor.effects.rules.SanctionBasis",
        "ImportRunStatusEnum": "mvimonitor.imports.models.RunStatus",
        "RealisationStatusEnum": "mvimonitor.effects.models.RealisationStatus",
        "ConfidenceEnum": "mvimonitor.tenders.models.Confidence",
        "ReferenceConfidenceEnum": "mvimonitor.award.models.Confidence",
    },
}

LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # WeasyPrint and fontTools report every layout step at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("axes", "weasyprint", "fontTools")},
}


# Statistical disclosure control for national figures (mvimonitor/dashboards: the national views).
MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS = int(os.getenv("MVIMONITOR_DISCLOSURE_MIN_ORGANISATIONS", "5"))
MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT = int(os.getenv("MVIMONITOR_DISCLOSURE_DOMINANCE_PERCENT", "50"))
# Interval protection: a suppressed sensitive figure must keep an interval of at least this percent of its value on
# both sides, whatever a reader combines from the published figures (ADR 0026).
MVIMONITOR_DISCLOSURE_PROTECTION_PERCENT = int(os.getenv("MVIMONITOR_DISCLOSURE_PROTECTION_PERCENT", "10"))
# Criteria use: a basis criterion applied in at least this percent of the tenders that use its product group's
# criteria is shown to the catalogue's editors as saturated (nearly everybody applies it already).
MVIMONITOR_CRITERIA_SATURATION_PERCENT = int(os.getenv("MVIMONITOR_CRITERIA_SATURATION_PERCENT", "90"))

# Cache of computed national figures and rendered dashboard tables (keys include the facts version, so a change of
# the data is never served stale). Per process by default; a directory shares it between server processes.
_CACHE_DIR = os.getenv("MVIMONITOR_CACHE_DIR", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": _CACHE_DIR}
        if _CACHE_DIR
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Evidence files of realisations: outside MEDIA and STATIC, served only by an access-checked view.
MVIMONITOR_PRIVATE_MEDIA_ROOT = os.getenv("MVIMONITOR_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media"))
MVIMONITOR_EVIDENCE_MAX_BYTES = int(os.getenv("MVIMONITOR_EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
