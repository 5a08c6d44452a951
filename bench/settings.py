"""Bench-only settings: the product's settings plus the ``bench.urls`` ceiling view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
