"""Which queue entries a refill may still replace: one rule that ``queue fill`` applies, ``plan`` previews and
``queue list`` marks.

In a module of its own, with nothing but the queue's tables, so that listing the queue does not load the
planner that :mod:`scheduler.queue.fill` needs.
"""

from datetime import datetime, timedelta

from scheduler.queue.tables import EntryState, Origin, QueueEntry

# The planner places a day's posts in what is left of that day's windows, so a replan an hour later would
# nudge today's posts along (and could keep nudging one past its window for good). What a person can already
# see coming in the next day stays put; later entries are re-planned at every refill.
SETTLED = timedelta(days=1)


def replaceable(entry: QueueEntry, now: datetime) -> bool:
    """Whether a refill may still replace ``entry``: unpinned, made by the planner, planned, a day or more
    ahead. ``queue list`` marks these."""
    return (
        entry.state == EntryState.PLANNED.value
        and not entry.pinned
        and entry.origin == Origin.PLANNER.value
        and entry.at >= now + SETTLED
    )
