"""The Bluesky publisher driven through the real atproto client against the loopback PDS."""

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from atproto import Client
from atproto_client.models.string_formats import RKEY_RE, TID_RE
from atproto_client.request import Request
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from content_library.errors import EvertideError
from scheduler.config import BlueskyChannel, BlueskyCredentials
from scheduler.config.values import Secret
from scheduler.publishers import (
    AuthFailed,
    CannotTell,
    ChannelMisconfigured,
    OutgoingPost,
    Publisher,
    RateLimited,
    Rejected,
    Unavailable,
    build_publisher,
)
from scheduler.publishers.bluesky import BlueskyPublisher, record_key
from tests.emulators import Reply
from tests.emulators.bluesky_api import (
    DID,
    HANDLE,
    WINDOW_RESET,
    BlueskyPds,
    internal_error,
    rate_limited,
    unavailable,
)

HANDLE_VAR = ("EVT_BSKY_HANDLE", HANDLE)
PASSWORD = ("EVT_BSKY_APP_PASSWORD", "abcd-Sekr-1t2x-9zzz")
TEXT = "Déjà vu? 🌊 Read the evergreen guide https://example.com/guide?x=1 #evergreen"
POSTED_AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def outgoing(text: str = TEXT, key: str = "entry-1") -> OutgoingPost:
    return OutgoingPost(entry_id=1, channel="sky", text=text, item_id=5, url=None, idempotency_key=key)


@pytest.fixture(autouse=True)
def credentials_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(*HANDLE_VAR)
    monkeypatch.setenv(*PASSWORD)


@pytest.fixture
def pds() -> Iterator[BlueskyPds]:
    with BlueskyPds(app_password=PASSWORD[1]) as server:
        yield server


def channel_for(base_url: str, password_variable: str = PASSWORD[0]) -> BlueskyChannel:
    return BlueskyChannel(
        base_url=base_url,
        credentials=BlueskyCredentials(handle=f"${{{HANDLE_VAR[0]}}}", app_password=Secret(password_variable)),
    )


@pytest.fixture
def publisher(pds: BlueskyPds) -> Iterator[Publisher]:
    client = Client(base_url=pds.base_url, request=Request(timeout=0.3))
    built = BlueskyPublisher(
        "sky",
        client,
        handle=HANDLE_VAR[1],
        app_password=Secret(PASSWORD[0]),
        clock=lambda: POSTED_AT,  # the daemon's clock, fixed for the test
    )
    yield built
    built.close()


def calls(pds: BlueskyPds, method: str) -> int:
    return sum(1 for request in pds.received if request.path == f"/xrpc/{method}")


def test_publish_creates_the_post_at_the_entrys_record_key(publisher: Publisher, pds: BlueskyPds) -> None:
    published = publisher.publish(outgoing())

    rkey = record_key("entry-1")
    assert published.remote_id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert published.remote_url == f"https://bsky.app/profile/{HANDLE}/post/{rkey}"
    (request,) = pds.requests_to("POST", "/xrpc/com.atproto.repo.createRecord")
    body = request.json()
    assert (body["repo"], body["collection"], body["rkey"]) == (DID, "app.bsky.feed.post", rkey)
    assert body["record"]["text"] == TEXT
    assert body["record"]["createdAt"] == "2026-03-01T12:30:00.000Z"


def test_links_and_tags_become_facets_with_utf8_byte_offsets(publisher: Publisher, pds: BlueskyPds) -> None:
    publisher.publish(outgoing())
    record = pds.requests_to("POST", "/xrpc/com.atproto.repo.createRecord")[0].json()["record"]
    encoded = TEXT.encode()
    spans = {
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0] for f in record["facets"]
    }
    assert spans["https://example.com/guide?x=1"] == {
        "$type": "app.bsky.richtext.facet#link",
        "uri": "https://example.com/guide?x=1",
    }
    assert spans["#evergreen"]["tag"] == "evergreen"
    assert TEXT.index("https") != encoded.index(b"https")  # the accents and the emoji shift bytes


def test_building_makes_no_request_and_the_session_is_created_once(pds: BlueskyPds) -> None:
    publisher = build_publisher("sky", channel_for(pds.base_url))
    assert pds.received == []
    publisher.publish(outgoing(key="entry-1"))
    publisher.publish(outgoing(key="entry-2"))
    publisher.check()
    publisher.close()
    assert calls(pds, "com.atproto.server.createSession") == 1


def test_a_retry_with_the_same_key_reports_the_existing_post(publisher: Publisher, pds: BlueskyPds) -> None:
    first = publisher.publish(outgoing())
    again = publisher.publish(outgoing())

    assert again.already_existed and not first.already_existed
    assert again.remote_id == first.remote_id
    assert len(pds.records) == 1
    assert calls(pds, "com.atproto.repo.getRecord") == 1  # asked only after the PDS's bare 500


def test_a_server_error_on_a_free_key_stays_unavailable(publisher: Publisher, pds: BlueskyPds) -> None:
    pds.script("POST", "/xrpc/com.atproto.repo.createRecord", internal_error())
    with pytest.raises(Unavailable, match="500 InternalServerError"):
        publisher.publish(outgoing())
    assert publisher.publish(outgoing()).already_existed is False  # the retry goes through


