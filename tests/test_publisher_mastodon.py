"""The Mastodon publisher driven through the real Mastodon.py client against the loopback server."""

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from content_library.errors import EvertideError
from scheduler.config import MastodonChannel, MastodonCredentials
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
from scheduler.publishers.matching import comparable, html_text
from scheduler.publishers.resets import from_iso_or_epoch
from tests.emulators import Reply
from tests.emulators.mastodon_api import (
    EPOCH,
    MastodonApi,
    mastodon_html,
    rate_headers,
    rate_limited,
    unauthorized,
    unavailable,
)

TOKEN = ("EVT_MASTODON_TOKEN", "mtok-Sekr1t-5e6f7a8b")
TEXT = (
    "Evergreen tip: keep a changelog & link it\n\n"
    "https://www.example.com/articles/2026/keep-a-changelog-and-link-it #docs"
)


def outgoing(text: str = TEXT, key: str = "entry-1", first_attempt_at: datetime | None = None) -> OutgoingPost:
    return OutgoingPost(
        entry_id=1,
        channel="toots",
        text=text,
        item_id=3,
        url=None,
        idempotency_key=key,
        first_attempt_at=first_attempt_at,
    )


@pytest.fixture(autouse=True)
def token_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(*TOKEN)


@pytest.fixture
def server() -> Iterator[MastodonApi]:
    with MastodonApi(access_token=TOKEN[1]) as api:
        yield api


def channel_for(base_url: str) -> MastodonChannel:
    return MastodonChannel(base_url=base_url, credentials=MastodonCredentials(access_token=Secret(TOKEN[0])))


@pytest.fixture
def publisher(server: MastodonApi) -> Iterator[Publisher]:
    built = build_publisher("toots", channel_for(server.base_url), timeout=0.3)
    yield built
    built.close()


def test_publish_posts_the_status_with_the_idempotency_key(publisher: Publisher, server: MastodonApi) -> None:
    published = publisher.publish(outgoing())

    status = server.statuses[0]
    assert published.remote_id == status["id"]
    assert published.remote_url == f"{server.base_url}/@mastodonpy_test/{status['id']}"
    (request,) = server.requests_to("POST", "/api/v1/statuses")
    assert request.form()["status"] == [TEXT]
    assert request.headers["idempotency-key"] == "entry-1"
    assert request.headers["authorization"] == f"Bearer {TOKEN[1]}"


def test_building_and_posting_never_fetch_the_instance(server: MastodonApi) -> None:
    publisher = build_publisher("toots", channel_for(server.base_url))
    assert server.received == []
    publisher.publish(outgoing())
    publisher.close()
    assert [r.path for r in server.received] == ["/api/v1/statuses"]


def test_a_retry_with_the_same_key_gets_the_original_status(publisher: Publisher, server: MastodonApi) -> None:
    first = publisher.publish(outgoing(key="entry-9"))
    again = publisher.publish(outgoing(key="entry-9"))
    assert again.remote_id == first.remote_id
    assert len(server.statuses) == 1
    publisher.publish(outgoing(key="entry-10"))  # Mastodon does not refuse duplicate text
    assert len(server.statuses) == 2


@pytest.mark.parametrize(
    ("reset", "expected"),
    [
        ("2026-03-01T15:00:00.000000Z", datetime(2026, 3, 1, 15, tzinfo=UTC)),
        ("1772377200", datetime(2026, 3, 1, 15, tzinfo=UTC)),  # GoToSocial sends epoch seconds
    ],
)
def test_rate_limit_gives_the_servers_reset(
    publisher: Publisher, server: MastodonApi, reset: str, expected: datetime
) -> None:
    server.script("POST", "/api/v1/statuses", rate_limited(reset))
    with pytest.raises(RateLimited) as limited:
        publisher.publish(outgoing())
    assert limited.value.retry_at == expected
    assert len(server.requests_to("POST", "/api/v1/statuses")) == 1


def test_rate_limit_without_headers_leaves_the_backoff_to_the_daemon(publisher: Publisher, server: MastodonApi) -> None:
    server.script("POST", "/api/v1/statuses", Reply(429, {"error": "Too many requests"}))
    with pytest.raises(RateLimited) as limited:
        publisher.publish(outgoing())
    assert limited.value.retry_at is None


def test_a_wrong_token_fails_auth(server: MastodonApi) -> None:
    channel = MastodonChannel(base_url=server.base_url, credentials=MastodonCredentials(access_token=Secret("WRONG")))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WRONG", "not-the-token")
        publisher = build_publisher("toots", channel)
    with pytest.raises(AuthFailed, match="The access token is invalid") as failed:
        publisher.publish(outgoing())
    assert "write:statuses" in failed.value.hint
    publisher.close()


def test_forbidden_fails_auth(publisher: Publisher, server: MastodonApi) -> None:
    server.script("POST", "/api/v1/statuses", Reply(403, {"error": "This action is outside the authorized scopes"}))
    with pytest.raises(AuthFailed, match="outside the authorized scopes"):
        publisher.publish(outgoing())


