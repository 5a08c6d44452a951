"""Test settings: the production module with a throwaway secret and fast local parts."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"auth": "100000/minute", "token": "100000/minute"}  # noqa: F405
DELIVERY_MODE = "inline"
