"""A queue entry's life: the moves between its states, in one table, and one named function per move.

::

    planned ──claim──► claimed ──publish──► published
      │ ▲                │ ↻ take_over (settle a dead worker's claim), reword (X refused the text)
      │ ├────release─────┤ (try again later, or the channel is held)
      │ └───give_back────┤ (no call was made: the daemon is stopping)
      │                  ├──fail──► failed
      │                  ├──miss──► missed ◄──miss── planned (its time passed beyond grace)
      │                  └──doubt──► in_doubt ──resolve_published──► published
      │                                  └──────resolve_retry──────► planned
      ├──skip──► skipped        ↻ edit (time, item, text, pin), defer (a cap is reached)
      └──cancel──► cancelled

:data:`MOVES` is the only answer to "can a claimed entry be skipped?". Every function checks the entry's state
*as read* against it, raising :class:`IllegalTransition` (naming the entry, its state and the move), then
writes through :func:`scheduler.queue.entries.save`, whose version check refuses the write if anyone changed
the entry since that read — so the state checked is the state changed. Each runs in the caller's transaction.

Deleting an entry is not a move: a refill deletes planned entries it replaces (:mod:`scheduler.queue.fill`),
and their ids are never handed out again.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col

from content_library.errors import EvertideError
from scheduler.queue.entries import ConcurrentEdit, save
from scheduler.queue.tables import EntryState, Publication, QueueEntry


class Transition(StrEnum):
    CLAIM = "claim"  # a worker takes a due entry, right before its platform call
    GIVE_BACK = "give_back"  # a claim that made no call (the daemon is stopping): planned again, as it was
    TAKE_OVER = "take_over"  # a worker takes a claim whose lease ran out, to settle it
    REWORD = "reword"  # the platform refused the text as a duplicate: the next wording, same claim
    RELEASE = "release"  # back to the queue: try again later (an outage, a rate limit, a held channel)
    PUBLISH = "publish"
    MISS = "miss"  # its time passed by more than grace: never sent late
    FAIL = "fail"  # the platform refused it for good
    DOUBT = "doubt"  # nobody can tell whether it went out; a person decides
    DEFER = "defer"  # a daily or monthly cap is reached: wait until it frees a place
    EDIT = "edit"  # a person's or a refill's change of time, item, text or pin
    SKIP = "skip"
    YIELD = "yield"  # a person posted by hand just before: this slot gives way (quiet_after_manual)
    CANCEL = "cancel"
    RESOLVE_PUBLISHED = "resolve_published"  # a person says an entry in doubt went out
    RESOLVE_RETRY = "resolve_retry"  # a person says it did not: try again now


_P, _C, _D = EntryState.PLANNED, EntryState.CLAIMED, EntryState.IN_DOUBT

MOVES: dict[Transition, tuple[frozenset[EntryState], EntryState]] = {
    Transition.CLAIM: (frozenset({_P}), _C),
    Transition.GIVE_BACK: (frozenset({_C}), _P),
    Transition.TAKE_OVER: (frozenset({_C}), _C),
    Transition.REWORD: (frozenset({_C}), _C),
    Transition.RELEASE: (frozenset({_C}), _P),
    Transition.PUBLISH: (frozenset({_C}), EntryState.PUBLISHED),
    Transition.MISS: (frozenset({_P, _C}), EntryState.MISSED),
    Transition.FAIL: (frozenset({_C}), EntryState.FAILED),
    Transition.DOUBT: (frozenset({_C}), _D),
    Transition.DEFER: (frozenset({_P}), _P),
    Transition.EDIT: (frozenset({_P}), _P),
    Transition.SKIP: (frozenset({_P}), EntryState.SKIPPED),
    Transition.YIELD: (frozenset({_C}), EntryState.SKIPPED),
    Transition.CANCEL: (frozenset({_P}), EntryState.CANCELLED),
    Transition.RESOLVE_PUBLISHED: (frozenset({_D}), EntryState.PUBLISHED),
    Transition.RESOLVE_RETRY: (frozenset({_D}), _P),
}

# What EDIT may change: the post itself, never its state, claim or attempts (those belong to the moves above).
EDITABLE = frozenset(
    {"at", "item_id", "variant_id", "template_key", "text", "pinned", "origin", "campaign", "zone", "reason"}
)


class Outcome(StrEnum):
    """What the dispatcher reports happened to an entry: one log line each (``evertide run``)."""

    PUBLISHED = "published"
    ALREADY_PUBLISHED = "already_published"  # the platform had it already (a retry after a crash)
    RETRY = "retry"
    HELD = "held"  # the channel was paused (auth error); the entry waits
    MISSED = "missed"
    FAILED = "failed"
    IN_DOUBT = "in_doubt"
    DEFERRED = "deferred"  # a cap is reached
    LOST_CLAIM = "lost_claim"  # another worker took the entry over and recorded the outcome
    YIELDED = "yielded"  # skipped: a person posted by hand shortly before (quiet_after_manual)


class EditRefused(EvertideError):
    """A change the queue refuses: it would break a rule, or the entry's state does not allow it."""


