"""Settings for the notification service: one module, every knob from the environment.

Zero configuration gives a working development server on SQLite under ``var/`` with
in-process delivery; production sets ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL``,
the ``EMAIL_*`` relay and usually ``CELERY_BROKER_URL``.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list, env_str, parse_networks

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# scripts/serve silences the local-relay warning when the relay is its own dev mail sink.
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS")
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "notifications",
    "deliveries",
    "smtplog",
    "gateways",
    "preferences",
    "inbound",
    "inbox",
    "freeside",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.middleware.RequestBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and WAL let the web threads and the embedded delivery
    # executor write concurrently without "database is locked" surprises. Connections are
    # kept (CONN_MAX_AGE) like PostgreSQL's: reopening one costs more than most requests.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Kazoo API ------------------------------------------------------------------------------
AUTH_TOKEN_TTL = env_int("AUTH_TOKEN_TTL", 3600, minimum=1)
MAX_UPLOAD_SIZE = 8_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_SIZE
PAGE_SIZE = 50

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["config.envelope.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.KazooJSONParser",
        "config.parsers.LenientFormParser",
        "config.parsers.LenientTextParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "EXCEPTION_HANDLER": "config.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("THROTTLE_AUTH_RATE", "1200/minute"),
        "login": env_str("THROTTLE_LOGIN_RATE", "60/minute"),
        "token": env_str("THROTTLE_TOKEN_RATE", "12000/minute"),
        "webhook": env_str("THROTTLE_WEBHOOK_RATE", "6000/minute"),  # per client address
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Notification service (Kazoo-compatible)",
    "VERSION": "2",
    "DESCRIPTION": (
        "Kazoo-compatible notification templates, sending and SMTP log. Every JSON answer is "
        'a Kazoo envelope (`{"status", "data", "request_id", "revision", "auth_token", '
        '"timestamp"}`); failures are `{"status": "error", "error": "<code>", "message", '
        '"data"}`. Request bodies are envelopes too: `{"data": {...}}`, sent as '
        "`application/json` (a JSON envelope sent as form-urlencoded or `text/plain` is "
        "accepted as well, except where `text/plain` means a template body). Times are "
        "Gregorian seconds. Paths marked (extension) are not in Kazoo."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    # Docstrings are notes for developers; operations carry their own descriptions.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.add_error_responses",
    ],
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True},
    # /v2/docs serves Swagger UI from our own static files: it works offline and behind
    # a strict Content-Security-Policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

CACHE_URL = env_str("CACHE_URL")
# Largest template body (html, text, preview, broadcast) accepted, in bytes (issue 9).
TEMPLATE_MAX_BYTES = env_int("TEMPLATE_MAX_BYTES", 1024 * 1024, minimum=1)
TEMPLATE_SANITIZE_SECONDS = env_float("TEMPLATE_SANITIZE_SECONDS", 10.0, minimum=0.0)
# Proxies (IPs or CIDRs) whose X-Forwarded-For is believed; none by default (issue 9).
TRUSTED_PROXIES = parse_networks("TRUSTED_PROXIES", env_list("TRUSTED_PROXIES"))
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("CACHE_URL must be a redis:// URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- CORS -----------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/v2/.*$"
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "x-auth-token",
    "x-request-id",
]
CORS_EXPOSE_HEADERS = ["x-request-id", "content-disposition", "etag"]

# --- Mail -----------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0, minimum=0.1)
DEFAULT_NOTIFICATION_FROM = env_str("DEFAULT_NOTIFICATION_FROM", "no_reply@localhost")
SMS_MAX_LENGTH = env_int("SMS_MAX_LENGTH", 1600, minimum=1)  # characters of a text/x-sms source
# Freeside server: a prepared message not sent within this many seconds is failed (410).
FREESIDE_PREPARED_TTL = env_int("FREESIDE_PREPARED_TTL", 604800, minimum=1)

# --- Delivery -------------------------------------------------------------------------------
DELIVERY_RETRY_BASE = env_float("DELIVERY_RETRY_BASE", 5.0, minimum=0)
DELIVERY_RETRY_CAP = env_float("DELIVERY_RETRY_CAP", 300.0, minimum=0)
DELIVERY_MAX_ATTEMPTS = env_int("DELIVERY_MAX_ATTEMPTS", 10, minimum=1)
# A row left in "sending" longer than this is presumed abandoned by a dead worker.
DELIVERY_STALE_AFTER = env_float("DELIVERY_STALE_AFTER", 120.0, minimum=1)
DELIVERY_EMBEDDED_THREADS = env_int("DELIVERY_EMBEDDED_THREADS", 4, minimum=1)

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
DELIVERY_MODE = env_str("DELIVERY_MODE", "celery" if CELERY_BROKER_URL else "embedded")
if DELIVERY_MODE not in ("celery", "embedded", "inline"):
    raise ImproperlyConfigured("DELIVERY_MODE must be celery, embedded or inline")
if DELIVERY_MODE == "celery" and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("DELIVERY_MODE=celery needs CELERY_BROKER_URL")
DELIVERY_SWEEP_INTERVAL = env_float("DELIVERY_SWEEP_INTERVAL", 15.0, minimum=0.05)
DELIVERY_BATCH_SIZE = env_int("DELIVERY_BATCH_SIZE", 50, minimum=1)
DELIVERY_DRAIN_SECONDS = env_float("DELIVERY_DRAIN_SECONDS", 5.0, minimum=0)
DELIVERY_LOG_RETENTION_DAYS = env_int("DELIVERY_LOG_RETENTION_DAYS", 0, minimum=0)  # 0: keep
# Extra or replacement transports by name: {"sms": "myapp.transports.Sms"} (deliveries app).
DELIVERY_TRANSPORTS: dict[str, str] = {}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "notifications")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 4, minimum=1)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "sweep-stalled-deliveries": {
        "task": "deliveries.tasks.sweep",
        "schedule": DELIVERY_SWEEP_INTERVAL,
    },
    "purge-delivery-log": {"task": "deliveries.tasks.purge_log", "schedule": 3600.0},
    "resume-broadcasts": {
        "task": "notifications.tasks.resume_broadcasts",
        "schedule": DELIVERY_SWEEP_INTERVAL,
    },
}

# --- Channels: gateways ---------------------------------------------------------------------
# Fernet keys (comma-separated, the first encrypts); unset: one derived from SECRET_KEY.
CHANNELS_SECRET_KEYS = env_list("CHANNELS_SECRET_KEYS")
CHANNELS_HTTP_TIMEOUT = env_float("CHANNELS_HTTP_TIMEOUT", 10.0, minimum=0.1)
CHANNELS_HTTP_MAX_RESPONSE_BYTES = env_int("CHANNELS_HTTP_MAX_RESPONSE_BYTES", 1_048_576, minimum=1)
CHANNELS_BLOCK_PRIVATE_NETWORKS = env_bool("CHANNELS_BLOCK_PRIVATE_NETWORKS", False)
CHANNELS_VENDORS = env_list("CHANNELS_VENDORS")  # dotted paths of extra vendor classes
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL").rstrip("/")
CHANNELS_WEBHOOK_MAX_BYTES = env_int("CHANNELS_WEBHOOK_MAX_BYTES", 1_048_576, minimum=1)
FAKE_VENDOR_DELIVERY_DELAY = env_float("FAKE_VENDOR_DELIVERY_DELAY", 0.0, minimum=0)
# A receipt for a provider id no row has recorded yet waits this long for it (seconds).
CHANNELS_ORPHAN_RECEIPT_TTL = env_float("CHANNELS_ORPHAN_RECEIPT_TTL", 600.0, minimum=0)
# BILLmanager gateway modules: <dir>/gate/<name> and <dir>/etc/xml/ (unset: kind disabled).
CHANNELS_MODULE_DIR = env_str("CHANNELS_MODULE_DIR")
CHANNELS_MODULE_POLL_INTERVAL = env_float("CHANNELS_MODULE_POLL_INTERVAL", 60.0, minimum=1)
if CHANNELS_MODULE_DIR:
    CELERY_BEAT_SCHEDULE["poll-module-gateways"] = {
        "task": "gateways.tasks.poll_modules",
        "schedule": CHANNELS_MODULE_POLL_INTERVAL,
    }

# --- Security (production) ------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL", False) else None
)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
