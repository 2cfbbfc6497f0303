"""A failing daemon job waits longer each time and says so once, not once per attempt."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.daemon.backoff import LONGEST_WAIT, Backoff

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_a_failing_job_backs_off_to_five_minutes_and_logs_one_line_per_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Found: with the disk full the publish job failed 8,349 times in 45 s, a traceback each."""
    log = logging.getLogger("evertide.test-backoff")
    backoff = Backoff("publish", log)
    now, waits = T0, []
    with caplog.at_level(logging.INFO, logger="evertide.test-backoff"):
        for _ in range(12):
            assert backoff.ready(now)
            backoff.failed(OSError(28, "No space left on device\n[SQL: INSERT INTO …]"), now)
            assert backoff.next_try is not None
            assert not backoff.ready(backoff.next_try - timedelta(seconds=1))
            waits.append(backoff.next_try - now)
            now = backoff.next_try
        backoff.succeeded(now)
        backoff.succeeded(now)
    assert waits[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)] and max(waits) == LONGEST_WAIT
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0].startswith("publish failing: OSError: [Errno 28] No space left on device (trying again")
    assert "SQL" not in lines[0] and not any(record.exc_info for record in caplog.records)
    assert lines[1].startswith("publish recovered after 12 failures since 2026-12-01 12:00:00Z")
    assert backoff.ready(now) and backoff.failing_since is None


def test_failures_at_the_same_moment_count_once() -> None:
    """Found in review: the workers' calls all failed together when PostgreSQL restarted, counted as four
    failures in a row, and the daemon waited 40 s after a 2.6 s restart."""
    backoff = Backoff("publish", logging.getLogger("evertide.test-backoff"))
    for _ in range(4):
        backoff.failed(ConnectionError("server closed the connection"), T0)
    assert (backoff.failures, backoff.next_try) == (1, T0 + timedelta(seconds=5))
