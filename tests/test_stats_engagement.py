"""`evertide stats` with engagement: each post's latest counts and clicks, totals by item, wording, segment and
local hour, a ranking of items and the dead weight (shared again and again, never liked)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.daemon.runner import publishers_for
from scheduler.metrics.pulling import pull_counts
from scheduler.metrics.readers import Readers
from tests.cli import Cli
from tests.metrics_helpers import on_mastodon, platforms, published
from tests.queue_helpers import add_items

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)


def test_stats_show_latest_engagement_per_post_and_rank_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    with platforms(tmp_path, monkeypatch, database=database_url) as p:
        liked, ignored, new = add_items(p.engine, 3)
        first, _ = on_mastodon(p, NOW - 3 * DAY, item=liked, zone="Asia/Tokyo", favourites_count=5, reblogs_count=1)
        second, _ = on_mastodon(p, NOW - 2 * DAY, item=liked, favourites_count=3, replies_count=2)
        for days in (4, 5, 6):
            on_mastodon(p, NOW - days * DAY, item=ignored)
        with Readers(publishers_for(p.config)) as readers:
            assert [r.read for r in pull_counts(p.engine, p.config, readers, now=NOW, channels=["toots"])] == [5]
            p.mastodon.statuses[0]["favourites_count"] = 7  # a later pull: the latest counts are shown
            later = NOW + 5 * DAY
            assert [r.read for r in pull_counts(p.engine, p.config, readers, now=later, channels=["toots"])]
        unread, _ = on_mastodon(p, NOW - timedelta(minutes=10), item=new)  # not read yet
        cli = Cli(tmp_path, (tmp_path / "config.yaml").read_text())
        (tmp_path / "clicks.csv").write_text(f"utm_content,clicks\n{first},4\n")
        cli("metrics", "import", str(tmp_path / "clicks.csv"))

        found = cli.json("stats")
        posts = {post["entry_id"]: post for post in found["posts"]}
        assert posts[first]["engagement"] == {"likes": 7, "reposts": 1, "replies": 0, "clicks": 4}
        assert posts[second]["engagement"] == {"likes": 3, "reposts": 0, "replies": 2}
        assert posts[unread]["engagement"] is None
        assert set(posts[first]) == {"entry_id", "channel", "item_id", "at", "zone", "engagement"}
        by_item = {row["item_id"]: row for row in found["engagement_by_item"]}
        assert by_item[liked] == {
            "item_id": liked, "title": "Guide 1", "posts": 2, "counted": 2, "likes": 10, "reposts": 1, "replies": 2,
            "clicks": 4, "engagement": 17,
        }  # fmt: skip
        assert [row["item_id"] for row in found["engagement_by_item"]] == [liked, ignored]  # `new` not counted yet
        assert {row["variant_id"] for row in found["engagement_by_variant"]} == {None}
        segments = {row["zone"]: row["engagement"] for row in found["engagement_by_segment"]}
        assert segments == {"Asia/Tokyo": 12, "UTC": 5}
        tokyo_hour = (NOW - 3 * DAY).astimezone(ZoneInfo("Asia/Tokyo")).hour
        assert any(row["hour"] == tokyo_hour and row["engagement"] == 12 for row in found["engagement_by_hour"])
        assert any(  # what works where: the segment with its own local hour
            (row["zone"], row["hour"], row["engagement"]) == ("Asia/Tokyo", tokyo_hour, 12)
            for row in found["engagement_by_segment_hour"]
        )
        assert [(row["item_id"], row["posts"]) for row in found["dead_weight"]] == [(ignored, 3)]

        text = cli("stats", env={"COLUMNS": "200"}).output
        assert "Items by engagement per post" in text and "Guide 1" in text
        assert "Engagement per post by segment and local hour" in text and "Asia/Tokyo" in text
        assert "1 item(s) of dead weight (shared 3 or more times, no engagement):" in text
        assert "Guide 2" in text.split("dead weight")[1]


def test_stats_without_any_counts_say_how_to_get_them(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    text = cli("stats").output
    assert "No engagement known yet: run `evertide metrics pull`" in text
    found = cli.json("stats")
    assert found["engagement_by_item"] == [] and found["dead_weight"] == []


def test_a_count_nobody_could_read_is_shown_as_unknown_not_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review: a file channel's post, whose likes no platform can say, was listed with 0 likes, reposts
    and replies beside its imported clicks (--json said null). The same for clicks never imported."""
    with platforms(tmp_path, monkeypatch) as p:
        filed, tooted = add_items(p.engine, 2)
        by_file = published(p.engine, "outbox", "line-1", NOW - 2 * DAY, item=filed)
        on_mastodon(p, NOW - 2 * DAY, item=tooted, favourites_count=5)
        with Readers(publishers_for(p.config)) as readers:
            assert [r.read for r in pull_counts(p.engine, p.config, readers, now=NOW, channels=["toots"])] == [1]
        cli = Cli(tmp_path, (tmp_path / "config.yaml").read_text())
        (tmp_path / "clicks.csv").write_text(f"utm_content,clicks\n{by_file},4\n")
        cli("metrics", "import", str(tmp_path / "clicks.csv"))
        posts = {post["item_id"]: post["engagement"] for post in cli.json("stats")["posts"]}
        assert posts[filed] == {"likes": None, "reposts": None, "replies": None, "clicks": 4}
        text = cli("stats", env={"COLUMNS": "200"}).output
        table = text.split("Items by engagement per post")[1].split("Wordings")[0]
        cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table.splitlines() if "│" in line]
        rows = {row[0]: row for row in cells}
        assert rows[str(filed)][1:7] == ["1", "–", "–", "–", "4", "4.0"], table
        assert rows[str(tooted)][1:7] == ["1", "5", "0", "0", "–", "5.0"], table
