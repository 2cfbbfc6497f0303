"""When a published post's counts are due to be read: pure, given the post's instant, its last pull and now.

A post is read once per checkpoint of ``metrics.after`` (1 h, 24 h, 7 d by default). A pull that comes late,
after the daemon was down, stands for every checkpoint it passed, so a post is never read twice in a row
for checkpoints that slipped by together. After its last checkpoint a post is not read again; one older
than :data:`GIVE_UP_FACTOR` times the last checkpoint is left alone even if it never was read, because its
counts would no longer say how it did in its first days (and turning metrics on must not read a whole
history).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

GIVE_UP_FACTOR = 2


def checkpoint_passed(published_at: datetime, after: Sequence[timedelta], now: datetime) -> datetime | None:
    """The latest checkpoint instant of the post at or before ``now``; None before the first."""
    passed = [published_at + step for step in after if published_at + step <= now]
    return passed[-1] if passed else None


def is_due(published_at: datetime, last_pull: datetime | None, after: Sequence[timedelta], now: datetime) -> bool:
    """True when the post has passed a checkpoint that no pull has covered yet."""
    if now - published_at > GIVE_UP_FACTOR * after[-1]:
        return False
    checkpoint = checkpoint_passed(published_at, after, now)
    return checkpoint is not None and (last_pull is None or last_pull < checkpoint)


def oldest_worth_reading(after: Sequence[timedelta], now: datetime) -> datetime:
    """Posts published before this are never due: the database query's lower bound."""
    return now - GIVE_UP_FACTOR * after[-1]
