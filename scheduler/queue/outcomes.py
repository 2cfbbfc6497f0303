"""Recording what happened to an entry: published (with its history row), missed, failed, in doubt.

The missed-post policy lives here because the daemon, ``queue resume`` and ``queue list`` must agree on it:
an entry whose instant is more than ``grace`` in the past when it is looked at is *missed* — never sent late in
a burst — and its item simply returns to the pool for the planner.
"""

from datetime import datetime, timedelta

from sqlmodel import Session

from scheduler.config import Config
from scheduler.queue.entries import save
from scheduler.queue.tables import EntryState, Publication, QueueEntry


def grace_for(config: Config, campaign: str | None) -> timedelta:
    """The campaign's ``grace`` if it sets one, else the top-level one (default 15 minutes)."""
    settings = config.campaigns.get(campaign) if campaign else None
    return settings.grace if settings and settings.grace is not None else config.grace


def is_missed(entry_at: datetime, now: datetime, grace: timedelta) -> bool:
    return now - entry_at > grace


def record_published(
    session: Session, entry: QueueEntry, *, remote_id: str | None, remote_url: str | None, now: datetime
) -> QueueEntry:
    """Mark the entry published and add its history row, in the caller's transaction."""
    session.add(
        Publication(
            entry_id=entry.id,
            channel=entry.channel,
            campaign=entry.campaign,
            zone=entry.zone,
            item_id=entry.item_id,
            variant_id=entry.variant_id,
            text=entry.text,
            remote_id=remote_id,
            remote_url=remote_url,
            scheduled_at=entry.at,
            published_at=now,
        )
    )
    return save(
        session, entry, now=now, state=EntryState.PUBLISHED.value, claimed_by=None, lease_until=None, last_error=None
    )


def record_missed(session: Session, entry: QueueEntry, *, reason: str, now: datetime) -> QueueEntry:
    return save(
        session, entry, now=now, state=EntryState.MISSED.value, claimed_by=None, lease_until=None, last_error=reason
    )


def record_failed(session: Session, entry: QueueEntry, *, reason: str, now: datetime) -> QueueEntry:
    return save(
        session, entry, now=now, state=EntryState.FAILED.value, claimed_by=None, lease_until=None, last_error=reason
    )


def record_in_doubt(session: Session, entry: QueueEntry, *, reason: str, now: datetime) -> QueueEntry:
    return save(
        session, entry, now=now, state=EntryState.IN_DOUBT.value, claimed_by=None, lease_until=None, last_error=reason
    )


def mark_missed_entries(session: Session, config: Config, entries: list[QueueEntry], *, now: datetime) -> int:
    """Apply the missed-post policy to planned entries; returns how many became missed."""
    missed = 0
    for entry in entries:
        grace = grace_for(config, entry.campaign)
        if entry.state == EntryState.PLANNED.value and is_missed(entry.at, now, grace):
            late = now - entry.at
            record_missed(session, entry, reason=f"{int(late.total_seconds() // 60)} min late (grace {grace})", now=now)
            missed += 1
    return missed
