"""System checks for mail and queue settings."""

from django.core.checks import run_checks


def ids(settings_override=None):
    return {issue.id for issue in run_checks(tags=["mail", "queue"])}


def test_default_settings_warn_about_a_local_relay(settings):
    settings.DEBUG, settings.EMAIL_HOST = False, "localhost"
    assert "smtplog.W001" in ids()


def test_tls_and_ssl_together_is_an_error(settings):
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = True
    assert "smtplog.E001" in ids()


def test_user_without_password_is_an_error(settings):
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "relay", ""
    assert "smtplog.E002" in ids()


def test_invalid_default_from_is_an_error(settings):
    settings.DEFAULT_NOTIFICATION_FROM = "not an address"
    assert "smtplog.E003" in ids()


def test_unknown_broker_scheme_is_an_error(settings):
    settings.CELERY_BROKER_URL = "sqs://queue"
    assert "smtplog.E004" in ids()


def test_a_configured_relay_passes(settings):
    settings.EMAIL_HOST, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = (
        "smtp.example.net",
        "u",
        "p",
    )
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert ids() == set()


def test_bad_environment_values_are_rejected_at_start_up(monkeypatch):
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_bool, env_int

    monkeypatch.setenv("X_FLAG", "maybe")
    monkeypatch.setenv("X_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUMBER", 1)


def test_secret_key_is_required_when_debug_is_off():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
