"""The daemon's feed job: keep config feeds in step, then poll the ones whose interval has passed.

A broken feed is logged and recorded on the feed (``feeds list`` shows it); it never stops the other feeds
and never empties the library.
"""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.engine import Engine

from content_library.database import transaction
from content_library.errors import FeedError
from content_library.feed_sources import DeclaredFeed, PollResult, feeds_due, poll_feed, sync_declared_feeds
from scheduler.config import Config


def describe_poll(result: PollResult) -> str:
    """``12 new, 3 updated, …`` for an import, ``not modified`` after a 304, warnings after a semicolon."""
    if result.summary is None:
        return "not modified since the last poll"
    warnings = "".join(f"; warning: {w}" for w in result.summary.warnings)
    return result.summary.line() + warnings


def declared_feeds(config: Config) -> list[DeclaredFeed]:
    """``feeds:`` of the config, with local paths made absolute (they are relative to the config file)."""
    declared = []
    for feed in config.feeds:
        url = feed.url if "://" in feed.url else str(config.resolve_path(feed.url))
        declared.append(DeclaredFeed(url=url, name=feed.name, category=feed.category, kind=feed.kind))
    return declared


def poll_due_feeds(engine: Engine, config: Config, *, now: datetime) -> Iterator[str]:
    """Poll every due feed; yields one line per feed polled."""
    intervals = {feed.display_name: feed.interval for feed in config.feeds}
    with transaction(engine) as session:
        sync_declared_feeds(session, declared_feeds(config), now)
        due = [(feed.id, feed.name) for feed in feeds_due(session, intervals, now)]
    for feed_id, name in due:
        assert feed_id is not None
        try:
            yield f"{name}: {describe_poll(poll_feed(engine, feed_id, now=now))}"
        except FeedError as error:
            yield f"{name}: error: {error.problem}"
