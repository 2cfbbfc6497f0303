"""Bluesky (atproto): an ``app.bsky.feed.post`` record created with a record key derived from the entry.

Exactly-once comes from the record key: :func:`record_key` turns the entry's idempotency key into the
same key every time, and a repository holds one record per key, so a retry cannot post twice. The
reference PDS answers a second ``createRecord`` on an existing key with a bare 500 InternalServerError
(bluesky-social/atproto#3718), so after any server error the publisher asks ``getRecord`` whether the key
is taken and reports ``already_existed`` when it is.

The session is created once (``createSession`` is limited to 30 per 5 minutes per account) and reused;
atproto refreshes the access token by itself. If the session is refused anyway (expired refresh
token, revoked app password session), the publisher logs in again once and repeats the call, which the
record key makes safe.

Links and hashtags become facets, whose offsets count UTF-8 bytes, not characters.

A post whose item has a link card (:class:`~scheduler.publishers.base.LinkCard`, read by the link check)
carries it as an ``app.bsky.embed.external`` embed, as the Bluesky app does for a link it previews: Bluesky
builds no preview of its own for a post made through the API. The card's picture is downloaded (at most
:data:`THUMB_MAX_BYTES`, the lexicon's limit, within a third of the channel's timeout) and uploaded with
``com.atproto.repo.uploadBlob`` first; a picture that cannot be had (too big, not an image, its site down, the
upload refused) leaves the card without one, never the post unsent.

A post with a picture of its own (:class:`~scheduler.publishers.base.PostImage`, a campaign's ``attach_image``)
carries it as an ``app.bsky.embed.images`` embed with its alt text instead: a post has one embed, and the
picture says more than the card. It is uploaded the same way, at most :data:`IMAGE_MAX_BYTES`; one that cannot
be had (or that the PDS refuses) leaves the post with its card. Blobs are content-addressed, so the upload a
retry repeats is the same blob, and one no record references is collected by the PDS.

Credentials: ``handle`` (written out or a ``${VAR}``) and ``app_password`` (an app password, never the
account password). ``base_url`` is the PDS; without it, https://bsky.social.
"""

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, TypeVar

from atproto import Client, Session, SessionEvent, models
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.blob_ref import BlobRef
from atproto_client.models.common import XrpcError
from atproto_client.models.utils import get_response_model
from atproto_client.request import Request
from atproto_client.utils import facet_detection
from atproto_core.exceptions import AtProtocolError
from pydantic import ValidationError

from content_library.errors import FeedError
from content_library.link_fetch import ImageResult, fetch_image
from scheduler.config import BlueskyChannel, Secret, UnsetVariable
from scheduler.metrics.counts import Counts, count
from scheduler.publishers.base import LinkCard, OutgoingPost, OwnPost, PostImage, Published
from scheduler.publishers.errors import (
    AuthFailed,
    CannotTell,
    ChannelMisconfigured,
    PublishError,
    RateLimited,
    Rejected,
    Unavailable,
)
from scheduler.publishers.pictures import downloaded, left_out
from scheduler.publishers.resets import from_epoch

POST_COLLECTION = "app.bsky.feed.post"
OWN_POSTS_PAGE = 5  # enough to see a post made by hand in the last hours
THUMB_MAX_BYTES = 1_000_000  # app.bsky.embed.external#external.thumb: maxSize
IMAGE_MAX_BYTES = 1_000_000  # app.bsky.embed.images#image.image: maxSize
DEFAULT_PDS = "https://bsky.social"
_SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired"})
_ACCOUNT_ERRORS = frozenset({"AccountTakedown", "AccountDeactivated", "AccountSuspended"})
_BASE32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"

T = TypeVar("T")


def record_key(idempotency_key: str) -> str:
    """A record key in TID syntax (13 base32-sortable characters, top bit clear), the key type the
    ``app.bsky.feed.post`` lexicon declares, made from a hash of the idempotency key. Its timestamp part
    means nothing; feeds order posts by ``createdAt``."""
    number = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big") >> 1
    return "".join(_BASE32_SORTABLE[(number >> shift) & 31] for shift in range(60, -1, -5))