def test_a_blank_status_is_rejected(publisher: Publisher) -> None:
    with pytest.raises(Rejected, match="Text can't be blank"):
        publisher.publish(outgoing(text="   "))


def test_a_wrong_base_url_pauses_the_channel(publisher: Publisher, server: MastodonApi) -> None:
    server.script("POST", "/api/v1/statuses", Reply(404, "<html>Not Found</html>", {"Content-Type": "text/html"}))
    with pytest.raises(AuthFailed) as failed:
        publisher.publish(outgoing())
    assert "base_url" in failed.value.hint


@pytest.mark.parametrize(
    "reply",
    [unavailable(), Reply(502, {"error": "bad gateway"}), Reply(200, {}, delay=1.0)],
    ids=["503", "502", "slow"],
)
def test_failing_or_slow_server_is_unavailable(publisher: Publisher, server: MastodonApi, reply: Reply) -> None:
    server.script("POST", "/api/v1/statuses", reply)
    with pytest.raises(Unavailable):
        publisher.publish(outgoing())


def test_unreachable_server_is_unavailable() -> None:
    with MastodonApi(access_token=TOKEN[1]) as api:
        base_url = api.base_url
    publisher = build_publisher("toots", channel_for(base_url), timeout=0.3)
    with pytest.raises(Unavailable, match="could not reach"):
        publisher.publish(outgoing())
    publisher.close()


def test_find_published_recognises_the_status_in_mastodons_html(publisher: Publisher, server: MastodonApi) -> None:
    sent = publisher.publish(outgoing())
    assert '<span class="invisible">' in server.statuses[0]["content"]

    found = publisher.find_published(outgoing(first_attempt_at=EPOCH))

    assert found is not None and found.already_existed
    assert found.remote_id == sent.remote_id


def test_find_published_ignores_the_same_text_from_weeks_ago(publisher: Publisher, server: MastodonApi) -> None:
    server.add_status(TEXT, EPOCH - timedelta(days=30))
    assert publisher.find_published(outgoing(first_attempt_at=EPOCH)) is None


def test_find_published_cannot_tell_when_the_lookup_fails(publisher: Publisher, server: MastodonApi) -> None:
    server.script("GET", "/api/v1/accounts/verify_credentials", unavailable())
    with pytest.raises(CannotTell):
        publisher.find_published(outgoing())


@pytest.mark.parametrize(
    "text",
    [
        TEXT,
        "Line one\nline two & <three>",
        "Short https://a.example/x and #tag, then https://www.example.org/a/very/long/path/that/gets/cut?q=1",
    ],
)
def test_mastodon_html_reads_back_as_the_posted_text(text: str) -> None:
    assert comparable(html_text(mastodon_html(text))) == comparable(text)


def test_check_names_the_account(publisher: Publisher, server: MastodonApi) -> None:
    assert publisher.check() == f"@mastodonpy_test on {server.base_url.removeprefix('http://')}"


def test_the_server_can_come_from_an_instance_credential(server: MastodonApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVT_MASTODON_INSTANCE", server.base_url)
    channel = MastodonChannel(
        credentials=MastodonCredentials(access_token=Secret(TOKEN[0]), instance=Secret("EVT_MASTODON_INSTANCE")),
    )
    publisher = build_publisher("toots", channel)
    assert publisher.publish(outgoing()).remote_id == server.statuses[0]["id"]
    publisher.close()


def test_a_channel_without_server_or_token_says_what_to_add() -> None:
    with pytest.raises(ChannelMisconfigured, match="needs base_url"):
        build_publisher("toots", MastodonChannel(credentials=MastodonCredentials(access_token=Secret(TOKEN[0]))))
    with pytest.raises(ChannelMisconfigured, match=r"channels\.toots\.credentials: this key is required"):
        build_publisher("toots", MastodonChannel(base_url="https://example.social"))


def test_iso_reset_parsing_handles_the_documented_forms() -> None:
    assert from_iso_or_epoch("2026-11-22T12:00:00.000000Z") == datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert from_iso_or_epoch("2026-11-22T13:00:00+01:00") == datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert from_iso_or_epoch("soon") is None
    assert from_iso_or_epoch(None) is None
    assert rate_headers()["X-RateLimit-Reset"].endswith("Z")


@pytest.mark.parametrize(
    "reply",
    [unauthorized(), rate_limited(), unavailable(), Reply(422, {"error": "bad"})],
    ids=["401", "429", "503", "422"],
)
def test_secrets_never_appear(
    publisher: Publisher, server: MastodonApi, reply: Reply, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script("POST", "/api/v1/statuses", reply)
    with pytest.raises(EvertideError) as raised:
        publisher.publish(outgoing())
    shown = [str(raised.value), repr(raised.value), raised.value.hint, repr(publisher), caplog.text]
    assert not [text for text in shown if TOKEN[1] in text]
