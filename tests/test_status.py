"""``evertide status`` through the real CLI, on both backends, on a database seeded around the real clock
(the CLI reads it; every instant here is minutes or hours from it, so a slow test run changes nothing)."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from content_library.database import make_engine, transaction, upgrade
from scheduler.config import load_config
from scheduler.daemon.registry import beat, register, unregister
from scheduler.queue import states
from scheduler.queue.entries import active_entries, get_entry
from scheduler.queue.holds import pause
from scheduler.queue.tables import HoldCause, HoldScope, QueueEntry
from tests.cli import Cli
from tests.queue_helpers import add_items, queue

HOSTILE = "rate limited: [red]x[/red] \x1b[2J[bold]gone[/bold]"

CONFIG = """\
database: {url}
display_timezone: Europe/London
audiences:
  world:
    - {{zone: Europe/London, weight: 100, windows: ["08:00-10:00"]}}
channels:
  outbox: {{kind: file, path: outbox.jsonl, audience: world}}
  hooks: {{kind: file, path: hooks.jsonl, audience: world}}
  news: {{kind: file, path: news.jsonl, audience: world}}
  drip: {{kind: file, path: drip.jsonl, audience: world}}
  quiet: {{kind: file, path: quiet.jsonl, audience: world}}
campaigns:
  help:
    channels: [outbox, hooks, news, drip, quiet]
    posts_per_day: 1
    min_gap: 1m
    templates: ["{{title}} {{url}}"]
