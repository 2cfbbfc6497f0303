"""The report of a large setup: 50 channels, 10,000 items, a month of history and two weeks of queue.

Targets (issue 12): ``evertide report`` writes it in under 60 s and under 5 MB, and headless Chromium lays it
out (when it is installed) — both timed here, with ``evertide queue list`` of the same database as the
baseline of a command that reads it. The setup is built once in a cache directory (untimed): items by bulk
insert, the past month planned from 30 days ago and published through the queue's own moves, then the queue
filled for the next 14 days.

    python bench/report.py [--cache DIR]
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

CHANNELS = 50
ITEMS = 10_000
CONFIG = """\
database: report.db
display_timezone: Europe/London
audiences:
  world:
    - {{zone: America/New_York, weight: 45, windows: ["07:30-09:30", "12:00-13:30", "19:00-22:00"]}}
    - {{zone: Europe/London, weight: 35, windows: ["08:00-09:30", "12:30-14:00", "20:00-22:30"]}}
    - {{zone: Asia/Tokyo, weight: 20, windows: ["07:00-09:00", "12:00-13:00", "20:00-23:30"]}}
channels:
{channels}campaigns:
  help:
    channels: [{names}]
    posts_per_day: 4
    min_gap: 45m
    repeat_after: 20d
"""


def build(directory: Path, now: datetime) -> Path:
    """The setup's config (its database beside it), built on first use."""
    config_path = directory / "config.yaml"
    if (directory / "ready").exists():
        return config_path
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    kinds = ("file", "x")
    channels = "".join(
        f"  c{n:02d}: {{kind: {kinds[n % 2]}, audience: world"
        + (", path: c.jsonl" if n % 2 == 0 else ', credentials: {bearer_token: "${X_TOKEN}"}, budget: {monthly: 20}')
        + "}\n"
        for n in range(CHANNELS)
    )
    names = ", ".join(f"c{n:02d}" for n in range(CHANNELS))
    config_path.write_text(CONFIG.format(channels=channels, names=names))

    from content_library.database import make_engine, transaction, upgrade
    from scheduler.config import load_config
    from scheduler.queue import states
    from scheduler.queue.fill import fill
    from scheduler.queue.listing import list_entries

    config = load_config(config_path)
    engine = make_engine(config.database_url())
    upgrade(engine)
    engine.dispose()
    stamp = "2025-06-01 00:00:00.000000"
    with sqlite3.connect(directory / "report.db") as connection:
        connection.executemany(
            "INSERT INTO item (id, kind, title, url, url_key, summary, tags, source, status, priority, created_at,"
            " updated_at) VALUES (?, 'article', ?, ?, ?, '', '[]', 'bench', 'active', 0, ?, ?)",
            (
                (n, f"Evergreen guide {n}", f"https://example.org/{n}", f"example.org/{n}", stamp, stamp)
                for n in range(1, ITEMS + 1)
            ),
        )
    engine = make_engine(config.database_url())
    past = now - timedelta(days=30)
    with transaction(engine) as session:
        fill(session, config, now=past, days=30)
    with transaction(engine) as session:
        for entry in list_entries(session, now=past):
            if entry.at < now:
                claimed = states.claim(session, entry, worker="bench", now=entry.at, lease=timedelta(minutes=1))
                states.publish(session, claimed, remote_id=str(entry.id), remote_url=None, now=entry.at)
    with transaction(engine) as session:
        fill(session, config, now=now, days=14)
    engine.dispose()
    (directory / "ready").touch()
    return config_path


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "evertide-bench-report")
    options = parser.parse_args()
    started = time.perf_counter()
    config = build(options.cache, datetime.now(UTC).replace(second=0, microsecond=0))
    print(f"setup: {CHANNELS} channels, {ITEMS:,} items, 30 days of history ({time.perf_counter() - started:.0f} s)")
    evertide = [sys.executable, "-m", "scheduler", "--config", str(config)]
    subprocess.run([*evertide, "db", "upgrade"], check=True, capture_output=True, timeout=600)  # an older cache
    out = options.cache / "report.html"
    baseline = min(timed([*evertide, "queue", "list", "--days", "14"]) for _ in range(3))
    report = min(timed([*evertide, "report", "--days", "14", "--out", str(out)]) for _ in range(3))
    size = out.stat().st_size
    print(f"queue list --days 14 (baseline): {baseline:6.2f} s")
    print(f"report --days 14:                {report:6.2f} s  ({report / baseline:.1f}x; target < 60 s)")
    print(f"report size:                     {size / 1e6:6.2f} MB (target < 5 MB)")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser:
        headless = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", out.as_uri()]
        print(f"chromium lays it out:            {timed(headless):6.2f} s")
    else:
        print("chromium: not installed (apt-get install chromium), not timed")


if __name__ == "__main__":
    os.environ.setdefault("X_TOKEN", "bench")
    main()
