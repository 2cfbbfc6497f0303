"""X (Twitter): ``POST /2/tweets`` through tweepy's v2 ``Client``, as the account the tokens belong to.

Credentials (user context only: X refuses app-only tokens for posting):

- OAuth 1.0a: ``consumer_key``, ``consumer_secret``, ``access_token``, ``access_token_secret``;
- OAuth 2.0 user token: ``bearer_token`` (scopes ``tweet.read tweet.write users.read``). It is added by
  the transport adapter rather than given to tweepy, whose debug log prints its request headers.

X has no idempotency key. Two things stand in for it: X refuses a text identical to a recent post of the
account (403 "duplicate content" → :class:`DuplicateContent`), and :meth:`XPublisher.find_published`
reads the account's recent posts. tweepy never waits on a rate limit here: a 429 becomes
:class:`RateLimited` with X's own reset instant, or :class:`UsageCapped` for the monthly cap.

A post with a picture (:class:`~scheduler.publishers.base.PostImage`) uploads it first through the v2 media
endpoints, ``POST /2/media/upload`` (base64 in JSON, ``media_category: tweet_image``) then ``POST
/2/media/metadata`` for its alt text, and posts with that upload's ``media_ids``. v2 rather than v1.1's
``upload.twitter.com``: it takes both kinds of credentials (v1.1 refuses OAuth 2.0 user tokens; v2 wants the
``media.write`` scope) and lives on the API origin the transport already routes. A retry uploads again: a post
that did go out is then refused as a duplicate or found by :meth:`XPublisher.find_published`, and the unused
upload expires (``expires_after_secs``, a day). A picture over :data:`IMAGE_MAX_BYTES`, or one X refuses, is
left out and the text posted without it.
"""

import base64
import html
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import requests
import tweepy

from scheduler.config import XChannel
from scheduler.metrics.counts import Counts, count
from scheduler.publishers.base import CLOCK_SKEW, OutgoingPost, PostImage, Published
from scheduler.publishers.errors import (
    AuthFailed,
    CannotTell,
    DuplicateContent,
    PublishError,
    RateLimited,
    Rejected,
    Unavailable,
    UsageCapped,
)
from scheduler.publishers.matching import comparable
from scheduler.publishers.pictures import downloaded, left_out
from scheduler.publishers.resets import from_epoch
from scheduler.publishers.transport import RoutedAdapter

API_ORIGIN = "https://api.twitter.com"
_NOT_FOUND = "/2/problems/resource-not-found"
IMAGE_MAX_BYTES = 5_000_000  # X's limit for a picture (JPEG, PNG, WebP; a GIF may be bigger)
_USAGE_CAPPED = "/2/problems/usage-capped"  # the type's host is api.twitter.com in practice, api.x.com in the spec


def status_url(tweet_id: str) -> str:
    """A link that works without knowing the account's username."""
    return f"https://x.com/i/web/status/{tweet_id}"


class XPublisher:
    """Posts through an already configured tweepy ``Client``; ``user_auth`` is True for OAuth 1.0a."""

    kind: ClassVar[str] = "x"
    batch_size: ClassVar[int] = 100  # GET /2/tweets takes up to 100 ids

    def __init__(self, channel: str, client: tweepy.Client, *, user_auth: bool, picture_deadline: float = 10.0) -> None:
        self._channel = channel
        self._picture_deadline = picture_deadline
        self._client = client
        self._user_auth = user_auth
        self._me: tweepy.User | None = None

    def __repr__(self) -> str:
        return f"XPublisher(channel={self._channel!r})"

    def publish(self, post: OutgoingPost) -> Published:
        media_ids = self._uploaded(post.image) if post.image is not None else []
        with self._translated():
            response = self._client.create_tweet(text=post.text, media_ids=media_ids or None, user_auth=self._user_auth)
        tweet_id = str(response.data["id"])
        return Published(tweet_id, status_url(tweet_id))

    def _uploaded(self, image: PostImage) -> list[str]:
        """The id of the picture uploaded for this attempt, with its alt text, or none when it is left out (see
        the module docstring). X failing or limiting fails the post, which is retried whole."""
        picture = downloaded(self._channel, image, max_bytes=IMAGE_MAX_BYTES, deadline=self._picture_deadline)
        if picture is None:
            return []
        upload = {"media": base64.b64encode(picture.body).decode(), "media_category": "tweet_image"}
        try:
            with self._translated():
                answer = self._client.request("POST", "/2/media/upload", json=upload, user_auth=self._user_auth)
                media_id = str(answer.json()["data"]["id"])
                alt_text = {"id": media_id, "metadata": {"alt_text": {"text": image.alt}}}
                self._client.request("POST", "/2/media/metadata", json=alt_text, user_auth=self._user_auth)
        except Rejected as error:  # a picture without its alt text is not posted either
            left_out(self._channel, image, error.detail)
            return []
        return [media_id]

    def find_published(self, post: OutgoingPost) -> Published | None:
        """Looks for the exact text among the account's last 100 original posts since
        ``first_attempt_at`` (less the clock skew). X shortens links, so each ``t.co`` link is expanded
        from the tweet's entities before comparing."""
        query: dict[str, Any] = {
            "max_results": 100,
            "exclude": ["retweets", "replies"],
            "tweet_fields": ["created_at", "entities"],
            "user_auth": self._user_auth,
        }
        if post.first_attempt_at is not None:
            query["start_time"] = post.first_attempt_at - CLOCK_SKEW
        try:
            response = self._client.get_users_tweets(self._account().id, **query)
        except (PublishError, tweepy.TweepyException, requests.RequestException) as error:
            raise CannotTell(self._channel, f"could not read the account's recent posts on X: {error}") from error
        wanted = comparable(post.text)
        for tweet in response.data or ():
            if comparable(_expanded_text(tweet)) == wanted:
                return Published(str(tweet.id), status_url(str(tweet.id)), already_existed=True)
        return None

    def read_counts(self, remote_ids: Sequence[str]) -> dict[str, Counts | None]:
        """``public_metrics`` of up to 100 posts in one call (X bills each post read). A deleted post comes
        back as a ``resource-not-found`` error beside the others' data; a protected or suspended one as
        another error, which is left out (it may come back)."""
        with self._translated():
            response = self._client.get_tweets(
                list(remote_ids), tweet_fields=["public_metrics"], user_auth=self._user_auth
            )
        found: dict[str, Counts | None] = {}
        for tweet in response.data or ():
            metrics = tweet.public_metrics or {}
            found[str(tweet.id)] = Counts(
                likes=count(metrics.get("like_count")),
                reposts=count(metrics.get("retweet_count")),
                replies=count(metrics.get("reply_count")),
                quotes=count(metrics.get("quote_count")),
                impressions=count(metrics.get("impression_count")),
            )
        for error in response.errors or ():
            if str(error.get("type", "")).endswith(_NOT_FOUND) and error.get("resource_id") in remote_ids:
                found[str(error["resource_id"])] = None
        return found

    def check(self) -> str:
        me = self._account()
        return f"@{me.username} (X user {me.id})"

    def close(self) -> None:
        self._client.session.close()

    def _account(self) -> tweepy.User:
        if self._me is None:
            with self._translated():
                self._me = self._client.get_me(user_auth=self._user_auth).data
        return self._me

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except (tweepy.TweepyException, requests.RequestException) as error:
            raise translate(self._channel, error) from error


