"""`evertide stats` against a known history: posts per channel and segment, shares per item, coverage gaps
and misses and failures with reasons."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from content_library.database import make_engine, transaction
from scheduler.queue import states
from scheduler.queue.entries import get_entry
from tests.cli import Cli
from tests.queue_helpers import add_items, queue

NOW = datetime.now(UTC).replace(microsecond=0)


def settle(engine, entry, how: str, at: datetime, reason: str = "") -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as session:
        current = get_entry(session, entry.id)
        if how == "publish":
            claimed = states.claim(session, current, worker="w", now=at, lease=timedelta(minutes=1))
            states.publish(session, claimed, remote_id="r", remote_url=None, now=at)
        elif how == "fail":
            claimed = states.claim(session, current, worker="w", now=at, lease=timedelta(minutes=1))
            states.fail(session, claimed, reason=reason, now=at)
        else:
            states.miss(session, current, reason=reason, now=at)


def test_stats_count_what_went_out_where_and_find_the_gaps(tmp_path: Path) -> None:
    cli = Cli(tmp_path)  # campaign help on outbox, audience world: New York and London, repeat_after 7d
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    try:
        first, second, third = add_items(engine, 3, now=NOW - timedelta(days=60))  # old enough to have gaps
        ago = lambda days: NOW - timedelta(days=days)  # noqa: E731
        for item, days, zone in (
            (first, 1, "America/New_York"),
            (first, 2, "Europe/London"),
            (second, 3, "America/New_York"),
            (second, 40, "Europe/London"),
        ):
            settle(engine, queue(engine, item, ago(days), zone=zone), "publish", ago(days))
        settle(engine, queue(engine, third, ago(2), zone="Europe/London"), "fail", ago(2), "401 refused")
        settle(engine, queue(engine, third, ago(1), zone="Europe/London"), "miss", ago(1), "20 min late")
    finally:
        engine.dispose()
    found = cli.json("stats")
    assert set(found) == {
        "since",
        "posts",
        "by_channel",
        "by_segment",
        "by_item",
        "gaps",
        "gaps_total",
        "gaps_by_channel",
        "problems",
    } | {
        "engagement_by_item",
        "engagement_by_variant",
        "engagement_by_segment",
        "engagement_by_hour",
        "engagement_by_segment_hour",
        "dead_weight",
    }
    assert found["by_channel"] == {"outbox": 3}  # the 40-day-old post is before --since's 30 days
    assert found["by_segment"] == {"America/New_York": 2, "Europe/London": 1}
    assert [(i["item_id"], i["shares"]) for i in found["by_item"]] == [(first, 2), (second, 1)]
    # reached within 7d x 2 segments = 14 days: first in both, second only in New York, third never
    assert sorted((g["item_id"], g["zone"]) for g in found["gaps"]) == [
        (second, "Europe/London"),
        (third, "America/New_York"),
        (third, "Europe/London"),
    ]
    assert [(p["state"], p["reason"]) for p in found["problems"]] == [
        ("failed", "401 refused"),
        ("missed", "20 min late"),
    ]
    assert len(cli.json("stats", "--since", "-36h")["posts"]) == 1
    text = cli("stats").output
    [newcomer] = add_items(engine := make_engine(f"sqlite:///{tmp_path / 'evertide.db'}"), 1, now=NOW)
    engine.dispose()
    assert newcomer not in {g["item_id"] for g in cli.json("stats")["gaps"]}  # too new to have had its turns
    assert "3 post(s) published" in text and "3 coverage gap(s)" in text and "401 refused" in text
