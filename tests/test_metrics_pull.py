"""Counts read through the real tweepy, Mastodon.py and atproto clients from the loopback emulators: kept over
time, read in the platforms' batches, a 429 holding only that channel's reads, deleted posts recorded once."""

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from content_library.database import transaction
from content_library.integers import LARGEST_INTEGER
from scheduler.daemon.runner import publishers_for
from scheduler.metrics.pulling import MAX_CALLS_PER_PULL, ChannelPull, pull_counts
from scheduler.metrics.readers import Readers
from scheduler.metrics.tables import EngagementCount, ReadHold
from scheduler.queue.tables import Hold
from tests.cli import Cli
from tests.emulators import Reply
from tests.emulators.mastodon_api import WINDOW_RESET as MASTODON_RESET
from tests.emulators.mastodon_api import rate_limited as mastodon_429
from tests.emulators.mastodon_api import unauthorized
from tests.emulators.x_api import rate_limited as x_429
from tests.metrics_helpers import T0, Platforms, on_bluesky, on_mastodon, on_x, platforms


def pull(p: Platforms, now: datetime, *channels: str) -> dict[str, ChannelPull]:
    with Readers(publishers_for(p.config)) as readers:
        done = pull_counts(p.engine, p.config, readers, now=now, channels=channels or None)
        return {result.channel: result for result in done}


def rows(p: Platforms, entry_id: int) -> list[tuple[object, ...]]:
    with transaction(p.engine) as session:
        found = session.exec(
            select(EngagementCount).where(EngagementCount.entry_id == entry_id).order_by(col(EngagementCount.id))
        ).all()
        return [(r.pulled_at - T0, r.gone, r.likes, r.reposts, r.replies, r.quotes, r.impressions) for r in found]


HOUR = timedelta(hours=1)


def test_each_platforms_counts_are_read_at_each_checkpoint_and_kept_over_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch) as p:
        tweet_entry, tweet = on_x(p, like_count=3, retweet_count=1, reply_count=2, quote_count=1, impression_count=90)
        toot_entry, toot = on_mastodon(p, favourites_count=5, reblogs_count=2, replies_count=1)
        sky_entry, sky = on_bluesky(p, likeCount=7, repostCount=3, replyCount=0, quoteCount=1)
        assert {c: r.read for c, r in pull(p, T0 + 0.5 * HOUR).items()} == {"x": 0, "toots": 0, "sky": 0}
        lines = pull(p, T0 + HOUR)
        assert {c: (r.due, r.read) for c, r in lines.items()} == {"x": (1, 1), "toots": (1, 1), "sky": (1, 1)}
        assert "cost about 0.005 USD" in lines["x"].line()
        [request] = p.x.requests_to("GET", "/2/tweets")
        assert request.query["ids"] == [tweet] and request.query["tweet.fields"] == ["public_metrics"]
        assert p.mastodon.requests_to("GET", f"/api/v1/statuses/{toot}")
        assert p.bluesky.requests_to("GET", "/xrpc/app.bsky.feed.getPosts")[0].query["uris"] == [sky]

        p.x.tweets[0]["public_metrics"]["like_count"] = 10
        p.mastodon.statuses[0]["favourites_count"] = 6
        p.bluesky.counts[sky]["likeCount"] = 9
        assert {r.read for r in pull(p, T0 + 2 * HOUR).values()} == {0}  # nothing due between checkpoints
        assert {r.read for r in pull(p, T0 + 25 * HOUR).values()} == {1}
        assert rows(p, tweet_entry) == [(HOUR, False, 3, 1, 2, 1, 90), (25 * HOUR, False, 10, 1, 2, 1, 90)]
        assert rows(p, toot_entry) == [(HOUR, False, 5, 2, 1, None, None), (25 * HOUR, False, 6, 2, 1, None, None)]
        assert rows(p, sky_entry) == [(HOUR, False, 7, 3, 0, 1, None), (25 * HOUR, False, 9, 3, 0, 1, None)]


