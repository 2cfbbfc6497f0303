"""Work one daemon does for all (feed polling, refilling): at most once per interval, whichever daemon runs.

Every daemon schedules these jobs; at each run it asks for the job's *turn*. On PostgreSQL the turn is a
session advisory lock, held on a connection of its own for the whole run: the server lets it go when that
connection closes, so a daemon that dies mid-job frees the job at once, and another takes it at its next run.
Holding the lock, the daemon reads the job's :class:`~scheduler.daemon.tables.JobRun` row: if another daemon
started it less than an interval ago, this one has nothing to do; else it writes its own start and runs. On
SQLite only one daemon runs (its lock file says so), and the same row keeps the interval across restarts.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from content_library.database import transaction
from scheduler import advisory
from scheduler.daemon.tables import JobRun

SLACK = timedelta(seconds=1)  # a scheduler firing a hair early still gets its turn


@contextmanager
def turn(engine: Engine, job: str, *, worker: str, now: datetime, every: timedelta) -> Iterator[bool]:
    """Whether this daemon runs ``job`` now: True when it holds the job's lock and the job last started at
    least ``every`` (less :data:`SLACK`) before ``now`` (its start is then recorded as ``now``); the lock is
    held until the block ends."""
    with _advisory_lock(engine, job) as held:
        if not held:
            yield False
            return
        with transaction(engine) as session:
            last = session.get(JobRun, job)
            due = last is None or now - last.started_at >= every - SLACK
            if due:
                run = last or JobRun(name=job, started_at=now, ran_by=worker)
                run.started_at, run.ran_by = now, worker
                session.add(run)
        yield due


@contextmanager
def _advisory_lock(engine: Engine, job: str) -> Iterator[bool]:
    with engine.connect() as connection:
        held = advisory.try_for_connection(connection, job)
        try:
            yield held
        finally:
            if held:
                advisory.release(connection, job)
