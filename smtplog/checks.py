"""System checks for the mail relay and the delivery queue (``manage.py check``)."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def is_valid_address(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return address.count("@") == 1


@register("mail")
def check_mail_settings(app_configs=None, **kwargs) -> list:
    issues = []
    if settings.EMAIL_USE_TLS and settings.EMAIL_USE_SSL:
        issues.append(
            Error(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both on.",
                hint="Use EMAIL_USE_SSL for port 465 (implicit TLS) or EMAIL_USE_TLS for "
                "STARTTLS, not both.",
                id="smtplog.E001",
            )
        )
    if bool(settings.EMAIL_HOST_USER) != bool(settings.EMAIL_HOST_PASSWORD):
        issues.append(
            Error(
                "Only one of EMAIL_HOST_USER and EMAIL_HOST_PASSWORD is set.",
                hint="Set both to log in to the relay, or neither.",
                id="smtplog.E002",
            )
        )
    if not is_valid_address(settings.DEFAULT_NOTIFICATION_FROM):
        issues.append(
            Error(
                f"DEFAULT_NOTIFICATION_FROM={settings.DEFAULT_NOTIFICATION_FROM!r} is not an "
                "e-mail address.",
                hint="System templates are sent from this address.",
                id="smtplog.E003",
            )
        )
    if not settings.DEBUG and settings.EMAIL_HOST in ("localhost", "127.0.0.1"):
        issues.append(
            Warning(
                f"Mail is relayed through {settings.EMAIL_HOST}:{settings.EMAIL_PORT}.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, ...) to your relay "
                "unless a local MTA really listens there.",
                id="smtplog.W001",
            )
        )
    if settings.DELIVERY_STALE_AFTER < 3 * settings.EMAIL_TIMEOUT:
        issues.append(
            Warning(
                f"DELIVERY_STALE_AFTER={settings.DELIVERY_STALE_AFTER:g}s is shorter than three "
                f"SMTP timeouts (EMAIL_TIMEOUT={settings.EMAIL_TIMEOUT:g}s).",
                hint="The lease must outlast one SMTP exchange, or a slow relay can make "
                "another worker send the same message again.",
                id="smtplog.W002",
            )
        )
    return issues


@register("queue")
def check_queue_settings(app_configs=None, **kwargs) -> list:
    url = settings.CELERY_BROKER_URL
    if url and not url.startswith(("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")):
        return [
            Error(
                f"CELERY_BROKER_URL has an unsupported scheme: {url.split(':', 1)[0]}.",
                hint="Use a Redis (redis://) or RabbitMQ (amqp://) URL.",
                id="smtplog.E004",
            )
        ]
    return []
