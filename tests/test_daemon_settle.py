"""Settling claims by heartbeat: a claim belongs to its daemon for as long as that daemon's heartbeat comes,
however long its call takes; only a dead daemon's claims (or a claim no call holds any more) are taken over.

Found: the settle job took over a claim when its 60 s lease ran out, even the same daemon's own call still in
flight, and sent the entry a second time while the first request was running."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import transaction
from scheduler.config import Config
from scheduler.daemon import registry
from scheduler.daemon.runner import Daemon
from scheduler.dispatch.claims import claim_due
from scheduler.dispatch.publishing import Dispatcher
from scheduler.publishers.registry import build_publisher
from scheduler.queue.entries import get_entry
from tests.queue_helpers import T0, add_items, config_in, queue

CONFIG = """\
database: evertide.db
grace: 15m
channels:
  outbox: {kind: file, path: outbox.jsonl}
  other: {kind: file, path: other.jsonl}
"""


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return config_in(tmp_path, CONFIG)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def daemon(engine: Engine, config: Config, clock: Clock) -> Iterator[Daemon]:
    def build(channel: str):  # type: ignore[no-untyped-def]
        return build_publisher(channel, config.channels[channel], base_dir=config.base_dir, timeout=1.0)

    dispatcher = Dispatcher(engine, config, build, worker="me:1")
    with transaction(engine) as session:
        registry.register(session, worker="me:1", pid=1, host="me", now=T0)
    running = Daemon(engine, config, dispatcher, worker="me:1", clock=clock)
    yield running
    running._workers.stop()
    dispatcher.close()


def claimed_by(
    engine: Engine, config: Config, worker: str, channel: str = "outbox", lease: timedelta = timedelta(seconds=60)
) -> int:
    """A new entry due at T0 on ``channel``, claimed at T0 by ``worker`` for ``lease``."""
    [item] = add_items(engine, 1)
    entry = queue(engine, item, T0, campaign=None, channel=channel)
    with transaction(engine) as session:
        claim_due(session, config, now=T0, worker=worker, lease=lease, limit=100)
    return entry.id or 0


def state(engine: Engine, entry_id: int) -> str:
    with transaction(engine) as session:
        return get_entry(session, entry_id).state


def test_a_live_daemon_s_claim_is_left_alone_past_its_lease_until_its_heartbeat_stops(
    engine: Engine, config: Config, clock: Clock, daemon: Daemon
) -> None:
    with transaction(engine) as session:
        registry.register(session, worker="other:2", pid=2, host="other", now=T0)
    entry_id = claimed_by(engine, config, "other:2")
    clock.now = T0 + timedelta(minutes=10)  # long past the lease; the other daemon still beats
    with transaction(engine) as session:
        registry.beat(session, worker="other:2", now=clock.now, in_flight=1)
        registry.beat(session, worker="me:1", now=clock.now, in_flight=0)
    daemon.settle()
    assert state(engine, entry_id) == "claimed"
    clock.now += registry.STALE_AFTER + timedelta(seconds=1)  # its heartbeat stopped: it died or hangs
    with transaction(engine) as session:
        registry.beat(session, worker="me:1", now=clock.now, in_flight=0)
    daemon.settle()
    assert state(engine, entry_id) == "published"


def test_a_dead_daemon_s_claim_is_taken_over_as_soon_as_its_heartbeat_stops_not_when_its_lease_ends(
    engine: Engine, config: Config, clock: Clock, daemon: Daemon
) -> None:
    """Found: after a SIGKILL, the others waited for the dead daemon's 90 s lease as well as for its heartbeat
    to stop (60 s): its posts went out a minute and a half late."""
    with transaction(engine) as session:
        registry.register(session, worker="other:2", pid=2, host="other", now=T0)
    entry_id = claimed_by(engine, config, "other:2", lease=timedelta(seconds=90))
    clock.now = T0 + registry.STALE_AFTER + timedelta(seconds=1)  # dead; its lease runs for 30 s more
    with transaction(engine) as session:
        registry.beat(session, worker="me:1", now=clock.now, in_flight=0)
    daemon.settle()
    assert state(engine, entry_id) == "published"


def test_a_claim_of_a_worker_that_never_registered_is_settled_when_its_lease_runs_out(
    engine: Engine, config: Config, clock: Clock, daemon: Daemon
) -> None:
    """`run --once` and `share-now --direct` claim without registering: their lease is all there is."""
    entry_id = claimed_by(engine, config, "laptop:7:cli")
    clock.now = T0 + timedelta(seconds=30)
    daemon.settle()
    assert state(engine, entry_id) == "claimed"
    clock.now = T0 + timedelta(minutes=2)
    daemon.settle()
    assert state(engine, entry_id) == "published"


def test_the_daemon_never_settles_its_own_call_in_flight_but_does_settle_its_own_orphaned_claim(
    engine: Engine, config: Config, clock: Clock, daemon: Daemon
) -> None:
    in_flight = claimed_by(engine, config, "me:1")
    orphan = claimed_by(engine, config, "me:1", channel="other")
    with transaction(engine) as session:
        entry = get_entry(session, in_flight)
    daemon._workers._busy[entry.channel] = in_flight  # what submit() records while the call runs
    clock.now = T0 + timedelta(minutes=10)
    daemon.settle()
    assert (state(engine, in_flight), state(engine, orphan)) == ("claimed", "published")
