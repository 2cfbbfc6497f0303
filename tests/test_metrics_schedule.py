"""When a post's counts are read: once per checkpoint, a late pull standing for every checkpoint it passed."""

from datetime import UTC, datetime, timedelta

from scheduler.metrics.schedule import is_due

AFTER = (timedelta(hours=1), timedelta(hours=24), timedelta(days=7))
POSTED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return POSTED + timedelta(hours=hours)


def test_a_post_is_read_once_at_each_checkpoint_and_then_never_again() -> None:
    assert not is_due(POSTED, None, AFTER, at(0.5))
    assert is_due(POSTED, None, AFTER, at(1))
    assert not is_due(POSTED, at(1), AFTER, at(23))
    assert is_due(POSTED, at(1), AFTER, at(24))
    assert not is_due(POSTED, at(24.1), AFTER, at(100))
    assert is_due(POSTED, at(24.1), AFTER, at(168))
    assert not is_due(POSTED, at(168), AFTER, at(300))


def test_a_late_pull_stands_for_every_checkpoint_it_passed() -> None:
    assert is_due(POSTED, None, AFTER, at(30))  # the daemon was down through the 1 h and 24 h checkpoints
    assert not is_due(POSTED, at(30), AFTER, at(31))  # not read again for the 1 h one


def test_a_post_long_past_its_last_checkpoint_is_left_alone() -> None:
    assert is_due(POSTED, None, AFTER, at(2 * 168))
    assert not is_due(POSTED, None, AFTER, at(2 * 168 + 1))
