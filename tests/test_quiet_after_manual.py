"""`quiet_after_manual:` — a planned evergreen post gives way when a person posted by hand on the account
shortly before its slot, so evergreen material never buries news. Through the real Mastodon.py and atproto
clients against the loopback servers; the account's own posts made by evertide do not count."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import make_engine, transaction, upgrade
from scheduler.config import Config
from scheduler.dispatch.publishing import Dispatcher
from scheduler.publishers.registry import build_publisher
from scheduler.queue.entries import get_entry
from tests.config_helpers import error_of, write
from tests.emulators.bluesky_api import BlueskyPds
from tests.emulators.mastodon_api import MastodonApi
from tests.queue_helpers import T0, add_items, config_in, queue

CONFIG = """\
database: evertide.db
grace: 15m
channels:
  toots:
    kind: mastodon
    base_url: "{mastodon}"
    quiet_after_manual: 2h
    credentials: {{access_token: "${{EVT_MASTODON_TOKEN}}"}}
  sky:
    kind: bluesky
    base_url: "{bluesky}"
    quiet_after_manual: 2h
    credentials: {{handle: "evertide-test.bsky.social", app_password: "${{EVT_BSKY_PASSWORD}}"}}
campaigns:
  help:
    channels: [toots, sky]
    posts_per_day: 2
"""
PASSWORD = "abcd-Sekr-1t2x-9zzz"


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[MastodonApi, BlueskyPds]]:
    monkeypatch.setenv("EVT_MASTODON_TOKEN", "mastodon-token")
    monkeypatch.setenv("EVT_BSKY_PASSWORD", PASSWORD)
    with MastodonApi(access_token="mastodon-token") as mastodon, BlueskyPds(app_password=PASSWORD) as bluesky:
        mastodon.now = T0
        yield mastodon, bluesky


@pytest.fixture
def setup(tmp_path: Path, servers: tuple[MastodonApi, BlueskyPds]) -> Iterator[tuple[Engine, Config]]:
    mastodon, bluesky = servers
    config = config_in(tmp_path, CONFIG.format(mastodon=mastodon.base_url, bluesky=bluesky.base_url))
    engine = make_engine(config.database_url())
    upgrade(engine)
    yield engine, config
    engine.dispose()


def dispatch(engine: Engine, config: Config, at: object) -> list[tuple[str, int | None, str]]:
    def build(channel: str):  # type: ignore[no-untyped-def]
        return build_publisher(channel, config.channels[channel], base_dir=config.base_dir, timeout=2.0)

    dispatcher = Dispatcher(engine, config, build, worker="test")
    try:
        return [(e.channel, e.entry_id, str(e.outcome)) for e in dispatcher.publish_due(lambda: at)]  # type: ignore[arg-type,return-value]
    finally:
        dispatcher.close()


def state(engine: Engine, entry_id: int | None) -> tuple[str, str | None]:
    with transaction(engine) as session:
        entry = get_entry(session, entry_id or 0)
        return entry.state, entry.last_error


def test_a_slot_gives_way_to_a_post_made_by_hand_shortly_before(
    setup: tuple[Engine, Config], servers: tuple[MastodonApi, BlueskyPds]
) -> None:
    engine, config = setup
    mastodon, bluesky = servers
    first, second = add_items(engine, 2)
    mastodon.add_status("Our new release is out!", T0 - timedelta(minutes=40))
    bluesky.add_post("Our new release is out!", T0 - timedelta(minutes=40))
    toot = queue(engine, first, T0, channel="toots")
    sky = queue(engine, second, T0, channel="sky")
    events = dispatch(engine, config, T0)
    assert sorted(events) == sorted([("toots", toot.id, "yielded"), ("sky", sky.id, "yielded")])
    for entry in (toot, sky):
        skipped, reason = state(engine, entry.id)
        assert skipped == "skipped" and "made by hand at 11:20Z" in (reason or "")
    assert len(mastodon.statuses) == 1 and len(bluesky.records) == 1  # nothing posted


def test_evertide_s_own_posts_replies_and_older_posts_do_not_silence_a_slot(
    setup: tuple[Engine, Config], servers: tuple[MastodonApi, BlueskyPds]
) -> None:
    engine, config = setup
    mastodon, bluesky = servers
    items = add_items(engine, 4)
    mastodon.add_status("Last week's news", T0 - timedelta(hours=3))  # before the quiet period
    bluesky.add_post("@someone thanks!", T0 - timedelta(minutes=10), reply=True)  # a reply is conversation
    earlier = [queue(engine, items[0], T0 - timedelta(minutes=30), channel=c) for c in ("toots", "sky")]
    assert {e[2] for e in dispatch(engine, config, T0 - timedelta(minutes=30))} == {"published"}
    later = [queue(engine, items[1], T0, channel=c) for c in ("toots", "sky")]
    assert {e[2] for e in dispatch(engine, config, T0)} == {"published"}  # our own post 30 min ago is ours
    assert [state(engine, e.id)[0] for e in earlier + later] == ["published"] * 4


def test_a_post_a_person_inserted_never_gives_way(
    setup: tuple[Engine, Config], servers: tuple[MastodonApi, BlueskyPds]
) -> None:
    engine, config = setup
    mastodon, _ = servers
    (item,) = add_items(engine, 1)
    mastodon.add_status("Breaking news", T0 - timedelta(minutes=5))
    pinned = queue(engine, item, T0, channel="toots", pinned=True, origin="person")
    assert dispatch(engine, config, T0) == [("toots", pinned.id, "published")]


def test_when_the_account_cannot_be_read_the_post_goes_out(
    setup: tuple[Engine, Config], servers: tuple[MastodonApi, BlueskyPds]
) -> None:
    from tests.emulators import Reply

    engine, config = setup
    mastodon, _ = servers
    (item,) = add_items(engine, 1)
    mastodon.script("GET", f"/api/v1/accounts/{mastodon.account['id']}/statuses", Reply(503, {"error": "down"}))
    entry = queue(engine, item, T0, channel="toots")
    assert dispatch(engine, config, T0) == [("toots", entry.id, "published")]


def test_quiet_after_manual_is_refused_where_reading_the_account_costs_or_cannot_be_done(tmp_path: Path) -> None:
    for kind, extra in (("x", 'credentials: {bearer_token: "${T}"}'), ("file", "path: o.jsonl")):
        text = f"channels:\n  c:\n    kind: {kind}\n    quiet_after_manual: 1h\n    {extra}\n"
        message = error_of(write(tmp_path, text))
        assert "channels.c" in message and "quiet_after_manual works on mastodon and bluesky" in message
