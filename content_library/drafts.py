"""An item as an import source describes it, before it meets the library.

Every importer (feeds, CSV, YAML, JSON) produces :class:`ItemDraft` values and :mod:`content_library.ingest`
is the only code that turns them into rows, so the dedupe and update rules live in one place.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ItemDraft:
    """One importable item.

    ``url`` is already canonical (see :func:`content_library.urls.canonical_url`) and ``guid`` is the source's
    own id for the entry. ``None`` for ``kind``, ``category``, ``priority``, ``max_shares`` or ``expires_at``
    means "not given": a new item gets the default and an existing item keeps its value. ``variants`` are
    message texts; importing never removes a variant that is already in the library. ``image`` is a picture's
    http(s) link, kept as written (a signed link works only whole); ``None`` keeps the stored one. Datetimes
    are aware UTC.
    """

    title: str
    url: str | None = None
    guid: str | None = None
    summary: str = ""
    kind: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    published_at: datetime | None = None
    expires_at: datetime | None = None
    max_shares: int | None = None
    priority: int | None = None
    variants: tuple[str, ...] = ()
    image: str | None = None
