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
