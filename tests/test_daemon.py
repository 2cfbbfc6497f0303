"""The real daemon, as a process: on time, clean on SIGTERM, alone on SQLite, and exactly once across SIGKILLs.

These are the few tests that run on the real clock; they use posts a few seconds ahead and wait for files
with a deadline, never a fixed sleep.
"""

import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import make_engine, transaction, upgrade
from scheduler.queue.listing import list_entries
from tests.queue_helpers import add_items, queue

CONFIG = """\
database: evertide.db
grace: 15m
channels:
  outbox: {kind: file, path: outbox.jsonl}
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text(CONFIG)
    return tmp_path


@pytest.fixture
def engine(workdir: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{workdir / 'evertide.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def start_daemon(workdir: Path, *args: str) -> subprocess.Popen[bytes]:
    """A daemon process whose log goes to ``daemon.log`` in ``workdir`` (appended across restarts)."""
    with (workdir / "daemon.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "scheduler", "--config", str(workdir / "config.yaml"), "run", *args],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def outbox(workdir: Path) -> list[dict[str, object]]:
    path = workdir / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip().endswith("}")]


def status_json(workdir: Path) -> dict:  # type: ignore[type-arg]
    """`evertide status --json` as another process would run it."""
    out = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(workdir / "config.yaml"), "status", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def wait_for(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the daemon")
        time.sleep(0.05)


def test_run_once_publishes_what_is_due_and_exits(workdir: Path, engine: Engine) -> None:
    now = datetime.now(UTC)
    due, later = add_items(engine, 2)
    first = queue(engine, due, now - timedelta(minutes=1), campaign=None, origin="person", pinned=True)
    queue(engine, later, now + timedelta(hours=1), campaign=None, origin="person", pinned=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scheduler",
            "--config",
            str(workdir / "config.yaml"),
            "run",
            "--once",
            "--log-format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [line["entry_id"] for line in outbox(workdir)] == [first.id]
    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert {"event": "published", "channel": "outbox", "entry": first.id}.items() <= events[-1].items()


def test_the_daemon_publishes_on_time_and_stops_cleanly_on_sigterm(workdir: Path, engine: Engine) -> None:
    daemon = start_daemon(workdir)
    try:
        items = add_items(engine, 3)
        due = [datetime.now(UTC) + timedelta(seconds=6 + n) for n in range(3)]
        for item, at in zip(items, due, strict=True):
            queue(engine, item, at, campaign=None, origin="person", pinned=True)
        wait_for(lambda: len(outbox(workdir)) == 3 or daemon.poll() is not None, timeout=30)
        assert daemon.poll() is None, (workdir / "daemon.log").read_text()
        published = {p.entry_id: p for p in _publications(engine)}
        lateness = [(p.published_at - p.scheduled_at).total_seconds() for p in published.values()]
        assert max(lateness) < 1.0, lateness
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0
        assert "stopped" in (workdir / "daemon.log").read_text()
    finally:
        daemon.kill()
        daemon.wait()


def test_a_second_daemon_on_the_same_sqlite_file_is_refused_by_name(workdir: Path, engine: Engine) -> None:
    first = start_daemon(workdir)
    try:
        wait_for(
            lambda: (workdir / "evertide.db.daemon.lock").exists() and (workdir / "evertide.db.daemon.lock").read_text()
        )
        second = subprocess.run(
            [sys.executable, "-m", "scheduler", "--config", str(workdir / "config.yaml"), "run"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 1
        assert f"another evertide daemon is running on this database (pid {first.pid} on" in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=10)


def test_sigkill_at_random_points_never_posts_twice_and_loses_nothing(workdir: Path, engine: Engine) -> None:
    rng = random.Random(20261122)
    items = add_items(engine, 40)
    start = datetime.now(UTC)
    for n, item in enumerate(items):
        queue(engine, item, start + timedelta(milliseconds=100 * n), campaign=None, origin="person", pinned=True)
    for _ in range(4):
        daemon = start_daemon(workdir)
        time.sleep(rng.uniform(0.8, 2.0))  # a random point in the run, not a wait for the schedule
        daemon.kill()
        daemon.wait()
    final = start_daemon(workdir)
    try:
        wait_for(lambda: _all_settled(engine), timeout=60)
    finally:
        final.terminate()
        final.wait(timeout=10)
    posted = [line["entry_id"] for line in outbox(workdir)]
    assert len(posted) == len(set(posted)), "an entry was posted twice"
    with transaction(engine) as session:
        entries = list_entries(session, now=start, state="all")
    assert {e.state for e in entries} <= {"published", "missed", "failed", "in_doubt"}
    assert sorted(e.id for e in entries if e.state == "published") == sorted(posted)


def _all_settled(engine: Engine) -> bool:
    with transaction(engine) as session:
        return all(
            e.state not in ("planned", "claimed") for e in list_entries(session, now=datetime.now(UTC), state="all")
        )


def _publications(engine: Engine) -> list:  # type: ignore[type-arg]
    from sqlmodel import select

    from scheduler.queue.tables import Publication

    with transaction(engine) as session:
        return list(session.exec(select(Publication)).all())


def test_a_hanging_platform_delays_only_its_own_channel_and_sigterm_stays_bounded(tmp_path: Path) -> None:
    """Found: one webhook receiver that dripped a byte every 5 s held the only publishing thread for minutes
    (the file channel's posts went out 3 min late or were missed), and SIGTERM then took 62 s."""
    from tests.emulators import Reply
    from tests.emulators.webhook_sink import WebhookSink

    with WebhookSink(secret=None) as hook:
        hook.script("POST", "/hooks/evertide", *[Reply(201, {"id": "never"}, drip=0.5) for _ in range(50)])
        (tmp_path / "config.yaml").write_text(CONFIG + f'  hook: {{kind: webhook, url: "{hook.url}", timeout: 3s}}\n')
        engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
        upgrade(engine)
        daemon = start_daemon(tmp_path)
        try:
            stuck, *files = add_items(engine, 4)
            start = datetime.now(UTC) + timedelta(seconds=4)
            queue(engine, stuck, start - timedelta(seconds=1), channel="hook", campaign=None, origin="person")
            for n, item in enumerate(files):
                queue(engine, item, start + timedelta(seconds=n), campaign=None, origin="person", pinned=True)
            # (the outbox line is written before the publication is recorded: wait for the records)
            wait_for(lambda: len(_publications(engine)) == 3 or daemon.poll() is not None, timeout=30)
            assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()
            lateness = [(p.published_at - p.scheduled_at).total_seconds() for p in _publications(engine)]
            assert len(lateness) == 3 and max(lateness) < 1.0, lateness
            wait_for(lambda: len(hook.requests_to("POST", "/hooks/evertide")) >= 1, timeout=10)
            stopping = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=20) == 0
            assert time.monotonic() - stopping < 12
        finally:
            daemon.kill()
            daemon.wait()
            engine.dispose()


