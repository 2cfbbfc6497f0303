"""The road from what the platforms (and the user's web analytics) counted to the plan: with `learn: true`,
`plan --explain` and `queue fill` read each published post's latest engagement from the metrics tables; with
`learn: false` the same data changes nothing."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from content_library.database import make_engine, transaction
from content_library.store import add_item
from scheduler.config import load_config
from scheduler.metrics.observations import observations
from scheduler.planning.attribution import ENTRY_MARK
from scheduler.queue import states
from scheduler.queue.entries import get_entry
from tests.cli import Cli
from tests.queue_helpers import queue

NOW = datetime.now(UTC).replace(microsecond=0)
CONFIG = """\
database: evertide.db
audiences:
  people:
    - {{zone: Europe/London, weight: 1, windows: ["08:00-21:00"]}}
channels:
  outbox: {{kind: file, path: outbox.jsonl, audience: people}}
campaigns:
  help:
    channels: [outbox]
    posts_per_day: 2
    learn: {learn}
"""


def published_with_clicks(tmp_path: Path, learn: str) -> tuple[Cli, int]:
    cli = Cli(tmp_path, CONFIG.format(learn=learn))
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    clicks = []
    try:
        with transaction(engine) as session:
            item = add_item(session, {"title": "Loved guide", "url": "https://help.example.com/a"}, now=NOW).id or 0
        for day in range(1, 4):
            text = f"Loved guide https://help.example.com/a?utm_content={ENTRY_MARK}"  # as a campaign with utm: links
            done = queue(engine, item, NOW - timedelta(days=day), zone="Europe/London", text=text)
            with transaction(engine) as session:
                entry = get_entry(session, done.id or 0)
                claimed = states.claim(session, entry, worker="w", now=entry.at, lease=timedelta(minutes=1))
                states.publish(session, claimed, remote_id=f"r{day}", remote_url=None, now=entry.at)
            clicks.append(f"{done.id},{10 * day}\n")
    finally:
        engine.dispose()
    (tmp_path / "clicks.csv").write_text("utm_content,clicks\n" + "".join(clicks))
    cli("metrics", "import", str(tmp_path / "clicks.csv"))
    return cli, item


def test_a_learning_campaign_explains_what_it_learned_from_the_imported_clicks(tmp_path: Path) -> None:
    cli, item = published_with_clicks(tmp_path, "true")
    explained = cli("plan", "--explain", str(item)).output
    assert (
        "learned on outbox (campaign help): item" in explained
        and "20.0 engagement per share over 3 shares" in explained
    )
    cli("queue", "fill", "--days", "3")  # the refill reads the same observations


def test_without_learn_the_counts_are_not_even_read(tmp_path: Path) -> None:
    cli, item = published_with_clicks(tmp_path, "false")
    assert "learned" not in cli("plan", "--explain", str(item)).output
    config = load_config(cli.config)
    engine = make_engine(config.database_url())
    try:
        with transaction(engine) as session:
            assert observations(session, config, now=NOW) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("learn", ["true", "false"])
def test_a_learning_queue_is_not_redrawn_every_day_without_new_data(tmp_path: Path, learn: str) -> None:
    """Found in review: the draws' seed was the UTC date, so each day's first refill replaced most of a
    learning campaign's queue with no new data at all."""
    from scheduler.queue.fill import fill

    cli, _ = published_with_clicks(tmp_path, learn)
    rows = "".join(f"Guide {n},https://help.example.com/g{n}\n" for n in range(40))
    (tmp_path / "items.csv").write_text("title,url\n" + rows)
    cli("library", "import", str(tmp_path / "items.csv"))
    config = load_config(cli.config)
    engine = make_engine(config.database_url())
    try:
        with transaction(engine) as session:
            assert fill(session, config, now=NOW, days=7).added > 0
        with transaction(engine) as session:  # as the rules alone would (a day's edge moves: 1 or 2 of 14)
            assert fill(session, config, now=NOW + timedelta(days=1), days=7).removed <= 2
    finally:
        engine.dispose()
