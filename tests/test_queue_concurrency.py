"""Edits made while a daemon tick runs: every entry ends either published as it was, or edited and not
published — never half of each, never twice. On SQLite and on PostgreSQL."""

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import transaction
from scheduler.config import Config
from scheduler.dispatch.publishing import Dispatcher
from scheduler.publishers.registry import build_publisher
from scheduler.queue import edits
from scheduler.queue.edits import EditRefused
from scheduler.queue.entries import ConcurrentEdit, get_entry
from tests.queue_helpers import T0, add_items, config_in, queue

CONFIG = "database: evertide.db\ngrace: 1h\nchannels:\n  outbox: {kind: file, path: outbox.jsonl}\n"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return config_in(tmp_path, CONFIG)


def test_moves_racing_a_publishing_tick_never_corrupt_an_entry(engine: Engine, config: Config) -> None:
    items = add_items(engine, 30)
    entries = [queue(engine, item, T0 + timedelta(seconds=n), campaign=None) for n, item in enumerate(items)]
    later = T0 + timedelta(days=1)

    def build(channel: str):  # type: ignore[no-untyped-def]
        return build_publisher(channel, config.channels[channel], base_dir=config.base_dir)

    dispatcher = Dispatcher(engine, config, build, worker="tick")
    tick = threading.Thread(target=dispatcher.publish_due, args=(lambda: T0 + timedelta(minutes=1),))
    tick.start()
    refused = 0
    for entry in reversed(entries):  # race from the other end of the queue
        try:
            with transaction(engine) as session:
                edits.move(session, config, entry.id or 0, later + timedelta(hours=entry.id or 0), now=T0, force=True)
        except (ConcurrentEdit, EditRefused):
            refused += 1
    tick.join(timeout=60)
    dispatcher.close()

    outbox = config.base_dir / "outbox.jsonl"
    lines = [json.loads(line) for line in outbox.read_text().splitlines()] if outbox.exists() else []
    posted = [line["entry_id"] for line in lines]
    assert len(posted) == len(set(posted))
    with transaction(engine) as session:
        final = {e.id: get_entry(session, e.id or 0) for e in entries}
    unmoved = 0
    for entry_id, entry in final.items():
        if entry.state == "published":
            assert entry_id in posted and entry.at < later and not entry.pinned
        elif not entry.pinned:  # the tick deferred it (min_gap) just as the move came: the move was refused
            assert entry.state == "planned" and entry.next_attempt_at is not None and entry_id not in posted
            unmoved += 1
        else:
            assert (entry.state, entry.pinned) == ("planned", True) and entry.at >= later
            assert entry_id not in posted
    assert refused == sum(1 for e in final.values() if e.state == "published") + unmoved
