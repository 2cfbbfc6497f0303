"""Mastodon: ``POST /api/v1/statuses`` through Mastodon.py, with the entry's ``Idempotency-Key``.

Mastodon keeps an idempotency key for an hour per account: a retry inside that hour gets the original
status back (200, same id) instead of a second post, so a retry after a timeout is safe. Mastodon does
not refuse duplicate text the way X does.

The client is built with ``ratelimit_method="throw"`` (never sleep inside the library) and
``version_check_mode="none"`` (construction makes no request). Mastodon.py does not put the rate-limit
reset on its exception, so the publisher keeps the headers of the last response (a session hook) and
reads ``X-RateLimit-Reset`` from there.

A post with a picture (:class:`~scheduler.publishers.base.PostImage`) uploads it first with ``media_post`` (``POST
/api/v2/media``, its alt text as the ``description``) and attaches that upload's id. A retry inside the idempotency
hour gets the original status back, picture included; the retry's own upload stays unattached and the server
deletes it (Mastodon removes unattached media after a day). Before its first upload Mastodon.py asks the server's
version (``/api/v1/instance``, ``/api/v2/instance``, once) to choose the media endpoint. A picture over
:data:`IMAGE_MAX_BYTES`, one the server refuses (422) or is still processing (202: an animated GIF, which it
turns into a video) is left out and the text posted without it.

Credentials: ``access_token`` (scope ``write:statuses``, ``write:media`` for pictures, plus
``read:accounts read:statuses`` for ``evertide doctor`` and crash recovery). The server is ``base_url``, else
an ``instance`` credential.
"""

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)
from requests.structures import CaseInsensitiveDict

from scheduler.config import MastodonChannel
from scheduler.metrics.counts import Counts, count
from scheduler.publishers.base import CLOCK_SKEW, OutgoingPost, OwnPost, PostImage, Published
from scheduler.publishers.errors import (
    AuthFailed,
    CannotTell,
    PublishError,
    RateLimited,
    Rejected,
    Unavailable,
)
from scheduler.publishers.matching import comparable, html_text
from scheduler.publishers.pictures import downloaded, left_out
from scheduler.publishers.resets import from_iso_or_epoch

RECENT_STATUSES = 40  # Mastodon's largest page
OWN_POSTS_PAGE = 5  # enough to see a post made by hand in the last hours
DELETED = "Record not found"
# Mastodon's own default for images is 16 MB, but a server may set less; 8 MB passes on the servers seen.
IMAGE_MAX_BYTES = 8_000_000


