"""Several daemons on one database: each due entry is claimed once, a channel is published by one daemon at
a time, caps and gaps hold across daemons, and a rate limit one daemon meets stops the others too.

Each "daemon" here is a Dispatcher with a worker id of its own and the real publishers, driven by a clock the
test moves; the races are real (threads claiming at once on PostgreSQL), the schedule is not.
"""

import itertools
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from content_library.database import transaction
from scheduler.config import Config
from scheduler.dispatch.publishing import Dispatcher
from scheduler.publishers.registry import build_publisher
from scheduler.queue.tables import EntryState, Publication, QueueEntry
from tests.emulators.x_api import XApi, rate_limited
from tests.queue_helpers import T0, add_items, config_in, queue

CHANNELS = 12


def config_text(x_url: str) -> str:
    files = "".join(f"  c{n}: {{kind: file, path: c{n}.jsonl, daily_cap: 3}}\n" for n in range(CHANNELS))
    return f"""\
database: evertide.db
grace: 2h
channels:
{files}  x-main: {{kind: x, base_url: "{x_url}", credentials: {{bearer_token: "${{EVT_X}}"}}}}
campaigns:
  help:
    channels: [{", ".join(f"c{n}" for n in range(CHANNELS))}, x-main]
    posts_per_day: 3
    min_gap: 10m
    templates: ["{{title}} {{url}}"]
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


@pytest.fixture
def x_api() -> Iterator[XApi]:
    with XApi(bearer_token="x-bearer") as api:
        yield api


@pytest.fixture
def config(tmp_path: Path, x_api: XApi, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv("EVT_X", "x-bearer")
    return config_in(tmp_path, config_text(x_api.base_url))


@pytest.fixture
def daemons(engine: Engine, config: Config) -> Iterator[list[Dispatcher]]:
    def build(channel: str):  # type: ignore[no-untyped-def]
        return build_publisher(channel, config.channels[channel], base_dir=config.base_dir, timeout=2.0)

    running = [Dispatcher(engine, config, build, worker=f"host-{n}:{n}") for n in range(4)]
    yield running
    for dispatcher in running:
        dispatcher.close()


def history(engine: Engine) -> list[Publication]:
    with transaction(engine) as session:
        return list(session.exec(select(Publication).order_by(col(Publication.published_at))).all())


def test_daemons_claiming_at_once_take_each_entry_once_and_one_per_channel(
    engine: Engine, daemons: list[Dispatcher]
) -> None:
    items = add_items(engine, CHANNELS * 4)
    for n, item in enumerate(items):  # four entries per channel, all due, 10 min apart (min_gap)
        queue(engine, item, T0 - timedelta(minutes=40 - 10 * (n // CHANNELS)), channel=f"c{n % CHANNELS}")
    clock = Clock()
    claimed: list[list[QueueEntry]] = [[] for _ in daemons]
    start = threading.Barrier(len(daemons))

    def claim(n: int) -> None:
        start.wait()
        for _ in range(5):
            claimed[n] += daemons[n].claim_due(clock, limit=8)[1]

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(len(daemons))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [entry for entries in claimed for entry in entries]
    assert len(every) == len({e.id for e in every}) == CHANNELS  # one claim per channel, none twice
    assert {e.channel for e in every} == {f"c{n}" for n in range(CHANNELS)}
    assert all(e.at == T0 - timedelta(minutes=40) for e in every)  # the oldest of each channel
    with transaction(engine) as session:
        in_force = session.exec(select(QueueEntry).where(QueueEntry.state == EntryState.CLAIMED.value)).all()
    assert len(in_force) == CHANNELS


def test_min_gap_and_the_daily_cap_hold_across_daemons(engine: Engine, daemons: list[Dispatcher]) -> None:
    items = add_items(engine, 6)
    for n, item in enumerate(items):  # six posts planned 10 min apart, all due at once: a backlog after downtime
        queue(engine, item, T0 - timedelta(minutes=60 - 10 * n), channel="c0")
    clock = Clock()
    clock.now = T0 + timedelta(minutes=1)
    for _ in range(24):  # every daemon runs a round every 2.5 minutes, for an hour
        for dispatcher in daemons:
            dispatcher.publish_due(clock)
            clock.now += timedelta(seconds=37)
    sent = [p.published_at for p in history(engine)]
    assert len(sent) == 3  # the daily cap, whichever daemon published
    assert all(later - earlier >= timedelta(minutes=10) for earlier, later in itertools.pairwise(sent))


def test_a_rate_limit_one_daemon_meets_stops_the_others_until_the_reset(
    engine: Engine, daemons: list[Dispatcher], x_api: XApi
) -> None:
    first, second = add_items(engine, 2)
    queue(engine, first, T0, channel="x-main")
    queue(engine, second, T0 + timedelta(minutes=10), channel="x-main")
    reset = T0 + timedelta(minutes=30)
    x_api.script("POST", "/2/tweets", rate_limited(reset=int(reset.timestamp())))
    clock = Clock()
    assert [e.outcome for e in daemons[0].publish_due(clock)] == ["retry"]
    clock.now = T0 + timedelta(minutes=20)
    for other in daemons[1:]:
        assert other.publish_due(clock) == []
    assert len(x_api.requests_to("POST", "/2/tweets")) == 1  # nobody called X before the reset
    clock.now = reset
    assert [e.outcome for e in daemons[2].publish_due(clock)] == ["published", "deferred"]  # then min_gap


def test_a_paused_campaign_with_a_backlog_never_starves_the_channel_s_other_posts(
    engine: Engine, daemons: list[Dispatcher], config: Config
) -> None:
    """Found in review: the daemon read the first 20 due entries of a channel and then skipped the held
    ones; 25 due entries of a paused campaign filled that window, and the channel's other posts never went out."""
    from scheduler.queue.holds import pause
    from scheduler.queue.tables import HoldScope

    items = add_items(engine, 26)
    for n, item in enumerate(items[:25]):
        queue(engine, item, T0 - timedelta(minutes=30) + timedelta(seconds=n), channel="c0", campaign="help")
    other = queue(engine, items[25], T0, channel="c0", campaign=None, origin="person", pinned=True)
    with transaction(engine) as session:
        pause(session, config, HoldScope.CAMPAIGN, "help", now=T0 - timedelta(hours=1))
    events = daemons[0].publish_due(Clock())
    assert [(e.entry_id, e.outcome) for e in events] == [(other.id, "published")]
