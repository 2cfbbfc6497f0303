"""The webhook publisher against a loopback receiver that checks Standard Webhooks signatures and ids.

Signatures are checked with the PyPI ``standardwebhooks`` verifier, the one real receivers use, not with
our own signing code.
"""

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from content_library.errors import EvertideError
from scheduler.config import WebhookChannel
from scheduler.config.values import Secret
from scheduler.publishers import (
    AuthFailed,
    ChannelMisconfigured,
    OutgoingPost,
    Publisher,
    RateLimited,
    Rejected,
    Unavailable,
    build_publisher,
)
from scheduler.publishers.resets import from_retry_after
from scheduler.publishers.webhook import WebhookPublisher, signature, signing_key
from tests.emulators import Received, Reply
from tests.emulators.webhook_sink import WebhookSink, too_many, unavailable

# A plain secret: "whsec-" with a hyphen is not the spec's "whsec_" prefix, so it is used as its UTF-8 bytes.
SECRET = ("EVT_HOOK_SECRET", "whsec-Sekr1t-0c0ffee")
# A Standard Webhooks secret: "whsec_" and base64 of 24 random-looking bytes.
WHSEC = "whsec_" + base64.b64encode(bytes(range(7, 31))).decode()
TEXT = "Straße & café ☕ — the evergreen guide https://example.com/guide"


def outgoing(key: str = "entry-1") -> OutgoingPost:
    return OutgoingPost(
        entry_id=17, channel="hook", text=TEXT, item_id=4, url="https://example.com/guide", idempotency_key=key
    )


@pytest.fixture(autouse=True)
def secret_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(*SECRET)


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    with WebhookSink(secret=SECRET[1]) as receiver:
        yield receiver


def channel_for(url: str, secret: Secret | None = Secret(SECRET[0])) -> WebhookChannel:
    return WebhookChannel(url=url, secret=secret)


@pytest.fixture
def publisher(sink: WebhookSink) -> Iterator[Publisher]:
    built = build_publisher("hook", channel_for(sink.url), timeout=0.3)
    yield built
    built.close()


def fixed(*moments: datetime) -> Callable[[], datetime]:
    """A clock that answers ``moments`` in turn, then keeps answering the last one."""
    left = list(moments)
    return lambda: left.pop(0) if len(left) > 1 else left[0]


def recently(**ago: float) -> datetime:
    return datetime.now(UTC) - timedelta(**ago)


