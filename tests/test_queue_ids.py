"""Queue entry ids are never handed to another post: `queue skip 80` typed from an old listing skips that post
or is refused, never a different one."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import transaction
from content_library.store import edit_item
from scheduler.config import Config
from scheduler.queue.entries import active_entries, get_entry
from scheduler.queue.fill import fill
from scheduler.queue.settled import SETTLED
from scheduler.queue.tables import QueueEntry
from tests.queue_helpers import T0, add_items, config_in


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return config_in(tmp_path)


def entries(engine: Engine) -> list[QueueEntry]:
    with transaction(engine) as session:
        return active_entries(session)


def test_a_refill_never_gives_a_new_entry_the_id_of_one_it_replaced(engine: Engine, config: Config) -> None:
    add_items(engine, 12)
    with transaction(engine) as session:
        fill(session, config, now=T0, days=5)
    first = {e.id for e in entries(engine)}
    with transaction(engine) as session:  # a shorter horizon drops the newest entries...
        shrunk = fill(session, config, now=T0, days=3)
    assert shrunk.removed > 0
    with transaction(engine) as session:  # ...and extending it again plans posts in their place
        grown = fill(session, config, now=T0, days=5)
    assert grown.added == shrunk.removed
    new = {e.id for e in entries(engine)} - first
    assert len(new) == grown.added
    assert min(i or 0 for i in new) > max(i or 0 for i in first)


def test_a_refill_where_only_the_text_changed_keeps_the_entry(sqlite_engine: Engine, config: Config) -> None:
    add_items(sqlite_engine, 12)
    with transaction(sqlite_engine) as session:
        fill(session, config, now=T0, days=5)
    later = [e for e in entries(sqlite_engine) if e.at >= T0 + SETTLED]
    target = later[0]
    assert target.text.startswith(f"Guide {target.item_id} ") or f"thing {target.item_id}." in target.text
    with transaction(sqlite_engine) as session:
        edit_item(
            session,
            target.item_id,
            {"title": f"Handbook {target.item_id}", "summary": f"All about thing {target.item_id}, updated."},
            now=T0,
        )
    with transaction(sqlite_engine) as session:
        result = fill(session, config, now=T0, days=5)
        kept = get_entry(session, target.id or 0)
    assert (result.added, result.removed, result.reworded) == (0, 0, 1)
    assert "(1 with new words)" in result.line()
    assert (kept.state, kept.key, kept.channel, kept.item_id, kept.at) == (
        "planned",
        target.key,
        target.channel,
        target.item_id,
        target.at,
    )
    assert kept.text != target.text and (f"Handbook {target.item_id}" in kept.text or "updated" in kept.text)
    assert kept.version == target.version + 1


def test_a_second_refill_rewrites_nothing(sqlite_engine: Engine, config: Config) -> None:
    add_items(sqlite_engine, 12)
    with transaction(sqlite_engine) as session:
        fill(session, config, now=T0, days=5)
    before = {e.id: e.version for e in entries(sqlite_engine)}
    with transaction(sqlite_engine) as session:
        again = fill(session, config, now=T0 + timedelta(minutes=30), days=5)
    assert (again.added, again.removed, again.reworded) == (0, 0, 0)
    assert {e.id: e.version for e in entries(sqlite_engine)} == before


def test_entries_due_within_a_day_keep_their_old_text_through_a_refill(sqlite_engine: Engine, config: Config) -> None:
    add_items(sqlite_engine, 12)
    with transaction(sqlite_engine) as session:
        fill(session, config, now=T0, days=5)
    soon = next(e for e in entries(sqlite_engine) if e.at < T0 + SETTLED)
    with transaction(sqlite_engine) as session:
        edit_item(session, soon.item_id, {"title": "Renamed", "summary": "Renamed."}, now=T0)
        fill(session, config, now=T0 + timedelta(minutes=5), days=5)
        assert get_entry(session, soon.id or 0).text == soon.text


def test_queue_list_marks_what_a_refill_may_still_replace(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from content_library.database import make_engine
    from tests.cli import Cli
    from tests.queue_helpers import queue

    cli = Cli(tmp_path)
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    first, second, third = add_items(engine, 3)
    base = datetime.now(UTC).replace(second=0, microsecond=0)
    soon = queue(engine, first, base + timedelta(hours=3))  # due within a day: stays as listed
    later = queue(engine, second, base + timedelta(days=3))  # a refill may replace it
    pinned = queue(engine, third, base + timedelta(days=4), pinned=True)
    engine.dispose()
    table = cli("queue", "list").stdout
    assert f"{later.id} ↻" in table and f"{soon.id} ↻" not in table and f"{pinned.id} 📌" in table
    assert "↻ = a refill may still replace it" in table