class IllegalTransition(EditRefused):
    """A move the table does not allow from the entry's state (e.g. skipping a published entry)."""

    def __init__(self, entry: QueueEntry, transition: Transition) -> None:
        sources = ", ".join(sorted(s.value for s in MOVES[transition][0]))
        super().__init__(
            f"queue entry {entry.id} is {entry.state}; {transition.value} applies only to {sources} entries",
            hint=f"See it with `evertide queue show {entry.id}`.",
        )
        self.entry_id = entry.id
        self.state = entry.state
        self.transition = transition


def allowed(state: EntryState | str) -> frozenset[Transition]:
    """Every move the table allows from ``state``."""
    return frozenset(t for t, (sources, _) in MOVES.items() if EntryState(state) in sources)


def can(entry: QueueEntry, transition: Transition) -> bool:
    return EntryState(entry.state) in MOVES[transition][0]


def _move(session: Session, entry: QueueEntry, transition: Transition, *, now: datetime, **changes: Any) -> QueueEntry:
    if not can(entry, transition):
        raise IllegalTransition(entry, transition)
    return save(session, entry, now=now, state=MOVES[transition][1].value, **changes)


# -- the daemon's moves -----------------------------------------------------------------------------------------


def claim(session: Session, entry: QueueEntry, *, worker: str, now: datetime, lease: timedelta) -> QueueEntry:
    """Take a planned entry for ``worker`` until ``now + lease``; counts one more attempt."""
    return _move(
        session,
        entry,
        Transition.CLAIM,
        now=now,
        claimed_by=worker,
        lease_until=now + lease,
        attempts=entry.attempts + 1,
    )


def claim_all(
    session: Session, entries: list[QueueEntry], *, worker: str, now: datetime, lease: timedelta
) -> list[QueueEntry]:
    """:func:`claim` for several planned entries in one statement (``UPDATE … RETURNING``): the daemon's
    publish round claims what its free workers can take at once. The caller holds the rows (read ``FOR UPDATE
    SKIP LOCKED`` in the same transaction on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` holds the whole file),
    so the state and version it read are the ones changed; a row that changed anyway is a ConcurrentEdit."""
    for entry in entries:
        if not can(entry, Transition.CLAIM):
            raise IllegalTransition(entry, Transition.CLAIM)
    if not entries:
        return []
    versions = {entry.id: entry.version for entry in entries}
    claimed = session.scalars(
        update(QueueEntry)
        .where(col(QueueEntry.id).in_(list(versions)), col(QueueEntry.state) == EntryState.PLANNED.value)
        .values(
            state=EntryState.CLAIMED.value,
            claimed_by=worker,
            lease_until=now + lease,
            attempts=QueueEntry.attempts + 1,
            version=QueueEntry.version + 1,
            updated_at=now,
        )
        .returning(QueueEntry)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).all()
    if sorted((e.id, e.version - 1) for e in claimed) != sorted(versions.items()):
        raise ConcurrentEdit("queue entries were changed by someone else while being claimed; nothing was claimed")
    return sorted(claimed, key=lambda e: (e.at, e.id or 0))


def give_back(session: Session, entry: QueueEntry, *, now: datetime) -> QueueEntry:
    """Return a claim that made no platform call (the daemon stopped before its worker began): planned again,
    with its attempt uncounted, so the next call is not taken for a retry of one that never happened."""
    return _move(
        session, entry, Transition.GIVE_BACK, now=now, claimed_by=None, lease_until=None, attempts=entry.attempts - 1
    )


def take_over(session: Session, entry: QueueEntry, *, worker: str, now: datetime, lease: timedelta) -> QueueEntry:
    """Take a claimed entry (its worker died or stalled past its lease) before asking the platform about it,
    so two workers never act on one claim."""
    return _move(
        session,
        entry,
        Transition.TAKE_OVER,
        now=now,
        claimed_by=worker,
        lease_until=now + lease,
        attempts=entry.attempts + 1,
    )


def reword(
    session: Session, entry: QueueEntry, *, text: str, variant_id: int | None, template_key: str | None, now: datetime
) -> QueueEntry:
    """Give a claimed entry its next wording, keeping the claim, for one more try."""
    return _move(
        session, entry, Transition.REWORD, now=now, text=text, variant_id=variant_id, template_key=template_key
    )


def release(session: Session, entry: QueueEntry, *, retry_at: datetime | None, error: str, now: datetime) -> QueueEntry:
    """Give a claimed entry back to the queue, due again at ``retry_at`` (None: at its own instant, once its
    channel's hold ends)."""
    return _move(
        session,
        entry,
        Transition.RELEASE,
        now=now,
        claimed_by=None,
        lease_until=None,
        next_attempt_at=retry_at,
        last_error=error,
    )