def spec_signature(key: bytes, request: Received) -> str:
    """The spec's signature computed here, independently of the publisher and of the library."""
    headers = request.headers
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request.body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def test_publish_posts_signed_json_with_standard_webhooks_headers(publisher: Publisher, sink: WebhookSink) -> None:
    published = publisher.publish(outgoing())

    assert published.remote_id == "dlv-1" and not published.already_existed
    assert sink.deliveries == [
        {"entry_id": 17, "channel": "hook", "text": TEXT, "url": "https://example.com/guide", "item_id": 4}
    ]
    (request,) = sink.requests_to("POST", "/hooks/evertide")
    assert request.headers["webhook-id"] == request.headers["idempotency-key"] == "entry-1"
    assert abs(int(request.headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 60
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    assert "x-evertide-signature" not in request.headers  # dropped: see the README's breaking change
    assert "Straße" in request.body.decode()  # UTF-8 text, not \\u escapes


def test_the_timestamp_is_whole_seconds_read_at_the_call() -> None:
    first, second = datetime(2026, 3, 1, 12, 0, 0, 900_000, tzinfo=UTC), datetime(2026, 3, 1, 12, 0, 42, tzinfo=UTC)
    with WebhookSink(secret=None) as open_sink:  # a signing sink would refuse these 2026 timestamps as stale
        publisher = WebhookPublisher("hook", open_sink.url, secret=None, timeout=1.0, clock=fixed(first, second))
        publisher.publish(outgoing("entry-1"))
        publisher.publish(outgoing("entry-2"))
        publisher.close()
    stamps = [request.headers["webhook-timestamp"] for request in open_sink.received]
    assert stamps == [str(int(first.timestamp())), str(int(second.timestamp()))] == ["1772366400", "1772366442"]


def test_a_whsec_secret_verifies_with_the_standardwebhooks_library() -> None:
    with WebhookSink(secret=WHSEC) as whsec_sink:
        publisher = WebhookPublisher("hook", whsec_sink.url, secret=WHSEC, timeout=1.0)
        publisher.publish(outgoing())
        publisher.close()
    (request,) = whsec_sink.received
    assert Webhook(WHSEC).verify(request.body, request.headers) == whsec_sink.deliveries[0]
    assert request.headers["webhook-signature"] == spec_signature(bytes(range(7, 31)), request)


def test_a_plain_secret_is_used_as_its_utf8_bytes(publisher: Publisher, sink: WebhookSink) -> None:
    publisher.publish(outgoing())
    (request,) = sink.received
    # The spec computed by hand, with the secret's UTF-8 bytes as the HMAC key ...
    assert request.headers["webhook-signature"] == spec_signature(SECRET[1].encode(), request)
    # ... and by the library. Its constructor base64-decodes *every* str secret, "whsec_" or not (a plain
    # "hook-secret" would become some other key), so a plain secret is handed to it as bytes, which it
    # uses as the key unchanged: that is what a receiver with a non-whsec_ secret must do too.
    assert Webhook(SECRET[1].encode()).verify(request.body, request.headers)["entry_id"] == 17


def test_the_spec_s_published_example() -> None:
    # The example of the standardwebhooks libraries' own tests.
    key = signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    sent = signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert sent == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signing_keys() -> None:
    assert signing_key("whsec_" + base64.b64encode(b"\x00\xffkey").decode()) == b"\x00\xffkey"
    assert signing_key("whsec_AP9rZXk") == b"\x00\xffkey"  # unpadded base64, as the library accepts
    assert signing_key("hook-secret") == b"hook-secret"
    assert signing_key("WHSEC_abc") == b"WHSEC_abc"  # the prefix is case-sensitive
    assert signing_key("café") == "café".encode()


@pytest.mark.parametrize("bad", ["whsec_", "whsec_Sekr1t!", "whsec_Sekr1"], ids=["empty", "not-base64", "truncated"])
def test_a_broken_whsec_secret_holds_the_channel_without_showing_it(
    bad: str, sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVT_HOOK_BAD", bad)
    with pytest.raises(ChannelMisconfigured) as raised:
        build_publisher("hook", channel_for(sink.url, Secret("EVT_HOOK_BAD")))
    shown = [str(raised.value), repr(raised.value), raised.value.hint]
    assert "base64" in str(raised.value) and not [text for text in shown if "Sekr1" in text]
    assert sink.received == []


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body.replace(b'"entry_id": 17', b'"entry_id": 18'), headers),
        lambda body, headers: (body, {**headers, "webhook-id": "entry-2"}),
        lambda body, headers: (body, {**headers, "webhook-timestamp": str(int(datetime.now(UTC).timestamp()))}),
    ],
    ids=["body", "id", "timestamp-refreshed-for-a-replay"],
)
def test_a_tampered_request_fails_verification(
    tamper: Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]],
) -> None:
    with WebhookSink(secret=WHSEC) as whsec_sink:
        publisher = WebhookPublisher(
            "hook", whsec_sink.url, secret=WHSEC, timeout=1.0, clock=fixed(recently(seconds=90))
        )
        publisher.publish(outgoing())
        publisher.close()
    (request,) = whsec_sink.received
    Webhook(WHSEC).verify(request.body, request.headers)  # as sent: valid
    body, headers = tamper(request.body, request.headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(WHSEC).verify(body, headers)


def test_an_old_timestamp_is_refused_so_a_captured_request_cannot_be_replayed(sink: WebhookSink) -> None:
    late = WebhookPublisher("hook", sink.url, secret=SECRET[1], timeout=1.0, clock=fixed(recently(minutes=10)))
    with pytest.raises(AuthFailed, match="401"):  # the sink verifies with the library too
        late.publish(outgoing())
    late.close()
    (request,) = sink.received
    assert request.headers["webhook-signature"] == spec_signature(SECRET[1].encode(), request)  # signed right
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(SECRET[1].encode()).verify(request.body, request.headers)
    assert sink.deliveries == []


def test_the_same_entry_keeps_its_webhook_id_across_retries_and_restarts(sink: WebhookSink) -> None:
    sink.script("POST", "/hooks/evertide", unavailable())
    first = WebhookPublisher("hook", sink.url, secret=SECRET[1], timeout=1.0, clock=fixed(recently(seconds=60)))
    with pytest.raises(Unavailable):
        first.publish(outgoing("entry-9"))
    first.publish(outgoing("entry-9"))  # a retry from the same daemon: taken
    first.close()
    restarted = WebhookPublisher("hook", sink.url, secret=SECRET[1], timeout=1.0)  # after a crash
    assert restarted.publish(outgoing("entry-9")).already_existed  # the sink deduplicates on webhook-id
    restarted.close()

    ids = [request.headers["webhook-id"] for request in sink.received]
    assert ids == ["entry-9"] * 3 and len(sink.deliveries) == 1
    stamps = {request.headers["webhook-timestamp"] for request in sink.received}
    assert len(stamps) == 2  # each call is stamped when it is made, so each is signed afresh
    for request in sink.received:
        Webhook(SECRET[1].encode()).verify(request.body, request.headers)


def test_a_retry_is_recognised_by_the_receiver(publisher: Publisher, sink: WebhookSink) -> None:
    publisher.publish(outgoing())
    again = publisher.publish(outgoing())
    assert again.already_existed and again.remote_id == "entry-1"
    assert len(sink.deliveries) == 1


def test_a_wrong_secret_fails_auth(sink: WebhookSink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVT_HOOK_OTHER", "not-the-receivers-secret")
    publisher = build_publisher("hook", channel_for(sink.url, Secret("EVT_HOOK_OTHER")))
    with pytest.raises(AuthFailed, match="401"):
        publisher.publish(outgoing())
    assert sink.deliveries == []
    publisher.close()


def test_without_a_secret_nothing_is_signed_but_the_id_and_timestamp_are_sent() -> None:
    with WebhookSink(secret=None) as open_sink:
        publisher = build_publisher("hook", channel_for(open_sink.url, None))
        publisher.publish(outgoing())
        publisher.close()
    headers = open_sink.received[0].headers
    assert "webhook-signature" not in headers and "x-evertide-signature" not in headers
    assert headers["webhook-id"] == "entry-1" and headers["webhook-timestamp"].isdigit()


def test_retry_after_seconds_count_from_the_receivers_date(publisher: Publisher, sink: WebhookSink) -> None:
    reply = too_many("120")
    reply.headers["Date"] = "Sun, 01 Mar 2026 12:00:00 GMT"
    sink.script("POST", "/hooks/evertide", reply)
    with pytest.raises(RateLimited) as limited:
        publisher.publish(outgoing())
    assert limited.value.retry_at == datetime(2026, 3, 1, 12, 2, tzinfo=UTC)


def test_retry_after_as_an_http_date(publisher: Publisher, sink: WebhookSink) -> None:
    sink.script("POST", "/hooks/evertide", too_many("Sun, 01 Mar 2026 13:00:00 GMT"))
    with pytest.raises(RateLimited) as limited:
        publisher.publish(outgoing())
    assert limited.value.retry_at == datetime(2026, 3, 1, 13, tzinfo=UTC)


def test_retry_after_parsing_edges() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert from_retry_after({"retry-after": "30"}, now) == datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
    assert from_retry_after({"retry-after": "30"}, None) is None
    assert from_retry_after({"retry-after": "soon"}, now) is None
    assert from_retry_after({}, now) is None


def test_a_429_without_retry_after_leaves_the_backoff_to_the_daemon(publisher: Publisher, sink: WebhookSink) -> None:
    sink.script("POST", "/hooks/evertide", Reply(429, {"error": "slow down"}))
    with pytest.raises(RateLimited) as limited:
        publisher.publish(outgoing())
    assert limited.value.retry_at is None


@pytest.mark.parametrize("reply", [unavailable(), Reply(201, {"id": "late"}, delay=1.0)], ids=["503", "slow"])
def test_failing_or_slow_receiver_is_unavailable(publisher: Publisher, sink: WebhookSink, reply: Reply) -> None:
    sink.script("POST", "/hooks/evertide", reply)
    with pytest.raises(Unavailable):
        publisher.publish(outgoing())


def test_a_refused_post_is_rejected(publisher: Publisher, sink: WebhookSink) -> None:
    sink.script("POST", "/hooks/evertide", Reply(422, {"error": "text too long"}))
    with pytest.raises(Rejected, match="text too long"):
        publisher.publish(outgoing())


def test_errors_show_the_origin_not_a_tokened_path() -> None:
    with WebhookSink(secret=None) as gone:
        url = f"{gone.base_url}/services/T000/B000/tok-Sekr1t-in-path"
    publisher = build_publisher("hook", channel_for(url, None), timeout=0.3)
    with pytest.raises(Unavailable) as failed:
        publisher.publish(outgoing())
    assert "tok-Sekr1t-in-path" not in str(failed.value) and "tok-Sekr1t-in-path" not in repr(publisher)
    assert gone.base_url in str(failed.value)
    publisher.close()


def test_a_2xx_without_an_id_uses_the_idempotency_key(publisher: Publisher, sink: WebhookSink) -> None:
    sink.script("POST", "/hooks/evertide", Reply(204))
    assert publisher.publish(outgoing(key="entry-5")).remote_id == "entry-5"


def test_find_published_relies_on_the_receivers_deduplication(publisher: Publisher, sink: WebhookSink) -> None:
    publisher.publish(outgoing())
    assert publisher.find_published(outgoing()) is None
    assert len(sink.received) == 1  # nothing was asked


def test_check_reaches_the_receiver_unsigned(publisher: Publisher, sink: WebhookSink) -> None:
    assert publisher.check() == f"webhook at {sink.base_url} (answered 204)"
    assert sink.received[0].method == "OPTIONS" and sink.deliveries == []


def test_the_body_is_the_documented_json(sink: WebhookSink) -> None:
    publisher = WebhookPublisher("hook", sink.url, secret=SECRET[1], timeout=1.0)
    publisher.publish(outgoing())
    publisher.close()
    assert set(json.loads(sink.received[0].body)) == {"entry_id", "channel", "text", "url", "item_id"}


@pytest.mark.parametrize("secret", [SECRET[1], WHSEC], ids=["plain", "whsec"])
def test_secrets_never_appear(
    secret: str, sink: WebhookSink, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("EVT_HOOK_SHOWN", secret)
    publisher = build_publisher("hook", channel_for(sink.url, Secret("EVT_HOOK_SHOWN")), timeout=0.3)
    for reply in (Reply(401, {"error": "bad signature"}), unavailable(), Reply(400, {"error": "no"})):
        sink.script("POST", "/hooks/evertide", reply)
        with pytest.raises(EvertideError) as raised:
            publisher.publish(outgoing())
        shown = [str(raised.value), repr(raised.value), raised.value.hint, repr(publisher), caplog.text]
        assert not [text for text in shown if secret in text or secret.removeprefix("whsec_") in text]
    publisher.close()


def test_a_huge_reply_is_read_only_up_to_its_limit() -> None:
    """Found: a webhook reply of 400 MB was read whole (1.15 GB of memory)."""
    import tracemalloc

    from scheduler.publishers.webhook import MAX_REPLY_BYTES

    with WebhookSink(secret=None) as sink:
        sink.script("POST", "/hooks/evertide", Reply(201, b"x" * (20 * MAX_REPLY_BYTES)))
        publisher = WebhookPublisher("hook", sink.url, secret=None, timeout=5.0)
        tracemalloc.start()
        try:
            published = publisher.publish(outgoing())
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            publisher.close()
    assert published.remote_id  # the post went out; the body is not JSON, so the entry's key stands in
    assert peak < 5 * MAX_REPLY_BYTES, peak