def test_posts_are_read_in_each_platforms_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with platforms(tmp_path, monkeypatch) as p:
        tweets = [on_x(p, T0 + i * timedelta(seconds=1), like_count=i)[1] for i in range(130)]
        skies = [on_bluesky(p, likeCount=i)[1] for i in range(30)]
        toots = [on_mastodon(p, favourites_count=i)[1] for i in range(3)]
        lines = pull(p, T0 + 2 * HOUR)
        assert {c: r.read for c, r in lines.items()} == {"x": 130, "toots": 3, "sky": 30}
        assert "0.65 USD" in lines["x"].line()
        x_calls = [r.query["ids"][0].split(",") for r in p.x.requests_to("GET", "/2/tweets")]
        assert x_calls == [tweets[:100], tweets[100:]]
        sky_calls = [r.query["uris"] for r in p.bluesky.requests_to("GET", "/xrpc/app.bsky.feed.getPosts")]
        assert sky_calls == [skies[:25], skies[25:]]
        assert [r.path.rsplit("/", 1)[1] for r in p.mastodon.received if "/statuses/" in r.path] == toots


def test_a_429_keeps_what_was_read_and_holds_only_that_channels_reads_until_the_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch) as p:
        entries = [on_mastodon(p, favourites_count=i) for i in range(3)]
        on_x(p, like_count=1)
        on_bluesky(p, likeCount=4)
        p.mastodon.script("GET", f"/api/v1/statuses/{entries[1][1]}", mastodon_429())
        x_reset = int((T0 + 2 * HOUR).timestamp())
        p.x.script("GET", "/2/tweets", x_429(reset=x_reset))
        lines = pull(p, T0 + HOUR)
        assert (lines["toots"].read, lines["x"].read, lines["sky"].read) == (1, 0, 1)  # the other channels go on
        assert "rate limited: reads held until 2026-03-01 15:00Z" in lines["toots"].line()
        assert "reads held until 2026-03-01 14:00Z" in lines["x"].line()
        with transaction(p.engine) as session:
            holds = {h.channel: h.until for h in session.exec(select(ReadHold)).all()}
            assert session.exec(select(Hold)).all() == []  # posting goes on
        assert holds["toots"] == datetime.fromisoformat(MASTODON_RESET)
        assert holds["x"].timestamp() == x_reset
        asked = len(p.mastodon.received)
        before_reset = datetime.fromisoformat(MASTODON_RESET) - timedelta(minutes=1)
        assert "reads held until" in pull(p, before_reset, "toots")["toots"].line()
        assert len(p.mastodon.received) == asked  # held: not asked at all
        assert pull(p, datetime.fromisoformat(MASTODON_RESET), "toots")["toots"].read == 2
        assert [len(rows(p, entry_id)) for entry_id, _ in entries] == [1, 1, 1]


def test_a_deleted_post_is_recorded_as_gone_once_and_never_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    with platforms(tmp_path, monkeypatch, database=database_url) as p:
        kept_tweet, _ = on_x(p, like_count=2)
        gone_tweet, _ = on_x(p)
        gone_toot, _ = on_mastodon(p)
        gone_sky, _ = on_bluesky(p)
        p.x.tweets.pop()
        p.mastodon.statuses.clear()
        p.bluesky.records.clear()
        lines = pull(p, T0 + HOUR)
        assert {c: (r.read, r.gone) for c, r in lines.items()} == {"x": (1, 1), "toots": (0, 1), "sky": (0, 1)}
        for entry_id in (gone_tweet, gone_toot, gone_sky):
            assert rows(p, entry_id) == [(HOUR, True, None, None, None, None, None)]
        p.x.received.clear()
        p.mastodon.received.clear()
        p.bluesky.received.clear()
        lines = pull(p, T0 + 24 * HOUR)
        assert {c: r.due for c, r in lines.items()} == {"x": 1, "toots": 0, "sky": 0}
        assert p.x.requests_to("GET", "/2/tweets")[0].query["ids"] == [p.x.tweets[0]["id"]]
        assert p.mastodon.received == [] and p.bluesky.received == []
        assert len(rows(p, kept_tweet)) == 2
        if database_url.startswith("sqlite"):  # and stats tells a deleted post from one never read
            cli = Cli(tmp_path, (tmp_path / "config.yaml").read_text())
            posts = {post["entry_id"]: post for post in cli.json("stats", "--since", "2026-01-01")["posts"]}
            assert posts[gone_toot]["engagement"] == {"likes": None, "reposts": None, "replies": None, "gone": True}
            assert "gone" not in posts[kept_tweet]["engagement"]