def _history_row(entry: QueueEntry, *, remote_id: str | None, remote_url: str | None, now: datetime) -> Publication:
    return Publication(
        entry_id=entry.id,
        channel=entry.channel,
        campaign=entry.campaign,
        zone=entry.zone,
        item_id=entry.item_id,
        variant_id=entry.variant_id,
        template_key=entry.template_key,
        text=entry.text,
        remote_id=remote_id,
        remote_url=remote_url,
        scheduled_at=entry.at,
        published_at=now,
    )


def publish(
    session: Session, entry: QueueEntry, *, remote_id: str | None, remote_url: str | None, now: datetime
) -> QueueEntry:
    """Record that a claimed entry went out, with its history row (what the planner's rotation reads)."""
    published = _move(session, entry, Transition.PUBLISH, now=now, claimed_by=None, lease_until=None, last_error=None)
    session.add(_history_row(entry, remote_id=remote_id, remote_url=remote_url, now=now))
    return published


def _finish(session: Session, entry: QueueEntry, transition: Transition, reason: str, now: datetime) -> QueueEntry:
    return _move(session, entry, transition, now=now, claimed_by=None, lease_until=None, last_error=reason)


def miss(session: Session, entry: QueueEntry, *, reason: str, now: datetime) -> QueueEntry:
    """Its time passed beyond grace (planned, or claimed and retried too long): its item returns to the pool."""
    return _finish(session, entry, Transition.MISS, reason, now)


def miss_all(
    session: Session, where: tuple[ColumnElement[bool], ...], *, reason: str, now: datetime
) -> list[QueueEntry]:
    """:func:`miss` for every planned entry matching ``where``, in one statement (the missed-post policy
    after downtime: a backlog in one go). Only planned entries move; the statement re-checks each row as it
    updates it, so one that someone claimed or changed meanwhile is left to them."""
    missed = session.scalars(
        update(QueueEntry)
        .where(*where, col(QueueEntry.state) == EntryState.PLANNED.value)
        .values(
            state=EntryState.MISSED.value,
            claimed_by=None,
            lease_until=None,
            last_error=reason,
            version=QueueEntry.version + 1,
            updated_at=now,
        )
        .returning(QueueEntry)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).all()
    return sorted(missed, key=lambda e: (e.at, e.id or 0))


def fail(session: Session, entry: QueueEntry, *, reason: str, now: datetime) -> QueueEntry:
    return _finish(session, entry, Transition.FAIL, reason, now)


def doubt(session: Session, entry: QueueEntry, *, reason: str, now: datetime) -> QueueEntry:
    """Nobody can tell whether a claimed entry went out: `queue resolve` decides."""
    return _finish(session, entry, Transition.DOUBT, reason, now)


def defer(session: Session, entry: QueueEntry, *, until: datetime, reason: str, now: datetime) -> QueueEntry:
    """A planned entry waits until ``until`` (when a cap frees a place); its own instant stays as planned."""
    return _move(session, entry, Transition.DEFER, now=now, next_attempt_at=until, last_error=reason)


# -- a person's (and a refill's) moves --------------------------------------------------------------------------


def edit(session: Session, entry: QueueEntry, *, now: datetime, **changes: Any) -> QueueEntry:
    """Change what a planned entry posts or when (the fields in :data:`EDITABLE`); its state stays planned.
    Asking to change anything else is a programming error (ValueError): use the move that does it."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"edit cannot change {', '.join(sorted(unknown))}; use the transition that does")
    return _move(session, entry, Transition.EDIT, now=now, **changes)


def skip(session: Session, entry: QueueEntry, *, now: datetime) -> QueueEntry:
    """Drop this occurrence only; the item returns to the pool and may be planned again later."""
    return _move(session, entry, Transition.SKIP, now=now)


def give_way(session: Session, entry: QueueEntry, *, reason: str, now: datetime) -> QueueEntry:
    """A claimed entry skipped because a person posted by hand just before its slot; the item goes back to the
    pool like a skipped one, and the reason stays on the entry."""
    return _finish(session, entry, Transition.YIELD, reason, now)


def cancel(session: Session, entry: QueueEntry, *, now: datetime) -> QueueEntry:
    """Cancel a planned entry (`queue clear`)."""
    return _move(session, entry, Transition.CANCEL, now=now)


def resolve_published(session: Session, entry: QueueEntry, *, now: datetime) -> QueueEntry:
    """A person's verdict on an entry in doubt: it did go out. Its history row has no remote id."""
    published = _move(session, entry, Transition.RESOLVE_PUBLISHED, now=now, claimed_by=None, lease_until=None)
    session.add(_history_row(entry, remote_id=None, remote_url=None, now=now))
    return published


def resolve_retry(session: Session, entry: QueueEntry, *, now: datetime) -> QueueEntry:
    """A person's verdict on an entry in doubt: it did not go out; it is due again now (or at its instant,
    if that is still ahead)."""
    return _move(
        session,
        entry,
        Transition.RESOLVE_RETRY,
        now=now,
        at=max(entry.at, now),
        claimed_by=None,
        lease_until=None,
        next_attempt_at=None,
    )
