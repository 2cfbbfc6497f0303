"""Singleton jobs (feed polling, refilling): one daemon at a time, once per interval across daemons, and taken
over at once when the daemon running one dies."""

import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from scheduler.daemon.singleton import turn
from tests.queue_helpers import T0

HOUR = timedelta(hours=1)


def test_a_job_runs_once_per_interval_whichever_daemon_asks(engine: Engine) -> None:
    ran = []
    for n, minutes in enumerate([0, 5, 20, 59, 60, 61, 119, 121]):
        with turn(engine, "refill", worker=f"d{n % 4}", now=T0 + timedelta(minutes=minutes), every=HOUR) as mine:
            if mine:
                ran.append(minutes)
    assert ran == [0, 60, 121]


def test_while_one_daemon_runs_a_job_the_others_do_not(postgresql_url: str) -> None:
    from content_library.database import make_engine, upgrade

    engine = make_engine(postgresql_url)
    upgrade(engine)
    try:
        with turn(engine, "feeds", worker="a", now=T0, every=timedelta(minutes=1)) as first:
            assert first
            later = T0 + timedelta(minutes=5)  # even long after its interval: A is still polling
            with turn(engine, "feeds", worker="b", now=later, every=timedelta(minutes=1)) as second:
                assert not second
        with turn(engine, "feeds", worker="b", now=T0 + timedelta(minutes=5), every=timedelta(minutes=1)) as mine:
            assert mine
    finally:
        engine.dispose()


HOLDER = """\
import sys, time
from datetime import datetime, timedelta
from content_library.database import make_engine
from scheduler.daemon.singleton import turn
job, name, now = sys.argv[2], sys.argv[3], datetime.fromisoformat(sys.argv[4])
engine = make_engine(sys.argv[1], application_name=name)
with turn(engine, job, worker=name, now=now, every=timedelta(0)):
    print("holding", flush=True)
    time.sleep(60)
"""


def holder_of(job: str, url: str, *, name: str, now: datetime = T0) -> "subprocess.Popen[str]":
    """Another process (a daemon called ``name``) that takes ``job``'s turn at ``now`` and holds it for a minute.
    Its clock is the test's, never the machine's: a turn taken at the real time would count against a daemon
    driven at T0 on the one day the two are minutes apart (found on 2026-12-01)."""
    command = [sys.executable, "-c", HOLDER, url, job, name, now.isoformat()]
    holder = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    return holder


def test_a_daemon_that_dies_holding_a_job_frees_it_at_once(postgresql_url: str) -> None:
    from content_library.database import make_engine, upgrade

    engine = make_engine(postgresql_url)
    upgrade(engine)
    holder = holder_of("feeds", postgresql_url, name="doomed")
    try:
        with turn(engine, "feeds", worker="b", now=T0, every=timedelta(0)) as mine:
            assert not mine
        holder.kill()
        holder.wait()
        deadline = time.monotonic() + 10
        while True:  # the server notices the closed connection at once; give it a moment
            with turn(engine, "feeds", worker="b", now=T0, every=timedelta(0)) as mine:
                if mine:
                    break
            if time.monotonic() > deadline:
                pytest.fail("the dead daemon's job lock was never released")
            time.sleep(0.05)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]
        engine.dispose()


def test_a_hung_daemon_s_job_lock_is_broken_once_its_heartbeat_is_stale(postgresql_url: str) -> None:
    """Found in review: a SIGSTOPped daemon keeps its connection, so the job's lock, open: feed polling and
    refilling stopped on every daemon for as long as it hung."""
    import signal
    from datetime import UTC, datetime

    from content_library.database import make_engine, transaction, upgrade
    from scheduler.daemon import registry

    engine = make_engine(postgresql_url)
    upgrade(engine)
    with transaction(engine) as session:
        registry.register(session, worker="hung:7", pid=7, host="elsewhere", now=datetime.now(UTC))
    holder = holder_of("refill", postgresql_url, name="hung:7", now=datetime.now(UTC))
    try:
        holder.send_signal(signal.SIGSTOP)
        alive = datetime.now(UTC) + timedelta(seconds=30)  # its heartbeat is 30 s old: not stale yet
        with turn(
            engine, "refill", worker="b", now=alive, every=timedelta(0), stale_after=timedelta(minutes=1)
        ) as mine:
            assert not mine
        later = datetime.now(UTC) + timedelta(minutes=2)  # now it is: the lock is broken and taken
        with turn(
            engine, "refill", worker="b", now=later, every=timedelta(0), stale_after=timedelta(minutes=1)
        ) as mine:
            assert mine
    finally:
        holder.send_signal(signal.SIGCONT)
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]
        engine.dispose()