def post_url(handle: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{handle}/post/{rkey}"


def utc_now() -> datetime:
    return datetime.now(UTC)


class BlueskyPublisher:
    """Posts through an atproto ``Client``; the app password stays a :class:`Secret` until a login."""

    kind: ClassVar[str] = "bluesky"
    batch_size: ClassVar[int] = 25  # app.bsky.feed.getPosts takes up to 25 AT-URIs

    def __init__(
        self,
        channel: str,
        client: Client,
        *,
        handle: str,
        app_password: Secret,
        clock: Callable[[], datetime] = utc_now,
        picture_deadline: float = 10.0,
    ) -> None:
        self._channel = channel
        self._picture_deadline = picture_deadline
        self._client = client
        self._handle = handle
        self._app_password = app_password
        self._clock = clock
        self._did: str | None = None
        self._handle_name = ""
        client.on_session_change(self._session_changed)

    def __repr__(self) -> str:
        return f"BlueskyPublisher(channel={self._channel!r})"

    def publish(self, post: OutgoingPost) -> Published:
        rkey = record_key(post.idempotency_key)
        try:
            record = models.AppBskyFeedPost.Record(
                text=post.text,
                created_at=self._clock().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                facets=facet_detection.detect_facets(post.text) or None,
                embed=self._embed(post),
            )
        except ValidationError as error:
            raise Rejected(self._channel, f"Bluesky would refuse this post: {error.errors()[0]['msg']}") from error
        try:
            created = self._in_session(
                lambda did: self._client.com.atproto.repo.create_record(
                    models.ComAtprotoRepoCreateRecord.Data(
                        repo=did, collection=POST_COLLECTION, rkey=rkey, record=record
                    )
                )
            )
        except Unavailable as error:
            # A taken key is refused with a bare 5xx (or a 409 elsewhere), and a timed-out try may have
            # landed: either way, is our record there?
            existing = self._existing(rkey, error)
            if existing is None:
                raise
            return existing
        return Published(created.uri, post_url(self._handle_name, rkey))

    def _embed(self, post: OutgoingPost) -> models.AppBskyEmbedImages.Main | models.AppBskyEmbedExternal.Main | None:
        """The post's own picture if it can be had, else its link card, else nothing (one embed per post)."""
        pictured = self._pictured(post.image) if post.image is not None else None
        if pictured is not None:
            return pictured
        return self._card(post.card) if post.card is not None else None

    def _pictured(self, image: PostImage) -> models.AppBskyEmbedImages.Main | None:
        picture = downloaded(self._channel, image, max_bytes=IMAGE_MAX_BYTES, deadline=self._picture_deadline)
        if picture is None:
            return None
        try:
            blob = self._uploaded(picture)
        except Rejected as error:  # a failing PDS fails the post too, which is retried whole
            left_out(self._channel, image, error.detail)
            return None
        return models.AppBskyEmbedImages.Main(images=[models.AppBskyEmbedImages.Image(alt=image.alt, image=blob)])

    def _card(self, card: LinkCard) -> models.AppBskyEmbedExternal.Main:
        external = models.AppBskyEmbedExternal.External(
            uri=card.uri,
            title=card.title,
            description=card.description,
            thumb=self._thumbnail(card.image, card.uri) if card.image else None,
        )
        return models.AppBskyEmbedExternal.Main(external=external)

    def _thumbnail(self, url: str, page: str) -> BlobRef | None:
        """The card's picture uploaded as a blob, or None when it cannot be had (see the module docstring)."""
        try:
            return self._uploaded(
                fetch_image(url, max_bytes=THUMB_MAX_BYTES, deadline=self._picture_deadline, origin=page)
            )
        except (FeedError, Rejected, Unavailable):
            return None

    def _uploaded(self, picture: ImageResult) -> BlobRef:
        # atproto's upload_blob hands the bytes to httpx as form ``data=``, which httpx deprecates: the same
        # procedure is invoked here with them as the raw ``content=`` the lexicon means.
        uploaded = self._in_session(
            lambda did: self._client.invoke_procedure(
                "com.atproto.repo.uploadBlob",
                content=picture.body,
                headers={"Content-Type": picture.media_type},
                output_encoding="application/json",
            )
        )
        return get_response_model(uploaded, models.ComAtprotoRepoUploadBlob.Response).blob

    def find_published(self, post: OutgoingPost) -> Published | None:
        """Exact: asks the PDS for the record at this entry's record key."""
        rkey = record_key(post.idempotency_key)
        try:
            return self._lookup(rkey)
        except PublishError as error:
            raise CannotTell(self._channel, f"could not ask the PDS for record {rkey}: {error.detail}") from error

    def recent_own_posts(self, since: datetime) -> list[OwnPost]:
        listed = self._in_session(
            lambda did: self._client.com.atproto.repo.list_records(
                models.ComAtprotoRepoListRecords.Params(repo=did, collection=POST_COLLECTION, limit=OWN_POSTS_PAGE)
            )
        )
        posts = []
        for record in listed.records:
            value = record.value
            created = _parsed_instant(getattr(value, "created_at", None))
            if created is not None and created >= since and getattr(value, "reply", None) is None:
                posts.append(OwnPost(record.uri, created))
        return posts

    def read_counts(self, remote_ids: Sequence[str]) -> dict[str, Counts | None]:
        """Likes, reposts, replies and quotes through ``app.bsky.feed.getPosts``, which leaves out the posts
        it no longer has: those are the deleted ones."""
        answer = self._in_session(
            lambda did: self._client.app.bsky.feed.get_posts(models.AppBskyFeedGetPosts.Params(uris=list(remote_ids)))
        )
        views = {
            view.uri: Counts(
                likes=count(view.like_count),
                reposts=count(view.repost_count),
                replies=count(view.reply_count),
                quotes=count(view.quote_count),
            )
            for view in answer.posts
        }
        return {uri: views.get(uri) for uri in remote_ids}

    def check(self) -> str:
        session = self._in_session(lambda did: self._client.com.atproto.server.get_session())
        return f"@{session.handle} ({session.did})"

    def close(self) -> None:
        self._client.request.close()

    def _existing(self, rkey: str, error: PublishError) -> Published | None:
        try:
            return self._lookup(rkey)
        except PublishError:
            raise error from None

    def _lookup(self, rkey: str) -> Published | None:
        try:
            found = self._in_session(
                lambda did: self._client.com.atproto.repo.get_record(
                    models.ComAtprotoRepoGetRecord.Params(repo=did, collection=POST_COLLECTION, rkey=rkey)
                )
            )
        except Rejected as error:
            if "RecordNotFound" in error.detail:
                return None
            raise
        return Published(found.uri, post_url(self._handle_name, rkey), already_existed=True)

    def _in_session(self, call: Callable[[str], T]) -> T:
        """Runs ``call(did)`` logged in: logs in first if needed, and once more if the session is refused."""
        try:
            return call(self._did or self._login())
        except AtProtocolError as error:
            if not _session_refused(error):
                raise self._translate(error) from error
        try:
            return call(self._login())
        except AtProtocolError as error:
            raise self._translate(error) from error

    def _login(self) -> str:
        """Creates a session (the callback below records whose); returns the account's DID."""
        self._did = None
        try:
            password = self._app_password.reveal()
        except UnsetVariable as error:  # unset since the publisher was built
            raise ChannelMisconfigured(self._channel, str(error), hint=error.hint) from error
        try:
            self._client.login(self._handle, password, fetch_bsky_profile=False)
        except AtProtocolError as error:
            translated = self._translate(error)
            if isinstance(translated, Rejected):  # a 400 at login means the identifier itself is wrong
                translated = AuthFailed(self._channel, f"Bluesky login refused: {translated.detail}")
            raise translated from error
        assert self._did is not None, "atproto announces every new session"
        return self._did

    def _session_changed(self, event: SessionEvent, session: Session) -> None:
        self._did, self._handle_name = session.did, session.handle

    def _translate(self, error: AtProtocolError) -> PublishError:
        channel = self._channel
        if isinstance(error, RateLimitExceededError):
            reset = from_epoch(error.response.headers.get("ratelimit-reset")) if error.response else None
            return RateLimited(channel, "Bluesky rate limit reached (429)", retry_at=reset)
        if isinstance(error, InvokeTimeoutError):
            return Unavailable(channel, "the Bluesky PDS did not answer in time")
        code, said = _error_code(error)
        status = error.response.status_code if isinstance(error, RequestErrorBase) and error.response else None
        if isinstance(error, UnauthorizedError) or code in _SESSION_ERRORS or code in _ACCOUNT_ERRORS:
            return AuthFailed(
                channel,
                f"Bluesky refused the login ({status} {code}): {said}",
                hint="Check the handle and create a new app password (Settings → App passwords), "
                "export it, then run `evertide doctor`.",
            )
        if isinstance(error, NetworkError) and status is None:
            return Unavailable(channel, f"could not reach the Bluesky PDS: {error.__cause__ or error}")
        if status is not None and (status >= 500 or status == 409):
            return Unavailable(channel, f"the Bluesky PDS is failing ({status} {code}): {said}")
        if isinstance(error, BadRequestError) or status is not None:
            return Rejected(channel, f"Bluesky refused the post ({status} {code}): {said}")
        return Unavailable(channel, f"unexpected answer from the Bluesky PDS: {error}")


def _error_code(error: AtProtocolError) -> tuple[str, str]:
    """XRPC errors are ``{"error": "Name", "message": "..."}``."""
    content = error.response.content if isinstance(error, RequestErrorBase) and error.response else None
    if isinstance(content, XrpcError):
        return content.error, content.message or ""
    return "", ""


def _session_refused(error: AtProtocolError) -> bool:
    code, _ = _error_code(error)
    return code in ("ExpiredToken", "InvalidToken")


def build(channel_name: str, channel: BlueskyChannel, *, timeout: float, base_dir: Path) -> BlueskyPublisher:
    """The app password stays a :class:`Secret` until the first login, but a variable that is not set fails
    here, like the other publishers, rather than at the first post."""
    credentials = channel.credentials
    assert credentials is not None  # build_publisher refuses an unfinished channel
    handle = credentials.handle.resolve()
    credentials.app_password.reveal()
    base_url = channel.base_url.resolve() if channel.base_url is not None else DEFAULT_PDS
    client = Client(base_url=base_url, request=Request(timeout=timeout))
    return BlueskyPublisher(
        channel_name, client, handle=handle, app_password=credentials.app_password, picture_deadline=timeout / 3
    )


def _parsed_instant(text: str | None) -> datetime | None:
    """A record's ``createdAt`` (RFC 3339, written by any client) as an aware instant; None if unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