def translate(channel: str, error: Exception) -> PublishError:
    """tweepy's and requests' exceptions → ours. tweepy's messages carry only X's answer, never a token."""
    if isinstance(error, tweepy.HTTPException):
        said = "; ".join(str(message) for message in error.api_messages) or error.response.reason
        status = error.response.status_code
        if isinstance(error, tweepy.TooManyRequests):
            if str(_body(error.response).get("type", "")).endswith(_USAGE_CAPPED):
                return UsageCapped(channel, f"X usage cap reached (429): {said}")
            return RateLimited(channel, "X rate limit reached (429)", retry_at=reset_instant(error.response.headers))
        if isinstance(error, tweepy.Forbidden) and "duplicate content" in said.lower():
            return DuplicateContent(channel, f"X refused a duplicate post (403): {said}")
        if isinstance(error, tweepy.Unauthorized):
            return AuthFailed(channel, f"X refused the credentials (401): {said}")
        if isinstance(error, tweepy.Forbidden):
            return AuthFailed(
                channel,
                f"X refused the request (403): {said}",
                hint="Give the X app read and write permission (then regenerate the access token), "
                "and check that it belongs to a project; then run `evertide doctor`.",
            )
        if status == 402:  # pay-per-use API: the account's credits are spent; retrying only burns requests
            return UsageCapped(
                channel,
                f"X credits are depleted (402): {said}",
                hint="Add credits in the X developer portal, then `evertide queue resume --channel " + channel + "`.",
            )
        if isinstance(error, tweepy.TwitterServerError):
            return Unavailable(channel, f"X is failing ({status}): {said}")
        return Rejected(channel, f"X refused the post ({status}): {said}")
    if isinstance(error, requests.Timeout):
        return Unavailable(channel, f"X did not answer in time: {error}")
    return Unavailable(channel, f"could not reach X: {error}")


def reset_instant(headers: Mapping[str, str]) -> datetime | None:
    """When posting may resume: the 15-minute window's reset, or the later reset of a 24-hour limit
    that is used up (``x-user-limit-24hour-*`` / ``x-app-limit-24hour-*``, absent on some tiers)."""
    candidates = [from_epoch(headers.get("x-rate-limit-reset"))]
    for window in ("x-user-limit-24hour", "x-app-limit-24hour"):
        if headers.get(f"{window}-remaining") == "0":
            candidates.append(from_epoch(headers.get(f"{window}-reset")))
    known = [instant for instant in candidates if instant is not None]
    return max(known) if known else None


def _body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _expanded_text(tweet: tweepy.Tweet) -> str:
    text = html.unescape(tweet.text)
    for link in (tweet.entities or {}).get("urls", []):
        if link.get("url") and link.get("expanded_url"):
            text = text.replace(link["url"], link["expanded_url"])
    return text


def build(channel_name: str, channel: XChannel, *, timeout: float, base_dir: Path) -> XPublisher:
    """A tweepy client whose session has a timeout and, with ``base_url``, talks to that origin instead. The
    config model has already refused credentials that are neither a bearer token nor all four OAuth 1.0a
    keys; a bearer token wins when both are given."""
    credentials = channel.credentials
    assert credentials is not None  # build_publisher refuses an unfinished channel
    oauth1 = credentials.oauth1
    if credentials.bearer_token is not None:
        token = credentials.bearer_token.reveal()
        client = tweepy.Client(wait_on_rate_limit=False)
        headers = {"Authorization": f"Bearer {token}"}
        user_auth = False
    else:
        assert oauth1 is not None  # XCredentials refuses neither
        consumer_key, consumer_secret, access_token, access_token_secret = (secret.reveal() for secret in oauth1)
        client = tweepy.Client(
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            wait_on_rate_limit=False,
        )
        headers = {}
        user_auth = True
    base_url = channel.base_url.resolve() if channel.base_url is not None else None
    client.session.mount(f"{API_ORIGIN}/", RoutedAdapter(timeout=timeout, base_url=base_url, headers=headers))
    return XPublisher(channel_name, client, user_auth=user_auth, picture_deadline=timeout / 3)
