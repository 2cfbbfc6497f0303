"""X's own counting rules, from ``twitter-text-parser`` (a port of twitter-text v3), imported safely.

The port is unmaintained and reads its emoji table with ``pkg_resources.resource_string``, an API that
setuptools deprecated (a warning at import) and then removed; Python 3.12+ environments do not even ship
setuptools. So the port is imported with a stand-in ``pkg_resources`` that offers only ``resource_string``,
read through :mod:`importlib.resources`, and the stand-in is taken away again afterwards: nothing else in
the process ever sees it, and a real ``pkg_resources`` already imported is left alone.
"""

import sys
import types
from importlib import resources
from typing import Any


def _resource_string(module: str, name: str) -> bytes:
    """``pkg_resources.resource_string``: a file beside ``module`` (inside it, if it is a package)."""
    package = module if hasattr(sys.modules[module], "__path__") else module.rpartition(".")[0]
    return resources.files(package).joinpath(name).read_bytes()


def _import_port() -> tuple[Any, Any, Any]:
    borrowed = "pkg_resources" not in sys.modules
    if borrowed:
        stand_in = types.ModuleType("pkg_resources")
        stand_in.resource_string = _resource_string  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = stand_in
    try:
        from twitter_text import extract_urls_with_indices, parse_tweet
        from twitter_text.config import config
    finally:
        if borrowed:
            del sys.modules["pkg_resources"]
    return extract_urls_with_indices, parse_tweet, config


extract_urls_with_indices, parse_tweet, twitter_text_configs = _import_port()

__all__ = ["extract_urls_with_indices", "parse_tweet", "twitter_text_configs"]
