"""What evertide can post: the library of evergreen items, its database, import from feeds and files, and the
text of posts. Never imports :mod:`scheduler`.

The public names are loaded on first use (PEP 562), so importing ``content_library.errors`` — as every CLI
command does — does not drag SQLAlchemy and feedparser into ``evertide --help``.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "EvertideError": "errors",
    "FeedError": "errors",
    "ImportRejected": "errors",
    "ItemNotFound": "errors",
    "SchemaOutdated": "errors",
    "Feed": "models",
    "Item": "models",
    "ItemStatus": "models",
    "Variant": "models",
    "LinkReport": "link_health",
    "paused_links": "link_health",
    "ItemSnapshot": "snapshot",
    "VariantSnapshot": "snapshot",
    "RenderError": "placeholders",
    "render_post": "rendering",
    "import_source": "importing",
    "make_engine": "database",
    "require_current_schema": "database",
    "transaction": "database",
    "upgrade": "database",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'content_library' has no attribute {name!r}")
    return getattr(import_module(f"content_library.{_EXPORTS[name]}"), name)