def test_x_is_not_read_unless_the_channel_asks_and_the_line_says_what_it_would_cost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch, x_metrics=False) as p:
        for _ in range(4):
            on_x(p, like_count=1)
        line = pull(p, T0 + HOUR, "x")["x"].line()
        assert line == (
            "x: 0 of 4 due post(s) read; not read: X bills reads (0.02 USD at 0.005 USD a post read); "
            "set `metrics: true` on the channel to read them"
        )
        assert p.x.received == []


def test_a_mastodon_404_that_is_not_a_deleted_status_is_an_error_not_a_deletion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch) as p:
        entry_id, toot = on_mastodon(p)
        p.mastodon.script("GET", f"/api/v1/statuses/{toot}", Reply(404, "<html>Not Found</html>"))
        assert "stopped:" in pull(p, T0 + HOUR, "toots")["toots"].line()
        assert rows(p, entry_id) == []


def test_a_read_that_never_ends_is_abandoned_at_the_channels_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch) as p:  # toots: timeout 2s
        entry_id, toot = on_mastodon(p)
        on_bluesky(p, likeCount=1)
        p.mastodon.script("GET", f"/api/v1/statuses/{toot}", Reply(200, drip=0.2))
        started = time.monotonic()
        lines = pull(p, T0 + HOUR)
        assert time.monotonic() - started < 5
        assert lines["toots"].line() == "toots: 0 of 1 due post(s) read; stopped: no answer within 2s (the whole call)"
        assert lines["sky"].read == 1
        assert rows(p, entry_id) == []


def test_a_pull_makes_a_bounded_number_of_calls_and_leaves_the_rest_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch) as p:
        for _ in range(MAX_CALLS_PER_PULL + 3):
            on_mastodon(p)
        assert pull(p, T0 + HOUR, "toots")["toots"].line() == f"toots: {MAX_CALLS_PER_PULL} of 53 due post(s) read"
        assert pull(p, T0 + HOUR, "toots")["toots"].line() == "toots: 3 of 3 due post(s) read"


def test_refused_credentials_hold_the_reads_for_an_hour_not_the_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch) as p:
        _, toot = on_mastodon(p)
        p.mastodon.script("GET", f"/api/v1/statuses/{toot}", unauthorized())
        line = pull(p, T0 + HOUR, "toots")["toots"].line()
        assert "refused the access token (401)" in line and "reads held until 2026-03-01 14:00Z" in line
        assert "reads held until" in pull(p, T0 + 1.5 * HOUR, "toots")["toots"].line()
        assert pull(p, T0 + 2 * HOUR, "toots")["toots"].read == 1
        with transaction(p.engine) as session:
            assert session.exec(select(Hold)).all() == []


def test_a_count_past_the_databases_integers_is_kept_at_the_largest_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """Found in review: a like count of 3000000000 was a DataError on PostgreSQL (the columns are int4), and the
    pull failed on that post every time. A count too large to store is stored as the largest; a negative one
    is no data."""
    huge = 3_000_000_000
    with platforms(tmp_path, monkeypatch, database=database_url) as p:
        tweet_entry, _ = on_x(
            p, like_count=huge, retweet_count=-1, reply_count=2, quote_count=1, impression_count=10**13
        )
        toot_entry, _ = on_mastodon(p, favourites_count=huge, reblogs_count=2, replies_count=1)
        sky_entry, _ = on_bluesky(p, likeCount=huge, repostCount=3, replyCount=0, quoteCount=1)
        assert {c: r.read for c, r in pull(p, T0 + HOUR).items()} == {"x": 1, "toots": 1, "sky": 1}
        top = LARGEST_INTEGER
        assert rows(p, tweet_entry) == [(HOUR, False, top, 0, 2, 1, top)]
        assert rows(p, toot_entry) == [(HOUR, False, top, 2, 1, None, None)]
        assert rows(p, sky_entry) == [(HOUR, False, top, 3, 0, 1, None)]
