"""Choosing and claiming due entries, in committed transactions of their own.

An entry is claimed (state ``claimed``, the claimer's id, a lease, one more attempt) and that claim is
committed *before* the platform is called; the outcome is committed right after. So a crash in between leaves
a ``claimed`` entry whose lease runs out, and :func:`expired_claims` hands it to the settling code, which asks
the platform before doing anything again — after claiming it afresh, so two workers never act on one claim.
Every later write of the outcome is checked against the version the worker claimed: a worker whose lease ran
out and whose entry was taken over finds its write refused and does nothing more. Claims are taken one entry
at a time, right before its platform call, so a claim lives for one call (or two, with a re-worded retry),
well inside the lease.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from scheduler.config import Config
from scheduler.queue import states
from scheduler.queue.entries import ConcurrentEdit
from scheduler.queue.holds import active_holds, is_held
from scheduler.queue.outcomes import grace_for, is_missed
from scheduler.queue.states import Outcome
from scheduler.queue.tables import EntryState, QueueEntry
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


def due_entries(session: Session, now: datetime) -> list[QueueEntry]:
    """Planned entries whose instant (or retry instant) has come, oldest first, at most :data:`PER_CHANNEL`
    per channel: a round takes one entry per channel, so reading a large backlog whole at every round
    would make it quadratic."""
    due = (
        QueueEntry.state == EntryState.PLANNED.value,
        col(QueueEntry.at) <= now,
        or_(col(QueueEntry.next_attempt_at).is_(None), col(QueueEntry.next_attempt_at) <= now),
    )
    rank = (
        func.row_number()
        .over(partition_by=col(QueueEntry.channel), order_by=(col(QueueEntry.at), col(QueueEntry.id)))
        .label("rank")
    )
    ranked = select(col(QueueEntry.id), rank).where(*due).subquery()
    first_ones = select(ranked.c.id).where(ranked.c.rank <= PER_CHANNEL)
    query = select(QueueEntry).where(col(QueueEntry.id).in_(first_ones))
    return list(session.exec(query.order_by(col(QueueEntry.at), col(QueueEntry.id))).all())


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


def due_by_channel(session: Session, config: Config, *, now: datetime) -> tuple[list[QueueEntry], list[Skipped]]:
    """The oldest takeable due entry of each channel, after applying holds, the missed-post policy and the
    caps (entries that were missed or deferred on the way are reported as :class:`Skipped`)."""
    holds = active_holds(session, now=now)
    rules = RuleBook.from_config(config)
    chosen: dict[str, QueueEntry] = {}
    skipped: list[Skipped] = []
    for entry in due_entries(session, now):
        if entry.channel in chosen or is_held(holds, entry.channel, entry.campaign):
            continue
        if entry.channel not in config.channels:
            continue  # a channel removed from the config: its entries wait, untouched
        try:
            verdict = _judge(session, config, rules, entry, now=now)
        except ConcurrentEdit:
            continue  # a person (or another daemon) changed it since we read it: look again next round
        if verdict is None:
            chosen[entry.channel] = entry
        else:
            skipped.append(verdict)
    return list(chosen.values()), skipped


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


def claim_next(
    session: Session, config: Config, *, now: datetime, worker: str
) -> tuple[list[QueueEntry], list[Skipped]]:
    """Claim the oldest takeable due entry of every channel at once (what a worker that then died left)."""
    candidates, skipped = due_by_channel(session, config, now=now)
    return [states.claim(session, entry, worker=worker, now=now, lease=LEASE) for entry in candidates], skipped


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
