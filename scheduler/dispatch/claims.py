"""Choosing and claiming due entries, in committed transactions of their own.

An entry is claimed (state ``claimed``, the claimer's id, a lease, one more attempt) and that claim is
committed *before* the platform is called; the outcome is committed right after. So a crash in between leaves
a ``claimed`` entry whose lease runs out, and :func:`expired_claims` hands it to the settling code, which asks
the platform before doing anything again. On PostgreSQL several daemons may share the queue: the claim's
version check means only one of them wins an entry.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from scheduler.config import Config
from scheduler.queue.entries import ConcurrentEdit, save
from scheduler.queue.holds import active_holds, is_held
from scheduler.queue.outcomes import grace_for, is_missed, record_missed
from scheduler.queue.rules import DAY, MONTH
from scheduler.queue.tables import EntryState, Publication, QueueEntry

LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Skipped:
    """An entry seen as due but not claimed, and why (for the log)."""

    entry: QueueEntry
    outcome: str
    detail: str


def due_entries(session: Session, now: datetime) -> list[QueueEntry]:
    """Planned entries whose instant (or retry instant) has come, oldest first."""
    query = select(QueueEntry).where(
        QueueEntry.state == EntryState.PLANNED.value,
        col(QueueEntry.at) <= now,
        or_(col(QueueEntry.next_attempt_at).is_(None), col(QueueEntry.next_attempt_at) <= now),
    )
    return list(session.exec(query.order_by(col(QueueEntry.at), col(QueueEntry.id))).all())


def next_wake(session: Session, now: datetime) -> datetime | None:
    """The earliest instant at which something becomes due: the daemon sleeps until then (or its poll)."""
    planned = QueueEntry.state == EntryState.PLANNED.value
    at = session.exec(select(func.min(QueueEntry.at)).where(planned, col(QueueEntry.next_attempt_at).is_(None))).one()
    retry = session.exec(select(func.min(QueueEntry.next_attempt_at)).where(planned)).one()
    candidates = [t for t in (at, retry) if t is not None]
    if not candidates:
        return None
    return max(min(candidates), now)


def cap_free_at(session: Session, config: Config, channel: str, now: datetime) -> datetime | None:
    """None if the channel may post now; else when its daily or monthly cap frees a place."""
    settings = config.channels.get(channel)
    if settings is None:
        return None
    for cap, span in ((settings.daily_cap, DAY), (settings.monthly_cap, MONTH)):
        if cap is None:
            continue
        recent = session.exec(
            select(Publication.published_at)
            .where(Publication.channel == channel, col(Publication.published_at) > now - span)
            .order_by(col(Publication.published_at).desc())
        ).all()
        if len(recent) >= cap:
            return recent[cap - 1] + span
    return None


def claim_next(
    session: Session, config: Config, *, now: datetime, worker: str
) -> tuple[list[QueueEntry], list[Skipped]]:
    """Claim at most one due entry per channel, applying holds, caps and the missed-post policy. An entry a
    person (or another daemon) changed since it was read is left alone: the next round looks at it again."""
    holds = active_holds(session, now=now)
    claimed: dict[str, QueueEntry] = {}
    skipped: list[Skipped] = []
    for entry in due_entries(session, now):
        if entry.channel in claimed or is_held(holds, entry.channel, entry.campaign):
            continue
        if entry.channel not in config.channels:
            continue  # a channel removed from the config: its entries wait, untouched
        try:
            taken = _take(session, config, entry, now=now, worker=worker)
        except ConcurrentEdit:
            continue
        if isinstance(taken, Skipped):
            skipped.append(taken)
        else:
            claimed[entry.channel] = taken
    return list(claimed.values()), skipped


def _take(session: Session, config: Config, entry: QueueEntry, *, now: datetime, worker: str) -> QueueEntry | Skipped:
    """Claim one due entry, or say why not (missed beyond grace, deferred by a cap)."""
    grace = grace_for(config, entry.campaign)
    if is_missed(entry.at, now, grace):
        reason = f"{int((now - entry.at).total_seconds() // 60)} min late, beyond grace ({grace})"
        return Skipped(record_missed(session, entry, reason=reason, now=now), "missed", reason)
    free_at = cap_free_at(session, config, entry.channel, now)
    if free_at is not None:
        deferred = save(session, entry, now=now, next_attempt_at=free_at, last_error="deferred: channel cap reached")
        return Skipped(deferred, "deferred", f"cap reached until {free_at:%Y-%m-%d %H:%MZ}")
    return save(
        session,
        entry,
        now=now,
        state=EntryState.CLAIMED.value,
        claimed_by=worker,
        lease_until=now + LEASE,
        attempts=entry.attempts + 1,
    )


def expired_claims(session: Session, now: datetime, *, every_claim: bool = False) -> list[QueueEntry]:
    """Claims whose lease ran out (their daemon died mid-publish); ``every_claim`` takes all of them, for a
    SQLite daemon starting up, which knows it is the only one."""
    query = select(QueueEntry).where(QueueEntry.state == EntryState.CLAIMED.value)
    if not every_claim:
        query = query.where(col(QueueEntry.lease_until) < now)
    return list(session.exec(query.order_by(col(QueueEntry.at))).all())
