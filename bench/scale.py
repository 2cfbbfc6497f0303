"""Scale-out: entries published per second by 1, 2 and 4 daemons on one PostgreSQL, and the claim's plan.

Each run gets a throwaway database with ``--entries`` entries already due over ``--channels`` webhook
channels, and starts N real daemons (``evertide run``, each with the same ``workers:``) against it. The
receiver (served by this process on loopback, many requests at once) answers 201 after ``--latency``
seconds, like a platform that takes its time; it counts ``webhook-id`` values, so an entry sent twice shows.
Throughput is entries over the time from the first publication to the last (Publication rows). Target: 4
daemons at least 3.5x one. The default ``--workers 2`` keeps each daemon waiting on the receiver, which is
what scaling out multiplies; with more workers, four daemons, PostgreSQL and the receiver on a 2-core machine
run out of CPU first, and the figure measures the machine rather than the scaling (measured: 4 workers gave
2.2x).

Then the claim's read (:func:`scheduler.dispatch.claims.takeable_query`, ``FOR UPDATE SKIP LOCKED``) is run
under ``EXPLAIN ANALYZE`` with ``--queued`` entries in the queue (mostly in the coming year, a few due):
target an index scan, under 5 ms.

    PYTHONPATH=. python bench/scale.py [--entries 2000] [--channels 64] [--workers 2] [--latency 0.05]
        [--queued 1000000]

Needs the PostgreSQL at 127.0.0.1:5432 (trust auth; override with EVERTIDE_TEST_PG, an admin URL).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, func, text
from sqlalchemy.dialects import postgresql
from sqlmodel import select

from content_library.database import make_engine, transaction, upgrade
from scheduler.config import load_config
from scheduler.dispatch.claims import takeable_query
from scheduler.queue.tables import Publication

ADMIN_URL = os.environ.get("EVERTIDE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET_VARIABLE = "EVERTIDE_BENCH_HOOK_SECRET"


class SlowReceiver(ThreadingHTTPServer):
    """Answers every POST with 201 after ``latency`` seconds, many at once; counts ``webhook-id`` values."""

    daemon_threads = True

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: SlowReceiver
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(self.server.latency)
        with self.server.lock:
            self.server.ids[self.headers.get("webhook-id", "")] += 1
        body = b'{"id": "ok"}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"evertide_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_config(directory: Path, database: str, receiver: SlowReceiver, channels: int, workers: int) -> Path:
    hooks = "".join(
        f'  h{n}: {{kind: webhook, url: "{receiver.url}", secret: "${{{SECRET_VARIABLE}}}"}}\n' for n in range(channels)
    )
    path = directory / "config.yaml"
    path.write_text(f"database: {database}\ngrace: 1h\nworkers: {workers}\nchannels:\n{hooks}")
    return path


def queue_due(database: str, entries: int, channels: int, *, queued: int = 0) -> None:
    """``entries`` due now over the channels (and ``queued`` more over the coming year), written with SQL:
    the bench measures publishing, not inserting."""
    engine = make_engine(database)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO item (kind, title, url, summary, tags, source, status, priority, created_at, updated_at) "
                "SELECT 'article', 'Guide ' || n, 'https://help.example.com/' || n, '', '[]', 'manual', 'active', 0, "
                ":now, :now "
                "FROM generate_series(1, :count) AS n"
            ),
            {"now": now, "count": max(entries, 1)},
        )
        for count, start, spread in (
            (entries, now - timedelta(minutes=1), timedelta(seconds=1)),
            (queued, now + timedelta(hours=1), timedelta(days=365)),
        ):
            if count:
                connection.execute(
                    text(
                        "INSERT INTO queue_entry (key, channel, zone, at, item_id, text, state, pinned, origin, "
                        "reason, version, attempts, created_at, updated_at) "
                        "SELECT md5(random()::text || n), 'h' || (n % :channels), 'UTC', "
                        ":start + (n * :spread / :count), 1 + (n % :items), 'Guide ' || n, 'planned', true, "
                        "'person', '', 1, 0, :now, :now FROM generate_series(1, :count) AS n"
                    ),
                    {
                        "channels": channels,
                        "start": start,
                        "spread": spread,
                        "count": count,
                        "items": max(entries, 1),
                        "now": now,
                    },
                )
    engine.dispose()


def run(daemons: int, args: argparse.Namespace, receiver: SlowReceiver) -> float:
    """Entries published per second by ``daemons`` daemons."""
    with throwaway_database() as database, tempfile.TemporaryDirectory() as name:
        queue_due(database, args.entries, args.channels)
        config = write_config(Path(name), database, receiver, args.channels, args.workers)
        environment = {**os.environ, SECRET_VARIABLE: "bench-secret"}
        command = [sys.executable, "-m", "scheduler", "--config", str(config), "run"]
        started = [
            subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(daemons)
        ]
        engine = make_engine(database)
        try:
            deadline = time.monotonic() + 600
            while True:
                with transaction(engine) as session:
                    done = session.exec(select(func.count()).select_from(Publication)).one()
                if done >= args.entries:
                    break
                if time.monotonic() > deadline or any(p.poll() is not None for p in started):
                    raise SystemExit(f"{daemons} daemon(s): {done} of {args.entries} published before giving up")
                time.sleep(0.1)
            with transaction(engine) as session:
                first, last = session.exec(
                    select(func.min(Publication.published_at), func.max(Publication.published_at))
                ).one()
        finally:
            for process in started:
                process.terminate()
            for process in started:
                process.wait(timeout=30)
            engine.dispose()
    return args.entries / max((last - first).total_seconds(), 1e-6)


def explain_claim(queued: int, channels: int) -> str:
    with throwaway_database() as database, tempfile.TemporaryDirectory() as name:
        queue_due(database, 200, channels, queued=queued)
        engine = make_engine(database)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        receiver = SlowReceiver(0)
        config = load_config(write_config(Path(name), database, receiver, channels, 4))
        receiver.server_close()
        query = takeable_query(config, datetime.now(UTC), holds=[], limit=4 * 20)
        compiled = query.compile(dialect=postgresql.psycopg.dialect(), compile_kwargs={"render_postcompile": True})
        with engine.begin() as connection:
            plan = connection.exec_driver_sql("EXPLAIN ANALYZE " + str(compiled), compiled.params).all()
        engine.dispose()
    return "\n".join(row[0] for row in plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--queued", type=int, default=1_000_000)
    args = parser.parse_args()
    receiver = SlowReceiver(args.latency)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    rates = {}
    for daemons in (1, 2, 4):
        receiver.ids.clear()
        rates[daemons] = run(daemons, args, receiver)
        twice = sum(1 for count in receiver.ids.values() if count > 1)
        print(f"{daemons} daemon(s): {rates[daemons]:7.1f} entries/s   (entries sent more than once: {twice})")
    receiver.shutdown()
    print(f"speed-up: 2 daemons {rates[2] / rates[1]:.2f}x, 4 daemons {rates[4] / rates[1]:.2f}x  (target: 4 >= 3.5x)")
    print(f"\nthe claim's read with {args.queued:,} queued entries (EXPLAIN ANALYZE):")
    print(explain_claim(args.queued, args.channels))


if __name__ == "__main__":
    main()
