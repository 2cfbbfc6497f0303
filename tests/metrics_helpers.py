"""Three readable channels on the loopback emulators, and published posts on them, for the metrics tests."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import make_engine, transaction, upgrade
from scheduler.config import Config, load_config
from scheduler.planning.attribution import ENTRY_MARK
from scheduler.queue import states
from scheduler.queue.entries import insert_entry
from tests.emulators.bluesky_api import DID, BlueskyPds
from tests.emulators.mastodon_api import MastodonApi
from tests.emulators.x_api import EPOCH as T0
from tests.emulators.x_api import XApi
from tests.queue_helpers import add_items

SECRETS = {"EVT_X": "x-bearer", "EVT_MASTODON": "m-token", "EVT_BSKY_HANDLE": "evertide-test.bsky.social"}
SECRETS["EVT_BSKY_PASSWORD"] = "abcd-Sekr-1t2x-9zzz"
POST_COLLECTION = "app.bsky.feed.post"
__all__ = ["T0", "Platforms", "on_bluesky", "on_mastodon", "on_x", "platforms", "published"]  # T0: the emulators' epoch


@dataclass
class Platforms:
    x: XApi
    mastodon: MastodonApi
    bluesky: BlueskyPds
    engine: Engine
    config: Config


def config_text(x: XApi, mastodon: MastodonApi, bluesky: BlueskyPds, *, x_metrics: bool, database: str) -> str:
    return f"""\
database: "{database}"
channels:
  x: {{kind: x, base_url: "{x.base_url}", metrics: {str(x_metrics).lower()}, timeout: 5s,
       credentials: {{bearer_token: "${{EVT_X}}"}}}}
  toots: {{kind: mastodon, base_url: "{mastodon.base_url}", timeout: 2s,
           credentials: {{access_token: "${{EVT_MASTODON}}"}}}}
  sky: {{kind: bluesky, base_url: "{bluesky.base_url}", timeout: 5s,
         credentials: {{handle: "${{EVT_BSKY_HANDLE}}", app_password: "${{EVT_BSKY_PASSWORD}}"}}}}
  outbox: {{kind: file, path: outbox.jsonl}}
"""


@contextmanager
def platforms(
    directory: Path, monkeypatch: pytest.MonkeyPatch, *, x_metrics: bool = True, database: str | None = None
) -> Iterator[Platforms]:
    """The three emulators, a config with a channel on each (and a file outbox), and an upgraded database:
    ``database`` (a URL), else ``evertide.db`` in ``directory``."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with ExitStack() as stack:
        x = stack.enter_context(XApi(bearer_token=SECRETS["EVT_X"]))
        mastodon = stack.enter_context(MastodonApi(access_token=SECRETS["EVT_MASTODON"]))
        bluesky = stack.enter_context(BlueskyPds(app_password=SECRETS["EVT_BSKY_PASSWORD"]))
        path = directory / "config.yaml"
        url = database or f"sqlite:///{directory / 'evertide.db'}"
        path.write_text(config_text(x, mastodon, bluesky, x_metrics=x_metrics, database=url))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        upgrade(engine)
        yield Platforms(x, mastodon, bluesky, engine, load_config(path))


def published(
    engine: Engine,
    channel: str,
    remote_id: str,
    at: datetime,
    *,
    item: int | None = None,
    zone: str = "UTC",
    text: str | None = None,
) -> int:
    """A queue entry on ``channel`` (of a new item unless ``item`` is given) recorded as published at ``at`` as
    ``remote_id``; returns its entry id. ``text`` defaults to "post <item>" with a link tagged as a campaign with
    ``utm:`` tags it, so imported clicks count for it; the queue fills in the entry id."""
    if item is None:
        [item] = add_items(engine, 1)
    text = text if text is not None else f"post {item} https://help.example.com/{item}?utm_content={ENTRY_MARK}"
    values = {"channel": channel, "campaign": None, "zone": zone, "at": at, "item_id": item, "text": text}
    with transaction(engine) as session:
        entry = insert_entry(session, values, now=at - timedelta(days=1))
        claimed = states.claim(session, entry, worker="w", now=at, lease=timedelta(minutes=1))
        states.publish(session, claimed, remote_id=remote_id, remote_url=None, now=at)
        assert entry.id is not None
        return entry.id


def on_x(p: Platforms, at: datetime = T0, **metrics: int) -> tuple[int, str]:
    tweet = p.x.add_tweet(f"tweet at {at} {len(p.x.tweets)}", at)
    tweet["public_metrics"] = metrics
    return published(p.engine, "x", tweet["id"], at), tweet["id"]


def on_mastodon(
    p: Platforms, at: datetime = T0, *, item: int | None = None, zone: str = "UTC", **counts: int
) -> tuple[int, str]:
    status = p.mastodon.add_status(f"status {len(p.mastodon.statuses)}", at)
    status.update(counts)
    return published(p.engine, "toots", status["id"], at, item=item, zone=zone), status["id"]


def on_bluesky(p: Platforms, at: datetime = T0, **counts: int) -> tuple[int, str]:
    rkey = f"3m{len(p.bluesky.records):011d}"
    uri = f"at://{DID}/{POST_COLLECTION}/{rkey}"
    p.bluesky.records[(POST_COLLECTION, rkey)] = {"uri": uri, "value": {"text": rkey, "createdAt": at.isoformat()}}
    p.bluesky.counts[uri] = counts
    return published(p.engine, "sky", uri, at), uri
