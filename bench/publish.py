"""How late the daemon publishes, and what it costs while idle.

Lateness is ``published_at − scheduled_at`` of each Publication row the real daemon (``evertide run``, a
subprocess on a SQLite file) records for 1,000 posts due evenly over one minute, every one of them queued
10 s ahead so the daemon knows it long before its instant. Two runs: the ``file`` channel (an fsync'd JSON
outbox) and an X channel driven through tweepy against the loopback X emulator (this process serves it).
The recorded instant is taken after the platform answered, so lateness includes the publish call itself.
Target: p99 < 1 s. A third run measures the ``file`` channel again while a webhook channel beside it hangs
(its receiver drips one byte a second and never finishes; 20 of its entries fall due over the same minute):
one platform that hangs must not make another late, so the target is unchanged. Then a daemon with an
empty queue runs for ``--idle`` seconds: CPU seconds per minute (utime + stime from /proc) and resident
memory (VmRSS) after start and at the end.

The emulator lives in the test suite, so run it from the repository root with the root on the path:

    PYTHONPATH=. python bench/publish.py [--posts 1000] [--spread 60] [--idle 20] [--keep]

``--keep`` leaves the work directory (configs, databases, daemon logs in JSON) and prints its path. Linux
only (reads /proc). Every wait has a deadline; the default run takes about three minutes.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from content_library.database import make_engine, transaction, upgrade
from content_library.store import add_item
from scheduler.queue.entries import insert_entry
from scheduler.queue.tables import EntryState, Origin, Publication, QueueEntry
from tests.emulators import Reply
from tests.emulators.webhook_sink import WebhookSink
from tests.emulators.x_api import XApi

LEAD = timedelta(seconds=10)  # the first post is due this long after the queue is written
TOKEN_VARIABLE = "EVERTIDE_BENCH_X_TOKEN"
TOKEN = "bench-bearer-token"
DRAIN = 30.0  # seconds allowed after the last instant for the queue to empty
STOP_TIMEOUT = 15.0
TERMINAL = (EntryState.PUBLISHED, EntryState.MISSED, EntryState.FAILED, EntryState.IN_DOUBT, EntryState.SKIPPED)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

FILE_CHANNEL = "  outbox: {kind: file, path: outbox.jsonl}\n"


@dataclass(frozen=True)
class RunResult:
    channel: str
    lateness: list[float]  # seconds, one per publication
    states: Counter[str]
    startup: float | None  # seconds from spawn to the daemon's "started" line
    cpu_seconds: float
    peak_rss_kb: int
    exit_code: int | None
    events: Counter[str]


@dataclass(frozen=True)
class IdleResult:
    seconds: float
    cpu_per_minute: float
    rss_start_kb: int
    rss_end_kb: int
    exit_code: int | None


class Daemon:
    """``python -m scheduler --config … run --log-format json`` with its log in ``daemon.log``."""

    def __init__(self, workdir: Path) -> None:
        self.log_path = workdir / "daemon.log"
        self.spawned = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "scheduler",
                    "--config",
                    str(workdir / "config.yaml"),
                    "run",
                    "--log-format",
                    "json",
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
                env={**os.environ, TOKEN_VARIABLE: TOKEN},
            )

    def events(self) -> list[dict[str, object]]:
        """The log's JSON events; any other line (a traceback, a library's own warning) counts as "other"."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [json.loads(line) if line.startswith("{") else {"event": "other"} for line in lines]

    def wait_started(self, timeout: float) -> float | None:
        """Seconds from spawn to the "started" line, or None if it did not come (the log says why)."""
        deadline = self.spawned + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if any(event.get("event") == "started" for event in self.events()):
                return time.monotonic() - self.spawned
            time.sleep(0.05)
        return None

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)

    def memory_kb(self, key: str) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT; None means it had to be killed."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


def x_channel(base_url: str) -> str:
    """The X channel, pointed at the emulator; the token comes from the daemon's environment."""
    return f'  x-main: {{kind: x, base_url: "{base_url}", credentials: {{bearer_token: "${{{TOKEN_VARIABLE}}}"}}}}\n'