class MastodonPublisher:
    """Posts through a Mastodon.py client; adds a response hook to its session to see rate-limit headers."""

    kind: ClassVar[str] = "mastodon"
    batch_size: ClassVar[int] = 1  # GET /api/v1/statuses/:id reads one status

    def __init__(self, channel: str, api: Mastodon, *, picture_deadline: float = 10.0) -> None:
        self._channel = channel
        self._picture_deadline = picture_deadline
        self._api = api
        self._host = urlsplit(api.api_base_url or "").netloc
        self._last_headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        self._me: Any = None
        api.session.hooks["response"].append(self._remember_headers)

    def __repr__(self) -> str:
        return f"MastodonPublisher(channel={self._channel!r}, server={self._host!r})"

    def publish(self, post: OutgoingPost) -> Published:
        media_ids = self._uploaded(post.image) if post.image is not None else []
        with self._translated():
            status = self._api.status_post(post.text, media_ids=media_ids or None, idempotency_key=post.idempotency_key)
        return Published(str(status["id"]), status.get("url") or status.get("uri"))

    def _uploaded(self, image: PostImage) -> list[str]:
        """The id of the picture uploaded for this attempt, or none when it is left out (see the module
        docstring). A server that is failing or limiting fails the post, which is retried whole."""
        picture = downloaded(self._channel, image, max_bytes=IMAGE_MAX_BYTES, deadline=self._picture_deadline)
        if picture is None:
            return []
        try:
            with self._translated():
                media = self._api.media_post(
                    io.BytesIO(picture.body), mime_type=picture.media_type, description=image.alt
                )
        except Rejected as error:
            left_out(self._channel, image, error.detail)
            return []
        if media.get("url") is None:  # 202: still processing (a GIF becomes a video); a status could not take it
            left_out(self._channel, image, f"{self._host} is still processing it")
            return []
        return [str(media["id"])]

    def find_published(self, post: OutgoingPost) -> Published | None:
        """Looks for the text among the account's last 40 statuses created since ``first_attempt_at``
        (less the clock skew). ``None`` is also safe inside the idempotency hour: a retry with the same key
        returns the original status."""
        since = post.first_attempt_at - CLOCK_SKEW if post.first_attempt_at else None
        try:
            statuses = self._api.account_statuses(self._account()["id"], limit=RECENT_STATUSES, exclude_reblogs=True)
        except (PublishError, MastodonError) as error:
            raise CannotTell(self._channel, f"could not read the account's recent statuses: {error}") from error
        wanted = comparable(post.text)
        for status in statuses:
            if since is not None and status["created_at"] is not None and status["created_at"] < since:
                continue
            if comparable(html_text(status["content"] or "")) == wanted:
                return Published(str(status["id"]), status.get("url") or status.get("uri"), already_existed=True)
        return None

    def recent_own_posts(self, since: datetime) -> list[OwnPost]:
        with self._translated():
            statuses = self._api.account_statuses(
                self._account()["id"], limit=OWN_POSTS_PAGE, exclude_reblogs=True, exclude_replies=True
            )
        return [
            OwnPost(str(s["id"]), s["created_at"])
            for s in statuses
            if s.get("created_at") is not None and s["created_at"] >= since
        ]

    def check(self) -> str:
        return f"@{self._account()['acct']} on {self._host}"

    def read_counts(self, remote_ids: Sequence[str]) -> dict[str, Counts | None]:
        """Favourites, boosts and replies of each status. Mastodon answers a deleted status with 404 and
        ``{"error": "Record not found"}``; any other 404 (a wrong ``base_url``) is an error, not a deletion."""
        found: dict[str, Counts | None] = {}
        for remote_id in remote_ids:
            try:
                status = self._api.status(remote_id)
            except MastodonNotFoundError as error:
                if _status_and_message(error)[1] != DELETED:
                    raise self._translate(error) from error
                found[remote_id] = None
                continue
            except MastodonError as error:
                raise self._translate(error) from error
            found[remote_id] = Counts(
                likes=count(status.get("favourites_count")),
                reposts=count(status.get("reblogs_count")),
                replies=count(status.get("replies_count")),
            )
        return found

    def close(self) -> None:
        self._api.session.close()

    def _account(self) -> Any:
        if self._me is None:
            with self._translated():
                self._me = self._api.account_verify_credentials()
        return self._me

    def _remember_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last_headers = response.headers

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except MastodonError as error:
            raise self._translate(error) from error

    def _translate(self, error: MastodonError) -> PublishError:
        """Mastodon.py's exceptions → ours. Their text holds the server's answer or the transport error."""
        channel = self._channel
        if isinstance(error, MastodonRatelimitError):
            reset = from_iso_or_epoch(self._last_headers.get("X-RateLimit-Reset"))
            return RateLimited(channel, f"{self._host} rate limit reached (429)", retry_at=reset)
        if isinstance(error, MastodonNetworkError):
            return Unavailable(channel, f"could not reach {self._host}: {error}")
        status, said = _status_and_message(error)
        if isinstance(error, MastodonUnauthorizedError):
            return AuthFailed(
                channel,
                f"{self._host} refused the access token (401): {said}",
                hint="Create a new access token with the write:statuses scope and export it, "
                "then run `evertide doctor`.",
            )
        if isinstance(error, MastodonServerError) or (status or 0) >= 500:
            return Unavailable(channel, f"{self._host} is failing ({status}): {said}")
        if isinstance(error, MastodonNotFoundError):
            return AuthFailed(
                channel,
                f"{self._host} has no Mastodon API here (404): {said}",
                hint="Check the channel's base_url: it should be the server's address, like https://mastodon.social.",
            )
        if status == 403:
            return AuthFailed(
                channel,
                f"{self._host} forbids this (403): {said}",
                hint="The token lacks a scope or the account is limited; check it in the server's settings.",
            )
        if isinstance(error, MastodonAPIError):
            return Rejected(channel, f"{self._host} refused the status ({status}): {said}")
        return Unavailable(channel, f"{self._host}: {error}")


def _status_and_message(error: MastodonError) -> tuple[int | None, str]:
    """Mastodon.py raises ``(text, status_code, reason, error_message)`` for HTTP errors."""
    args = error.args
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    said = next((str(arg) for arg in reversed(args[2:]) if arg), str(args[0]) if args else "")
    return status, said


def build(channel_name: str, channel: MastodonChannel, *, timeout: float, base_dir: Path) -> MastodonPublisher:
    credentials = channel.credentials
    assert credentials is not None  # build_publisher refuses an unfinished channel
    if channel.base_url is not None:
        server = channel.base_url.resolve()
    else:
        assert credentials.instance is not None  # MastodonChannel refuses a channel with neither
        server = credentials.instance.reveal()
    api = Mastodon(
        access_token=credentials.access_token.reveal(),
        api_base_url=server,
        ratelimit_method="throw",
        request_timeout=timeout,
        version_check_mode="none",
        session=requests.Session(),
        user_agent="evertide",
    )
    return MastodonPublisher(channel_name, api, picture_deadline=timeout / 3)
