"""``queue fill``: materialise the plan up to the horizon.

Refilling only adds or replaces unpinned, planner-made, ``planned`` entries more than a day ahead
(:data:`SETTLED`). Everything a person touched (pinned, moved, inserted), everything being published or in
doubt, and everything due within the next day is handed to the planner as *fixed*: kept as it is and
counted by the plan's rules (min_gap, repeat_after, caps, segment shares). An entry the new plan proposes
again unchanged keeps its id and idempotency key, so filling twice gives the same queue. Fills are
serialised: on SQLite by the write lock every transaction takes up front, on PostgreSQL by a
transaction-scoped advisory lock, so two daemons refilling at the same moment cannot both add the plan.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, text
from sqlmodel import Session, col

from content_library.candidates import DatabaseCandidates
from scheduler.config import Config
from scheduler.planning.model import PlannedPost
from scheduler.planning.planner import plan
from scheduler.queue.entries import active_entries, as_share, history_shares, insert_entry
from scheduler.queue.tables import EntryState, Origin, QueueEntry


@dataclass(frozen=True)
class FillResult:
    added: int
    kept: int  # the planner's entries left as they were: settled ones and ones the new plan proposed again
    removed: int
    warnings: tuple[str, ...]

    def line(self) -> str:
        return f"{self.added} added, {self.kept} kept, {self.removed} replaced"


# The planner places a day's posts in what is left of that day's windows, so a replan an hour later would
# nudge today's posts along (and could keep nudging one past its window for good). What a person can already
# see coming in the next day stays put; later entries are re-planned at every refill.
SETTLED = timedelta(days=1)


def replaceable(entry: QueueEntry, now: datetime) -> bool:
    return (
        entry.state == EntryState.PLANNED.value
        and not entry.pinned
        and entry.origin == Origin.PLANNER.value
        and entry.at >= now + SETTLED
    )


def _identity(channel: str, campaign: str | None, at: datetime, item_id: int, text: str) -> tuple[object, ...]:
    return (channel, campaign, at, item_id, text)


FILL_LOCK = 0x65766572  # "ever": the advisory lock id that serialises fills on PostgreSQL


def fill(session: Session, config: Config, *, now: datetime, days: int) -> FillResult:
    """Replan the horizon around what is fixed, in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FILL_LOCK})
    entries = active_entries(session)
    fixed = [as_share(e) for e in entries if not replaceable(e, now)]
    old = {_identity(e.channel, e.campaign, e.at, e.item_id, e.text): e for e in entries if replaceable(e, now)}
    result = plan(config, DatabaseCandidates(session), now=now, days=days, history=history_shares(session), fixed=fixed)
    added = 0
    kept = sum(1 for e in entries if e.origin == Origin.PLANNER.value and not e.pinned and not replaceable(e, now))
    for post in result.posts:
        existing = old.pop(_identity(post.channel, post.campaign, post.at, post.item_id, post.text), None)
        if existing is not None:
            kept += 1
            continue
        insert_entry(session, _fields(post), now=now)
        added += 1
    removed = sum(_delete_if_unchanged(session, stale) for stale in old.values())
    return FillResult(added, kept, removed, result.warnings)


def _delete_if_unchanged(session: Session, entry: QueueEntry) -> int:
    """Delete a replaced entry unless someone changed it meanwhile (a daemon claiming it on PostgreSQL)."""
    deleted = session.execute(
        delete(QueueEntry).where(
            col(QueueEntry.id) == entry.id,
            col(QueueEntry.version) == entry.version,
            col(QueueEntry.state) == EntryState.PLANNED.value,
        )
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]


def _fields(post: PlannedPost) -> dict[str, object]:
    return {
        "channel": post.channel,
        "campaign": post.campaign,
        "zone": post.zone,
        "at": post.at,
        "item_id": post.item_id,
        "variant_id": post.variant_id,
        "text": post.text,
        "reason": post.reason,
        "origin": Origin.PLANNER.value,
    }
