"""The missed-post policy: when an entry is too late to go out.

It lives here because the daemon, ``queue resume`` and ``queue list`` must agree on it: an entry whose instant
is more than ``grace`` in the past when it is looked at is *missed* — never sent late in a burst — and its item
simply returns to the pool for the planner. Recording any outcome is a move of the state machine
(:mod:`scheduler.queue.states`).
"""

from datetime import datetime, timedelta

from sqlmodel import Session

from scheduler.config import Config
from scheduler.queue import states
from scheduler.queue.tables import EntryState, QueueEntry


def grace_for(config: Config, campaign: str | None) -> timedelta:
    """The campaign's ``grace`` if it sets one, else the top-level one (default 15 minutes)."""
    settings = config.campaigns.get(campaign) if campaign else None
    return settings.grace if settings and settings.grace is not None else config.grace


def is_missed(entry_at: datetime, now: datetime, grace: timedelta) -> bool:
    return now - entry_at > grace


def mark_missed_entries(session: Session, config: Config, entries: list[QueueEntry], *, now: datetime) -> int:
    """Apply the missed-post policy to planned entries; returns how many became missed."""
    missed = 0
    for entry in entries:
        grace = grace_for(config, entry.campaign)
        if entry.state == EntryState.PLANNED.value and is_missed(entry.at, now, grace):
            late = now - entry.at
            states.miss(session, entry, reason=f"{int(late.total_seconds() // 60)} min late (grace {grace})", now=now)
            missed += 1
    return missed


# Kept until `queue/edits.py` and `dispatch/claims.py` call the moves of `scheduler.queue.states` themselves.


def record_missed(session: Session, entry: QueueEntry, *, reason: str, now: datetime) -> QueueEntry:
    """Deprecated: :func:`scheduler.queue.states.miss`."""
    return states.miss(session, entry, reason=reason, now=now)


def record_published(
    session: Session, entry: QueueEntry, *, remote_id: str | None, remote_url: str | None, now: datetime
) -> QueueEntry:
    """Deprecated: :func:`scheduler.queue.states.publish` for a claimed entry,
    :func:`scheduler.queue.states.resolve_published` for one in doubt."""
    if entry.state == EntryState.IN_DOUBT.value:
        return states.resolve_published(session, entry, now=now)
    return states.publish(session, entry, remote_id=remote_id, remote_url=remote_url, now=now)
