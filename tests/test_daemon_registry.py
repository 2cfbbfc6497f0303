"""The daemon registry: who runs, since when, and whether its heartbeat still comes; on both backends."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from content_library.database import transaction
from scheduler.daemon.registry import (
    STALE_AFTER,
    UnknownDaemon,
    beat,
    dead_daemons,
    forget_dead,
    live_daemons,
    register,
    unregister,
)
from scheduler.daemon.tables import Daemon

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def ids(daemons: list[Daemon]) -> list[str]:
    return [d.id for d in daemons]


def test_a_registered_daemon_is_live_until_its_heartbeat_is_older_than_stale_after(engine: Engine) -> None:
    with transaction(engine) as session:
        row = register(session, worker="web-1:41", pid=41, host="web-1", now=T0)
        assert (row.id, row.pid, row.host, row.started_at, row.heartbeat_at) == ("web-1:41", 41, "web-1", T0, T0)
        assert row.in_flight == 0 and row.stopped_at is None
    with transaction(engine) as session:
        assert ids(live_daemons(session, now=T0 + STALE_AFTER)) == ["web-1:41"]  # exactly stale_after: still live
        assert dead_daemons(session, now=T0 + STALE_AFTER) == []
        later = T0 + STALE_AFTER + timedelta(seconds=1)
        assert live_daemons(session, now=later) == []
        assert ids(dead_daemons(session, now=later)) == ["web-1:41"]
    assert STALE_AFTER.total_seconds() == 60


def test_a_beat_keeps_it_live_and_records_the_calls_in_flight(engine: Engine) -> None:
    with transaction(engine) as session:
        register(session, worker="a:1", pid=1, host="a", now=T0)
    for seconds in (15, 30, 45, 60, 75):
        with transaction(engine) as session:
            beat(session, worker="a:1", now=T0 + timedelta(seconds=seconds), in_flight=seconds // 15)
    with transaction(engine) as session:
        (daemon,) = live_daemons(session, now=T0 + timedelta(seconds=130))
        assert daemon.heartbeat_at == T0 + timedelta(seconds=75) and daemon.in_flight == 5
        assert daemon.started_at == T0
        assert daemon.heartbeat_at.tzinfo is not None  # UTC-aware on SQLite too


def test_a_stale_after_of_ones_own_is_honoured(engine: Engine) -> None:
    with transaction(engine) as session:
        register(session, worker="a:1", pid=1, host="a", now=T0)
        assert live_daemons(session, now=T0 + timedelta(seconds=20), stale_after=timedelta(seconds=10)) == []
        assert ids(dead_daemons(session, now=T0 + timedelta(seconds=20), stale_after=timedelta(seconds=30))) == []


def test_an_unregistered_daemon_is_dead_at_once_and_says_when_it_stopped(engine: Engine) -> None:
    with transaction(engine) as session:
        register(session, worker="a:1", pid=1, host="a", now=T0)
        register(session, worker="b:2", pid=2, host="b", now=T0)
        beat(session, worker="a:1", now=T0 + timedelta(seconds=5), in_flight=2)
    with transaction(engine) as session:
        unregister(session, worker="a:1", now=T0 + timedelta(seconds=10))
        unregister(session, worker="never-registered:9", now=T0)  # a shutdown path never raises
    with transaction(engine) as session:
        now = T0 + timedelta(seconds=11)
        assert ids(live_daemons(session, now=now)) == ["b:2"]
        (stopped,) = dead_daemons(session, now=now)
        assert (stopped.id, stopped.stopped_at, stopped.in_flight) == ("a:1", T0 + timedelta(seconds=10), 0)


def test_registering_the_same_worker_again_starts_it_afresh(engine: Engine) -> None:
    """A worker id is host:pid; a pid the kernel hands out again on the same host makes the same id."""
    with transaction(engine) as session:
        register(session, worker="a:1", pid=1, host="a", now=T0)
        beat(session, worker="a:1", now=T0 + timedelta(seconds=15), in_flight=3)
        unregister(session, worker="a:1", now=T0 + timedelta(seconds=20))
    later = T0 + timedelta(days=2)
    with transaction(engine) as session:
        register(session, worker="a:1", pid=1, host="a", now=later)
    with transaction(engine) as session:
        (daemon,) = live_daemons(session, now=later)
        assert (daemon.started_at, daemon.heartbeat_at, daemon.in_flight, daemon.stopped_at) == (later, later, 0, None)


def test_a_beat_from_an_unknown_daemon_names_it(engine: Engine) -> None:
    with pytest.raises(UnknownDaemon, match="ghost:7") as caught, transaction(engine) as session:
        beat(session, worker="ghost:7", now=T0, in_flight=0)
    assert isinstance(caught.value, LookupError)


def test_daemons_dead_for_long_are_forgotten_the_others_kept(engine: Engine) -> None:
    with transaction(engine) as session:
        register(session, worker="old:1", pid=1, host="old", now=T0)
        register(session, worker="stopped:2", pid=2, host="s", now=T0 + timedelta(days=6))
        unregister(session, worker="stopped:2", now=T0 + timedelta(days=6))
        register(session, worker="new:3", pid=3, host="new", now=T0 + timedelta(days=8))
    with transaction(engine) as session:
        assert forget_dead(session, now=T0 + timedelta(days=8), older_than=timedelta(days=7)) == 1
    with transaction(engine) as session:
        now = T0 + timedelta(days=8)
        assert ids(live_daemons(session, now=now)) == ["new:3"]
        assert ids(dead_daemons(session, now=now)) == ["stopped:2"]


def test_listings_are_ordered_by_start(engine: Engine) -> None:
    with transaction(engine) as session:
        for n, host in enumerate(["c", "a", "b"]):
            register(session, worker=f"{host}:{n}", pid=n, host=host, now=T0 + timedelta(seconds=n))
    with transaction(engine) as session:
        assert ids(live_daemons(session, now=T0 + timedelta(seconds=5))) == ["c:0", "a:1", "b:2"]
