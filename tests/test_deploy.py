"""``manage.py check --deploy`` is clean with production-style environment values."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 60 + "production-grade-secret-0123456789",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "notify.example.net",
    "EMAIL_HOST": "smtp.example.net",
    "EMAIL_PORT": "587",
    "EMAIL_USE_TLS": "true",
    "EMAIL_HOST_USER": "relay",
    "EMAIL_HOST_PASSWORD": "secret",
    "DEFAULT_NOTIFICATION_FROM": "no_reply@example.net",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_PROXY_SSL": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
}


def test_check_deploy_is_clean_with_production_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