def test_a_timed_out_create_that_landed_is_found(publisher: Publisher, pds: BlueskyPds) -> None:
    publisher.publish(outgoing())  # landed, but pretend the answer was lost:
    pds.script("POST", "/xrpc/com.atproto.repo.createRecord", Reply(200, {}, delay=1.0))
    assert publisher.publish(outgoing()).already_existed


def test_find_published_asks_for_the_record_key(publisher: Publisher) -> None:
    assert publisher.find_published(outgoing()) is None
    sent = publisher.publish(outgoing())
    found = publisher.find_published(outgoing())
    assert found is not None and found.already_existed and found.remote_id == sent.remote_id


def test_find_published_cannot_tell_when_the_pds_fails(publisher: Publisher, pds: BlueskyPds) -> None:
    pds.script("GET", "/xrpc/com.atproto.repo.getRecord", unavailable())
    with pytest.raises(CannotTell):
        publisher.find_published(outgoing())


def test_an_expiring_access_token_is_refreshed_not_recreated(publisher: Publisher, pds: BlueskyPds) -> None:
    pds.access_exp = 1  # every access token is already past its exp
    publisher.publish(outgoing(key="entry-1"))
    publisher.publish(outgoing(key="entry-2"))
    assert calls(pds, "com.atproto.server.createSession") == 1
    assert calls(pds, "com.atproto.server.refreshSession") >= 1
    assert len(pds.records) == 2


def test_a_refused_session_logs_in_again_once(publisher: Publisher, pds: BlueskyPds) -> None:
    publisher.publish(outgoing(key="entry-1"))
    pds.expire_sessions()
    publisher.publish(outgoing(key="entry-2"))
    assert calls(pds, "com.atproto.server.createSession") == 2
    assert len(pds.records) == 2


def test_a_wrong_app_password_fails_auth(pds: BlueskyPds, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVT_BSKY_WRONG", "wrong-Sekr1t-pass")
    publisher = build_publisher("sky", channel_for(pds.base_url, "EVT_BSKY_WRONG"))
    with pytest.raises(AuthFailed, match="Invalid identifier or password") as failed:
        publisher.publish(outgoing())
    assert "app password" in failed.value.hint
    assert "wrong-Sekr1t-pass" not in str(failed.value)
    publisher.close()


def test_rate_limit_gives_the_pds_reset(publisher: Publisher, pds: BlueskyPds) -> None:
    pds.script("POST", "/xrpc/com.atproto.server.createSession", rate_limited())
    with pytest.raises(RateLimited) as limited:
        publisher.publish(outgoing())
    assert limited.value.retry_at == datetime.fromtimestamp(WINDOW_RESET, UTC)


@pytest.mark.parametrize("reply", [unavailable(), Reply(200, {}, delay=1.0)], ids=["503", "slow"])
def test_failing_or_slow_pds_is_unavailable(publisher: Publisher, pds: BlueskyPds, reply: Reply) -> None:
    pds.script("POST", "/xrpc/com.atproto.server.createSession", reply)
    with pytest.raises(Unavailable):
        publisher.publish(outgoing())


def test_unreachable_pds_is_unavailable() -> None:
    with BlueskyPds(app_password=PASSWORD[1]) as server:
        base_url = server.base_url
    publisher = build_publisher("sky", channel_for(base_url), timeout=0.3)
    with pytest.raises(Unavailable, match="could not reach"):
        publisher.publish(outgoing())
    publisher.close()


def test_too_long_posts_are_rejected(publisher: Publisher, pds: BlueskyPds) -> None:
    with pytest.raises(Rejected, match="300 graphemes"):
        publisher.publish(outgoing(text="a" * 301))
    sent_before = len(pds.received)
    with pytest.raises(Rejected, match="would refuse"):
        publisher.publish(outgoing(text="a" * 3001))  # refused by the record model, before any request
    assert len(pds.received) == sent_before


def test_check_names_the_account(publisher: Publisher) -> None:
    assert publisher.check() == f"@{HANDLE} ({DID})"


def test_missing_credentials_are_named() -> None:
    with pytest.raises(ValidationError, match="app_password"):
        BlueskyCredentials(handle=HANDLE_VAR[1])  # type: ignore[call-arg]


def test_an_unset_app_password_fails_when_the_channel_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD[0])
    with pytest.raises(ChannelMisconfigured, match=f"{PASSWORD[0]} is not set"):
        build_publisher("sky", channel_for("http://127.0.0.1:9"))


@given(st.text(min_size=1, max_size=80))
def test_record_keys_are_valid_tids_and_stable(idempotency_key: str) -> None:
    rkey = record_key(idempotency_key)
    assert TID_RE.match(rkey) and RKEY_RE.match(rkey)  # atproto's own patterns
    assert record_key(idempotency_key) == rkey


def test_record_keys_differ_between_entries() -> None:
    keys = {record_key(f"entry-{n}") for n in range(2000)}
    assert len(keys) == 2000


@pytest.mark.parametrize("script", ["429", "401", "500"])
def test_secrets_never_appear(
    publisher: Publisher, pds: BlueskyPds, script: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reply = {
        "429": rate_limited(),
        "401": Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
        "500": unavailable(),
    }[script]
    pds.script("POST", "/xrpc/com.atproto.server.createSession", reply)
    with pytest.raises(EvertideError) as raised:
        publisher.publish(outgoing())
    shown = [str(raised.value), repr(raised.value), raised.value.hint, repr(publisher), caplog.text]
    assert not [text for text in shown if PASSWORD[1] in text]
