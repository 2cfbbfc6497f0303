"""Every package exports its public API explicitly, and each exported name exists."""

import importlib

import pytest

PACKAGES = [
    "content_library",
    "scheduler.planning",
    "scheduler.publishers",
    "scheduler.queue",
    "scheduler.dispatch",
    "scheduler.metrics",
]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__
    for name in module.__all__:
        assert getattr(module, name) is not None