def prepare(workdir: Path, channels: str, *, items: int) -> Engine:
    """A config with ``channels``, a migrated SQLite database and ``items`` library items."""
    workdir.mkdir(parents=True)
    (workdir / "config.yaml").write_text(f"database: evertide.db\ngrace: 15m\nchannels:\n{channels}")
    engine = make_engine(f"sqlite:///{workdir / 'evertide.db'}")
    upgrade(engine)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        for n in range(1, items + 1):
            add_item(
                session,
                {"title": f"Guide {n}", "url": f"https://help.example.com/guide-{n}", "summary": f"Thing {n}."},
                now=now,
            )
    return engine


def schedule(engine: Engine, channel: str, *, posts: int, first: datetime, spread: timedelta) -> None:
    """``posts`` pinned entries a person queued, item n at ``first + n × spread / posts``, in one transaction."""
    now = datetime.now(UTC)
    with transaction(engine) as session:
        for n in range(posts):
            insert_entry(
                session,
                {
                    "channel": channel,
                    "zone": "UTC",
                    "at": first + spread * n / posts,
                    "item_id": n + 1,
                    "text": f"Guide {n + 1} https://help.example.com/guide-{n + 1}",
                    "origin": Origin.PERSON.value,
                    "pinned": True,
                },
                now=now,
            )


def states(engine: Engine, channel: str | None = None) -> Counter[str]:
    query = select(QueueEntry.state, func.count()).group_by(col(QueueEntry.state))
    if channel is not None:
        query = query.where(QueueEntry.channel == channel)
    with Session(engine) as session:
        rows = session.exec(query).all()
    return Counter({state: count for state, count in rows})


def wait_until(condition: Callable[[], bool], deadline: float, alive: Callable[[], bool]) -> None:
    while time.monotonic() < deadline and alive() and not condition():
        time.sleep(0.5)


def lateness(engine: Engine, channel: str) -> list[float]:
    with Session(engine) as session:
        rows = session.exec(select(Publication).where(Publication.channel == channel)).all()
    return sorted((row.published_at - row.scheduled_at).total_seconds() for row in rows)


def publishing_run(
    workdir: Path, channels: str, channel: str, *, posts: int, spread: timedelta, beside: tuple[str, int] | None = None
) -> RunResult:
    """``posts`` on ``channel``; ``beside``: (another channel, how many of its entries fall due meanwhile)."""
    engine = prepare(workdir, channels, items=posts)
    try:
        first = datetime.now(UTC) + LEAD
        schedule(engine, channel, posts=posts, first=first, spread=spread)
        if beside is not None:
            schedule(engine, beside[0], posts=beside[1], first=first, spread=spread)
        daemon = Daemon(workdir)
        try:
            startup = daemon.wait_started(timeout=LEAD.total_seconds())
            last_due = time.monotonic() + (first + spread - datetime.now(UTC)).total_seconds()

            def done() -> bool:
                return sum(states(engine, channel)[state.value] for state in TERMINAL) >= posts

            wait_until(done, last_due + DRAIN, lambda: daemon.process.poll() is None)
            cpu = daemon.cpu_seconds() if daemon.process.poll() is None else 0.0
            peak = daemon.memory_kb("VmHWM") if daemon.process.poll() is None else 0
        finally:
            exit_code = daemon.stop()
        events = Counter(str(event.get("event")) for event in daemon.events())
        found = states(engine, channel)
        return RunResult(channel, lateness(engine, channel), found, startup, cpu, peak, exit_code, events)
    finally:
        engine.dispose()


