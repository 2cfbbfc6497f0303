"""The real daemon process against platforms that misbehave, side by side with a healthy channel.

One daemon, seven channels: a file outbox (healthy), and loopback receivers that answer 500, 503, 429 with a
2 s Retry-After, 401, X's 402 (credits depleted) and a 30 MB reply. The healthy channel stays on time; the
transient failures are retried once each and go out once; the rate limit holds its channel until the reset;
the permanent problems hold their channel with a reason, logged once, until a person resumes it; the huge
reply costs no memory; and the log stays a few lines long. Short real-time waits, never fixed sleeps.
"""

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from content_library.database import make_engine, transaction, upgrade
from scheduler.queue.entries import get_entry
from tests.emulators import Reply
from tests.emulators.webhook_sink import WebhookSink, too_many, unavailable
from tests.emulators.x_api import XApi
from tests.queue_helpers import add_items, queue
from tests.test_daemon import _publications, start_daemon, status_json, wait_for

CHANNELS = ("h500", "h503", "h429", "h401", "huge")


def hook_channel(name: str, sink: WebhookSink) -> str:
    return f'  {name}: {{kind: webhook, url: "{sink.url}", timeout: 5s}}\n'


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_misbehaving_platforms_cost_their_own_channel_only_and_holds_are_said_once(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sinks = {name: WebhookSink(secret=None) for name in CHANNELS}
    x_api = XApi(bearer_token="x-bearer")
    for emulator in (*sinks.values(), x_api):
        emulator.__enter__()
    try:
        path = "/hooks/evertide"
        sinks["h500"].script("POST", path, Reply(500, {"error": "oops"}))
        sinks["h503"].script("POST", path, unavailable())
        sinks["h429"].script("POST", path, too_many("2"))
        sinks["h401"].script("POST", path, *[Reply(401, {"error": "bad key"}) for _ in range(20)])
        sinks["huge"].script("POST", path, Reply(201, b"{" + b" " * 30_000_000 + b"}"))
        x_api.script(
            "POST", "/2/tweets", Reply(402, {"title": "Payment Required", "detail": "No credits.", "status": 402})
        )
        config = "database: evertide.db\ngrace: 15m\nchannels:\n  outbox: {kind: file, path: outbox.jsonl}\n"
        config += "".join(hook_channel(name, sink) for name, sink in sinks.items())
        config += f'  x402: {{kind: x, base_url: "{x_api.base_url}", credentials: {{bearer_token: "${{EVT_X}}"}}}}\n'
        (tmp_path / "config.yaml").write_text(config)
        monkeypatch.setenv("EVT_X", "x-bearer")
        engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
        upgrade(engine)
        start = datetime.now(UTC) + timedelta(seconds=4)  # queued before the daemon starts, due once it runs
        plan = [(name, 0) for name in (*CHANNELS, "x402")] + [("outbox", 0), ("outbox", 1), ("outbox", 2)]
        by_channel = {}
        for item, (channel, seconds) in zip(add_items(engine, len(plan)), plan, strict=True):
            at = start + timedelta(seconds=seconds)
            entry = queue(engine, item, at, channel=channel, campaign=None, origin="person", pinned=True)
            by_channel[channel] = entry.id
        daemon = start_daemon(tmp_path)
        try:

            def state(channel: str) -> str:
                with transaction(engine) as session:
                    return get_entry(session, by_channel[channel]).state

            wait_for(lambda: all(state(c) == "published" for c in ("h500", "h503", "h429", "huge")), timeout=30)
            assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()
            published = _publications(engine)
            on_file = [p for p in published if p.channel == "outbox"]
            assert len(on_file) == 3
            assert max((p.published_at - p.scheduled_at).total_seconds() for p in on_file) < 1.0, (
                tmp_path / "daemon.log"
            ).read_text()
            for name in ("h500", "h503", "h429"):
                assert len(sinks[name].requests_to("POST", path)) == 2, name  # one failure, one retry
                assert len(sinks[name].deliveries) == 1
            [limited] = [p for p in published if p.channel == "h429"]
            assert limited.published_at - limited.scheduled_at >= timedelta(seconds=1)  # held until the reset
            # (Retry-After counts from the reply's Date header, which has whole seconds)
            assert peak_memory_mb(daemon.pid) < 250  # the 30 MB reply was read up to 1 MB
            assert state("h401") == state("x402") == "planned"  # held, kept
            channels_now = {c["name"]: c for c in status_json(tmp_path)["channels"]}
            assert channels_now["h401"]["state"] == channels_now["x402"]["state"] == "held"
            assert "credits" in channels_now["x402"]["reason"]
            assert channels_now["outbox"]["state"] == "active"
            # the retries above came 5 s or more after the holds, a publish poll or more: no second call
            assert len(sinks["h401"].requests_to("POST", path)) == 1
            assert len(x_api.requests_to("POST", "/2/tweets")) == 1

            sinks["h401"].clear_scripts()  # the person fixes the key, then resumes the channel
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "scheduler",
                    "--config",
                    str(tmp_path / "config.yaml"),
                    "queue",
                    "resume",
                    "--channel",
                    "h401",
                ],
                capture_output=True,
                timeout=60,
                check=True,
            )
            wait_for(lambda: state("h401") == "published", timeout=15)
            assert len(sinks["h401"].deliveries) == 1
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=20) == 0
        finally:
            daemon.kill()
            daemon.wait()
            engine.dispose()
    finally:
        for emulator in (*sinks.values(), x_api):
            emulator.__exit__(None, None, None)
    log = (tmp_path / "daemon.log").read_text()
    assert log.count("held channel=h401") == log.count("held channel=x402") == 1, log  # each hold, said once
    assert "Traceback" not in log
    assert len(log.splitlines()) < 40, log
    assert os.path.getsize(tmp_path / "daemon.log") < 10_000


