"""Test settings: the production module with a throwaway secret and fast local parts."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {  # noqa: F405
    "auth": "100000/minute",
    "login": "100000/minute",
    "token": "100000/minute",
    "webhook": "100000/minute",
}
DELIVERY_MODE = "inline"

# Concurrent runs must not share a test database. On SQLite it is a file, not memory, so
# a Celery worker in another process sees it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    VAR_DIR.mkdir(exist_ok=True)  # noqa: F405
    _name = str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")  # noqa: F405
else:
    _name = f"test_{DATABASES['default']['NAME']}_{os.getpid()}"  # noqa: F405
DATABASES["default"]["TEST"] = {"NAME": _name}  # noqa: F405
