"""Four real daemon processes on one PostgreSQL database: every due entry goes out once, under one
``webhook-id``, though one daemon is killed with SIGKILL halfway; the others settle its claims once its
heartbeat stops (``heartbeat: 1s``: dead after 4 s).

The receiver is the loopback Standard Webhooks sink, which deduplicates on ``webhook-id`` as the README tells
receivers to; what it accepted is what went out.
"""

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from content_library.database import make_engine, transaction, upgrade
from content_library.store import add_item
from scheduler.queue.entries import insert_entry
from scheduler.queue.tables import EntryState, QueueEntry
from tests.emulators.webhook_sink import WebhookSink

CHANNELS = 100
ENTRIES = 2000


def config(database: str, hook_url: str) -> str:
    hooks = "".join(f'  h{n}: {{kind: webhook, url: "{hook_url}", secret: "${{EVT_HOOK}}"}}\n' for n in range(CHANNELS))
    return f"database: {database}\ngrace: 1h\nheartbeat: 1s\nworkers: 8\nchannels:\n{hooks}"


def start(workdir: Path, name: str) -> subprocess.Popen[bytes]:
    with (workdir / f"{name}.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "scheduler", "--config", str(workdir / "config.yaml"), "run"],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def test_four_daemons_deliver_every_entry_once_through_a_sigkill(
    tmp_path: Path, postgresql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVT_HOOK", "s3cret")
    engine = make_engine(postgresql_url)
    upgrade(engine)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        for n in range(ENTRIES):
            item = add_item(session, {"title": f"Guide {n}", "url": f"https://help.example.com/{n}"}, now=now)
            fields = {
                "channel": f"h{n % CHANNELS}",
                "zone": "UTC",
                "at": now - timedelta(minutes=1) + timedelta(milliseconds=n),
                "item_id": item.id,
                "text": f"Guide {n} https://help.example.com/{n}",
                "origin": "person",
                "pinned": True,
            }
            insert_entry(session, fields, now=now)

    def left() -> int:
        with transaction(engine) as session:
            waiting = (EntryState.PLANNED.value, EntryState.CLAIMED.value)
            query = select(func.count()).select_from(QueueEntry).where(col(QueueEntry.state).in_(waiting))
            return int(session.exec(query).one())

    with WebhookSink(secret="s3cret") as sink:
        (tmp_path / "config.yaml").write_text(config(postgresql_url, sink.url))
        daemons = [start(tmp_path, f"d{n}") for n in range(4)]
        try:
            deadline = time.monotonic() + 120
            while left() > ENTRIES * 0.6:  # kill one a good way into the run
                assert time.monotonic() < deadline and all(d.poll() is None for d in daemons)
                time.sleep(0.05)
            daemons[0].send_signal(signal.SIGKILL)
            daemons[0].wait()
            while left() > 0:
                assert time.monotonic() < deadline, f"{left()} entries never went out"
                time.sleep(0.2)
            for daemon in daemons[1:]:
                daemon.send_signal(signal.SIGTERM)
            assert [d.wait(timeout=30) for d in daemons[1:]] == [0, 0, 0]
        finally:
            for daemon in daemons:
                daemon.kill()
                daemon.wait()
        delivered = [d["entry_id"] for d in sink.deliveries]
        keys = [r.headers["webhook-id"] for r in sink.requests_to("POST", "/hooks/evertide")]
    with transaction(engine) as session:
        states = session.exec(select(QueueEntry.state, func.count()).group_by(QueueEntry.state)).all()
    engine.dispose()
    assert len(delivered) == len(set(delivered)) == ENTRIES  # every entry once, none twice
    assert dict(states) == {"published": ENTRIES}
    assert len(set(keys)) == ENTRIES  # every request of an entry carried its one webhook-id
    logs = "".join((tmp_path / f"d{n}.log").read_text() for n in range(4))
    assert "Traceback" not in logs


def test_a_daemon_with_another_config_than_its_live_peers_refuses_to_start(tmp_path: Path, postgresql_url: str) -> None:
    """Found in review: a daemon whose config lacked some channels settled their claims as in doubt and
    deleted their planned posts at its refill; one with `heartbeat: 1s` beside peers at 15 s took their live
    calls for dead ones and sent them again."""
    from scheduler.config import load_config
    from scheduler.daemon.registry import register

    (tmp_path / "config.yaml").write_text(
        f"database: {postgresql_url}\nchannels:\n  out: {{kind: file, path: o.jsonl}}\n"
    )
    (tmp_path / "other.yaml").write_text(
        f"database: {postgresql_url}\nheartbeat: 1s\nchannels:\n  out: {{kind: file, path: o.jsonl}}\n"
    )
    engine = make_engine(postgresql_url)
    upgrade(engine)
    with transaction(engine) as session:
        digest = load_config(tmp_path / "config.yaml").fingerprint()
        register(session, worker="peer:1", pid=1, host="peer", now=datetime.now(UTC), config_digest=digest)
    engine.dispose()
    refused = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(tmp_path / "other.yaml"), "run"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert "daemon peer:1 (pid 1 on peer) runs on this database with another config" in refused.stderr
    assert "Traceback" not in refused.stderr
