"""Choosing and claiming due entries, in committed transactions of their own.

An entry is claimed (state ``claimed``, the claimer's id, a lease, one more attempt) and that claim is
committed *before* the platform is called; the outcome is committed right after. So a crash in between leaves
a ``claimed`` entry, and :func:`expired_claims` hands it to the settling code once its owner's heartbeat has
stopped, which asks the platform before doing anything again — after claiming it afresh, so two workers never
act on one claim. Every later write of the outcome is checked against the version the worker claimed: a
worker whose claim was taken over finds its write refused and does nothing more.

Any number of daemons claim from one database: a round reads the due entries ``FOR UPDATE SKIP LOCKED``
(rows another daemon is claiming are passed over, never waited for), judges them and claims the survivors in
one ``UPDATE … RETURNING``. A channel has at most one claim in force, whichever daemon holds it, so its
entries go out one call at a time and ``min_gap`` and the caps, judged against what went out, hold across
daemons.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from scheduler.config import Config
from scheduler.queue import states
from scheduler.queue.holds import active_holds
from scheduler.queue.outcomes import grace_for, is_missed
from scheduler.queue.states import Outcome
from scheduler.queue.tables import EntryState, Hold, QueueEntry
from scheduler.queue.timelines import pace
from scheduler.rules import RuleBook

LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Skipped:
    """An entry seen as due but not claimed, and why (for the log)."""

    entry: QueueEntry
    outcome: str
    detail: str


PER_CHANNEL = 20  # due entries read per channel and round: enough to get past a run of missed ones


def takeable(session: Session, config: Config, now: datetime, *, holds: list[Hold], limit: int) -> list[QueueEntry]:
    """Due entries a daemon may claim now, read and locked (:func:`takeable_query`)."""
    return list(session.exec(takeable_query(config, now, holds=holds, limit=limit)).all())


def takeable_query(config: Config, now: datetime, *, holds: list[Hold], limit: int) -> SelectOfScalar[QueueEntry]:
    """Due entries a daemon may claim now, oldest first, locked for this transaction (``FOR UPDATE SKIP
    LOCKED`` on PostgreSQL: rows another daemon is claiming are passed over, not waited for; SQLite's
    ``BEGIN IMMEDIATE`` holds the whole file instead): planned, their instant (or retry instant) come, on a
    configured channel and campaign that no hold stops, on a channel with no claim in force (one call per
    channel at a time, whichever daemon makes it: so ``min_gap`` and the caps, judged against what went out,
    hold across daemons), at most :data:`PER_CHANNEL` per channel and ``limit`` in all.

    The ``(state, at)`` index finds the due entries and the claims in force, so the cost follows what is due,
    not the size of the queue."""
    held_channels = [h.name for h in holds if h.scope == "channel"]
    held_campaigns = [h.name for h in holds if h.scope == "campaign"]
    in_flight = select(col(QueueEntry.channel)).where(QueueEntry.state == EntryState.CLAIMED.value)
    due = (
        QueueEntry.state == EntryState.PLANNED.value,
        col(QueueEntry.at) <= now,
        or_(col(QueueEntry.next_attempt_at).is_(None), col(QueueEntry.next_attempt_at) <= now),
        col(QueueEntry.channel).in_(list(config.channels)),
        col(QueueEntry.channel).not_in(held_channels),
        or_(col(QueueEntry.campaign).is_(None), col(QueueEntry.campaign).not_in(held_campaigns)),
        col(QueueEntry.channel).not_in(in_flight),
    )
    rank = (
        func.row_number()
        .over(partition_by=col(QueueEntry.channel), order_by=(col(QueueEntry.at), col(QueueEntry.id)))
        .label("rank")
    )
    ranked = select(col(QueueEntry.id), rank).where(*due).subquery()
    first_ones = select(ranked.c.id).where(ranked.c.rank <= PER_CHANNEL)
    query = (
        select(QueueEntry)
        .where(col(QueueEntry.id).in_(first_ones), QueueEntry.state == EntryState.PLANNED.value)
        .order_by(col(QueueEntry.at), col(QueueEntry.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return query


def next_wake(session: Session, config: Config, now: datetime, *, busy: Collection[str] = ()) -> datetime | None:
    """The earliest instant at which something could be published: a planned entry (or its retry) on a
    configured channel that is not held, or the end of a hold. None if nothing is waiting. Held and unknown
    channels are left out, or the daemon would wake for entries it may not take, again and again; so are
    ``busy`` channels (a call in flight: its worker asks for the next round when the call ends)."""
    holds = active_holds(session, now=now)
    held_channels = [h.name for h in holds if h.scope == "channel"] + list(busy)
    held_campaigns = [h.name for h in holds if h.scope == "campaign"]
    takeable = (
        QueueEntry.state == EntryState.PLANNED.value,
        col(QueueEntry.channel).in_(list(config.channels)),
        col(QueueEntry.channel).not_in(held_channels),
        or_(col(QueueEntry.campaign).is_(None), col(QueueEntry.campaign).not_in(held_campaigns)),
    )
    at = session.exec(select(func.min(QueueEntry.at)).where(*takeable, col(QueueEntry.next_attempt_at).is_(None))).one()
    retry = session.exec(select(func.min(QueueEntry.next_attempt_at)).where(*takeable)).one()
    hold_ends = [h.until for h in holds if h.until is not None]
    candidates = [t for t in (at, retry, *hold_ends) if t is not None]
    return max(min(candidates), now) if candidates else None


def claim_due(
    session: Session, config: Config, *, now: datetime, worker: str, lease: timedelta = LEASE, limit: int
) -> tuple[list[QueueEntry], list[Skipped]]:
    """Claim the oldest takeable due entry of up to ``limit`` channels for ``worker``, in the caller's
    transaction: the takeable entries are read and locked (:func:`takeable`), judged in order (missed beyond
    grace, or deferred to keep ``min_gap`` and the caps against what went out; those are reported as
    :class:`Skipped`), and the first that may go out on each channel is claimed, all in one statement
    (:func:`states.claim_all`)."""
    holds = active_holds(session, now=now)
    rules = RuleBook.from_config(config)
    chosen: dict[str, QueueEntry] = {}
    skipped: list[Skipped] = []
    for entry in takeable(session, config, now, holds=holds, limit=limit * PER_CHANNEL):
        if entry.channel in chosen or len(chosen) >= limit:
            continue
        verdict = _judge(session, config, rules, entry, now=now)
        if verdict is None:
            chosen[entry.channel] = entry
        else:
            skipped.append(verdict)
    return states.claim_all(session, list(chosen.values()), worker=worker, now=now, lease=lease), skipped


def _judge(session: Session, config: Config, rules: RuleBook, entry: QueueEntry, *, now: datetime) -> Skipped | None:
    """Why a due entry must not be published now (missed beyond grace, deferred to keep min_gap or a cap
    against what really went out), or None."""
    grace = grace_for(config, entry.campaign)
    if is_missed(entry.at, now, grace):
        reason = f"{int((now - entry.at).total_seconds() // 60)} min late, beyond grace ({grace})"
        return Skipped(states.miss(session, entry, reason=reason, now=now), Outcome.MISSED, reason)
    paced = pace(session, rules, entry, now)
    if paced is not None:
        free_at, held = paced
        reason = f"deferred until {free_at:%Y-%m-%d %H:%MZ}: {'; '.join(held)}"
        deferred = states.defer(session, entry, until=free_at, reason=reason, now=now)
        return Skipped(deferred, Outcome.DEFERRED, reason)
    return None


def expired_claims(
    session: Session,
    now: datetime,
    *,
    every_claim: bool = False,
    live_owners: Collection[str] = (),
    in_flight: Collection[int] = (),
) -> list[QueueEntry]:
    """Claims to settle: those whose lease ran out, unless their owner is one of ``live_owners`` (daemons
    whose heartbeat still comes: each settles its own) or they are ``in_flight`` (the caller's own calls that
    are still running). ``every_claim`` takes all of them, for a SQLite daemon starting up, which knows it is
    the only one."""
    query = select(QueueEntry).where(QueueEntry.state == EntryState.CLAIMED.value)
    if not every_claim:
        query = query.where(
            col(QueueEntry.lease_until) < now,
            col(QueueEntry.claimed_by).not_in(list(live_owners)),
            col(QueueEntry.id).not_in(list(in_flight)),
        )
    return list(session.exec(query.order_by(col(QueueEntry.at))).all())