"""


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    """The CLI on each backend. Only the commands under test run through it: the others leave a server
    database's connection to the garbage collector, which pytest's warnings-as-errors turns into a failure."""
    return Cli(tmp_path, CONFIG.format(url=database_url))


@pytest.fixture
def db(cli: Cli) -> Iterator[Engine]:
    engine = make_engine(load_config(cli.config).database_url())
    upgrade(engine)
    yield engine
    engine.dispose()


def queued_items(db: Engine) -> list[int]:
    with transaction(db) as session:
        return [e.item_id for e in active_entries(session)]


def _settle(db: Engine, entry: QueueEntry, move: str, at: datetime, reason: str = "") -> int:
    """Claim ``entry`` at ``at`` and finish it with ``move`` (publish, fail, doubt, retry) a second later."""
    with transaction(db) as session:
        claimed = states.claim(
            session, get_entry(session, entry.id or 0), worker="web-1:41", now=at, lease=timedelta(1)
        )
        done = at + timedelta(seconds=1)
        if move == "publish":
            states.publish(session, claimed, remote_id="r", remote_url=None, now=done)
        elif move == "fail":
            states.fail(session, claimed, reason=reason, now=done)
        elif move == "doubt":
            states.doubt(session, claimed, reason=reason, now=done)
        else:
            states.release(session, claimed, retry_at=at + timedelta(hours=4), error=reason, now=done)
    return entry.id or 0


def seed(cli: Cli, db: Engine) -> dict[str, Any]:
    """Five channels: outbox paused by a person, hooks held by the daemon (a rate limit, with a hostile
    reason), news failing (its last attempt failed), drip failing (waiting to retry), quiet active (a post
    missed while no daemon ran is not a failure); two daemons, one live and one that crashed."""
    now = datetime.now(UTC).replace(microsecond=0)
    config = load_config(cli.config)
    items = add_items(db, 12)
    ago, ahead = (lambda h: now - timedelta(hours=h)), (lambda h: now + timedelta(hours=h))
    published = [
        _settle(db, queue(db, items[0], ago(2.5), channel="outbox"), "publish", ago(2)),
        _settle(db, queue(db, items[1], ago(6), channel="quiet"), "publish", ago(5)),
    ]
    _settle(db, queue(db, items[2], ago(31), channel="quiet"), "publish", ago(30))  # more than 24 h ago
    _settle(db, queue(db, items[3], ago(4.5), channel="news"), "doubt", ago(4), "crashed mid-call")
    failed = _settle(db, queue(db, items[4], ago(1.5), channel="news"), "fail", ago(1), "401 [bold]nope[/bold]")
    drip = _settle(db, queue(db, items[5], ago(0.5), channel="drip"), "retry", ago(0.25), "503 unavailable")
    missed = queue(db, items[6], ago(3), channel="quiet")
    with transaction(db) as session:
        states.miss(session, get_entry(session, missed.id or 0), reason="daemon down", now=ago(2.9))
    queue(db, items[7], ahead(1), channel="outbox")  # paused: not next
    queue(db, items[8], now + timedelta(minutes=30), channel="hooks")  # held: not next
    nxt = queue(db, items[9], now + timedelta(hours=2, minutes=5, seconds=40), channel="quiet")
    queue(db, items[10], ahead(3), channel="news")
    with transaction(db) as session:
        pause(session, config, HoldScope.CHANNEL, "outbox", now=ago(1), until=ahead(3))
        pause(
            session,
            config,
            HoldScope.CHANNEL,
            "hooks",
            now=ago(0.1),
            until=ahead(0.5),
            reason=HOSTILE,
            cause=HoldCause.RATE_LIMIT,
        )
        pause(session, config, HoldScope.CHANNEL, "quiet", now=ago(9), until=ago(8))  # long over
        register(session, worker="web-2:7", pid=7, host="web-2", now=ago(3))
        beat(session, worker="web-2:7", now=ago(2), in_flight=1)  # crashed two hours ago
        register(session, worker="web-1:41", pid=41, host="web-1", now=ago(1))
        beat(session, worker="web-1:41", now=now - timedelta(seconds=10), in_flight=2)
        register(session, worker="old:3", pid=3, host="old", now=ago(80))
        unregister(session, worker="old:3", now=ago(72))  # stopped three days ago: not shown
    return {
        "now": now,
        "next": nxt.id,
        "failed": failed,
        "drip": drip,
        "published": published,
        "at": {"hooks": ahead(0.5), "outbox": ahead(3), "drip": ago(0.25) + timedelta(hours=4)},
    }


def z(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_status_json_shows_daemons_the_next_post_each_channel_and_the_last_day(cli: Cli, db: Engine) -> None:
    seeded = seed(cli, db)
    now = seeded["now"]
    status = cli.json("status")
    assert set(status) == {"daemons", "next", "channels", "last_24h", "month_to_date"}
    assert status["daemons"] == [
        {
            "id": "web-2:7",
            "pid": 7,
            "host": "web-2",
            "since": z(now - timedelta(hours=3)),
            "heartbeat": z(now - timedelta(hours=2)),
            "in_flight": 1,
            "alive": False,
        },
        {
            "id": "web-1:41",
            "pid": 41,
            "host": "web-1",
            "since": z(now - timedelta(hours=1)),
            "heartbeat": z(now - timedelta(seconds=10)),
            "in_flight": 2,
            "alive": True,
        },
    ]
    assert status["next"] == {
        "entry_id": seeded["next"],
        "channel": "quiet",
        "at": z(now + timedelta(hours=2, minutes=5, seconds=40)),
    }
    at = seeded["at"]
    assert status["channels"] == [
        {"name": "outbox", "state": "paused", "reason": "paused by a person", "until": z(at["outbox"])},
        {"name": "hooks", "state": "held", "reason": HOSTILE, "until": z(at["hooks"])},
        {
            "name": "news",
            "state": "failing",
            "reason": f"entry {seeded['failed']} failed: 401 [bold]nope[/bold]",
            "until": None,
        },
        {
            "name": "drip",
            "state": "failing",
            "reason": f"entry {seeded['drip']} will be retried: 503 unavailable",
            "until": z(at["drip"]),
        },
        {"name": "quiet", "state": "active", "reason": "", "until": None},
    ]
    assert status["last_24h"] == {"published": 2, "missed": 1, "failed": 1, "in_doubt": 1}


def test_status_text_says_it_all_in_plain_words_and_never_obeys_markup_or_escapes(cli: Cli, db: Engine) -> None:
    seeded = seed(cli, db)
    out = cli("status").stdout
    assert "\x1b" not in out  # the reason's escape sequence is shown, not sent to the terminal
    assert "[red]x[/red]" in out and "\\x1b[2J[bold]gone[/bold]" in out  # markup shown as typed
    assert "401 [bold]nope[/bold]" in out
    assert "web-1:41" in out and "pid 41 on web-1" in out and "2 call(s) in flight" in out
    assert "web-2:7" in out and "DEAD" in out
    assert "old:3" not in out
    assert f"entry {seeded['next']} on quiet" in out and "(in 2 h 5 min)" in out
    for line in ("outbox", "paused"), ("hooks", "held"), ("news", "failing"), ("drip", "failing"), ("quiet", "active"):
        assert any(all(word in row for word in line) for row in out.splitlines()), line
    assert "Last 24 h: 2 published, 1 missed, 1 failed, 1 in doubt" in out


def test_status_of_an_empty_system_says_what_to_do(cli: Cli, db: Engine) -> None:
    assert cli.json("status") == {
        "daemons": [],
        "next": None,
        "channels": [
            {"name": name, "state": "active", "reason": "", "until": None}
            for name in ("outbox", "hooks", "news", "drip", "quiet")
        ],
        "last_24h": {"published": 0, "missed": 0, "failed": 0, "in_doubt": 0},
        "month_to_date": {},  # no channel has a cost
    }
    out = cli("status").stdout
    assert "no daemon is running" in out and "evertide run" in out
    assert "Next post: none" in out and "evertide queue fill" in out


def test_a_paused_campaign_shows_in_the_text(cli: Cli, db: Engine) -> None:
    with transaction(db) as session:
        pause(session, load_config(cli.config), HoldScope.CAMPAIGN, "help", now=datetime.now(UTC))
    out = cli("status").stdout
    assert "campaign help" in out and "paused" in out


# -- queue share-now without a daemon --------------------------------------------------------------------------


def test_share_now_without_a_daemon_says_so_queues_nothing_and_suggests_direct_or_run(cli: Cli, db: Engine) -> None:
    [item] = add_items(db, 1)
    result = cli("queue", "share-now", str(item), "--channel", "quiet", ok=False)
    assert result.exit_code == 1
    assert "no evertide daemon is running" in result.output
    assert f"evertide queue share-now {item} --channel quiet --direct" in result.output
    assert "evertide run" in result.output
    assert queued_items(db) == []


def test_share_now_with_a_live_daemon_queues_for_it(cli: Cli, db: Engine) -> None:
    """SQLite: the daemon's lock names the running daemon; PostgreSQL: a live daemon in the registry."""
    from scheduler.daemon.lock import DaemonLock
    from scheduler.daemon.runner import lock_path

    [item] = add_items(db, 1)
    lock_file = lock_path(load_config(cli.config))
    lock = DaemonLock(lock_file) if lock_file else None
    if lock:
        lock.acquire(now=datetime.now(UTC))
    else:
        with transaction(db) as session:
            register(session, worker="web-1:41", pid=41, host="web-1", now=datetime.now(UTC))
    try:
        out = cli("queue", "share-now", str(item), "--channel", "quiet").stdout
    finally:
        if lock:
            lock.release()
    assert "Queued entry" in out and "daemon" in out
    assert queued_items(db) == [item]


