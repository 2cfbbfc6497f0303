"""The report's "What worked" section: ranked items and wordings from real pulls, outside text escaped, and a
sentence instead of empty tables when nothing is known."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from content_library.database import transaction
from content_library.store import add_item
from scheduler.daemon.runner import publishers_for
from scheduler.metrics.pulling import pull_counts
from scheduler.metrics.readers import Readers
from scheduler.reporting.engagement import WhatWorked, gather, render
from tests.metrics_helpers import on_mastodon, platforms

NOW = datetime.now(UTC)
HOSTILE = '<script>alert(1)</script> "Guide" & more'


def test_what_worked_ranks_items_from_real_counts_and_escapes_their_titles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch) as p:
        with transaction(p.engine) as session:
            loved = add_item(session, {"title": HOSTILE, "url": "https://e.org/a"}, now=NOW).id
            quiet = add_item(session, {"title": "Quiet one", "url": "https://e.org/b"}, now=NOW).id
        on_mastodon(p, NOW - timedelta(days=2), item=loved, favourites_count=9)
        for days in (3, 4, 5):
            on_mastodon(p, NOW - timedelta(days=days), item=quiet)
        with Readers(publishers_for(p.config)) as readers:
            list(pull_counts(p.engine, p.config, readers, now=NOW, channels=["toots"]))
        with transaction(p.engine) as session:
            found = gather(session, since=NOW - timedelta(days=30), templates={})
    html = render(found)
    assert html.startswith("<section><h2>What worked</h2>") and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Guide&quot; &amp; more" in html
    assert "<caption>Items ranked by engagement per post</caption>" in html
    assert html.index(f"{loved} · ") < html.index(f"{quiet} · ")
    assert "Dead weight: 1 item(s) shared 3 or more times with no engagement: " in html and "Quiet one" in html
    assert "(campaign template)" in html
    # no clicks were imported: unknown, not 0 (found in review on `evertide stats`, which shares these tallies)
    assert "<td>1</td><td>9</td><td>0</td><td>0</td><td>–</td><td>9.0</td>" in html


def test_what_worked_without_numbers_says_how_to_get_them() -> None:
    html = render(WhatWorked(since=datetime(2026, 11, 1, tzinfo=UTC)))
    assert "No engagement is known for the posts since 2026-11-01" in html and "<table" not in html
    assert "evertide metrics pull" in html


def test_what_worked_shows_where_and_when_it_worked_by_segment_and_local_hour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's "what works where": per segment, the engagement per post at each local hour it posted at."""
    day = (NOW - timedelta(days=3)).replace(hour=13, minute=0, second=0, microsecond=0)  # 08:00 in New York
    with platforms(tmp_path, monkeypatch) as p:
        with transaction(p.engine) as session:
            item = add_item(session, {"title": "Guide", "url": "https://e.org/a"}, now=NOW).id
        on_mastodon(p, day, item=item, zone="America/New_York", favourites_count=8)
        on_mastodon(p, day - timedelta(days=1), item=item, zone="America/New_York", favourites_count=4)
        on_mastodon(p, day + timedelta(hours=9), item=item, zone="America/New_York", favourites_count=1)
        on_mastodon(p, day + timedelta(hours=1), item=item, zone="<b>Europe/London</b>", favourites_count=2)
        with Readers(publishers_for(p.config)) as readers:
            list(pull_counts(p.engine, p.config, readers, now=NOW, channels=["toots"]))
        with transaction(p.engine) as session:
            html = render(gather(session, since=NOW - timedelta(days=30), templates={}))
    assert "<caption>Engagement per post by segment and local hour</caption>" in html
    new_york = html[html.index('<th scope="row">America/New_York</th>') :].split("</tr>")[0]
    assert '<td title="2 posts"><strong>6.0</strong></td>' in new_york  # 08h: (8 + 4) / 2, its best hour
    assert '<td title="1 post">1.0</td>' in new_york  # 17h
    assert "&lt;b&gt;Europe/London&lt;/b&gt;" in html and "<b>Europe" not in html