def test_a_database_that_cannot_be_written_costs_a_few_log_lines_and_the_daemon_recovers(tmp_path: Path) -> None:
    """Found: with the disk full, the publish job failed, found an entry already due and ran again at once:
    8,349 failures in 45 s, a traceback each, 27.6 MB of log. Here the daemon's file writes fail as on a full
    disk (its file-size limit is set to 0 from outside, so every write fails with EFBIG; the log goes to a
    pipe, which the limit does not touch), then the limit is lifted."""
    import resource
    import threading

    (tmp_path / "config.yaml").write_text(
        "database: evertide.db\ngrace: 15m\nchannels:\n  outbox: {kind: file, path: outbox.jsonl}\n"
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    upgrade(engine)
    start = datetime.now(UTC) + timedelta(seconds=4)
    items = add_items(engine, 3)
    entries = [
        queue(engine, item, start + timedelta(seconds=n), campaign=None, origin="person", pinned=True).id
        for n, item in enumerate(items)
    ]
    daemon = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--config", str(tmp_path / "config.yaml"), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        for line in daemon.stderr:  # type: ignore[union-attr]
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    try:
        wait_for(lambda: any("started" in line for line in lines) or daemon.poll() is not None)
        resource.prlimit(daemon.pid, resource.RLIMIT_FSIZE, (0, hard))  # the disk is full
        try:
            wait_for(lambda: any("publish round failing" in line for line in lines), timeout=20)
        except AssertionError:
            raise AssertionError("".join(lines)) from None
        failing_for = datetime.now(UTC)
        wait_for(lambda: datetime.now(UTC) - failing_for > timedelta(seconds=3), timeout=10)
        during = len(lines)
        resource.prlimit(daemon.pid, resource.RLIMIT_FSIZE, (hard, hard))  # space again

        def all_published() -> bool:
            with transaction(engine) as session:  # a new transaction each time: a new snapshot
                return all(get_entry(session, e or 0).state == "published" for e in entries)

        try:
            wait_for(all_published, timeout=30)
        except AssertionError:
            raise AssertionError("".join(lines)) from None
        assert daemon.poll() is None
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=20) == 0
    finally:
        daemon.kill()
        daemon.wait()
        engine.dispose()
    reader.join(timeout=5)
    daemon.stderr.close()  # type: ignore[union-attr]
    text = "".join(lines)
    assert during < 12, text  # a line per job that started failing, not one per attempt
    assert "Traceback" not in text, text
    # one line when it starts failing, one when it recovers: found flapping, the round's reads succeeding
    # ("recovered") between the claims' writes failing ("failing"), twice per poll for as long as the disk is full
    assert text.count("publish round failing") == text.count("publish round recovered") == 1, text
    assert f"disk failed while evertide read or wrote {tmp_path / 'evertide.db'}" in text, text  # in plain words
    assert len(lines) < 25, text
