"""Webhook: one JSON POST per post, signed per the Standard Webhooks spec (standardwebhooks.com), for
anything evertide has no publisher for. Svix's, Zapier's and the ``standardwebhooks`` libraries verify it.

The request::

    POST <url>
    Content-Type: application/json
    webhook-id: <the entry's idempotency key: the same on every retry, also after a restart>
    webhook-timestamp: <integer Unix seconds when this call was made>
    webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">  (with a secret)
    Idempotency-Key: <the same value as webhook-id>

    {"entry_id": 17, "channel": "hook", "text": "...", "url": "https://...?utm_content=17", "item_id": 4}

``url`` is the link the text carries, with its UTM tags (:mod:`scheduler.dispatch.posted_links`).

The HMAC key: a secret starting ``whsec_`` is base64 after the prefix, as the spec says; any other secret
is used as its UTF-8 bytes. (The ``standardwebhooks`` library base64-decodes every *string* secret, so a
receiver with a plain secret hands it the secret's UTF-8 bytes instead.) Because the timestamp is signed,
a receiver that refuses stale timestamps (the libraries allow 5 minutes) cannot be sent a captured request
again later. The signature of 0.1's ``X-Evertide-Signature: sha256=…`` header covered the body only, so it
is no longer sent.

The receiver's side of the contract: answer 2xx (optionally ``{"id": "..."}``) when it took the post,
409 when it already took this ``webhook-id`` (or the same 2xx again), 429 with ``Retry-After`` to slow us
down, 5xx when it is failing and 4xx when it refuses the post. Delivery is at-least-once: a call whose
answer was lost (a timeout, a crash) is sent again with the same id and a new timestamp and signature,
so receivers deduplicate on ``webhook-id``; :meth:`WebhookPublisher.find_published` has nothing to ask.

Messages name only the URL's origin: webhook paths often embed a token; they never hold the secret.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import httpx

from scheduler.config import WebhookChannel
from scheduler.config.values import web_url_problem
from scheduler.publishers.base import OutgoingPost, Published
from scheduler.publishers.errors import (
    AuthFailed,
    ChannelMisconfigured,
    PublishError,
    RateLimited,
    Rejected,
    Unavailable,
)
from scheduler.publishers.resets import from_retry_after
from scheduler.publishers.transport import origin

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
WHSEC_PREFIX = "whsec_"


def signing_key(secret: str) -> bytes:
    """The HMAC key for ``secret``: base64-decoded after a ``whsec_`` prefix (unpadded base64 too, as the
    ``standardwebhooks`` library accepts it), else the secret's UTF-8 bytes. Raises ``ValueError`` for a
    ``whsec_`` secret that is empty or not base64; the message never holds the secret."""
    if not secret.startswith(WHSEC_PREFIX):
        return secret.encode()
    encoded = secret.removeprefix(WHSEC_PREFIX)
    try:
        # Strict, unlike the library (which skips characters outside the alphabet): a mistyped secret
        # must stop the channel, not sign with a key the receiver may derive differently.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("a secret starting with whsec_ must be base64 after the prefix") from None
    if not key:
        raise ValueError("a secret starting with whsec_ must have a base64 key after the prefix")
    return key


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,`` and the base64 HMAC-SHA256 of ``id.timestamp.body``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def utc_now() -> datetime:
    return datetime.now(UTC)


class WebhookPublisher:
    """POSTs to ``url`` with an httpx client; signs when the channel has a ``secret``. Raises
    :class:`ChannelMisconfigured` for a ``whsec_`` secret that is not base64."""

    kind: ClassVar[str] = "webhook"

    def __init__(
        self,
        channel: str,
        url: str,
        *,
        secret: str | None,
        timeout: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._channel = channel
        self._url = url
        try:
            self._key = signing_key(secret) if secret is not None else None
        except ValueError as error:
            raise ChannelMisconfigured(channel, f"the webhook secret is unusable: {error}") from None
        # Stamps each call (webhook-timestamp) and dates a Retry-After in seconds when the server sends no Date.
        self._clock = clock
        self._http = httpx.Client(timeout=timeout)

    def __repr__(self) -> str:
        return f"WebhookPublisher(channel={self._channel!r}, to={origin(self._url)!r})"

    def publish(self, post: OutgoingPost) -> Published:
        body = json.dumps(
            {
                "entry_id": post.entry_id,
                "channel": post.channel,
                "text": post.text,
                "url": post.url,
                "item_id": post.item_id,
            },
            ensure_ascii=False,
        ).encode()
        message_id = post.idempotency_key
        timestamp = int(self._clock().timestamp())  # read at each call, so a retry is signed afresh
        headers = {
            "Content-Type": "application/json",
            ID_HEADER: message_id,
            TIMESTAMP_HEADER: str(timestamp),
            "Idempotency-Key": message_id,
        }
        if self._key is not None:
            headers[SIGNATURE_HEADER] = signature(self._key, message_id, timestamp, body)
        response = self._send("POST", content=body, headers=headers)
        if response.status_code == 409:
            return Published(post.idempotency_key, already_existed=True)
        if response.is_success:
            return Published(_remote_id(response) or post.idempotency_key)
        raise self._refusal(response)

    def find_published(self, post: OutgoingPost) -> Published | None:
        """Always ``None``: the receiver deduplicates the retry on ``webhook-id``."""
        return None

    def check(self) -> str:
        """An unsigned ``OPTIONS`` request: any answer below 500 shows the receiver is there."""
        response = self._send("OPTIONS")
        if response.status_code >= 500:
            raise self._refusal(response)
        return f"webhook at {origin(self._url)} (answered {response.status_code})"

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, **kwargs: object) -> httpx.Response:
        """The receiver's answer, its body read up to :data:`MAX_REPLY_BYTES` and no further: a receiver
        that answers 400 MB (seen: 1.15 GB of memory) gets its first megabyte read, the rest left unread."""
        where = origin(self._url)
        try:
            request = self._http.build_request(method, self._url, **kwargs)  # type: ignore[arg-type]
            response = self._http.send(request, stream=True)
            try:
                kept = bytearray()
                for chunk in response.iter_bytes():
                    kept += chunk[: MAX_REPLY_BYTES - len(kept)]
                    if len(kept) >= MAX_REPLY_BYTES:
                        break
            finally:
                response.close()
            headers = {k: v for k, v in response.headers.items() if k not in ("content-encoding", "content-length")}
            return httpx.Response(response.status_code, headers=headers, content=bytes(kept), request=request)
        except httpx.TimeoutException as error:
            raise Unavailable(self._channel, f"{where} did not answer in time") from error
        except httpx.HTTPError as error:
            raise Unavailable(self._channel, f"could not reach {where}: {type(error).__name__}") from error

    def _refusal(self, response: httpx.Response) -> PublishError:
        where, status = origin(self._url), response.status_code
        if status == 429:
            retry_at = from_retry_after(response.headers, fallback_now=self._clock())
            return RateLimited(self._channel, f"{where} asked us to slow down (429)", retry_at=retry_at)
        if status >= 500:
            return Unavailable(self._channel, f"{where} is failing ({status})")
        if status in (401, 403):
            return AuthFailed(
                self._channel,
                f"{where} refused the request ({status})",
                hint=(
                    "Check that the receiver verifies Standard Webhooks signatures (webhook-signature) with the "
                    "same secret as the channel's secret: variable, and that both machines' clocks are right."
                ),
            )
        return Rejected(self._channel, f"{where} refused the post ({status}): {response.text[:200]}")


MAX_REPLY_BYTES = 1_000_000


def _remote_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    remote = body.get("id") if isinstance(body, dict) else None
    return str(remote) if remote not in (None, "") else None


def build(channel_name: str, channel: WebhookChannel, *, timeout: float, base_dir: Path) -> WebhookPublisher:
    secret = channel.secret.reveal() if channel.secret is not None else None
    url = channel.url.resolve()
    problem = web_url_problem(url)
    if problem:  # a url made from ${VAR}s: only now known; said without its value, which may hold a token
        raise ChannelMisconfigured(channel_name, f"channels.{channel_name}.url ({channel.url}) {problem}")
    return WebhookPublisher(channel_name, url, secret=secret, timeout=timeout)
