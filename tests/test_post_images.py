"""Which picture a post carries (``attach_image: true``): the item's own, else its page's card picture, with the
item's title as alt text; and the dispatcher sending it through a real publisher to the Mastodon emulator."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import transaction
from content_library.models import Item, LinkCheck
from content_library.store import add_item
from scheduler.config import Config
from scheduler.dispatch.images import post_image
from scheduler.dispatch.publishing import Dispatcher
from scheduler.publishers import PostImage, build_publisher
from scheduler.publishers.base import ALT_MAX
from tests.emulators.mastodon_api import MastodonApi
from tests.http_server import LoopbackServer, Reply
from tests.queue_helpers import T0, config_in, queue

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 40
TOKEN = "mtok-Sekr1t"
CONFIG = """\
channels:
  toots:
    kind: mastodon
    base_url: {base_url}
    credentials: {{access_token: "${{EVT_MASTODON_TOKEN}}"}}
campaigns:
  pictured:
    channels: [toots]
    posts_per_day: 1
    min_gap: 1m
    attach_image: true
  plain:
    channels: [toots]
    posts_per_day: 1
    min_gap: 1m
"""


def item_with(engine: Engine, **fields: str | None) -> Item:
    """An item titled "Back up your workspace"; ``fields`` are set as they are (a feed's title may be longer than
    a person may type)."""
    with transaction(engine) as session:
        item = add_item(session, {"title": "Back up your workspace", "url": "https://help.example.com/backup"}, now=T0)
        for name, value in fields.items():
            setattr(item, name, value)
        session.add(item)
        session.flush()
        session.refresh(item)
        session.expunge(item)
        return item


def with_card_image(engine: Engine, item: Item, image: str) -> None:
    with transaction(engine) as session:
        session.add(LinkCheck(item_id=item.id or 0, state="ok", checked_at=T0, next_check_at=T0, card_image=image))


def test_the_items_own_picture_comes_first_with_its_title_as_alt_text(engine: Engine) -> None:
    item = item_with(engine, image="https://cdn.example.com/backup.png")
    with_card_image(engine, item, "https://help.example.com/card.png")
    with transaction(engine) as session:
        assert post_image(session, item) == PostImage("https://cdn.example.com/backup.png", "Back up your workspace")


def test_without_one_the_page_card_picture_is_used(engine: Engine) -> None:
    item = item_with(engine)
    with transaction(engine) as session:
        assert post_image(session, item) is None  # never checked: no picture
    with_card_image(engine, item, "https://help.example.com/card.png")
    with transaction(engine) as session:
        found = post_image(session, item)
    # the page names its picture: an internal picture is fetched only for an internal page
    assert found == PostImage(
        "https://help.example.com/card.png", "Back up your workspace", "https://help.example.com/backup"
    )


def test_the_alt_text_is_plain_folded_and_capped(engine: Engine) -> None:
    item = item_with(
        engine, title="Back\nup\x1b[31m <b>now</b>\t" + "word " * 400, image="https://cdn.example.com/a.png"
    )
    with transaction(engine) as session:
        image = post_image(session, item)
    assert image is not None
    assert image.alt.startswith("Back up [31m <b>now</b> word") and len(image.alt) <= ALT_MAX
    assert "\n" not in image.alt and "\x1b" not in image.alt


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MastodonApi]:
    monkeypatch.setenv("EVT_MASTODON_TOKEN", TOKEN)
    with MastodonApi(access_token=TOKEN) as api:
        yield api


@pytest.fixture
def web() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.route("/backup.png", Reply(body=PNG, headers={"Content-Type": "image/png"}))
        yield server


def test_only_a_campaign_with_attach_image_posts_the_picture(
    engine: Engine, tmp_path: Path, server: MastodonApi, web: LoopbackServer
) -> None:
    config: Config = config_in(tmp_path, CONFIG.format(base_url=server.base_url))
    assert config.campaigns["pictured"].attach_image and not config.campaigns["plain"].attach_image
    item = item_with(engine, image=web.url("/backup.png"))
    queue(engine, item.id or 0, T0, channel="toots", campaign="pictured", text="With a picture")
    queue(engine, item.id or 0, T0 + timedelta(minutes=2), channel="toots", campaign="plain", text="Without")
    dispatcher = Dispatcher(
        engine, config, lambda name: build_publisher(name, config.channels[name], timeout=3), worker="test"
    )
    try:
        dispatcher.publish_due(lambda: T0 + timedelta(minutes=1))
        dispatcher.publish_due(lambda: T0 + timedelta(minutes=3))
    finally:
        dispatcher.close()
    pictured, plain = server.statuses
    assert [(m["description"], server.media[m["id"]]["body"]) for m in pictured["media_attachments"]] == [
        ("Back up your workspace", PNG)
    ]
    assert plain["media_attachments"] == [] and len(server.media) == 1


def test_a_public_page_s_picture_on_an_internal_address_is_never_downloaded() -> None:
    from scheduler.publishers.pictures import downloaded
    from tests.http_server import LoopbackServer, Reply

    with LoopbackServer() as web:
        web.route("/secret.png", Reply(body=b"\x89PNG\r\n\x1a\n", headers={"Content-Type": "image/png"}))
        named = PostImage(web.url("/secret.png"), "alt", named_by="https://help.example.com/backup")
        assert downloaded("sky", named, max_bytes=1000, deadline=2) is None and web.requests == []
        own = PostImage(web.url("/secret.png"), "alt")  # a picture the library itself names: the person's call
        assert downloaded("sky", own, max_bytes=1000, deadline=2) is not None


def test_a_fetched_item_s_own_picture_is_held_to_where_it_came_from(engine: Engine) -> None:
    """Found in review: an `image` column in a file imported from a URL was fetched wherever it pointed."""
    fetched = item_with(
        engine, image="http://169.254.169.254/latest/x.png", came_from="https://files.example.org/a.csv"
    )
    with transaction(engine) as session:
        found = post_image(session, fetched)
    assert found is not None and found.named_by == "https://files.example.org/a.csv"
    with transaction(engine) as session:  # the same item from a person's own file: their call
        fetched.came_from = None
        mine = post_image(session, fetched)
    assert mine is not None and mine.named_by is None
