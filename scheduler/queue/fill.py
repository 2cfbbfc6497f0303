"""``queue fill``: materialise the plan up to the horizon.

Refilling only adds or replaces unpinned, planner-made, ``planned`` entries more than a day ahead
(:func:`scheduler.queue.settled.replaceable`). Everything a person touched (pinned, moved, inserted), everything
being published or in doubt, and everything due within the next day is handed to the planner as *fixed*: kept as it
is and counted by the plan's rules (min_gap, repeat_after, caps, segment shares). An entry the new plan proposes
again on the same channel, with the same item at the same instant, keeps its id and idempotency key — its text
(wording, campaign, zone) is updated in place if only that changed — so filling twice gives the same queue and an id
a person read stays that post's. Entries the new plan drops are cancelled, not deleted: the row is the tombstone
that tells a calendar holding an exported copy to remove the event (``queue export --ics``), and its id is never
handed out again (migration ``0004``). Cancelled rows whose instant is :data:`TOMBSTONES_KEPT` past are deleted.

Fills are serialised: on SQLite by the write lock every transaction takes up front, on
PostgreSQL by a transaction-scoped advisory lock, so two daemons refilling at the same moment cannot both add the
plan.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, text
from sqlmodel import Session, col

from content_library.candidates import DatabaseCandidates
from scheduler.config import Config
from scheduler.metrics.observations import observations
from scheduler.planning.attribution import with_entry_id
from scheduler.planning.inputs import PlanInputs
from scheduler.planning.model import PlannedPost
from scheduler.planning.planner import plan
from scheduler.queue import states
from scheduler.queue.entries import ConcurrentEdit, active_entries, as_share, history_shares, insert_entry
from scheduler.queue.settled import replaceable
from scheduler.queue.tables import EntryState, Origin, QueueEntry


@dataclass(frozen=True)
class FillResult:
    added: int
    kept: int  # the planner's entries kept, with their ids: settled ones and ones the new plan proposed again
    removed: int
    warnings: tuple[str, ...]
    reworded: int = 0  # of the kept ones, those whose text the new plan changed (updated in place)

    def line(self) -> str:
        kept = f"{self.kept} kept" + (f" ({self.reworded} with new words)" if self.reworded else "")
        return f"{self.added} added, {kept}, {self.removed} replaced"


def _identity(channel: str, item_id: int, at: datetime) -> tuple[str, int, datetime]:
    """What makes a proposed post the same entry as a queued one; the rest (text, variant, campaign, zone,
    reason) is updated in place."""
    return (channel, item_id, at)


TOMBSTONES_KEPT = timedelta(days=30)  # longer than anyone keeps an exported calendar unrefreshed
FILL_LOCK = 0x65766572  # "ever": the advisory lock id that serialises fills on PostgreSQL


def fill(session: Session, config: Config, *, now: datetime, days: int) -> FillResult:
    """Replan the horizon around what is fixed, in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FILL_LOCK})
    entries = active_entries(session)
    fixed = [as_share(e) for e in entries if not replaceable(e, now)]
    old: dict[tuple[str, int, datetime], list[QueueEntry]] = defaultdict(list)
    for entry in entries:
        if replaceable(entry, now):
            old[_identity(entry.channel, entry.item_id, entry.at)].append(entry)
    result = plan(
        PlanInputs.of(config),
        DatabaseCandidates(session),
        now=now,
        days=days,
        history=history_shares(session),
        fixed=fixed,
        observations=observations(session, config, now=now),
    )
    added = reworded = 0
    kept = sum(1 for e in entries if e.origin == Origin.PLANNER.value and not e.pinned and not replaceable(e, now))
    for post in result.posts:
        same = old.get(_identity(post.channel, post.item_id, post.at))
        if not same:
            insert_entry(session, _fields(post), now=now)
            added += 1
            continue
        existing = same.pop(0)
        kept += 1
        wanted = _fields(post) | {"text": with_entry_id(post.text, existing.id)}  # as the queue would store it
        changes = {k: v for k, v in wanted.items() if k in _UPDATED and getattr(existing, k) != v}
        if changes:
            reworded += _edit_if_unchanged(session, existing, changes, now=now)
    removed = sum(_cancel_if_unchanged(session, stale, now=now) for same in old.values() for stale in same)
    _forget_old_tombstones(session, now=now)
    return FillResult(added, kept, removed, result.warnings, reworded)


_UPDATED = ("text", "variant_id", "template_key", "campaign", "zone", "reason")  # what a refill changes in place


def _edit_if_unchanged(session: Session, entry: QueueEntry, changes: dict[str, object], *, now: datetime) -> int:
    """Give a kept entry the new plan's text, unless a person changed it meanwhile (theirs wins)."""
    try:
        states.edit(session, entry, now=now, **changes)
    except ConcurrentEdit:  # the UPDATE matched no row: nothing to undo
        return 0
    return 1


def _cancel_if_unchanged(session: Session, entry: QueueEntry, *, now: datetime) -> int:
    """Cancel a replaced entry unless someone changed it meanwhile (a daemon claiming it on PostgreSQL)."""
    try:
        states.cancel(session, entry, now=now)
    except ConcurrentEdit:
        return 0
    return 1


def _forget_old_tombstones(session: Session, *, now: datetime) -> None:
    """Cancelled entries long past tell no calendar anything any more; without this a daemon refilling for years
    would keep every replaced entry."""
    session.execute(
        delete(QueueEntry).where(
            col(QueueEntry.state) == EntryState.CANCELLED.value, col(QueueEntry.at) < now - TOMBSTONES_KEPT
        )
    )


def _fields(post: PlannedPost) -> dict[str, object]:
    return {
        "channel": post.channel,
        "campaign": post.campaign,
        "zone": post.zone,
        "at": post.at,
        "item_id": post.item_id,
        "variant_id": post.variant_id,
        "template_key": post.template_key,
        "text": post.text,
        "reason": post.reason,
        "origin": Origin.PLANNER.value,
    }