def test_share_now_on_postgresql_ignores_a_dead_daemon(tmp_path: Path, postgresql_url: str) -> None:
    cli = Cli(tmp_path, CONFIG.format(url=postgresql_url))
    engine = make_engine(postgresql_url)
    upgrade(engine)
    try:
        [item] = add_items(engine, 1)
        with transaction(engine) as session:
            register(session, worker="web-2:7", pid=7, host="web-2", now=datetime.now(UTC) - timedelta(minutes=5))
    finally:
        engine.dispose()
    result = cli("queue", "share-now", str(item), "--channel", "quiet", ok=False)
    assert result.exit_code == 1 and "no evertide daemon is running" in result.output


def _a_finished_process() -> int:
    """The pid of a process that has exited (and been reaped): what a SIGKILLed daemon leaves."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_daemon_of_this_machine_whose_process_is_gone_shows_dead_at_once(tmp_path: Path, postgresql_url: str) -> None:
    """Found: a daemon killed with SIGKILL showed as alive, with calls in flight, for up to a minute (until its
    heartbeat went stale), and share-now queued for it."""
    import socket

    cli = Cli(tmp_path, CONFIG.format(url=postgresql_url))
    engine = make_engine(postgresql_url)
    upgrade(engine)
    gone = _a_finished_process()
    try:
        [item] = add_items(engine, 1)
        with transaction(engine) as session:
            here = socket.gethostname()
            register(session, worker=f"{here}:{gone}", pid=gone, host=here, now=datetime.now(UTC))
            register(session, worker=f"{here}:{os.getpid()}", pid=os.getpid(), host=here, now=datetime.now(UTC))
    finally:
        engine.dispose()
    alive = {d["pid"]: d["alive"] for d in cli.json("status")["daemons"]}
    assert alive == {gone: False, os.getpid(): True}
    assert f"{socket.gethostname()}:{gone}: DEAD" in cli("status").stdout
    result = cli("queue", "share-now", str(item), "--channel", "quiet")
    assert "Queued entry" in result.stdout  # this test's own process stands for a live daemon
    engine = make_engine(postgresql_url)
    try:
        with transaction(engine) as session:
            unregister(session, worker=f"{socket.gethostname()}:{os.getpid()}", now=datetime.now(UTC))
    finally:
        engine.dispose()
    result = cli("queue", "share-now", str(item), "--channel", "quiet", ok=False)
    assert result.exit_code == 1 and "no evertide daemon is running" in result.output
