"""Engagement counts read from the platforms, clicks imported from web analytics, and read holds.

No ``from __future__ import annotations`` here (it breaks SQLModel). The schema is owned by migration
``0010_engagement`` (and ``0015_click_periods``); ``tests/test_migrations.py`` checks these classes match it.

Counts are history, never overwritten: each pull of a post adds one :class:`EngagementCount` row, so a
post's curve over its first days can be read back. A post the platform no longer has is recorded once, as
a row with ``gone`` set and no counts, and is not pulled again. Rows point at the publication (which
outlives its queue entry) and repeat the entry id, which is what ``utm_content`` and imported clicks name.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from content_library.timestamps import UTCDateTime


def _utc(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class EngagementCount(SQLModel, table=True):
    """One pull of one published post. ``quotes`` and ``impressions`` are None where the platform has none."""

    __tablename__ = "engagement_count"
    __table_args__ = (Index("ix_engagement_count_publication_pulled", "publication_id", "pulled_at"),)

    id: int | None = Field(default=None, primary_key=True)
    publication_id: int
    entry_id: int | None = Field(default=None, index=True)
    channel: str
    pulled_at: datetime = _utc(nullable=False)
    gone: bool = False
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None


class ClickCount(SQLModel, table=True):
    """Clicks on one post's link as the user's web analytics counted them (``metrics import``), keyed by the
    ``utm_content`` the link carried: the queue entry id. Every import adds rows. A row with a period (from
    ``period_since`` up to, not including, ``period_until``; migration ``0015``) holds the clicks during it; one
    without holds every click up to ``imported_at``. :mod:`scheduler.metrics.periods` says how they add up."""

    __tablename__ = "click_count"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(index=True)
    clicks: int
    imported_at: datetime = _utc(nullable=False)
    period_since: datetime | None = _utc()
    period_until: datetime | None = _utc()


class ReadHold(SQLModel, table=True):
    """A channel whose counts must not be read until ``until``: the platform said 429. Separate from the
    queue's holds, which stop publishing; a read limit must not stop posts going out."""

    __tablename__ = "read_hold"

    channel: str = Field(primary_key=True)
    until: datetime = _utc(nullable=False)
    reason: str = ""
