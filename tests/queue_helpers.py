"""Building a small library and queue directly, for queue and dispatch tests."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from content_library.database import transaction
from content_library.store import ItemFilter, add_item, list_items
from scheduler.config import Config, load_config
from scheduler.queue.entries import insert_entry
from scheduler.queue.tables import QueueEntry
from tests.cli import CONFIG

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # Tuesday; 07:00 in New York, 12:00 in London


def config_in(directory: Path, text: str = CONFIG) -> Config:
    path = directory / "config.yaml"
    path.write_text(text)
    return load_config(path)


def add_items(engine: Engine, count: int, *, now: datetime = T0) -> list[int]:
    """``count`` more items, "Guide N" at https://help.example.com/guide-N, numbered on from those there."""
    with transaction(engine) as session:
        first = len(list_items(session, ItemFilter())) + 1
        return [
            add_item(
                session,
                {
                    "title": f"Guide {n}",
                    "url": f"https://help.example.com/guide-{n}",
                    "summary": f"How to do thing {n}.",
                },
                now=now,
            ).id
            or 0
            for n in range(first, first + count)
        ]


def queue(engine: Engine, item_id: int, at: datetime, **fields: Any) -> QueueEntry:
    values: dict[str, Any] = {
        "channel": "outbox",
        "campaign": "help",
        "zone": "Europe/London",
        "at": at,
        "item_id": item_id,
        "text": f"Guide {item_id} https://help.example.com/guide-{item_id}",
    }
    values |= fields
    with transaction(engine) as session:
        return insert_entry(session, values, now=at - timedelta(days=1))
