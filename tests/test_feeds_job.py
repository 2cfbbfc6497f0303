"""The daemon's feed job: config feeds kept in step, polled when their interval has passed, errors contained."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from content_library.database import transaction
from content_library.feed_sources import list_feeds
from content_library.store import ItemFilter, list_items
from scheduler.daemon.feeds_job import poll_due_feeds
from tests.conftest import DATA
from tests.queue_helpers import config_in

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_config_feeds_are_polled_when_due_and_a_broken_one_stops_nothing(tmp_path: Path, sqlite_engine: Engine) -> None:
    good = DATA / "feeds" / "wordpress_natashatherobot.rss.xml"
    broken = DATA / "feeds" / "malformed_reuters_truncated.rss.xml"
    config = config_in(
        tmp_path,
        f"feeds:\n  - {{url: '{broken}', name: reuters, interval: 1h}}\n"
        f"  - {{url: '{good}', name: natasha, interval: 6h}}\n",
    )
    lines = dict(line.split(": ", 1) for line in poll_due_feeds(sqlite_engine, config, now=NOW))
    assert lines["reuters"].startswith("error: ") and lines["natasha"].startswith("10 new")
    with transaction(sqlite_engine) as session:
        assert len(list_items(session, ItemFilter())) == 10
        assert {f.name: f.last_error is not None for f in list_feeds(session)} == {"reuters": True, "natasha": False}
    assert [line.split(":")[0] for line in poll_due_feeds(sqlite_engine, config, now=NOW + timedelta(hours=2))] == [
        "reuters"
    ]
    assert len(list(poll_due_feeds(sqlite_engine, config, now=NOW + timedelta(hours=7)))) == 2