def idle_run(workdir: Path, channels: str, *, seconds: float) -> IdleResult:
    prepare(workdir, channels, items=0).dispose()
    daemon = Daemon(workdir)
    try:
        if daemon.wait_started(timeout=30) is None:
            raise SystemExit(f"the idle daemon did not start; its log:\n{daemon.log_path.read_text()}")
        time.sleep(1.0)  # let start-up work (settle, refill, first publish pass) finish before measuring
        cpu_start, rss_start, began = daemon.cpu_seconds(), daemon.memory_kb("VmRSS"), time.monotonic()
        wait_until(lambda: False, began + seconds, lambda: daemon.process.poll() is None)
        elapsed = time.monotonic() - began
        cpu_end, rss_end = daemon.cpu_seconds(), daemon.memory_kb("VmRSS")
    finally:
        exit_code = daemon.stop()
    return IdleResult(elapsed, (cpu_end - cpu_start) / elapsed * 60, rss_start, rss_end, exit_code)


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, -(-int(share * 1000) * len(sorted_values) // 1000))  # ceil(share × n), exact for shares in ‰
    return sorted_values[rank - 1]


def report_run(name: str, result: RunResult, posts: int) -> bool:
    values = result.lateness
    if values:
        figures = [statistics.median(values), percentile(values, 0.90), percentile(values, 0.99), values[-1]]
        shown = " ".join(f"{v * 1000:8.0f}" for v in figures)
    else:
        figures, shown = [], " ".join(f"{'-':>8}" for _ in range(4))
    other = {s: n for s, n in result.states.items() if s != EntryState.PUBLISHED.value}
    print(f"{name:16s} {len(values):5d}/{posts:<5d} {shown}   {', '.join(f'{s} {n}' for s, n in other.items()) or '-'}")
    return bool(figures) and figures[2] < 1.0 and len(values) == posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which the posts fall due")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle measurement")
    parser.add_argument("--keep", action="store_true", help="keep the work directory and print its path")
    args = parser.parse_args()
    spread = timedelta(seconds=args.spread)
    root = Path(tempfile.mkdtemp(prefix="evertide-bench-publish-"))
    try:
        with XApi(bearer_token=TOKEN) as x_api, WebhookSink(secret=None) as hook:
            x_main = x_channel(x_api.base_url)
            hook.script("POST", "/hooks/evertide", *[Reply(201, {"id": "never"}, drip=1.0) for _ in range(200)])
            hanging = f'  hook: {{kind: webhook, url: "{hook.url}", timeout: 5s}}\n'
            runs = {
                "file": publishing_run(root / "file", FILE_CHANNEL, "outbox", posts=args.posts, spread=spread),
                "x (emulator)": publishing_run(root / "x", x_main, "x-main", posts=args.posts, spread=spread),
                "file, hook hangs": publishing_run(
                    root / "beside",
                    FILE_CHANNEL + hanging,
                    "outbox",
                    posts=args.posts,
                    spread=spread,
                    beside=("hook", 20),
                ),
            }
            idle = idle_run(root / "idle", FILE_CHANNEL + x_main, seconds=args.idle)
            x_posts = len(x_api.requests_to("POST", "/2/tweets"))
    finally:
        if args.keep:
            print(f"work directory kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    print(f"{args.posts} posts due over {args.spread:.0f} s, queued {LEAD.total_seconds():.0f} s ahead; lateness in ms")
    print(f"{'channel':16s} {'published':>11s} {'median':>8s} {'p90':>8s} {'p99':>8s} {'max':>8s}   not published")
    verdicts = {name: report_run(name, result, args.posts) for name, result in runs.items()}
    print()
    print(f"{'channel':16s} {'start-up':>9s} {'CPU s':>7s} {'peak RSS':>9s} {'exit':>5s}   log events")
    for name, result in runs.items():
        startup = f"{result.startup:8.2f}s" if result.startup is not None else f"{'-':>9s}"
        events = ", ".join(f"{event} {n}" for event, n in result.events.most_common())
        print(
            f"{name:16s} {startup} {result.cpu_seconds:7.2f} {result.peak_rss_kb / 1024:7.1f}MB "
            f"{result.exit_code!s:>5s}   {events}"
        )
    print(f"X emulator received {x_posts} POST /2/tweets")
    print()
    print(
        f"idle {idle.seconds:.0f} s: CPU {idle.cpu_per_minute:.3f} s/min, RSS {idle.rss_start_kb / 1024:.1f} MB "
        f"after start, {idle.rss_end_kb / 1024:.1f} MB at the end (exit {idle.exit_code})"
    )
    print()
    for name, ok in verdicts.items():
        print(f"{name}: p99 < 1 s {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
