"""Settings for the django-post_office comparison run (bench/broadcast.py only)."""

from bench.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "post_office"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
POST_OFFICE = {"BATCH_SIZE": 100, "LOG_LEVEL": 0, "MESSAGE_ID_ENABLED": True}
