"""Webhook: one signed JSON POST per post, for anything evertide has no publisher for.

The request::

    POST <url>
    Content-Type: application/json
    Idempotency-Key: <the entry's idempotency key, the same on every retry>
    X-Evertide-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with the channel secret>

    {"entry_id": 17, "channel": "hook", "text": "...", "url": "https://...", "item_id": 4}

The receiver's side of the contract: answer 2xx (optionally ``{"id": "..."}``) when it took the post,
409 when it already took this ``Idempotency-Key`` (or the same 2xx again), 429 with ``Retry-After`` to
slow us down, 5xx when it is failing and 4xx when it refuses the post. Because receivers deduplicate by
the key, a retry after a crash is safe, and :meth:`WebhookPublisher.find_published` has nothing to ask.

Messages name only the URL's origin: webhook paths often embed a token.
"""

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import httpx

from scheduler.config import WebhookChannel
from scheduler.publishers.base import OutgoingPost, Published
from scheduler.publishers.errors import AuthFailed, PublishError, RateLimited, Rejected, Unavailable
from scheduler.publishers.resets import from_retry_after
from scheduler.publishers.transport import origin

SIGNATURE_HEADER = "X-Evertide-Signature"


def signature(secret: str, body: bytes) -> str:
    """The ``X-Evertide-Signature`` value a receiver recomputes to check the body came from us."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def utc_now() -> datetime:
    return datetime.now(UTC)


class WebhookPublisher:
    """POSTs to ``url`` with an httpx client; signs when the channel has a ``secret``."""

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
        self._secret = secret
        self._clock = clock  # only for a Retry-After in seconds from a server that sends no Date header
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
        headers = {"Content-Type": "application/json", "Idempotency-Key": post.idempotency_key}
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = signature(self._secret, body)
        response = self._send("POST", content=body, headers=headers)
        if response.status_code == 409:
            return Published(post.idempotency_key, already_existed=True)
        if response.is_success:
            return Published(_remote_id(response) or post.idempotency_key)
        raise self._refusal(response)

    def find_published(self, post: OutgoingPost) -> Published | None:
        """Always ``None``: the receiver deduplicates the retry by ``Idempotency-Key``."""
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
        where = origin(self._url)
        try:
            return self._http.request(method, self._url, **kwargs)  # type: ignore[arg-type]
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
                hint="Check that the receiver uses the same secret as the channel's secret: variable.",
            )
        return Rejected(self._channel, f"{where} refused the post ({status}): {response.text[:200]}")


def _remote_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    remote = body.get("id") if isinstance(body, dict) else None
    return str(remote) if remote not in (None, "") else None


def build(channel_name: str, channel: WebhookChannel, *, timeout: float, base_dir: Path) -> WebhookPublisher:
    secret = channel.secret.reveal() if channel.secret is not None else None
    return WebhookPublisher(channel_name, channel.url.resolve(), secret=secret, timeout=timeout)
