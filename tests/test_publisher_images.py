"""Pictures posted with the text (``attach_image: true``) on X, Mastodon and Bluesky, through the real clients
against the loopback emulators, the picture served by a loopback web server: uploaded with its alt text, left
out when it cannot be had or is over the platform's size, and attached once however often the post is retried."""

from collections.abc import Iterator
from typing import Any

import pytest

from scheduler.config import (
    BlueskyChannel,
    BlueskyCredentials,
    MastodonChannel,
    MastodonCredentials,
    XChannel,
    XCredentials,
)
from scheduler.config.values import Secret
from scheduler.publishers import OutgoingPost, PostImage, Publisher, Unavailable, build_publisher
from scheduler.publishers.bluesky import IMAGE_MAX_BYTES as BLUESKY_MAX
from scheduler.publishers.mastodon import IMAGE_MAX_BYTES as MASTODON_MAX
from scheduler.publishers.x import IMAGE_MAX_BYTES as X_MAX
from tests.emulators import Emulator, Reply
from tests.emulators.bluesky_api import HANDLE, BlueskyPds
from tests.emulators.mastodon_api import MastodonApi
from tests.emulators.x_api import XApi, unavailable
from tests.http_server import LoopbackServer
from tests.http_server import Reply as WebReply

SECRETS = {
    "EVT_X_CONSUMER_KEY": "ck-public",
    "EVT_X_CONSUMER_SECRET": "cs-Sekr1t",
    "EVT_X_ACCESS_TOKEN": "at-public",
    "EVT_X_ACCESS_SECRET": "as-Sekr1t",
    "EVT_MASTODON_TOKEN": "mtok-Sekr1t",
    "EVT_BSKY_APP_PASSWORD": "abcd-Sekr-1t2x-9zzz",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 60
ALT = "A whiteboard with three arrows"
TEXT = "Back up your workspace in three clicks https://help.example.com/backup"
PLATFORMS = ["x", "mastodon", "bluesky"]
LIMITS = {"x": X_MAX, "mastodon": MASTODON_MAX, "bluesky": BLUESKY_MAX}


@pytest.fixture(autouse=True)
def secrets_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in SECRETS.items():
        monkeypatch.setenv(variable, value)


@pytest.fixture
def web() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.route("/backup.png", WebReply(body=PNG, headers={"Content-Type": "image/png"}))
        yield server


class Platform:
    """One platform's emulator, a publisher pointed at it, and how to read what a post carried."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.emulator: Emulator
        if kind == "x":
            self.emulator = XApi()
            keys = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
            names = ("EVT_X_CONSUMER_KEY", "EVT_X_CONSUMER_SECRET", "EVT_X_ACCESS_TOKEN", "EVT_X_ACCESS_SECRET")
            credentials: Any = XCredentials(**{key: Secret(name) for key, name in zip(keys, names, strict=True)})
            self.channel: Any = XChannel(base_url=self.emulator.base_url, credentials=credentials)
        elif kind == "mastodon":
            self.emulator = MastodonApi(access_token=SECRETS["EVT_MASTODON_TOKEN"])
            credentials = MastodonCredentials(access_token=Secret("EVT_MASTODON_TOKEN"))
            self.channel = MastodonChannel(base_url=self.emulator.base_url, credentials=credentials)
        else:
            self.emulator = BlueskyPds(app_password=SECRETS["EVT_BSKY_APP_PASSWORD"])
            credentials = BlueskyCredentials(handle=HANDLE, app_password=Secret("EVT_BSKY_APP_PASSWORD"))
            self.channel = BlueskyChannel(base_url=self.emulator.base_url, credentials=credentials)

    def publisher(self) -> Publisher:
        return build_publisher(self.kind, self.channel, timeout=3)

    def uploads(self) -> list[tuple[bytes, str | None]]:
        """Every picture the platform received, with the alt text sent with it (Bluesky: none, it goes in the
        post)."""
        emulator = self.emulator
        if isinstance(emulator, XApi):
            return [(media["body"], media.get("alt_text")) for media in emulator.media.values()]
        if isinstance(emulator, MastodonApi):
            return [(media["body"], media["description"]) for media in emulator.media.values()]
        assert isinstance(emulator, BlueskyPds)
        return [(body, None) for _, body in emulator.blobs.values()]

    def attached(self) -> list[list[tuple[bytes, str | None]]]:
        """Each post made, as the pictures it carries (bytes and alt text), in order."""
        emulator = self.emulator
        if isinstance(emulator, XApi):
            return [
                [(emulator.media[i]["body"], emulator.media[i].get("alt_text")) for i in tweet.get("media_ids", [])]
                for tweet in emulator.tweets
            ]
        if isinstance(emulator, MastodonApi):
            return [
                [(emulator.media[m["id"]]["body"], m["description"]) for m in status["media_attachments"]]
                for status in emulator.statuses
            ]
        assert isinstance(emulator, BlueskyPds)
        posts = []
        for record in emulator.records.values():
            embed = record["value"].get("embed") or {}
            images = embed.get("images", []) if embed.get("$type") == "app.bsky.embed.images" else []
            posts.append([(emulator.blobs[i["image"]["ref"]["$link"]][1], i["alt"]) for i in images])
        return posts

    def fail_next_post(self) -> None:
        """The next post is refused with a 503 after its picture was uploaded."""
        emulator = self.emulator
        if isinstance(emulator, XApi):
            emulator.script("POST", "/2/tweets", unavailable())
        elif isinstance(emulator, MastodonApi):
            emulator.script("POST", "/api/v1/statuses", Reply(503, "<html>busy</html>", {"Content-Type": "text/html"}))
        else:
            body = {"error": "InternalServerError", "message": "Internal Server Error"}
            emulator.script("POST", "/xrpc/com.atproto.repo.createRecord", Reply(500, body))


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> Iterator[Platform]:
    made = Platform(request.param)
    with made.emulator:
        yield made


def post(web: LoopbackServer, path: str = "/backup.png", alt: str = ALT) -> OutgoingPost:
    return OutgoingPost(
        entry_id=1,
        channel="main",
        text=TEXT,
        item_id=5,
        url="https://help.example.com/backup",
        idempotency_key="entry-1",
        image=PostImage(web.url(path), alt),
    )


def test_the_picture_is_uploaded_and_posted_with_its_alt_text(platform: Platform, web: LoopbackServer) -> None:
    publisher = platform.publisher()
    try:
        publisher.publish(post(web))
    finally:
        publisher.close()
    assert platform.attached() == [[(PNG, ALT)]]


@pytest.mark.parametrize("kind", PLATFORMS)
def test_a_picture_over_the_platforms_size_is_left_out_and_the_text_posted(kind: str, web: LoopbackServer) -> None:
    platform = Platform(kind)
    web.route("/huge.jpg", WebReply(body=b"\xff" * (LIMITS[kind] + 1), headers={"Content-Type": "image/jpeg"}))
    with platform.emulator:
        publisher = platform.publisher()
        try:
            publisher.publish(post(web, "/huge.jpg"))
        finally:
            publisher.close()
        assert platform.attached() == [[]] and platform.uploads() == []


def test_a_picture_that_is_not_there_is_left_out(platform: Platform, web: LoopbackServer) -> None:
    web.route("/gone.png", WebReply(404, b"gone"))
    publisher = platform.publisher()
    try:
        publisher.publish(post(web, "/gone.png"))
    finally:
        publisher.close()
    assert platform.attached() == [[]] and platform.uploads() == []


def test_a_retried_post_carries_the_picture_once(platform: Platform, web: LoopbackServer) -> None:
    platform.fail_next_post()
    publisher = platform.publisher()
    try:
        with pytest.raises(Unavailable):
            publisher.publish(post(web))
        publisher.publish(post(web))
    finally:
        publisher.close()
    assert platform.attached() == [[(PNG, ALT)]]
    assert len(platform.uploads()) <= 2  # one upload per attempt, the unused one left to the platform to expire


def test_x_uploads_with_an_oauth2_user_token_too(monkeypatch: pytest.MonkeyPatch, web: LoopbackServer) -> None:
    monkeypatch.setenv("EVT_X_BEARER", "bearer-Sekr1t")
    with XApi(bearer_token="bearer-Sekr1t") as api:
        channel = XChannel(base_url=api.base_url, credentials=XCredentials(bearer_token=Secret("EVT_X_BEARER")))
        publisher = build_publisher("x", channel, timeout=3)
        try:
            publisher.publish(post(web))
        finally:
            publisher.close()
        (tweet,) = api.tweets
        assert [(api.media[i]["body"], api.media[i]["alt_text"]) for i in tweet["media_ids"]] == [(PNG, ALT)]
        assert all(r.headers["authorization"] == "Bearer bearer-Sekr1t" for r in api.received)


def test_mastodon_leaves_out_a_picture_it_is_still_processing(web: LoopbackServer) -> None:
    platform = Platform("mastodon")
    processing = {"id": "777", "type": "gifv", "url": None, "preview_url": None, "description": ALT}
    with platform.emulator:
        platform.emulator.script("POST", "/api/v2/media", Reply(202, processing))
        publisher = platform.publisher()
        try:
            publisher.publish(post(web))
        finally:
            publisher.close()
        assert platform.attached() == [[]]
