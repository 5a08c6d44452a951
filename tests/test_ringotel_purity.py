"""The Ringotel engine stays pure: no HTTP client, sockets or Django (house rule)."""

import ast
from pathlib import Path

import gateways.ringotel

PACKAGE = Path(gateways.ringotel.__file__).parent
FORBIDDEN = ("httpx", "requests", "socket", "ssl", "urllib.request", "http.client", "django")


def absolute_imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_network_or_django_imports():
    for path in PACKAGE.glob("*.py"):
        for name in absolute_imports(path):
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_public_api_is_importable_from_the_package():
    for name in gateways.ringotel.__all__:
        assert getattr(gateways.ringotel, name) is not None
