"""Link cards on Bluesky: an ``app.bsky.embed.external`` embed, its picture uploaded as a blob, through the
real atproto client against the loopback PDS, the picture served by a loopback web server."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from atproto import Client
from atproto_client.request import Request
from sqlalchemy.engine import Engine

from content_library.database import transaction
from content_library.link_checks import check_links
from content_library.link_health import LinkPolicy
from content_library.store import add_item, get_item
from scheduler.config.values import Secret
from scheduler.dispatch.link_cards import link_card
from scheduler.publishers import LinkCard, OutgoingPost, PostImage
from scheduler.publishers.bluesky import THUMB_MAX_BYTES, BlueskyPublisher
from tests.emulators.bluesky_api import HANDLE, BlueskyPds
from tests.http_server import LoopbackServer, Reply

PASSWORD = ("EVT_BSKY_APP_PASSWORD", "abcd-Sekr-1t2x-9zzz")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60
TEXT = "Back up your workspace https://help.example.com/backup?utm_source=sky"


@pytest.fixture(autouse=True)
def password_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(*PASSWORD)


@pytest.fixture
def pds() -> Iterator[BlueskyPds]:
    with BlueskyPds(app_password=PASSWORD[1]) as server:
        yield server


@pytest.fixture
def web() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def publisher(pds: BlueskyPds) -> Iterator[BlueskyPublisher]:
    client = Client(base_url=pds.base_url, request=Request(timeout=2))
    built = BlueskyPublisher(
        "sky", client, handle=HANDLE, app_password=Secret(PASSWORD[0]), clock=lambda: datetime(2026, 3, 1, tzinfo=UTC)
    )
    yield built
    built.close()


def post_with(card: LinkCard | None) -> OutgoingPost:
    return OutgoingPost(
        entry_id=1, channel="sky", text=TEXT, item_id=5, url=card.uri if card else None, idempotency_key="e1", card=card
    )


def created_record(pds: BlueskyPds) -> dict:  # type: ignore[type-arg]
    (request,) = pds.requests_to("POST", "/xrpc/com.atproto.repo.createRecord")
    return request.json()["record"]  # type: ignore[no-any-return]


def test_a_card_becomes_an_external_embed_with_its_picture_uploaded(
    publisher: BlueskyPublisher, pds: BlueskyPds, web: LoopbackServer
) -> None:
    web.route("/backup.png", Reply(body=PNG, headers={"Content-Type": "image/png"}))
    card = LinkCard(web.url("/backup"), "Back up", "Three clicks.", web.url("/backup.png"))  # both on loopback
    publisher.publish(post_with(card))
    embed = created_record(pds)["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    external = embed["external"]
    assert (external["uri"], external["title"], external["description"]) == (card.uri, "Back up", "Three clicks.")
    cid = external["thumb"]["ref"]["$link"]
    assert pds.blobs[cid] == ("image/png", PNG)
    assert (external["thumb"]["mimeType"], external["thumb"]["size"]) == ("image/png", len(PNG))
    assert web.requests[0].headers["user-agent"].startswith("evertide/")


@pytest.mark.parametrize(
    "picture",
    [
        Reply(body=b"\xff" * (THUMB_MAX_BYTES + 1), headers={"Content-Type": "image/jpeg"}),
        Reply(body=b"<html>not a picture</html>", headers={"Content-Type": "text/html"}),
        Reply(404, b"gone"),
        Reply(body=PNG, headers={"Content-Type": "image/png"}, delay=30),
    ],
    ids=["too-big", "not-an-image", "missing", "too-slow"],
)
def test_a_picture_that_cannot_be_had_leaves_the_card_without_one(
    pds: BlueskyPds, web: LoopbackServer, picture: Reply
) -> None:
    client = Client(base_url=pds.base_url, request=Request(timeout=2))
    publisher = BlueskyPublisher("sky", client, handle=HANDLE, app_password=Secret(PASSWORD[0]), picture_deadline=0.5)
    web.route("/picture", picture)
    card = LinkCard(web.url("/backup"), "Back up", "", web.url("/picture"))
    try:
        publisher.publish(post_with(card))
    finally:
        publisher.close()
    external = created_record(pds)["embed"]["external"]
    assert external["title"] == "Back up" and "thumb" not in external
    assert pds.requests_to("POST", "/xrpc/com.atproto.repo.uploadBlob") == [] and pds.blobs == {}


def test_a_public_page_s_picture_on_an_internal_address_is_never_fetched(
    publisher: BlueskyPublisher, pds: BlueskyPds, web: LoopbackServer
) -> None:
    """Found in review: a page's og:image on a cloud's metadata address (or an intranet's) was fetched by the
    daemon and uploaded as a public blob."""
    web.route("/secret.png", Reply(body=PNG, headers={"Content-Type": "image/png"}))
    card = LinkCard("https://help.example.com/backup", "Back up", "", web.url("/secret.png"))
    publisher.publish(post_with(card))
    assert "thumb" not in created_record(pds)["embed"]["external"]
    assert web.requests == [] and pds.blobs == {}


def test_a_post_without_a_card_has_no_embed(publisher: BlueskyPublisher, pds: BlueskyPds) -> None:
    publisher.publish(post_with(None))
    assert "embed" not in created_record(pds)


def test_the_card_a_post_carries_is_the_one_the_link_check_read(sqlite_engine: Engine, web: LoopbackServer) -> None:
    web.route(
        "/backup",
        Reply(
            body=b'<head><meta property="og:description" content="Three clicks."><meta property="og:image" '
            b'content="/backup.png"></head>',
            headers={"Content-Type": "text/html"},
        ),
    )
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with transaction(sqlite_engine) as session:
        checked = add_item(session, {"title": "Back up", "url": web.url("/backup")}, now=now).id or 0
        never = add_item(session, {"title": "Other", "url": web.url("/other")}, now=now).id or 0
    policy = LinkPolicy(per_host_interval=timedelta(0), timeout=timedelta(seconds=2))
    list(check_links(sqlite_engine, policy, now=now, stop=lambda: False))
    tagged = web.url("/backup") + "?utm_source=bluesky&utm_content=7"  # the link the post's text carries
    with transaction(sqlite_engine) as session:
        card = link_card(session, get_item(session, checked), tagged)
        assert link_card(session, get_item(session, never), web.url("/other")) is None  # a 404: no card
    # Found in review: the card linked the bare page, so the clicks on it (most of a post's, on Bluesky) could
    # not be told apart from any other visit by the user's analytics.
    assert card == LinkCard(tagged, "Back up", "Three clicks.", web.url("/backup.png"))


def test_a_picture_of_its_own_takes_the_cards_place_and_the_card_stays_when_it_cannot_be_had(
    publisher: BlueskyPublisher, pds: BlueskyPds, web: LoopbackServer
) -> None:
    web.route("/own.png", Reply(body=PNG, headers={"Content-Type": "image/png"}))
    web.route("/gone.png", Reply(404, b"gone"))
    card = LinkCard("https://help.example.com/backup", "Back up", "Three clicks.")
    publisher.publish(replace(post_with(card), image=PostImage(web.url("/own.png"), "Back up")))
    publisher.publish(replace(post_with(card), idempotency_key="e2", image=PostImage(web.url("/gone.png"), "Back up")))
    pictured, carded = (
        request.json()["record"]["embed"] for request in pds.requests_to("POST", "/xrpc/com.atproto.repo.createRecord")
    )
    assert pictured["$type"] == "app.bsky.embed.images" and "external" not in pictured
    (image,) = pictured["images"]
    assert image["alt"] == "Back up" and pds.blobs[image["image"]["ref"]["$link"]] == ("image/png", PNG)
    assert carded["$type"] == "app.bsky.embed.external" and carded["external"]["title"] == "Back up"
