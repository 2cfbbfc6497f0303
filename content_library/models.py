"""Tables of the content library: items, their message variants, and the feeds that fill it.

No ``from __future__ import annotations`` here: it breaks SQLModel relationships. Every datetime column is a
:class:`~content_library.timestamps.UTCDateTime`, so values are aware UTC on every database.
The schema itself is owned by the Alembic migrations in ``content_library/migrations``; these classes must
match them (``tests/test_migrations.py`` checks that they do).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from content_library.timestamps import UTCDateTime


class ItemStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    RETIRED = "retired"
    # A platform refused every wording of the item as a duplicate of a recent post; adding a variant
    # (`library variants add`) makes it active again.
    NEEDS_VARIANT = "needs_variant"


def _utc_column(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Item(SQLModel, table=True):
    """One piece of evergreen material: an article, FAQ, tip, quote…

    ``url`` is the link that gets posted (tracking parameters and fragment removed); ``url_key`` is the stricter
    form used only to recognise the same page again (see :func:`content_library.urls.url_key`). ``guid`` is
    the feed's own id for the entry, meaningful only together with ``source``.
    """

    __tablename__ = "item"
    __table_args__ = (
        UniqueConstraint("url_key", name="uq_item_url_key"),
        Index("ix_item_source_guid", "source", "guid", unique=True),
        Index("ix_item_status_category", "status", "category"),
        Index("ix_item_candidates", "status", "category", "priority", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="article", index=True)
    title: str
    url: str | None = None
    url_key: str | None = None
    guid: str | None = None
    summary: str = ""
    category: str | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = "manual"
    status: str = Field(default=ItemStatus.ACTIVE.value)
    # Why evertide itself changed the status (a dead link); None when a person set it.
    status_reason: str | None = None
    priority: int = 0
    max_shares: int | None = None
    # A picture's http(s) link, posted with the item by campaigns that attach images.
    image: str | None = None
    came_from: str | None = None  # the feed's or file's URL it was fetched from: outside text, held to its address
    published_at: datetime | None = _utc_column()
    expires_at: datetime | None = _utc_column()
    created_at: datetime = _utc_column(nullable=False)
    updated_at: datetime = _utc_column(nullable=False)


class Variant(SQLModel, table=True):
    """A hand-written message for an item. ``channel_kind`` limits it to one platform kind (``x``, …)."""

    __tablename__ = "variant"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True, ondelete="CASCADE")
    text: str
    channel_kind: str | None = None
    created_at: datetime = _utc_column(nullable=False)


class Feed(SQLModel, table=True):
    """An RSS/Atom source polled into the library. ``origin`` is ``config`` or ``manual``."""

    __tablename__ = "feed"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    url: str = Field(unique=True)
    category: str | None = None
    kind: str = "article"
    origin: str = "manual"
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = _utc_column()
    last_error: str | None = None
    created_at: datetime = _utc_column(nullable=False)


class ImportedUrl(SQLModel, table=True):
    """A URL ``library import`` downloaded, with the validators of that download, sent with the next one so an
    unchanged document is not downloaded and parsed again. (A polled feed keeps its own in :class:`Feed`.)"""

    __tablename__ = "imported_url"

    url: str = Field(primary_key=True)
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime = _utc_column(nullable=False)


class ItemAlias(SQLModel, table=True):
    """A page an item used to live at (its link answered a permanent redirect): an import of the old link is
    recognised as the same item. Keyed like :attr:`Item.url_key`; a key is an alias of one item at most."""

    __tablename__ = "item_alias"

    url_key: str = Field(primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True, ondelete="CASCADE")
    url: str
    created_at: datetime = _utc_column(nullable=False)


class LinkCheck(SQLModel, table=True):
    """The last check of an item's link and the link card read from its page (see
    :mod:`content_library.link_health`). ``failures`` counts checks in a row that got no usable answer."""

    __tablename__ = "link_check"

    item_id: int = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    state: str
    http_status: int | None = None
    detail: str | None = None
    failures: int = 0
    checked_at: datetime = _utc_column(nullable=False)
    next_check_at: datetime = _utc_column(nullable=False, index=True)
    card_title: str | None = None
    card_description: str | None = None
    card_image: str | None = None
