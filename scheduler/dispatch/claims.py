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

from sqlalchemy import ColumnElement, and_, func, or_
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


def _open_to_claims(config: Config, holds: list[Hold]) -> tuple[ColumnElement[bool], ...]:
    """Planned entries on a configured channel and campaign that no hold stops: what the daemon may act on.
    (A channel removed from the config keeps its entries untouched; held ones wait for the hold's end.)"""
    held_channels = [h.name for h in holds if h.scope == "channel"]
    held_campaigns = [h.name for h in holds if h.scope == "campaign"]
    return (
        col(QueueEntry.state) == EntryState.PLANNED.value,
        col(QueueEntry.channel).in_(list(config.channels)),
        col(QueueEntry.channel).not_in(held_channels),
        or_(col(QueueEntry.campaign).is_(None), col(QueueEntry.campaign).not_in(held_campaigns)),
    )


def takeable(session: Session, config: Config, now: datetime, *, holds: list[Hold], limit: int) -> list[QueueEntry]:
    """Due entries a daemon may claim now, read and locked (:func:`takeable_query`)."""
    return list(session.exec(takeable_query(config, now, holds=holds, limit=limit)).all())


def takeable_query(config: Config, now: datetime, *, holds: list[Hold], limit: int) -> SelectOfScalar[QueueEntry]:
    """The oldest due entry of each channel with no claim in force, oldest first, at most ``limit``, locked
    for this transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: rows another daemon is claiming are passed
    over, not waited for; SQLite's ``BEGIN IMMEDIATE`` holds the whole file instead).

    Only each channel's *first* due entry is ever read, so a channel has at most one claim in force,
    whichever daemon holds it: a daemon whose view is older than another's claim finds that entry locked or
    no longer planned, and takes nothing on that channel, rather than the entry behind it. So a channel's
    posts go out in order, one call at a time, and ``min_gap`` and the caps, judged against what went out,
    hold across daemons. The ``(state, at)`` index finds the due entries and the claims in force, so the cost
    follows what is due, not the size of the queue."""
    in_flight = select(col(QueueEntry.channel)).where(QueueEntry.state == EntryState.CLAIMED.value)
    due = (
        *_open_to_claims(config, holds),
        col(QueueEntry.at) <= now,
        or_(col(QueueEntry.next_attempt_at).is_(None), col(QueueEntry.next_attempt_at) <= now),
        col(QueueEntry.channel).not_in(in_flight),
    )
    rank = (
        func.row_number()
        .over(partition_by=col(QueueEntry.channel), order_by=(col(QueueEntry.at), col(QueueEntry.id)))
        .label("rank")
    )
    ranked = select(col(QueueEntry.id), rank).where(*due).subquery()
    firsts = select(ranked.c.id).where(ranked.c.rank == 1)
    return (
        select(QueueEntry)
        .where(col(QueueEntry.id).in_(firsts), col(QueueEntry.state) == EntryState.PLANNED.value)
        .order_by(col(QueueEntry.at), col(QueueEntry.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def miss_beyond_grace(session: Session, config: Config, *, now: datetime) -> list[Skipped]:
    """The missed-post policy for everything at once: planned entries more than their ``grace`` late (on a
    channel and campaign that no hold stops) become missed, one statement per distinct grace. A backlog
    after downtime is settled in one go, not one entry per round."""
    holds = active_holds(session, now=now)
    by_grace: dict[timedelta, list[str | None]] = {}
    for campaign in [None, *config.campaigns]:
        by_grace.setdefault(grace_for(config, campaign), []).append(campaign)
    own = [name for name, settings in config.campaigns.items() if settings.grace is not None]
    skipped: list[Skipped] = []
    for grace, campaigns in by_grace.items():
        if None in campaigns:  # the top-level grace: no campaign, or one without a grace of its own
            which = or_(col(QueueEntry.campaign).is_(None), col(QueueEntry.campaign).not_in(own))
        else:
            which = col(QueueEntry.campaign).in_([c for c in campaigns if c is not None])
        reason = f"more than {grace} late, beyond grace"
        late = (*_open_to_claims(config, holds), col(QueueEntry.at) < now - grace, which)
        skipped += [Skipped(e, Outcome.MISSED, reason) for e in states.miss_all(session, late, reason=reason, now=now)]
    return skipped


def next_wake(session: Session, config: Config, now: datetime, *, busy: Collection[str] = ()) -> datetime | None:
    """The earliest instant at which something could be published: a planned entry (or its retry) on a
    configured channel that is not held, or the end of a hold. None if nothing is waiting. Held and unknown
    channels are left out, or the daemon would wake for entries it may not take, again and again; so are
    ``busy`` channels (a call in flight: its worker asks for the next round when the call ends)."""
    holds = active_holds(session, now=now)
    takeable = (*_open_to_claims(config, holds), col(QueueEntry.channel).not_in(list(busy)))
    at = session.exec(select(func.min(QueueEntry.at)).where(*takeable, col(QueueEntry.next_attempt_at).is_(None))).one()
    retry = session.exec(select(func.min(QueueEntry.next_attempt_at)).where(*takeable)).one()
    hold_ends = [h.until for h in holds if h.until is not None]
    candidates = [t for t in (at, retry, *hold_ends) if t is not None]
    return max(min(candidates), now) if candidates else None


def claim_due(
    session: Session,
    config: Config,
    *,
    now: datetime,
    worker: str,
    lease: timedelta = LEASE,
    limit: int,
    rules: RuleBook | None = None,
) -> tuple[list[QueueEntry], list[Skipped]]:
    """Claim the oldest due entry of up to ``limit`` channels for ``worker``, in the caller's transaction: the
    channels' first due entries are read and locked (:func:`takeable`), judged (missed beyond grace, or
    deferred to keep ``min_gap`` and the caps against what went out; those are reported as
    :class:`Skipped`), and the rest claimed in one statement (:func:`states.claim_all`). ``rules``: the
    config's rule book, if the caller keeps one."""
    rules = rules or RuleBook.from_config(config)
    chosen: list[QueueEntry] = []
    skipped: list[Skipped] = []
    for entry in takeable(session, config, now, holds=active_holds(session, now=now), limit=limit):
        verdict = _judge(session, config, rules, entry, now=now)
        if verdict is None:
            chosen.append(entry)
        else:
            skipped.append(verdict)
    return states.claim_all(session, chosen, worker=worker, now=now, lease=lease), skipped


def _judge(session: Session, config: Config, rules: RuleBook, entry: QueueEntry, *, now: datetime) -> Skipped | None:
    """Why a due entry must not be published now (missed beyond grace, deferred to keep min_gap or a cap
    against what really went out, missed at once when that wait would take it beyond grace), or None."""
    grace = grace_for(config, entry.campaign)
    if is_missed(entry.at, now, grace):
        reason = f"{int((now - entry.at).total_seconds() // 60)} min late, beyond grace ({grace})"
        return Skipped(states.miss(session, entry, reason=reason, now=now), Outcome.MISSED, reason)
    paced = pace(session, rules, entry, now)
    if paced is not None:
        free_at, held = paced
        if is_missed(entry.at, free_at, grace):  # found in review: a month's wait for a budget, shown as failing
            reason = f"cannot go out within grace ({grace}): {'; '.join(held)}"
            return Skipped(states.miss(session, entry, reason=reason, now=now), Outcome.MISSED, reason)
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
    dead_owners: Collection[str] = (),
    in_flight: Collection[int] = (),
) -> list[QueueEntry]:
    """Claims to settle, other than the caller's own calls ``in_flight``: those of ``dead_owners`` (daemons
    whose heartbeat stopped, or that stopped with calls in flight) at once, and those whose lease ran out,
    unless their owner is one of ``live_owners`` (a live daemon settles its own). The lease is what protects
    a worker that never registers a heartbeat (``run --once``, ``share-now --direct``). ``every_claim`` takes
    all of them, for a SQLite daemon starting up, which knows it is the only one."""
    query = select(QueueEntry).where(QueueEntry.state == EntryState.CLAIMED.value)
    if not every_claim:
        lease_ran_out = and_(col(QueueEntry.lease_until) < now, col(QueueEntry.claimed_by).not_in(list(live_owners)))
        query = query.where(
            or_(col(QueueEntry.claimed_by).in_(list(dead_owners)), lease_ran_out),
            col(QueueEntry.id).not_in(list(in_flight)),
        )
    return list(session.exec(query.order_by(col(QueueEntry.at))).all())
