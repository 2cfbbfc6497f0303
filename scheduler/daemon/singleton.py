"""Work one daemon does for all (feed polling, refilling): at most once per interval, whichever daemon runs.

Every daemon schedules these jobs; at each run it asks for the job's *turn*. On PostgreSQL the turn is a
session advisory lock, held on a connection of its own for the whole run: the server lets it go when that
connection closes, so a daemon that dies mid-job frees the job at once, and another takes it at its next run;
a daemon that hangs (a stopped process keeps its connection open) loses the lock to the next daemon that asks
once its heartbeat is stale (daemons name their connections with their id, so the holder is known).
Holding the lock, the daemon reads the job's :class:`~scheduler.daemon.tables.JobRun` row: if another daemon
started it less than an interval ago, this one has nothing to do; else it writes its own start and runs. On
SQLite only one daemon runs (its lock file says so), and the same row keeps the interval across restarts.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection, Engine

from content_library.database import transaction
from scheduler import advisory
from scheduler.daemon import registry
from scheduler.daemon.tables import JobRun

SLACK = timedelta(seconds=1)  # a scheduler firing a hair early still gets its turn


@contextmanager
def turn(
    engine: Engine,
    job: str,
    *,
    worker: str,
    now: datetime,
    every: timedelta,
    stale_after: timedelta = registry.STALE_AFTER,
) -> Iterator[bool]:
    """Whether this daemon runs ``job`` now: True when it holds the job's lock and the job last started at
    least ``every`` (less :data:`SLACK`) before ``now`` (its start is then recorded as ``now``); the lock is
    held until the block ends. A lock held by a daemon whose heartbeat is more than ``stale_after`` old (it
    hangs: a stopped process keeps its connection, and its locks, open) is broken first."""
    with _advisory_lock(engine, job, now=now, stale_after=stale_after) as held:
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
def _advisory_lock(engine: Engine, job: str, *, now: datetime, stale_after: timedelta) -> Iterator[bool]:
    with engine.connect() as connection:
        held = advisory.try_for_connection(connection, job)
        if not held and _held_by_the_dead(engine, connection, job, now=now, stale_after=stale_after):
            held = advisory.try_for_connection(connection, job)
        try:
            yield held
        finally:
            if held:
                advisory.release(connection, job)


def _held_by_the_dead(
    engine: Engine, connection: Connection, job: str, *, now: datetime, stale_after: timedelta
) -> bool:
    """Break ``job``'s lock if a daemon that counts as dead holds it (found in review: a SIGSTOPped daemon
    kept feed polling and refilling from every other daemon for as long as it hung); True if broken."""
    found = advisory.holder(connection, job)
    if found is None:
        return False
    server_pid, holder_name = found
    with transaction(engine) as session:
        dead = {d.id for d in registry.dead_daemons(session, now=now, stale_after=stale_after)}
    if holder_name not in dead:
        return False
    advisory.break_lock(connection, server_pid)
    for _ in range(50):  # the server ends the process at once; its locks go with it a moment later
        if advisory.holder(connection, job) is None:
            return True
        time.sleep(0.02)
    return False
