"""Reading and writing queue entries, with the optimistic version check every change goes through."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from content_library.errors import EvertideError, ItemNotFound
from scheduler.planning.attribution import with_entry_id
from scheduler.planning.model import PastShare
from scheduler.queue.tables import EntryState, Publication, QueueEntry

ACTIVE_STATES = (EntryState.PLANNED.value, EntryState.CLAIMED.value, EntryState.IN_DOUBT.value)


class ConcurrentEdit(EvertideError):
    """Somebody (a person or the daemon) changed the entry between our read and our write."""

    hint = "Look at it again with `evertide queue show ID` and repeat the edit if it still makes sense."


def new_key() -> str:
    """A fresh idempotency key for a new entry; it never changes afterwards."""
    return uuid.uuid4().hex


def get_entry(session: Session, entry_id: int) -> QueueEntry:
    entry = session.get(QueueEntry, entry_id)
    if entry is None:
        missing = ItemNotFound("queue entry", entry_id)
        missing.hint = "See the entries with `evertide queue list --state all`."
        raise missing
    return entry


def save(session: Session, entry: QueueEntry, *, now: datetime, **changes: Any) -> QueueEntry:
    """Apply ``changes`` if nobody changed ``entry`` since it was read; bumps its version. ``entry`` may come
    from another (closed) session: only its id and version are used. Returns the entry as now stored.

    A change of state (and anything that goes with one: the claim, the attempts) belongs to the named moves
    of :mod:`scheduler.queue.states`, which check the table of allowed moves and then call this. A new text
    gets the entry's id where its rendering left a place for it (``utm_content``)."""
    assert entry.id is not None
    if "text" in changes:
        changes["text"] = with_entry_id(changes["text"], entry.id)
    result = session.execute(
        update(QueueEntry)
        .where(col(QueueEntry.id) == entry.id, col(QueueEntry.version) == entry.version)
        .values(**changes, version=entry.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentEdit(f"queue entry {entry.id} was changed by someone else meanwhile; nothing was changed")
    fresh = session.get(QueueEntry, entry.id, populate_existing=True)
    assert fresh is not None
    return fresh


def active_entries(session: Session, *, channel: str | None = None) -> list[QueueEntry]:
    """Entries that will or may still go out (planned, being published, or in doubt), in time order."""
    query = select(QueueEntry).where(col(QueueEntry.state).in_(ACTIVE_STATES))
    if channel is not None:
        query = query.where(QueueEntry.channel == channel)
    return list(session.exec(query.order_by(col(QueueEntry.at), col(QueueEntry.id))).all())


def publications(session: Session, *, since: datetime | None = None) -> list[Publication]:
    query = select(Publication)
    if since is not None:
        query = query.where(col(Publication.published_at) >= since)
    return list(session.exec(query.order_by(col(Publication.published_at), col(Publication.id))).all())


def as_share(row: QueueEntry | Publication) -> PastShare:
    """A queue entry (at its planned instant) or a publication (at its real one), as the planner sees it."""
    return PastShare(
        channel=row.channel,
        item_id=row.item_id,
        at=row.at if isinstance(row, QueueEntry) else row.published_at,
        zone=row.zone,
        variant_id=row.variant_id,
        text=row.text,
        campaign=row.campaign,
        template_key=row.template_key,
    )


def history_shares(session: Session) -> list[PastShare]:
    """Every publication, as the planner reads history."""
    return [as_share(p) for p in publications(session)]


def insert_entry(session: Session, fields: dict[str, Any], *, now: datetime) -> QueueEntry:
    """A new entry; its text gets the entry's id where the rendering left a place for it (``utm_content``)."""
    entry = QueueEntry(key=new_key(), created_at=now, updated_at=now, **fields)
    session.add(entry)
    session.flush()
    filled = with_entry_id(entry.text, entry.id)
    if filled != entry.text:
        entry.text = filled
        session.flush()
    return entry


def ours_since(session: Session, channel: str, since: datetime) -> set[str]:
    """The platform ids of what evertide published on ``channel`` since ``since``: anything else the account
    posted was made by someone else (a person, another tool)."""
    rows = session.exec(
        select(Publication.remote_id).where(
            Publication.channel == channel,
            col(Publication.published_at) >= since,
            col(Publication.remote_id).is_not(None),
        )
    )
    return {remote_id for remote_id in rows if remote_id}
