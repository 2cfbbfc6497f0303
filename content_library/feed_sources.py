"""The feeds that fill the library: adding, listing, removing, syncing with the config, and polling.

A feed comes from ``config.yaml`` (``origin="config"``, kept in step by :func:`sync_declared_feeds`) or from a
person (``origin="manual"``). Its items are filed under the feed's name as their source, so renaming a feed
in the config starts a new source (pages already in the library are still recognised by their link).
Removing a feed stops polling it; its items stay in the library.

Polling (:func:`poll_feed`) sends a conditional GET with the ETag and Last-Modified of the last successful
poll. A 304 changes nothing but the poll time. A new document is parsed *before* any transaction starts and
merged in one transaction together with the new validators. A feed that fails (unreachable, broken XML, not a
feed) gets ``last_error`` and ``last_polled_at`` recorded in a transaction of their own and the FeedError is
raised again: the library is never emptied or changed by a failing feed, and the feed is retried at its
normal interval rather than hammered.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from content_library.database import transaction
from content_library.errors import EvertideError, FeedError, ItemNotFound
from content_library.feeds import ParsedFeed, parse_feed
from content_library.fetch import FetchResult, fetch_feed
from content_library.importing import is_url, read_source
from content_library.ingest import ImportSummary, import_drafts
from content_library.models import Feed

DEFAULT_POLL_INTERVAL = timedelta(hours=6)
FEEDS_HINT = "List the feeds with `evertide feeds list`."


@dataclass(frozen=True)
class DeclaredFeed:
    """A feed as ``config.yaml`` declares it; ``url`` may be a local file path. No name means the URL."""

    url: str
    name: str | None = None
    category: str | None = None
    kind: str = "article"

    @property
    def display_name(self) -> str:
        return self.name or self.url


@dataclass(frozen=True)
class SyncResult:
    """The names of the config feeds that were added, changed and removed."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PollResult:
    """One poll: ``not_modified`` after a 304 (then ``summary`` is None), else what the import did."""

    feed: str
    status: Literal["imported", "not_modified"]
    summary: ImportSummary | None = None


