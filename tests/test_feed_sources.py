"""The feeds table: add/list/remove, syncing with config.yaml, polling over real HTTP, and what is due."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from content_library.database import transaction
from content_library.errors import EvertideError, FeedError, ItemNotFound
from content_library.feed_sources import (
    DEFAULT_POLL_INTERVAL,
    DeclaredFeed,
    add_feed,
    feeds_due,
    list_feeds,
    poll_feed,
    remove_feed,
    sync_declared_feeds,
)
from content_library.importing import import_source
from content_library.models import Feed, Item
from tests.conftest import DATA
from tests.http_server import LoopbackServer, Reply, Request

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FEEDS = DATA / "feeds"
WORDPRESS = (FEEDS / "wordpress_natashatherobot.rss.xml").read_bytes()
REUTERS = (FEEDS / "malformed_reuters_truncated.rss.xml").read_bytes()
RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}


def feed_row(engine: Engine, feed_id: int) -> Feed:
    with Session(engine) as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        return feed


def item_titles(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Item.title).order_by(col(Item.id))).all())


def new_feed(engine: Engine, url: str, **fields: str) -> int:
    with transaction(engine) as session:
        feed_id = add_feed(session, url, now=NOW, **fields).id
    assert feed_id is not None
    return feed_id


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


# -- add / list / remove -------------------------------------------------------------------------------------


def test_add_list_and_remove_keep_the_items(engine: Engine) -> None:
    with transaction(engine) as session:
        add_feed(session, "https://blog.example.com/feed/", name="blog", category="swift", now=NOW)
        add_feed(session, str(FEEDS / "medium_emarley.rss.xml"), kind="tip", now=NOW)
    with transaction(engine) as session:
        feeds = list_feeds(session)
        assert [(f.name, f.category, f.kind, f.origin) for f in feeds] == [
            (str(FEEDS / "medium_emarley.rss.xml"), None, "tip", "manual"),  # no name: named by its URL
            ("blog", "swift", "article", "manual"),
        ]
    import_source(engine, str(FEEDS / "medium_emarley.rss.xml"), now=NOW)
    with transaction(engine) as session:
        assert remove_feed(session, "blog").url == "https://blog.example.com/feed/"
        remove_feed(session, str(feeds[0].id))
        assert list_feeds(session) == []
    assert len(item_titles(engine)) == 10


def test_a_local_feed_is_stored_by_its_absolute_path(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "news.xml").write_bytes(WORDPRESS)
    monkeypatch.chdir(tmp_path)
    with transaction(sqlite_engine) as session:
        feed = add_feed(session, "news.xml", now=NOW)
    assert feed.url == feed.name == str(tmp_path.resolve() / "news.xml")


def test_remove_unknown_feed_names_it(sqlite_engine: Engine) -> None:
    with transaction(sqlite_engine) as session, pytest.raises(ItemNotFound) as raised:
        remove_feed(session, "nope")
    assert "there is no feed with id nope" in str(raised.value) and "feeds list" in raised.value.hint


@pytest.mark.parametrize(
    ("url", "name", "problem"),
    [
        ("https://a.org/feed", "other", "already has the URL https://a.org/feed"),
        ("https://b.org/feed", "a", "already has the name 'a'"),
        ("blog.example.com/feed", None, r"neither an http\(s\) URL nor an existing file"),
        ("ftp://a.org/feed", None, "only http and https feeds can be polled"),
    ],
)
def test_add_refuses_clashes_and_bad_locations(sqlite_engine: Engine, url: str, name: str | None, problem: str) -> None:
    new_feed(sqlite_engine, "https://a.org/feed", name="a")
    with transaction(sqlite_engine) as session, pytest.raises(EvertideError, match=problem):
        add_feed(session, url, name=name, now=NOW)


# -- config ----------------------------------------------------------------------------------------------


def test_sync_adds_updates_adopts_and_removes_config_feeds(engine: Engine) -> None:
    new_feed(engine, "https://manual.example.com/feed", name="mine")
    with transaction(engine) as session:
        first = sync_declared_feeds(
            session,
            [DeclaredFeed("https://a.org/feed", "a", "swift"), DeclaredFeed("https://b.org/feed")],
            NOW,
        )
    assert (first.added, first.updated, first.removed) == (("a", "https://b.org/feed"), (), ())
    with transaction(engine) as session:
        second = sync_declared_feeds(
            session,
            [
                DeclaredFeed("https://a.org/feed", "a", "ios", "tip"),
                DeclaredFeed("https://manual.example.com/feed", "adopted"),
                DeclaredFeed(str(FEEDS / "substack_heated.rss.xml"), "local"),
            ],
            NOW,
        )
        assert (second.added, second.updated, second.removed) == (("local",), ("a", "adopted"), ("https://b.org/feed",))
        assert [(f.name, f.category, f.kind, f.origin) for f in list_feeds(session)] == [
            ("a", "ios", "tip", "config"),
            ("adopted", None, "article", "config"),
            ("local", None, "article", "config"),
        ]
    with transaction(engine) as session:
        again = sync_declared_feeds(
            session,
            [
                DeclaredFeed("https://a.org/feed", "a", "ios", "tip"),
                DeclaredFeed("https://manual.example.com/feed", "adopted"),
                DeclaredFeed(str(FEEDS / "substack_heated.rss.xml"), "local"),
            ],
            NOW,
        )
    assert again == type(again)()


def test_sync_refuses_a_name_held_by_a_manual_feed(sqlite_engine: Engine) -> None:
    new_feed(sqlite_engine, "https://manual.example.com/feed", name="blog")
    with transaction(sqlite_engine) as session, pytest.raises(EvertideError, match="already has that name"):
        sync_declared_feeds(session, [DeclaredFeed("https://other.example.com/feed", "blog")], NOW)


def test_sync_refuses_repeated_declarations(sqlite_engine: Engine) -> None:
    with transaction(sqlite_engine) as session, pytest.raises(EvertideError, match="more than one feed with the url"):
        sync_declared_feeds(session, [DeclaredFeed("https://a.org/f", "a"), DeclaredFeed("https://a.org/f", "b")], NOW)


# -- polling -----------------------------------------------------------------------------------------------


def test_poll_imports_then_sends_validators_and_respects_304(engine: Engine, server: LoopbackServer) -> None:
    etag, modified = '"wp-1"', "Fri, 07 Jul 2017 11:06:10 GMT"

    def conditional(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(body=WORDPRESS, headers={**RSS, "ETag": etag, "Last-Modified": modified})

    server.route("/feed/", conditional)
    feed_id = new_feed(engine, server.url("/feed/"), name="natasha", category="swift")
    first = poll_feed(engine, feed_id, now=NOW)
    assert first.status == "imported" and first.summary is not None
    assert first.summary.line() == "10 new, 0 updated, 0 unchanged, 0 skipped"
    stored = feed_row(engine, feed_id)
    assert (stored.etag, stored.last_modified, stored.last_polled_at, stored.last_error) == (etag, modified, NOW, None)
    with Session(engine) as session:
        assert {(i.source, i.category, i.kind) for i in session.exec(select(Item))} == {("natasha", "swift", "article")}

    later = NOW + timedelta(hours=6)
    second = poll_feed(engine, feed_id, now=later)
    assert (second.status, second.summary) == ("not_modified", None)
    assert server.requests[-1].headers["if-none-match"] == etag
    assert server.requests[-1].headers["if-modified-since"] == modified
    assert feed_row(engine, feed_id).last_polled_at == later
    assert len(item_titles(engine)) == 10


def test_changed_feed_updates_titles_without_duplicates(sqlite_engine: Engine, server: LoopbackServer) -> None:
    changed = WORDPRESS.replace(b"<title>The Easiest Way", b"<title>The Simplest Way", 1)
    server.route("/feed", [Reply(body=WORDPRESS, headers=RSS), Reply(body=changed, headers=RSS)])
    feed_id = new_feed(sqlite_engine, server.url("/feed"))
    poll_feed(sqlite_engine, feed_id, now=NOW)
    second = poll_feed(sqlite_engine, feed_id, now=NOW + timedelta(hours=6))
    assert second.summary is not None and second.summary.line() == "0 new, 1 updated, 9 unchanged, 0 skipped"
    titles = item_titles(sqlite_engine)
    assert len(titles) == 10 and titles[0].startswith("The Simplest Way")


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply(body=REUTERS, headers=RSS), "no element found"),
        (Reply(404, b"gone"), "HTTP 404"),
        (Reply(200, b"<html><body>Moved to our new site</body></html>", {"Content-Type": "text/html"}), "text/html"),
    ],
)
def test_failed_poll_records_the_error_and_keeps_the_library(
    sqlite_engine: Engine, server: LoopbackServer, reply: Reply, problem: str
) -> None:
    server.route("/feed", [Reply(body=WORDPRESS, headers={**RSS, "ETag": '"good"'}), reply])
    feed_id = new_feed(sqlite_engine, server.url("/feed"))
    poll_feed(sqlite_engine, feed_id, now=NOW)
    later = NOW + timedelta(hours=6)
    with pytest.raises(FeedError, match=problem):
        poll_feed(sqlite_engine, feed_id, now=later)
    stored = feed_row(sqlite_engine, feed_id)
    assert stored.last_error is not None and problem in stored.last_error
    assert stored.last_polled_at == later and stored.etag == '"good"'
    assert len(item_titles(sqlite_engine)) == 10


def test_a_later_good_poll_clears_the_error(sqlite_engine: Engine, server: LoopbackServer) -> None:
    server.route("/feed", [Reply(503, b"busy"), Reply(body=WORDPRESS, headers=RSS)])
    feed_id = new_feed(sqlite_engine, server.url("/feed"))
    with pytest.raises(FeedError):
        poll_feed(sqlite_engine, feed_id, now=NOW)
    assert poll_feed(sqlite_engine, feed_id, now=NOW + timedelta(hours=6)).status == "imported"
    assert feed_row(sqlite_engine, feed_id).last_error is None


def test_poll_a_local_file_feed(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "heise.rdf"
    path.write_bytes((FEEDS / "rss090_heise_no-dates.rdf.xml").read_bytes())
    feed_id = new_feed(sqlite_engine, str(path), name="heise")
    result = poll_feed(sqlite_engine, feed_id, now=NOW)
    assert result.summary is not None and result.summary.new == 60
    path.unlink()
    with pytest.raises(FeedError, match="cannot read the file"):
        poll_feed(sqlite_engine, feed_id, now=NOW + timedelta(hours=6))
    assert len(item_titles(sqlite_engine)) == 60


def test_poll_unknown_feed(sqlite_engine: Engine) -> None:
    with pytest.raises(ItemNotFound):
        poll_feed(sqlite_engine, 999, now=NOW)


# -- due ---------------------------------------------------------------------------------------------------


def test_feeds_due_by_interval(sqlite_engine: Engine) -> None:
    ids = {name: new_feed(sqlite_engine, f"https://{name}.example.com/feed", name=name) for name in "abcd"}
    with transaction(sqlite_engine) as session:
        for name, ago in {"a": timedelta(hours=1), "b": timedelta(hours=7), "c": timedelta(minutes=20)}.items():
            feed = session.get(Feed, ids[name])
            assert feed is not None
            feed.last_polled_at = NOW - ago
    intervals = {"c": timedelta(minutes=15)}
    with transaction(sqlite_engine) as session:
        due = [feed.name for feed in feeds_due(session, intervals, NOW)]
    assert due == ["d", "b", "c"]  # never polled first, then the longest waiting; "a" polled 1 h ago (6 h default)
    with transaction(sqlite_engine) as session:
        later = NOW - timedelta(hours=1) + DEFAULT_POLL_INTERVAL
        assert "a" in [feed.name for feed in feeds_due(session, intervals, later)]


SAMPLE_FEED = Path(__file__).parent.parent / "scheduler" / "samples" / "sample-library.rss.xml"


def _categories(engine: Engine) -> dict[str, str | None]:
    with transaction(engine) as session:
        return {item.title: item.category for item in session.exec(select(Item)).all()}


def test_entries_take_their_own_first_category_unless_the_feed_declares_one(sqlite_engine: Engine) -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    with transaction(sqlite_engine) as session:
        plain = add_feed(session, str(SAMPLE_FEED), name="sample", now=now)
    poll_feed(sqlite_engine, plain.id or 0, now=now)
    categories = _categories(sqlite_engine)
    assert categories["Set up two-factor authentication"] == "howto"
    assert categories["Tip: one owner per card"] == "tip"

    with transaction(sqlite_engine) as session:
        session.get(Feed, plain.id).category = "help-center"  # type: ignore[union-attr]
    poll_feed(sqlite_engine, plain.id or 0, now=now + timedelta(hours=7))
    assert set(_categories(sqlite_engine).values()) == {"help-center"}
