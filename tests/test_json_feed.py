"""JSON Feed (jsonfeed.org): read by evertide itself, since feedparser 6 reads no JSON, for import and polling.

Found: the corpus's JSON Feed was refused, first as a bad item list, then as a format evertide cannot read.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from content_library.errors import FeedError
from content_library.feeds import parse_feed
from content_library.tabular import detect_format
from tests.conftest import DATA

NOW = datetime(2026, 12, 1, tzinfo=UTC)
EXAMPLE = (DATA / "feedparser-corpus" / "json" / "example.json").read_bytes()


def feed(items: list[dict[str, object]], **top: object) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items, **top}).encode()


def test_the_corpus_example_reads_as_two_entries() -> None:
    assert detect_format(EXAMPLE) == "feed"
    parsed = parse_feed(EXAMPLE, feed_name="example.json", now=NOW)
    assert parsed.title == "My Example Feed" and parsed.warnings == []
    second, first = parsed.drafts
    assert (second.title, second.url, second.guid, second.tags) == (
        "post 2",
        "https://example.org/second-item",
        "2",
        ("test", "JSON"),
    )
    assert second.summary == "This is a second item." and second.category == "test"
    assert first.title == "Hello, world!" and "alert" not in first.summary and first.guid == "1"


def test_dates_relative_links_and_entries_without_text() -> None:
    body = feed(
        [
            {"id": 7, "title": "Dated", "url": "/posts/7", "date_published": "2026-11-30T09:15:00+01:00"},
            {"id": "8", "summary": "Only a summary here", "date_modified": "2026-11-29T10:00:00Z"},
            {"id": "9", "url": "https://example.org/9"},
        ],
        home_page_url="https://example.org/",
    )
    parsed = parse_feed(body, feed_name="j", now=NOW)
    dated, summarised = parsed.drafts
    assert dated.url == "https://example.org/posts/7" and dated.guid == "7"
    assert dated.published_at == datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    assert summarised.title == "Only a summary here"
    assert summarised.published_at == datetime(2026, 11, 29, 10, tzinfo=UTC)
    assert parsed.warnings == ["entry 3 has neither a title nor a summary; skipped"]


@pytest.mark.parametrize(
    "body",
    [b'{"version": "https://jsonfeed.org/version/1", "items": 3}', b'{"version": "https://jsonfeed.org/version/1", '],
)
def test_a_broken_json_feed_is_refused_in_one_line(body: bytes) -> None:
    with pytest.raises(FeedError) as refused:
        parse_feed(body, feed_name="broken.json", now=NOW)
    assert "\n" not in str(refused.value) and "broken.json" in str(refused.value)


def test_feeds_poll_takes_a_json_feed_served_as_feed_json_or_plain_json(tmp_path: Path) -> None:
    from tests.cli import Cli
    from tests.http_server import LoopbackServer, Reply

    cli = Cli(tmp_path)
    cli("db", "upgrade")
    with LoopbackServer() as server:
        server.route("/feed.json", Reply(body=EXAMPLE, headers={"Content-Type": "application/feed+json"}))
        server.route("/plain.json", Reply(body=EXAMPLE, headers={"Content-Type": "application/json"}))
        cli("feeds", "add", server.url("/feed.json"), "--name", "typed")
        cli("feeds", "add", server.url("/plain.json"), "--name", "plain")
        polled = cli("feeds", "poll").stdout
    assert "plain: 2 new" in polled and "typed: 0 new, 0 updated, 2 unchanged" in polled  # the same two pages
    assert sorted(item["title"] for item in cli.json("library", "list")) == ["Hello, world!", "post 2"]
