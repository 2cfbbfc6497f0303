"""The X publisher driven through the real tweepy client against the loopback X API emulator."""

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from content_library.errors import EvertideError
from scheduler.config import XChannel, XCredentials
from scheduler.config.values import Secret
from scheduler.publishers import (
    AuthFailed,
    CannotTell,
    ChannelMisconfigured,
    DuplicateContent,
    OutgoingPost,
    PermanentError,
    Publisher,
    RateLimited,
    Rejected,
    TransientError,
    Unavailable,
    UsageCapped,
    build_publisher,
)
from tests.emulators import Reply
from tests.emulators.x_api import (
    EPOCH,
    WINDOW_RESET,
    XApi,
    duplicate,
    rate_limited,
    unauthorized,
    unavailable,
    usage_capped,
)

OAUTH1 = {
    "consumer_key": ("EVT_X_CONSUMER_KEY", "ck-public-identifier"),
    "consumer_secret": ("EVT_X_CONSUMER_SECRET", "cs-Sekr1t-9f8e7d6c"),
    "access_token": ("EVT_X_ACCESS_TOKEN", "1072250532645998596-atpublic"),
    "access_token_secret": ("EVT_X_ACCESS_SECRET", "as-Sekr1t-1a2b3c4d"),
}
BEARER = ("EVT_X_BEARER", "bearer-Sekr1t-77aa88bb")
# OAuth 1.0a sends the consumer key and access token in clear in every Authorization header (and
# requests-oauthlib logs them at DEBUG); the secret halves and the bearer token never leave us.
NEVER_SHOWN = ["cs-Sekr1t-9f8e7d6c", "as-Sekr1t-1a2b3c4d", "bearer-Sekr1t-77aa88bb"]
TEXT = "Five ways to keep tests fast & honest https://example.com/fast-tests?utm_source=evertide #testing"


def outgoing(text: str = TEXT, key: str = "entry-1", first_attempt_at: datetime | None = None) -> OutgoingPost:
    return OutgoingPost(
        entry_id=1,
        channel="x-main",
        text=text,
        item_id=7,
        url="https://example.com/fast-tests",
        idempotency_key=key,
        first_attempt_at=first_attempt_at,
    )


@pytest.fixture(autouse=True)
def credentials_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in [*OAUTH1.values(), BEARER]:
        monkeypatch.setenv(variable, value)


@pytest.fixture
def x_api() -> Iterator[XApi]:
    with XApi() as api:
        yield api


def oauth1_channel(base_url: str) -> XChannel:
    return XChannel(
        base_url=base_url,
        credentials=XCredentials(**{key: Secret(variable) for key, (variable, _) in OAUTH1.items()}),
    )


@pytest.fixture
def publisher(x_api: XApi) -> Iterator[Publisher]:
    built = build_publisher("x-main", oauth1_channel(x_api.base_url), timeout=0.3)
    yield built
    built.close()


def test_publish_posts_the_text_signed_with_oauth1(publisher: Publisher, x_api: XApi) -> None:
    published = publisher.publish(outgoing())

    assert published.remote_id == "1445880548472328192"  # the docs' example id, first one the emulator hands out
    assert published.remote_url == "https://x.com/i/web/status/1445880548472328192"
    assert not published.already_existed
    (request,) = x_api.requests_to("POST", "/2/tweets")
    assert request.json() == {"text": TEXT}
    assert request.headers["authorization"].startswith("OAuth ")
    assert 'oauth_consumer_key="ck-public-identifier"' in request.headers["authorization"]


def test_building_makes_no_request(x_api: XApi) -> None:
    build_publisher("x-main", oauth1_channel(x_api.base_url)).close()
    assert x_api.received == []


