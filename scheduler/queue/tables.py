"""The queue, the publication history and channel/campaign holds.

No ``from __future__ import annotations`` here (it breaks SQLModel). The schema is owned by the scheduler's
migrations (``scheduler/migrations/versions``: ``0003_queue``, ``0004_stable_queue_ids``, ``0014_template_key``…);
``tests/test_migrations.py`` checks these classes match them.

A queue entry is one upcoming post. ``version`` is bumped by every change, and every change says which version
it read (optimistic locking), so two edits of the same entry at once never corrupt it: the second is refused.
``key`` is the entry's idempotency key, stable across retries and restarts, sent to platforms that honour one.
An entry's ``id`` is never given to another entry, even after it is deleted (SQLite ``AUTOINCREMENT``, a
PostgreSQL identity column), so an id a person read in an old listing names that post or nothing.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Identity, Index, Integer
from sqlmodel import Field, SQLModel

from content_library.timestamps import UTCDateTime


class EntryState(StrEnum):
    PLANNED = "planned"  # waiting for its instant
    CLAIMED = "claimed"  # a daemon is publishing it right now (see claimed_by / lease_until)
    PUBLISHED = "published"
    FAILED = "failed"  # the platform refused it for good; reason in last_error
    SKIPPED = "skipped"  # a person dropped this occurrence
    MISSED = "missed"  # its time passed by more than `grace` (downtime, pause, outage)
    CANCELLED = "cancelled"  # removed by `queue clear` or a replan
    IN_DOUBT = "in_doubt"  # a crash between the platform call and its record; a person decides


UPCOMING = (EntryState.PLANNED, EntryState.CLAIMED)


class Origin(StrEnum):
    PLANNER = "planner"
    PERSON = "person"


class HoldCause(StrEnum):
    """Who or what made a hold: a person (``queue pause``), or the daemon for a platform's rate limit, a
    refusal (rejected credentials, X's credits or usage cap) or a channel it cannot build here."""

    PERSON = "person"
    RATE_LIMIT = "rate_limit"
    REFUSED = "refused"
    MISCONFIGURED = "misconfigured"


class HoldScope(StrEnum):
    """What a hold stops: one channel, or one campaign on every channel."""

    CHANNEL = "channel"
    CAMPAIGN = "campaign"


def _utc(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class QueueEntry(SQLModel, table=True):
    __tablename__ = "queue_entry"
    __table_args__ = (
        Index("ix_queue_entry_state_at", "state", "at"),
        Index("ix_queue_entry_channel_at", "channel", "at"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, Identity(always=True), primary_key=True))
    key: str = Field(unique=True)
    channel: str
    campaign: str | None = None
    zone: str
    at: datetime = _utc(nullable=False)
    item_id: int = Field(index=True)
    variant_id: int | None = None
    template_key: str | None = None  # the template that worded it (planning.variants.template_key), if one did
    text: str
    state: str = EntryState.PLANNED.value
    pinned: bool = False
    origin: str = Origin.PLANNER.value
    reason: str = ""
    version: int = 1
    attempts: int = 0
    claimed_by: str | None = None
    lease_until: datetime | None = _utc()
    next_attempt_at: datetime | None = _utc()
    last_error: str | None = None
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)


class Publication(SQLModel, table=True):
    """What went out: the history the planner's rotation and ``repeat_after`` read. It keeps its own copy of
    the text and item id, so it outlives the queue entry and even the item."""

    __tablename__ = "publication"
    __table_args__ = (Index("ix_publication_channel_item", "channel", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int | None = Field(default=None, unique=True)
    channel: str
    campaign: str | None = None
    zone: str
    item_id: int
    variant_id: int | None = None
    template_key: str | None = None  # the template that worded it (planning.variants.template_key), if one did
    text: str
    remote_id: str | None = None
    remote_url: str | None = None
    scheduled_at: datetime = _utc(nullable=False)
    published_at: datetime = _utc(nullable=False, index=True)


class Hold(SQLModel, table=True):
    """A channel or campaign that must not publish until ``until`` (None: until resumed). People make holds
    with ``queue pause``; the daemon makes them for rate limits (with the reset instant) and for auth errors."""

    __tablename__ = "hold"
    __table_args__ = (Index("ix_hold_scope_name", "scope", "name", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str  # a HoldScope value
    name: str
    until: datetime | None = _utc()
    reason: str = ""
    cause: str = Field(default=HoldCause.PERSON.value, sa_column_kwargs={"server_default": "person"})
    created_at: datetime = _utc(nullable=False)
