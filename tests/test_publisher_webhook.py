"""The webhook publisher against a loopback receiver that checks signatures and idempotency keys."""

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from content_library.errors import EvertideError
from scheduler.config import WebhookChannel
from scheduler.config.values import Secret
from scheduler.publishers import (
    AuthFailed,
    OutgoingPost,
    Publisher,
    RateLimited,
    Rejected,
    Unavailable,
    build_publisher,
)
from scheduler.publishers.resets import from_retry_after
from scheduler.publishers.webhook import WebhookPublisher, signature
from tests.emulators import Reply
from tests.emulators.webhook_sink import WebhookSink, too_many, unavailable

SECRET = ("EVT_HOOK_SECRET", "whsec-Sekr1t-0c0ffee")
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


def test_publish_posts_signed_json_with_the_idempotency_key(publisher: Publisher, sink: WebhookSink) -> None:
    published = publisher.publish(outgoing())

    assert published.remote_id == "dlv-1" and not published.already_existed
    assert sink.deliveries == [
        {"entry_id": 17, "channel": "hook", "text": TEXT, "url": "https://example.com/guide", "item_id": 4}
    ]
    (request,) = sink.requests_to("POST", "/hooks/evertide")
    assert request.headers["idempotency-key"] == "entry-1"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-evertide-signature"] == signature(SECRET[1], request.body)
    assert "Straße" in request.body.decode()  # UTF-8 text, not \\u escapes


def test_the_signature_is_hmac_sha256_of_the_exact_bytes() -> None:
    # RFC 4231, test case 2
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert signature("Jefe", b"what do ya want for nothing?") == f"sha256={expected}"
    assert signature("key", b'{"a": 1}') != signature("key", b'{"a":1}')


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


def test_without_a_secret_nothing_is_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    with WebhookSink(secret=None) as open_sink:
        publisher = build_publisher("hook", channel_for(open_sink.url, None))
        publisher.publish(outgoing())
        publisher.close()
    assert "x-evertide-signature" not in open_sink.received[0].headers


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


def test_secrets_never_appear(publisher: Publisher, sink: WebhookSink, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for reply in (Reply(401, {"error": "bad signature"}), unavailable(), Reply(400, {"error": "no"})):
        sink.script("POST", "/hooks/evertide", reply)
        with pytest.raises(EvertideError) as raised:
            publisher.publish(outgoing())
        shown = [str(raised.value), repr(raised.value), raised.value.hint, repr(publisher), caplog.text]
        assert not [text for text in shown if SECRET[1] in text]