def test_oauth2_user_token_is_added_by_the_transport_not_given_to_tweepy(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with XApi(bearer_token=BEARER[1]) as api:
        channel = XChannel(base_url=api.base_url, credentials=XCredentials(bearer_token=Secret(BEARER[0])))
        publisher = build_publisher("x-main", channel, timeout=0.3)
        try:
            published = publisher.publish(outgoing())
        finally:
            publisher.close()
    assert published.remote_id
    assert api.received[0].headers["authorization"] == f"Bearer {BEARER[1]}"
    assert "Making API request" in caplog.text  # tweepy did log its headers...
    assert BEARER[1] not in caplog.text  # ...without the token


def test_x_refuses_the_same_text_twice(publisher: Publisher) -> None:
    publisher.publish(outgoing(key="entry-1"))
    with pytest.raises(DuplicateContent) as refused:
        publisher.publish(outgoing(key="entry-2"))
    assert isinstance(refused.value, PermanentError)
    assert refused.value.channel == "x-main"
    assert "duplicate content" in str(refused.value)


def test_rate_limit_gives_x_reset_instant_without_waiting(publisher: Publisher, x_api: XApi) -> None:
    x_api.script("POST", "/2/tweets", rate_limited())
    with pytest.raises(RateLimited) as limited:
        publisher.publish(outgoing())
    assert limited.value.retry_at == datetime.fromtimestamp(WINDOW_RESET, UTC)
    assert len(x_api.requests_to("POST", "/2/tweets")) == 1  # tweepy did not wait and retry


def test_an_exhausted_24_hour_limit_resets_later_than_the_window(publisher: Publisher, x_api: XApi) -> None:
    day_reset = WINDOW_RESET + 20 * 3600
    x_api.script(
        "POST",
        "/2/tweets",
        rate_limited(**{"x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": str(day_reset)}),
    )
    with pytest.raises(RateLimited) as limited:
        publisher.publish(outgoing())
    assert limited.value.retry_at == datetime.fromtimestamp(day_reset, UTC)


def test_usage_cap_is_permanent(publisher: Publisher, x_api: XApi) -> None:
    x_api.script("POST", "/2/tweets", usage_capped())
    with pytest.raises(UsageCapped) as capped:
        publisher.publish(outgoing())
    assert not isinstance(capped.value, TransientError)
    assert "Monthly product cap" in str(capped.value)


def test_depleted_credits_hold_the_channel_instead_of_failing_the_post(publisher: Publisher, x_api: XApi) -> None:
    """Found: X's 402 (the pay-per-use account has no credits left) failed the entry for good, as if the post
    itself were refused; it is the channel that must wait, like a usage cap."""
    body = {"title": "Payment Required", "detail": "Your account has no credits left.", "status": 402}
    x_api.script("POST", "/2/tweets", Reply(402, body, {"Content-Type": "application/problem+json"}))
    with pytest.raises(UsageCapped, match=r"X credits are depleted \(402\)") as capped:
        publisher.publish(outgoing())
    assert "queue resume --channel" in capped.value.hint


@pytest.mark.parametrize("v1_style", [False, True], ids=["problem-body", "v1-body"])
def test_refused_credentials_fail_auth(publisher: Publisher, x_api: XApi, v1_style: bool) -> None:
    x_api.script("POST", "/2/tweets", unauthorized(v1_style))
    with pytest.raises(AuthFailed) as failed:
        publisher.publish(outgoing())
    assert "401" in str(failed.value)
    assert "evertide doctor" in failed.value.hint


def test_other_403_means_the_app_lacks_permission(publisher: Publisher, x_api: XApi) -> None:
    forbidden = {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": "You are not permitted"}
    x_api.script("POST", "/2/tweets", Reply(403, forbidden))
    with pytest.raises(AuthFailed) as failed:
        publisher.publish(outgoing())
    assert "read and write permission" in failed.value.hint


def test_invalid_request_is_rejected(publisher: Publisher, x_api: XApi) -> None:
    invalid = {
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.x.com/2/problems/invalid-request",
    }
    x_api.script("POST", "/2/tweets", Reply(400, invalid))
    with pytest.raises(Rejected, match="One or more parameters"):
        publisher.publish(outgoing())


@pytest.mark.parametrize("reply", [unavailable(), Reply(201, {"data": {"id": "1"}}, delay=1.0)], ids=["503", "slow"])
def test_server_errors_and_timeouts_are_unavailable(publisher: Publisher, x_api: XApi, reply: Reply) -> None:
    x_api.script("POST", "/2/tweets", reply)
    with pytest.raises(Unavailable):
        publisher.publish(outgoing())


def test_unreachable_api_is_unavailable() -> None:
    with XApi() as api:
        base_url = api.base_url
    publisher = build_publisher("x-main", oauth1_channel(base_url), timeout=0.3)
    with pytest.raises(Unavailable, match="could not reach X"):
        publisher.publish(outgoing())
    publisher.close()


def test_find_published_recognises_the_post_despite_t_co_and_escaping(publisher: Publisher, x_api: XApi) -> None:
    sent = publisher.publish(outgoing())
    assert "t.co" in x_api.tweets[0]["text"] and "&amp;" in x_api.tweets[0]["text"]

    found = publisher.find_published(outgoing(first_attempt_at=EPOCH))

    assert found is not None and found.already_existed
    assert found.remote_id == sent.remote_id
    (lookup,) = x_api.requests_to("GET", "/2/users/1072250532645998596/tweets")
    assert lookup.query["start_time"] == ["2026-03-01T11:55:00Z"]  # first attempt less the clock skew


def test_find_published_ignores_the_same_text_posted_weeks_ago(publisher: Publisher, x_api: XApi) -> None:
    x_api.add_tweet(TEXT, EPOCH - timedelta(days=30))
    assert publisher.find_published(outgoing(first_attempt_at=EPOCH)) is None
    assert publisher.find_published(outgoing()) is not None  # without a first attempt, any recent post counts


def test_find_published_cannot_tell_when_the_lookup_fails(publisher: Publisher, x_api: XApi) -> None:
    x_api.script("GET", "/2/users/me", unavailable())
    with pytest.raises(CannotTell):
        publisher.find_published(outgoing())
    x_api.script("GET", "/2/users/1072250532645998596/tweets", Reply(403, {"detail": "client-not-enrolled"}))
    with pytest.raises(CannotTell, match="recent posts"):
        publisher.find_published(outgoing())


def test_check_names_the_account(publisher: Publisher) -> None:
    assert publisher.check() == "@TweepyDev (X user 1072250532645998596)"


def test_incomplete_credentials_name_what_is_missing() -> None:
    with pytest.raises(ValidationError, match="consumer_secret, access_token, access_token_secret"):
        XCredentials(consumer_key=Secret("EVT_X_CONSUMER_KEY"))


def test_unset_variable_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVT_X_ACCESS_SECRET")
    with pytest.raises(ChannelMisconfigured, match="EVT_X_ACCESS_SECRET is not set"):
        build_publisher("x-main", oauth1_channel("http://127.0.0.1:9"))


@pytest.mark.parametrize(
    "reply",
    [unauthorized(), duplicate(), rate_limited(), usage_capped(), unavailable(), Reply(400, {"detail": "bad"})],
)
def test_secrets_never_appear(
    publisher: Publisher, x_api: XApi, reply: Reply, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    x_api.script("POST", "/2/tweets", reply)
    with pytest.raises(EvertideError) as raised:
        publisher.publish(outgoing())
    shown = [str(raised.value), repr(raised.value), raised.value.hint, repr(publisher), caplog.text]
    assert not [secret for secret in NEVER_SHOWN if any(secret in text for text in shown)]