def _check_location(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if is_url(url) or (not scheme and Path(url).expanduser().is_file()):
        return
    if scheme and len(scheme) > 1:  # "c:" is a Windows drive, not a scheme
        raise EvertideError(f"{url}: only http and https feeds can be polled", hint="Give an https:// URL.")
    raise EvertideError(
        f"{url}: neither an http(s) URL nor an existing file",
        hint=f"Did you mean https://{url}?",
    )


def add_feed(
    session: Session,
    url: str,
    *,
    name: str | None = None,
    category: str | None = None,
    kind: str = "article",
    origin: str = "manual",
    now: datetime,
) -> Feed:
    """A new feed to poll. Its name defaults to its URL; a name or URL already in use is refused. A local file
    is stored by its absolute path, so the daemon finds it whatever its working directory."""
    url = url.strip()
    _check_location(url)
    if not is_url(url):
        url = str(Path(url).expanduser().resolve())
    name = (name or "").strip() or url
    for clash in session.exec(select(Feed).where((col(Feed.name) == name) | (col(Feed.url) == url))):
        what = f"the name {name!r}" if clash.name == name else f"the URL {url}"
        raise EvertideError(
            f"feed {clash.id} ({clash.name}) already has {what}",
            hint="Choose another name, or remove the existing feed first.",
        )
    feed = Feed(name=name, url=url, category=category, kind=kind, origin=origin, created_at=now)
    session.add(feed)
    session.flush()
    return feed


def list_feeds(session: Session) -> list[Feed]:
    """Every feed, by name."""
    return list(session.exec(select(Feed).order_by(col(Feed.name))).all())


def get_feed(session: Session, name_or_id: str | int) -> Feed:
    """The feed with this id, name or URL; ItemNotFound if there is none."""
    feed = None
    if isinstance(name_or_id, int) or name_or_id.strip().isdigit():
        feed = session.get(Feed, int(name_or_id))
    if feed is None and isinstance(name_or_id, str):
        query = select(Feed).where((col(Feed.name) == name_or_id) | (col(Feed.url) == name_or_id))
        feed = session.exec(query).first()
    if feed is None:
        error = ItemNotFound("feed", name_or_id)
        error.hint = FEEDS_HINT
        raise error
    return feed


def remove_feed(session: Session, name_or_id: str | int) -> Feed:
    """Stop polling a feed (by id, name or URL). The items it brought stay in the library."""
    feed = get_feed(session, name_or_id)
    session.delete(feed)
    session.flush()
    return feed


def _check_declared(declared: Sequence[DeclaredFeed]) -> None:
    for attribute in ("url", "display_name"):
        values = [getattr(feed, attribute) for feed in declared]
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise EvertideError(
                f"config.yaml declares more than one feed with the {attribute.replace('display_', '')} "
                f"{', '.join(repeated)}",
                hint="Give each feed its own url and name.",
            )


def sync_declared_feeds(session: Session, declared: Sequence[DeclaredFeed], now: datetime) -> SyncResult:
    """Make the ``config`` feeds in the table match ``declared``.

    A declared URL already in the table (even as a manual feed) is adopted as a config feed and gets the
    declared name, category and kind. A config feed no longer declared is removed; its items stay. A declared
    name held by a manual feed with another URL is an error naming both.
    """
    _check_declared(declared)
    feeds = list_feeds(session)
    declared_urls = {feed.url for feed in declared}
    removed = [feed for feed in feeds if feed.origin == "config" and feed.url not in declared_urls]
    for feed in removed:
        session.delete(feed)
    session.flush()
    remaining = [feed for feed in feeds if feed not in removed]
    by_url = {feed.url: feed for feed in remaining}
    by_name = {feed.name: feed for feed in remaining}
    added: list[str] = []
    updated: list[str] = []
    for wanted in declared:
        name = wanted.display_name
        current = by_url.get(wanted.url)
        clash = by_name.get(name)
        if clash is not None and clash is not current:
            raise EvertideError(
                f"config feed {name!r} ({wanted.url}): feed {clash.id} ({clash.url}) already has that name",
                hint="Rename one of them, or remove the other feed.",
            )
        fields: dict[str, Any] = {
            "name": name,
            "category": wanted.category,
            "kind": wanted.kind,
            "origin": "config",
        }
        if current is None:
            session.add(Feed(url=wanted.url, created_at=now, **fields))
            added.append(name)
            continue
        changed = {key: value for key, value in fields.items() if getattr(current, key) != value}
        for key, value in changed.items():
            setattr(current, key, value)
        if changed:
            updated.append(name)
    session.flush()
    return SyncResult(tuple(added), tuple(updated), tuple(feed.name for feed in removed))


def _record_failure(engine: Engine, feed_id: int, error: FeedError, now: datetime) -> None:
    with transaction(engine) as session:
        feed = session.get(Feed, feed_id)
        if feed is not None:
            feed.last_error = error.problem
            feed.last_polled_at = now


def _download(feed: Feed, client: httpx.Client | None) -> FetchResult:
    if is_url(feed.url):
        return fetch_feed(feed.url, etag=feed.etag, last_modified=feed.last_modified, client=client)
    document = read_source(feed.url)
    return FetchResult("ok", document.body, feed.url, None, None, "")


def poll_feed(engine: Engine, feed_id: int, *, now: datetime, client: httpx.Client | None = None) -> PollResult:
    """Poll one feed and merge what changed (see the module docstring); FeedError after recording it."""
    with transaction(engine) as session:
        feed = get_feed(session, feed_id)
    try:
        fetched = _download(feed, client)
        parsed: ParsedFeed | None = None
        if fetched.status == "ok":
            base_url = fetched.url if is_url(fetched.url) else None
            parsed = parse_feed(fetched.body, feed_name=feed.name, base_url=base_url, now=now)
    except FeedError as error:
        _record_failure(engine, feed_id, error, now)
        raise
    with transaction(engine) as session:
        stored = get_feed(session, feed_id)
        stored.last_polled_at = now
        stored.last_error = None
        if parsed is None:
            return PollResult(feed.name, "not_modified")
        drafts = parsed.drafts
        if feed.category:  # a category declared for the feed wins over the entries' own
            drafts = [replace(draft, category=feed.category) for draft in drafts]
        summary = import_drafts(
            session,
            drafts,
            source=feed.name,
            now=now,
            default_kind=feed.kind,
            default_category=feed.category,
            came_from=feed.url if is_url(feed.url) else None,
        )
        stored.etag = fetched.etag
        stored.last_modified = fetched.last_modified
    warnings = (*parsed.warnings, *summary.warnings)
    return PollResult(
        feed.name,
        "imported",
        ImportSummary(summary.new, summary.updated, summary.unchanged, summary.skipped, warnings),
    )


def feeds_due(session: Session, intervals: Mapping[str, timedelta], now: datetime) -> list[Feed]:
    """The feeds to poll now: never polled, or polled at least their interval ago (by feed name, else
    :data:`DEFAULT_POLL_INTERVAL`). A failed poll counts as a poll. Never-polled feeds come first, then the
    longest-waiting."""
    due = [
        feed
        for feed in list_feeds(session)
        if feed.last_polled_at is None or feed.last_polled_at + intervals.get(feed.name, DEFAULT_POLL_INTERVAL) <= now
    ]
    return sorted(due, key=lambda feed: (feed.last_polled_at is not None, feed.last_polled_at or now))