def test_a_running_daemon_shows_in_status_and_its_start_up_line_names_the_next_post(
    workdir: Path, engine: Engine
) -> None:
    [item] = add_items(engine, 1)
    queue(engine, item, datetime.now(UTC) + timedelta(hours=2), campaign=None, origin="person", pinned=True)
    daemon = start_daemon(workdir)
    try:
        wait_for(lambda: "started" in (workdir / "daemon.log").read_text() or daemon.poll() is not None)
        assert daemon.poll() is None, (workdir / "daemon.log").read_text()
        assert "next post due" in (workdir / "daemon.log").read_text()
        [running] = status_json(workdir)["daemons"]
        assert running["pid"] == daemon.pid and running["alive"]
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=20) == 0
        assert not any(d["alive"] for d in status_json(workdir)["daemons"])
    finally:
        daemon.kill()
        daemon.wait()


def test_the_daemon_s_publishers_wait_as_long_as_the_channel_s_timeout_per_read(tmp_path: Path) -> None:
    """Found: the daemon built publishers with the default 10 s read timeout, so a receiver answering after
    15 s on a channel with `timeout: 60s` was cut off and posted to again and again."""
    from scheduler.config import load_config
    from scheduler.daemon.runner import publishers_for

    (tmp_path / "config.yaml").write_text(
        CONFIG + '  hook: {kind: webhook, url: "http://127.0.0.1:9/h", timeout: 60s}\n'
    )
    publisher = publishers_for(load_config(tmp_path / "config.yaml"))("hook")
    try:
        assert publisher._http.timeout.read == 60.0  # type: ignore[attr-defined]
    finally:
        publisher.close()


def test_a_database_file_replaced_under_the_daemon_stops_it_before_anything_goes_out_twice(
    workdir: Path, engine: Engine
) -> None:
    """Found: a backup restored with `mv` while the daemon ran left its open connections writing to the old
    file while new ones read the new one: a post recorded in one was still planned in the other."""
    import shutil

    [item] = add_items(engine, 1)
    queue(engine, item, datetime.now(UTC) + timedelta(hours=1), campaign=None, origin="person", pinned=True)
    shutil.copy(workdir / "evertide.db", workdir / "backup.db")
    daemon = start_daemon(workdir)
    try:
        wait_for(lambda: "started" in (workdir / "daemon.log").read_text() or daemon.poll() is not None)
        (workdir / "backup.db").replace(workdir / "evertide.db")
        assert daemon.wait(timeout=20) == 1
    finally:
        daemon.kill()
        daemon.wait()
    log = (workdir / "daemon.log").read_text()
    assert "was removed or replaced while the daemon ran" in log and "Traceback" not in log, log
