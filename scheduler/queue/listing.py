"""Queries behind ``queue list`` and ``history``."""

from collections import Counter
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from scheduler.config import Config
from scheduler.config.values import Window
from scheduler.queue.settled import replaceable
from scheduler.queue.tables import UPCOMING, EntryState, Publication, QueueEntry
from scheduler.zones import zone

PAST_STATES = {s.value for s in EntryState} - {s.value for s in UPCOMING}


def list_entries(
    session: Session,
    *,
    now: datetime,
    channel: str | None = None,
    campaign: str | None = None,
    days: int | None = None,
    state: str = "upcoming",
) -> list[QueueEntry]:
    """``upcoming`` = planned and claimed, any time; ``all`` or a past state also reach ``days`` back."""
    query = select(QueueEntry)
    if state == "upcoming":
        query = query.where(col(QueueEntry.state).in_([s.value for s in UPCOMING]))
    elif state != "all":
        if state not in {s.value for s in EntryState}:
            from content_library.errors import EvertideError

            allowed = ", ".join(["upcoming", "all", *(s.value for s in EntryState)])
            raise EvertideError(f'unknown state "{state}"; allowed: {allowed}')
        query = query.where(QueueEntry.state == state)
    if channel:
        query = query.where(QueueEntry.channel == channel)
    if campaign:
        query = query.where(QueueEntry.campaign == campaign)
    if days is not None:
        query = query.where(col(QueueEntry.at) < now + timedelta(days=days))
        if state == "all" or state in PAST_STATES:
            query = query.where(col(QueueEntry.at) >= now - timedelta(days=days))
    return list(session.exec(query.order_by(col(QueueEntry.at), col(QueueEntry.id))).all())


REPLACEABLE_MARK = "↻"
REPLACEABLE_NOTE = (
    f"{REPLACEABLE_MARK} = a refill may still replace it (unpinned, planned by evertide, more than a day ahead);"
    " `evertide queue pin ID` keeps it"
)


def may_be_replaced(entry: QueueEntry, now: datetime) -> bool:
    """Whether the next refill may replace this entry with another post (:func:`scheduler.queue.settled.replaceable`):
    its id then names nothing. Everything else keeps its id and its post."""
    return replaceable(entry, now)


def _inside(window: Window, clock: time) -> bool:
    if window.crosses_midnight:
        return clock >= window.start or clock < window.end
    return window.start <= clock < window.end


def outside_windows(config: Config, entry: QueueEntry) -> bool:
    """True when the entry's local time is in no active window of its channel's segments for its zone."""
    if entry.channel not in config.channels:
        return False
    windows = [w for s in config.audience_of(entry.channel) if s.zone == entry.zone for w in s.windows]
    if not windows:
        return False
    clock = entry.at.astimezone(zone(entry.zone)).time()
    return not any(_inside(w, clock) for w in windows)


def volume(session: Session, *, now: datetime) -> dict[str, tuple[int, int]]:
    """Posts each channel will make in the next 24 hours and the next 30 days (platforms charge per post)."""
    upcoming = session.exec(
        select(QueueEntry.channel, QueueEntry.at).where(
            col(QueueEntry.state).in_([s.value for s in UPCOMING]),
            col(QueueEntry.at) >= now,
            col(QueueEntry.at) < now + timedelta(days=30),
        )
    ).all()
    day = Counter(channel for channel, at in upcoming if at < now + timedelta(hours=24))
    month = Counter(channel for channel, _ in upcoming)
    return {channel: (day[channel], month[channel]) for channel in month}


def published_posts(
    session: Session, *, item_id: int | None = None, channel: str | None = None, since: datetime | None = None
) -> list[Publication]:
    query = select(Publication)
    if item_id is not None:
        query = query.where(Publication.item_id == item_id)
    if channel:
        query = query.where(Publication.channel == channel)
    if since is not None:
        query = query.where(col(Publication.published_at) >= since)
    return list(session.exec(query.order_by(col(Publication.published_at), col(Publication.id))).all())


def titles_of(session: Session, item_ids: set[int]) -> dict[int, str]:
    """The titles of these items, by id (a removed item is missing)."""
    from content_library.models import Item

    found = session.exec(select(Item).where(col(Item.id).in_(item_ids))).all()
    return {item.id: item.title for item in found if item.id is not None}
